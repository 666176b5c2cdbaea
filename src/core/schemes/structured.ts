/**
 * Structured schemes: deterministic index functions and element-wise / row-wise random fills that
 * stream (no whole-tensor computation). Canonical names (framework namespaces alias to these):
 *   eye (alias identity)      gain                      2-D gain * I, non-square allowed
 *   uniform_scaling           value                     2-D value * I (identity times a constant)
 *   dirac                     groups                    3..5-D, 1 at the kernel centre size//2 (torch.dirac_)
 *   zero_init (alias zero)    -                         ZerO: partial identity or scaled Hadamard
 *   bilinear                  -                         Caffe BilinearFiller upsampling kernel
 *   diagonal                  value                     Caffe2 DiagonalFill
 *   range                     start, step               Caffe2 RangeFill (data[i] = i)
 *   lengths_range             lengths                   Caffe2 LengthsRangeFill
 *   given                     values                    Caffe2 GivenTensorFill
 *   norm_param                role                      BatchNorm/LayerNorm/GroupNorm/InstanceNorm parameters
 *   positive_unitball         -                         Caffe: U(0,1), then rows (dim 0) divided by their sum
 *   sparse_bernoulli          mean, std, sparse         Caffe gaussian filler with `sparse`: N(mean,std^2) * Bernoulli(sparse/shape[0])
 * Conv-shaped schemes read (out, in, *k) under layout torch/caffe and (*k, in, out) under layout keras.
 */
import { define, type SchemeContext } from './registry.ts';
import type { Field } from '../field.ts';
import { constField, indexField, normalField } from '../fields.ts';
import { RecipeError } from '../errors.ts';
import { kernels } from '../kernels/index.ts';
import { bernoulli } from '../kernels/scalar.ts';
import { STREAM } from '../rng/keys.ts';
import type { Layout } from '../fans.ts';

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

/** Which axes are out, in and spatial for a conv-shaped weight under a layout. */
export function convAxes(rank: number, layout: Layout): { out: number; in: number; spatial: number[] } {
  if (layout === 'keras') return { out: rank - 1, in: rank - 2, spatial: Array.from({ length: rank - 2 }, (_, d) => d) };
  return { out: 0, in: 1, spatial: Array.from({ length: rank - 2 }, (_, d) => d + 2) };
}

/**
 * Index field over (o, i, centred) of a conv-shaped tensor: value(o, i) where every spatial index is at
 * `centre(k)` of its axis, 0 elsewhere. Rank 2 has no spatial axes (always centred).
 */
export function convCentreField(ctx: SchemeContext, centre: (k: number) => number, value: (o: number, i: number) => number): Field {
  const shape = ctx.shape, rank = shape.length;
  const ax = convAxes(rank, ctx.layout);
  const st = stridesOf(shape);
  const centres = ax.spatial.map((d) => centre(shape[d]!));
  return indexField(ctx, (t) => {
    for (let s = 0; s < ax.spatial.length; s++) {
      const d = ax.spatial[s]!;
      if (Math.floor(t / st[d]!) % shape[d]! !== centres[s]) return 0;
    }
    const o = Math.floor(t / st[ax.out]!) % shape[ax.out]!;
    const i = Math.floor(t / st[ax.in]!) % shape[ax.in]!;
    return value(o, i);
  });
}

const round = (ctx: SchemeContext, v: number): number => (ctx.precision === 'f32' ? Math.fround(v) : v);

define({
  name: 'eye', aliases: ['identity'], framework: 'weightinit', family: 'structured',
  description: 'gain times the identity matrix; non-square allowed (ones on the main diagonal r == c).',
  formula: 'w[r][c] = gain if r == c else 0', references: ['torch.nn.init.eye_', 'keras.initializers.Identity'],
  params: { gain: { type: 'number', description: 'value on the diagonal', default: 1 } },
  minRank: 2, maxRank: 2,
  compile: (ctx) => {
    const cols = ctx.shape[1]!, g = round(ctx, ctx.params.gain);
    return indexField(ctx, (t) => (Math.floor(t / cols) === t % cols ? g : 0));
  },
  theory: () => ({ density: 'discrete' }),
});

define({
  name: 'uniform_scaling', framework: 'weightinit', family: 'structured',
  description: 'The identity times a constant (a "UniformScaling" value * I); non-square allowed.',
  formula: 'w[r][c] = value if r == c else 0', references: ['Julia LinearAlgebra.UniformScaling'],
  params: { value: { type: 'number', description: 'the constant on the diagonal', default: 1 } },
  minRank: 2, maxRank: 2,
  compile: (ctx) => {
    const cols = ctx.shape[1]!, v = round(ctx, ctx.params.value);
    return indexField(ctx, (t) => (Math.floor(t / cols) === t % cols ? v : 0));
  },
  theory: () => ({ density: 'discrete' }),
});

define({
  name: 'dirac', framework: 'weightinit', family: 'structured',
  description: 'Dirac delta for convolutions (identity of the input channels, per group), as torch.nn.init.dirac_: 1 at w[g*out_per_group + d, d, centre...] for d < min(out_per_group, in), centre = size // 2 on every spatial axis.',
  formula: 'w[o][i][k..] = 1 if i == o mod (out/groups) and k == size//2 on every spatial axis, else 0',
  references: ['torch.nn.init.dirac_'],
  params: { groups: { type: 'integer', description: 'number of groups; must divide the out-channel dimension', default: 1, minimum: 1 } },
  minRank: 3, maxRank: 5,
  compile: (ctx) => {
    const ax = convAxes(ctx.shape.length, ctx.layout);
    const out = ctx.shape[ax.out]!, groups = ctx.params.groups as number;
    if (out % groups !== 0) throw new RecipeError('impossible', 'params.groups', `must divide the out-channel dimension (${out})`, groups);
    const per = out / groups;
    return convCentreField(ctx, (k) => Math.floor(k / 2), (o, i) => (o % per === i ? 1 : 0));
  },
  theory: () => ({ density: 'discrete' }),
});

/** popcount parity: entry (r, c) of the Sylvester Hadamard matrix is (-1)^popcount(r & c). */
function hadamardSign(r: number, c: number): number {
  let x = (r & c) >>> 0, p = 0;
  while (x) { p ^= 1; x &= x - 1; }
  return p ? -1 : 1;
}

define({
  name: 'zero_init', aliases: ['zero_o', 'zer_o'], framework: 'weightinit', family: 'structured',
  description: 'ZerO initialization (Zhao et al. 2021): deterministic, from the out x in matrix (m = out, n = in): if m <= n the partial identity I(m, n); if m > n, I(m,p) H_p I(p,n) / sqrt(p) with p = 2^ceil(log2 m) and H_p the Sylvester Hadamard matrix. Conv weights (rank 3..5) get that matrix at the spatial centre size//2 (zeros elsewhere).',
  formula: 'm <= n: w[o][i] = [o == i];  m > n: w[o][i] = (-1)^popcount(o & i) / sqrt(p), p = 2^ceil(log2 m)',
  references: ['Zhao et al., ZerO Initialization, arXiv 2110.12661', 'jiaweizzhao/ZerO-initialization example_mnist.ipynb'],
  params: {},
  minRank: 2, maxRank: 5,
  compile: (ctx) => {
    const ax = convAxes(ctx.shape.length, ctx.layout);
    const m = ctx.shape[ax.out]!, n = ctx.shape[ax.in]!;
    if (m <= n) return convCentreField(ctx, (k) => Math.floor(k / 2), (o, i) => (o === i ? 1 : 0));
    let p = 1;
    while (p < m) p *= 2;
    const h = round(ctx, 1 / Math.sqrt(p));
    return convCentreField(ctx, (k) => Math.floor(k / 2), (o, i) => hadamardSign(o, i) * h);
  },
  theory: () => ({ density: 'discrete' }),
});

define({
  name: 'bilinear', framework: 'caffe', family: 'structured',
  description: 'Bilinear upsampling kernel (Caffe BilinearFiller): the same K x K kernel in every (out, in) slice; for a Deconvolution with group = num_output = C, kernel 2f - f%2, stride f. Needs a 4-D weight with equal spatial dims ((out, in, K, K), or (K, K, in, out) under layout keras). Computed in float64, rounded once.',
  formula: 'f = ceil(K/2), c = (K-1)/(2f), w = (1 - |x/f - c|) (1 - |y/f - c|), x = column, y = row of the kernel',
  references: ['BVLC/caffe include/caffe/filler.hpp BilinearFiller'],
  params: {},
  minRank: 4, maxRank: 4,
  compile: (ctx) => {
    const s = ctx.shape, keras = ctx.layout === 'keras';
    const [hAx, wAx] = keras ? [0, 1] : [2, 3];
    const K = s[wAx]!;
    if (s[hAx] !== K) throw new RecipeError('impossible', 'shape', `bilinear needs equal kernel height and width (shape[${hAx}] == shape[${wAx}])`, s);
    const f = Math.ceil(K / 2), c = (K - 1) / (2 * f);
    const st = stridesOf(s);
    return indexField(ctx, (t) => {
      const x = Math.floor(t / st[wAx]!) % K, y = Math.floor(t / st[hAx]!) % K;
      return round(ctx, (1 - Math.abs(x / f - c)) * (1 - Math.abs(y / f - c)));
    });
  },
  theory: () => ({ density: 'discrete' }),
});

define({
  name: 'diagonal', framework: 'caffe2', family: 'structured',
  description: 'Caffe2 DiagonalFill: zeros with `value` on the diagonal. 2-D: step cols+1 (non-square allowed); rank > 2: all dims must be equal and step = 1 + sum_{k=1}^{rank-1} d^k. Element i gets value when i % step == 0; as in the Caffe2 code, a tall 2-D matrix wraps around (shape [4, 2]: flat 0, 3, 6), it is not a true diagonal.',
  formula: 'w[i] = value if i mod step == 0 else 0', references: ['caffe2/operators/filler_op.h DiagonalFillOp'],
  params: { value: { type: 'number', description: 'diagonal value (Caffe2 default 0; canonical default 1)', default: 1 } },
  minRank: 2,
  compile: (ctx) => {
    const s = ctx.shape;
    let step: number;
    if (s.length === 2) step = s[1]! + 1;
    else {
      if (s.some((d) => d !== s[0])) throw new RecipeError('impossible', 'shape', 'diagonal with rank > 2 needs all dimensions equal', s);
      step = 1;
      let p = 1;
      for (let k = 1; k < s.length; k++) { p *= s[0]!; step += p; }
    }
    const v = round(ctx, ctx.params.value);
    return indexField(ctx, (t) => (t % step === 0 ? v : 0));
  },
  theory: () => ({ density: 'discrete' }),
});

define({
  name: 'range', framework: 'caffe2', family: 'structured',
  description: 'Caffe2 RangeFill: element i gets start + i * step (flat index; for debugging).',
  formula: 'w[i] = start + i * step', references: ['caffe2/operators/filler_op.h RangeFillOp'],
  params: {
    start: { type: 'number', description: 'value of element 0', default: 0 },
    step: { type: 'number', description: 'increment per element', default: 1 },
  },
  compile: (ctx) => { const { start, step } = ctx.params; return indexField(ctx, (t) => round(ctx, start + t * step)); },
  theory: () => ({ density: 'discrete' }),
});

define({
  name: 'lengths_range', framework: 'caffe2', family: 'structured',
  description: 'Caffe2 LengthsRangeFill: range(0, len) for each length, concatenated; e.g. lengths [2,4,1] -> [0,1,0,1,2,3,0]. The tensor must have sum(lengths) elements.',
  formula: 'w = concat(range(l) for l in lengths)', references: ['caffe2/operators/lengths_range_fill_op.h'],
  params: { lengths: { type: 'integer[]', description: 'segment lengths (>= 0)', required: true, minimum: 0 } },
  compile: (ctx) => {
    const lengths = ctx.params.lengths as number[];
    const starts: number[] = [];
    let total = 0;
    for (const l of lengths) { starts.push(total); total += l; }
    const n = prod(ctx.shape);
    if (total !== n) throw new RecipeError('impossible', 'params.lengths', `must sum to the number of elements (${n})`, total);
    return indexField(ctx, (t) => {
      let lo = 0, hi = starts.length - 1; // last segment with start <= t (skips empty segments)
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid]! <= t) lo = mid; else hi = mid - 1; }
      return t - starts[lo]!;
    });
  },
  theory: () => ({ density: 'discrete' }),
});

define({
  name: 'given', aliases: ['given_tensor'], framework: 'caffe2', family: 'structured',
  description: 'Caffe2 GivenTensorFill: the values listed in params.values, in row-major order (their count must equal the number of elements), rounded to the dtype.',
  formula: 'w[i] = values[i]', references: ['caffe2/operators/given_tensor_fill_op.h'],
  params: { values: { type: 'number[]', description: 'all values, row-major', required: true } },
  compile: (ctx) => {
    const values = ctx.params.values as number[];
    const n = prod(ctx.shape);
    if (values.length !== n) throw new RecipeError('impossible', 'params.values', `must have exactly as many values as elements (${n})`, values.length);
    return indexField(ctx, (t) => values[t]!);
  },
  theory: () => ({ density: 'discrete' }),
});

const NORM_ROLES = ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'] as const;
define({
  name: 'norm_param', aliases: ['norm_layer'], framework: 'weightinit', family: 'norm',
  description: 'Parameters and buffers of batch/layer/instance/group norm layers as every framework initializes them: weight (gamma) 1, bias (beta) 0, running_mean (moving_mean) 0, running_var (moving_variance) 1, num_batches_tracked 0.',
  formula: 'weight, running_var: 1; bias, running_mean, num_batches_tracked: 0',
  references: ['torch.nn.modules.batchnorm', 'torch.nn.LayerNorm', 'keras.layers.BatchNormalization'],
  params: { role: { type: 'string', description: 'which parameter', default: 'weight', enum: NORM_ROLES } },
  compile: (ctx) => constField(ctx, ctx.params.role === 'weight' || ctx.params.role === 'running_var' ? 1 : 0),
  theory: (ctx) => { const v = ctx.params.role === 'weight' || ctx.params.role === 'running_var' ? 1 : 0; return { mean: v, std: 0, min: v, max: v, density: 'discrete' }; },
});

define({
  name: 'positive_unitball', framework: 'caffe', family: 'structured',
  description: 'Caffe PositiveUnitballFiller: U[0,1), then each of the shape[0] rows (numel/shape[0] consecutive elements) divided by its sum, so every row sums to 1. Row sums are float64, in ascending order of the sampled values; computed per row, streaming.',
  formula: 'u ~ U[0,1); w[r][j] = u[r][j] / sum_j u[r][j]', references: ['BVLC/caffe include/caffe/filler.hpp PositiveUnitballFiller'],
  params: {},
  minRank: 1,
  compile: (ctx) => {
    const rows = ctx.shape[0]!, n = prod(ctx.shape);
    if (n === 0) return constField(ctx, 0);
    const len = n / rows;
    const f64 = ctx.precision === 'f64';
    const buf = f64 ? new Float64Array(Math.min(len, 65536)) : new Float32Array(Math.min(len, 65536));
    const fillU = (s: number, k: number, out: Float32Array | Float64Array) => (f64
      ? kernels().uniformF64(ctx.key, STREAM.main, s, k, 0, 1, out as Float64Array)
      : kernels().uniformF32(ctx.key, STREAM.main, s, k, 0, 1, out as Float32Array));
    const sums = new Map<number, number>(); // small memo: a chunk touches at most a few partial rows
    const rowSum = (r: number): number => {
      let s = sums.get(r);
      if (s !== undefined) return s;
      s = 0;
      for (let o = 0; o < len; o += buf.length) {
        const k = Math.min(buf.length, len - o);
        fillU(r * len + o, k, buf);
        for (let j = 0; j < k; j++) s += buf[j]!;
      }
      if (sums.size > 64) sums.clear();
      sums.set(r, s);
      return s;
    };
    return {
      precision: ctx.precision,
      fill: (s, k, out) => {
        fillU(s, k, out);
        let r = -1, sum = 1;
        for (let j = 0; j < k; j++) {
          const rr = Math.floor((s + j) / len);
          if (rr !== r) { r = rr; sum = rowSum(r); }
          out[j] = sum > 0 ? out[j]! / sum : 0;
        }
      },
    };
  },
  theory: (ctx) => { const n = prod(ctx.shape), rows = ctx.shape[0]!; return { mean: rows ? rows / n : 0, min: 0, max: 1, density: 'other' }; },
});

define({
  name: 'sparse_bernoulli', framework: 'caffe', family: 'sparse',
  description: 'Caffe gaussian filler with `sparse`: N(mean, std^2) times an independent Bernoulli(p) mask, p = sparse / shape[0] (sparse = expected number of non-zero weights per input). Mask words come from stream sparseRank; streaming, no exact count.',
  formula: 'w = N(mean, std^2) * Bernoulli(sparse / shape[0])', references: ['BVLC/caffe include/caffe/filler.hpp GaussianFiller'],
  params: {
    mean: { type: 'number', description: 'mean', default: 0 },
    std: { type: 'number', description: 'standard deviation', default: 1, minimum: 0 },
    sparse: { type: 'number', description: 'expected non-zeros per input (Caffe `sparse`), <= shape[0]', required: true, minimum: 0 },
  },
  minRank: 1,
  compile: (ctx) => {
    const outputs = ctx.shape[0]!;
    const p = outputs === 0 ? 0 : ctx.params.sparse / outputs;
    if (p > 1) throw new RecipeError('impossible', 'params.sparse', `must be <= shape[0] (${outputs}): it is the expected number of non-zeros among shape[0] outputs`, ctx.params.sparse);
    const base = normalField(ctx, ctx.params.mean, ctx.params.std);
    const mask = ctx.precision === 'f64' ? new Float64Array(0) : new Float32Array(0);
    let m: Float32Array | Float64Array = mask;
    return {
      precision: ctx.precision,
      fill: (s, k, out) => {
        base.fill(s, k, out);
        if (m.length < k) m = ctx.precision === 'f64' ? new Float64Array(k) : new Float32Array(k);
        bernoulli(ctx.key, STREAM.sparseRank, s, k, p, m);
        for (let j = 0; j < k; j++) if (m[j] === 0) out[j] = 0;
      },
    };
  },
  theory: (ctx) => {
    const p = ctx.shape[0] ? ctx.params.sparse / ctx.shape[0] : 0;
    const { mean, std } = ctx.params;
    return { mean: p * mean, std: Math.sqrt(p * (std * std + mean * mean) - (p * mean) ** 2), density: 'other' };
  },
});
