/**
 * Whole-tensor schemes: each value depends on many others, so the tensor is computed once per
 * compiled recipe (arrayField, cached with the recipe) and served by index; a slice is therefore the
 * same region of the whole. Sizes are bounded by whole-limits.ts (RecipeError too_large).
 * Canonical names (framework namespaces alias to these):
 *   orthogonal         gain, column_axis     QR of a Gaussian matrix with sign(diag R) correction
 *   delta_orthogonal   gain                  orthogonal (in x out) at the kernel centre (k-1)//2 (Xiao et al. 2018, JAX)
 *   sparse             sparsity, std         torch.nn.init.sparse_: exact ceil(sparsity*rows) zeros per column
 *   dirichlet          alpha, axis, log_space every 1-D slice along `axis` ~ Dirichlet(alpha)
 *   unique_uniform_int min, max, avoid       Caffe2 UniqueUniformFill: distinct integers of [min, max] \ avoid
 */
import { define, type SchemeContext } from './registry.ts';
import type { Field } from '../field.ts';
import { arrayField, constField, wholeField } from '../fields.ts';
import { RecipeError } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import { rawWords } from '../kernels/scalar.ts';
import { gammaConsts, logGammaF32, logGammaF64 } from '../kernels/gamma.ts';
import { expf, logf } from '../math/f32.ts';
import { exp64, log64 } from '../math/f64.ts';
import { STREAM } from '../rng/keys.ts';
import { orthogonalFromGaussian } from '../linalg.ts';
import { checkQrWork, checkWholeSize } from '../whole-limits.ts';
import { convAxes, convCentreField } from './structured.ts';

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
const newArray = (ctx: SchemeContext, n: number): Float32Array | Float64Array => (ctx.precision === 'f64' ? new Float64Array(n) : new Float32Array(n));

/** N(0,1) samples 0..n-1 of stream main in the recipe's sampling precision, widened to float64. */
function gaussian64(ctx: SchemeContext, n: number): Float64Array {
  if (ctx.precision === 'f64') { const g = new Float64Array(n); kernels().normalF64(ctx.key, STREAM.main, 0, n, 0, 1, g); return g; }
  const g32 = new Float32Array(n);
  kernels().normalF32(ctx.key, STREAM.main, 0, n, 0, 1, g32);
  return Float64Array.from(g32);
}

function normAxis(axis: number, rank: number, field: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new RecipeError('impossible', field, `must be an axis in [${-rank}, ${rank - 1}]`, axis);
  return axis < 0 ? axis + rank : axis;
}

define({
  name: 'orthogonal', framework: 'weightinit', family: 'orthogonal',
  description: 'A (semi-)orthogonal matrix: QR of a Gaussian matrix with the sign(diag R) correction (Haar measure), times gain. The tensor is viewed as a rows x cols matrix: column_axis null gives torch flattening (rows = shape[0], cols = the rest) under layout torch/caffe and Keras/TF.js flattening (cols = shape[-1]) under layout keras; column_axis = a gives cols = shape[a], rows = the other axes in order (JAX). rows >= cols: orthonormal columns; rows < cols: orthonormal rows (QR of the transpose, as torch). The Gaussian matrix G[r][c] is normal sample number r*cols + c (stream main, float32 for float32 dtypes); the QR runs in float64 (blocked Householder, src/core/linalg.ts) and is rounded once.',
  formula: 'G ~ N(0,1)^{rows x cols}; (Q, R) = qr(G or G^T); Q *= sign(diag R); w = gain * Q (transposed back when rows < cols)',
  references: ['torch.nn.init.orthogonal_', 'keras.initializers.Orthogonal', 'jax.nn.initializers.orthogonal', 'Saxe et al. 2013, arXiv 1312.6120', 'Mezzadri, math-ph/0609050'],
  params: {
    gain: { type: 'number', description: 'multiplier', default: 1 },
    column_axis: { type: 'integer', description: 'axis that becomes the matrix columns (JAX column_axis); null: by layout', default: null, nullable: true },
  },
  minRank: 2,
  compile: (ctx) => {
    const shape = ctx.shape, n = prod(shape);
    if (n === 0) return constField(ctx, 0);
    const axisIn = ctx.params.column_axis as number | null;
    const axis = axisIn === null ? (ctx.layout === 'keras' ? shape.length - 1 : null) : normAxis(axisIn, shape.length, 'params.column_axis');
    const cols = axis === null ? n / shape[0]! : shape[axis]!;
    const rows = n / cols;
    checkWholeSize('orthogonal', n, shape);
    checkQrWork('orthogonal', rows, cols, shape);
    const gain = ctx.params.gain as number;
    const outer = axis === null ? 0 : prod(shape.slice(0, axis)), inner = axis === null ? 1 : prod(shape.slice(axis + 1));
    return arrayField(ctx, () => {
      const q = orthogonalFromGaussian(gaussian64(ctx, n), rows, cols);
      const out = newArray(ctx, n);
      if (axis === null || inner === 1) { for (let t = 0; t < n; t++) out[t] = q[t]! * gain; return out; }
      // matrix (r, c) with r = o * inner + k  <->  tensor index (o * cols + c) * inner + k
      for (let o = 0; o < outer; o++) for (let c = 0; c < cols; c++) for (let k = 0; k < inner; k++) {
        out[(o * cols + c) * inner + k] = q[(o * inner + k) * cols + c]! * gain;
      }
      return out;
    });
  },
  // Sum of squares is exactly gain^2 * min(rows, cols) (orthonormal columns or rows): mean square gain^2 / max(rows, cols).
  theory: (ctx) => {
    const shape = ctx.shape, n = prod(shape);
    if (n === 0) return { density: 'other' };
    const a = ctx.params.column_axis as number | null;
    const cols = a === null ? (ctx.layout === 'keras' ? shape[shape.length - 1]! : n / shape[0]!) : shape[a < 0 ? a + shape.length : a] ?? 1;
    const g = Math.abs(ctx.params.gain as number);
    return { std: g / Math.sqrt(Math.max(cols, n / cols)), min: -g, max: g, density: 'other' };
  },
});

define({
  name: 'delta_orthogonal', framework: 'weightinit', family: 'orthogonal',
  description: 'Delta-orthogonal convolution kernel (Xiao et al. 2018; jax.nn.initializers.delta_orthogonal): zeros except at the spatial centre (k-1)//2 of every spatial axis, where the (in x out) matrix is gain times a row-orthonormal matrix (orthogonal of an in x out Gaussian, sample number i*out + o). Needs rank 3..5 and out >= in. Reads (out, in, *k) under layout torch/caffe and (*k, in, out) under layout keras.',
  formula: 'M = orthogonal(in x out); w[o][i][centre] = gain * M[i][o]; 0 elsewhere',
  references: ['jax.nn.initializers.delta_orthogonal', 'Xiao et al., arXiv 1806.05393'],
  params: { gain: { type: 'number', description: 'multiplier (JAX scale)', default: 1 } },
  minRank: 3, maxRank: 5,
  compile: (ctx) => {
    const ax = convAxes(ctx.shape.length, ctx.layout);
    const out = ctx.shape[ax.out]!, inn = ctx.shape[ax.in]!;
    if (out < inn) throw new RecipeError('impossible', 'shape', `delta_orthogonal needs out channels >= in channels (got out ${out}, in ${inn})`, ctx.shape);
    if (prod(ctx.shape) === 0) return constField(ctx, 0);
    checkWholeSize('delta_orthogonal', inn * out, ctx.shape);
    checkQrWork('delta_orthogonal', inn, out, ctx.shape);
    let m: Float64Array | undefined;
    const gain = ctx.params.gain as number;
    return wholeField(convCentreField(ctx, (k) => Math.floor((k - 1) / 2), (o, i) => {
      m ??= orthogonalFromGaussian(gaussian64(ctx, inn * out), inn, out);
      return m[i * out + o]! * gain;
    }));
  },
  theory: () => ({ density: 'other' }),
});

define({
  name: 'sparse', framework: 'weightinit', family: 'sparse',
  description: 'torch.nn.init.sparse_ (Martens 2010): 2-D; values N(0, std^2) (stream main), then in every column exactly ceil(sparsity * rows) entries are zero: the rows whose sort key (uint32 word of stream sparseRank at the same flat index) is smallest, ties to the lower row.',
  formula: 'w ~ N(0, std^2); per column zero the ceil(sparsity*rows) rows with the smallest keys',
  references: ['torch.nn.init.sparse_', 'Martens 2010, Deep learning via Hessian-free optimization'],
  params: {
    sparsity: { type: 'number', description: 'fraction of each column set to zero, in [0, 1)', required: true, minimum: 0, exclusiveMaximum: 1 },
    std: { type: 'number', description: 'standard deviation of the non-zero values', default: 0.01, minimum: 0 },
  },
  minRank: 2, maxRank: 2,
  compile: (ctx) => {
    const [rows, cols] = ctx.shape as [number, number];
    const n = rows * cols;
    if (n === 0) return constField(ctx, 0);
    checkWholeSize('sparse', n, ctx.shape);
    const zeros = Math.ceil(ctx.params.sparsity * rows);
    return arrayField(ctx, () => {
      const out = newArray(ctx, n);
      if (ctx.precision === 'f64') kernels().normalF64(ctx.key, STREAM.main, 0, n, 0, ctx.params.std, out as Float64Array);
      else kernels().normalF32(ctx.key, STREAM.main, 0, n, 0, ctx.params.std, out as Float32Array);
      const keys = new Uint32Array(n);
      rawWords(ctx.key, STREAM.sparseRank, 0, n, keys);
      const order = new Uint32Array(rows);
      const colKeys = new Uint32Array(rows);
      for (let c = 0; c < cols; c++) {
        for (let r = 0; r < rows; r++) { order[r] = r; colKeys[r] = keys[r * cols + c]!; }
        order.sort((a, b) => colKeys[a]! - colKeys[b]! || a - b);
        for (let z = 0; z < zeros; z++) out[order[z]! * cols + c] = 0;
      }
      return out;
    });
  },
  theory: (ctx) => {
    const rows = ctx.shape[0]!, keep = rows ? (rows - Math.ceil(ctx.params.sparsity * rows)) / rows : 0;
    return { mean: 0, std: ctx.params.std * Math.sqrt(keep), density: 'other' };
  },
});

define({
  name: 'dirichlet', framework: 'weightinit', family: 'dirichlet',
  description: 'Every 1-D slice along `axis` is a Dirichlet(alpha) sample: element i gets a Gamma(alpha_k, 1) sample (k = its index along axis; Marsaglia-Tsang on per-element substreams, src/core/kernels/gamma.ts), each slice is divided by its sum (computed from log-gammas with max subtraction, so tiny alpha cannot underflow to 0/0). alpha is symmetric; alphas gives one value per position along axis. log_space stores log of the probabilities.',
  formula: 'g_i ~ Gamma(alpha_k, 1); w_i = g_i / sum_{slice} g_j  (log_space: log w_i)',
  references: ['deeprob-org/deeprob-kit deeprob/torch/initializers.py dirichlet_', 'Marsaglia & Tsang 2000'],
  params: {
    alpha: { type: 'number', description: 'symmetric concentration (every component)', default: 1, exclusiveMinimum: 0 },
    alphas: { type: 'number[]', description: 'per-component concentrations, shape[axis] values > 0 (overrides alpha)', default: null, nullable: true, exclusiveMinimum: 0 },
    axis: { type: 'integer', description: 'axis along which slices sum to 1', default: -1 },
    log_space: { type: 'boolean', description: 'store log-probabilities', default: false },
  },
  minRank: 1,
  compile: (ctx) => {
    const shape = ctx.shape, n = prod(shape);
    const axis = normAxis(ctx.params.axis, shape.length, 'params.axis');
    const K = shape[axis]!;
    const alpha = (ctx.params.alphas as number[] | null) ?? [ctx.params.alpha as number];
    if (ctx.params.alphas && alpha.length !== K) throw new RecipeError('impossible', 'params.alphas', `must have shape[axis] = ${K} values`, alpha.length);
    if (n === 0) return constField(ctx, 0);
    checkWholeSize('dirichlet', n, shape);
    const inner = prod(shape.slice(axis + 1)), outer = n / (K * inner);
    const f32 = ctx.precision === 'f32', logSpace = ctx.params.log_space as boolean;
    const consts = alpha.map((a) => gammaConsts(a, ctx.precision));
    const f = Math.fround;
    return arrayField(ctx, () => {
      const out = newArray(ctx, n);
      const lg = new Float64Array(K), e = new Float64Array(K);
      for (let o = 0; o < outer; o++) for (let in_ = 0; in_ < inner; in_++) {
        const base = o * K * inner + in_;
        let mx = -Infinity;
        for (let k = 0; k < K; k++) {
          const g = consts[alpha.length === 1 ? 0 : k]!;
          const v = f32 ? logGammaF32(ctx.key, base + k * inner, g) : logGammaF64(ctx.key, base + k * inner, g);
          lg[k] = v;
          if (v > mx) mx = v;
        }
        // e[k] = exp(log g_k - max) <= 1; s = their float64 sum in ascending k (>= 1).
        let s = 0;
        for (let k = 0; k < K; k++) { const x = f32 ? expf(f(lg[k]! - mx)) : exp64(lg[k]! - mx); e[k] = x; s += x; }
        if (!logSpace) {
          for (let k = 0; k < K; k++) out[base + k * inner] = f32 ? f(e[k]! / s) : e[k]! / s;
        } else {
          const logS = f32 ? logf(f(s)) : log64(s);
          for (let k = 0; k < K; k++) out[base + k * inner] = f32 ? f(f(lg[k]! - mx) - logS) : (lg[k]! - mx) - logS;
        }
      }
      return out;
    });
  },
  theory: (ctx) => {
    const shape = ctx.shape, axis = ctx.params.axis < 0 ? ctx.params.axis + shape.length : ctx.params.axis;
    const K = shape[axis] ?? 1;
    return ctx.params.log_space ? { max: 0, density: 'other' } : { mean: 1 / K, min: 0, max: 1, density: 'other' };
  },
});

define({
  name: 'unique_uniform_int', framework: 'caffe2', family: 'random',
  description: 'Caffe2 UniqueUniformFill: distinct integers drawn uniformly without replacement from [min, max] minus `avoid`, in random order (partial Fisher-Yates over the candidate list; step k swaps position k with k + floor(u_k (R - k)), u_k = float64 uniform k of stream aux; bias <= R/2^53). numel must be <= the number of candidates R. Values above 2^24 are not exact in float32.',
  formula: 'w = first numel entries of a uniform random permutation of {min..max} \\ avoid',
  references: ['caffe2/operators/filler_op.h UniqueUniformFillOp'],
  params: {
    min: { type: 'integer', description: 'smallest value (inclusive)', required: true },
    max: { type: 'integer', description: 'largest value (inclusive)', required: true },
    avoid: { type: 'integer[]', description: 'values that must not appear', default: [] },
  },
  compile: (ctx) => {
    const { min, max } = ctx.params as { min: number; max: number };
    if (max < min) throw new RecipeError('impossible', 'params.max', 'must be >= params.min', max);
    const avoid = [...new Set(ctx.params.avoid as number[])].filter((a) => a >= min && a <= max).sort((a, b) => a - b);
    const R = max - min + 1 - avoid.length;
    if (!Number.isSafeInteger(max - min + 1)) throw new RecipeError('impossible', 'params.max', 'max - min + 1 must be a safe integer (<= 2^53)', max);
    const n = prod(ctx.shape);
    if (n > R) throw new RecipeError('impossible', 'shape', `has ${n} elements but only ${R} distinct candidates exist in [min, max] without avoid`, ctx.shape);
    if (n === 0) return constField(ctx, 0);
    checkWholeSize('unique_uniform_int', n, ctx.shape);
    const valueOf = (t: number): number => { let v = min + t; for (const a of avoid) { if (a <= v) v++; else break; } return v; };
    return arrayField(ctx, () => {
      const u = new Float64Array(n);
      kernels().uniformF64(ctx.key, STREAM.aux, 0, n, 0, 1, u);
      const swapped = new Map<number, number>(); // virtual array of candidate positions: pos -> candidate index
      const out = newArray(ctx, n);
      for (let k = 0; k < n; k++) {
        const j = k + Math.floor(u[k]! * (R - k));
        const atJ = swapped.get(j) ?? j, atK = swapped.get(k) ?? k;
        swapped.set(j, atK);
        swapped.delete(k);
        out[k] = valueOf(atJ);
      }
      return out;
    });
  },
  theory: () => ({ density: 'discrete' }),
});

