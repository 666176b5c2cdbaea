/**
 * Whole-tensor schemes: orthogonality and the sign(diag R) correction checked against the Gaussian
 * drawn by the plain `normal` scheme (same seed, name and stream), delta_orthogonal placement,
 * exact zero counts of torch sparse, Dirichlet marginals, the gamma kernel against the Gamma CDF,
 * unique_uniform_int, spectral_norm against a Jacobi eigen-solver, limits and determinism.
 */
import t from 'tap';
import { compileRecipe, type RecipeInput } from '../../src/core/recipe.ts';
import { RecipeError } from '../../src/core/errors.ts';
import { setMaxWholeElements, maxWholeElements } from '../../src/core/whole-limits.ts';
import { gammaFill } from '../../src/core/kernels/gamma.ts';
import { deriveKey } from '../../src/core/rng/keys.ts';
import { chiSquare, gammaQ, ksTest, moments } from '../helpers/stats.ts';
import { prod, throwsField, values } from '../helpers/schemes.ts';


/** Gram matrix of the k vectors vec(j) (each of length len): max |G - gain^2 I| and Frobenius norm. */
function gramError(k: number, len: number, at: (j: number, r: number) => number, g2 = 1): { max: number; fro: number } {
  let max = 0, fro = 0;
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) {
    let s = 0;
    for (let r = 0; r < len; r++) s += at(a, r) * at(b, r);
    const e = Math.abs(s - (a === b ? g2 : 0));
    max = Math.max(max, e); fro += (a === b ? 1 : 2) * e * e;
  }
  return { max, fro: Math.sqrt(fro) };
}

t.test('orthogonal: Q^T Q = I in float32, both orientations, conv and keras shapes', async (t) => {
  const cases: [number[], string, number, number][] = [
    // shape, layout, rows, cols of the matrix view
    [[64, 32], 'torch', 64, 32], [[32, 64], 'torch', 32, 64], [[100, 100], 'torch', 100, 100],
    [[16, 8, 3, 3], 'torch', 16, 72], [[128, 4, 3, 3], 'torch', 128, 36], [[3, 3, 8, 16], 'keras', 72, 16], [[2, 50], 'keras', 2, 50],
  ];
  for (const [shape, layout, rows, cols] of cases) {
    const q = values({ scheme: 'orthogonal', shape, layout, seed: 11 });
    const at = (i: number, j: number) => q[i * cols + j]!;
    const e = rows >= cols ? gramError(cols, rows, (j, r) => at(r, j)) : gramError(rows, cols, (j, c) => at(j, c));
    t.ok(e.fro < 1e-5, `${shape} (${layout}): ||Q^T Q - I||_F = ${e.fro.toExponential(2)} < 1e-5`);
  }
  const q = values({ scheme: 'orthogonal', shape: [40, 30], params: { gain: 3 }, seed: 2 });
  t.ok(gramError(30, 40, (j, r) => q[r * 30 + j]!, 9).fro < 1e-4, 'gain 3: Q^T Q = 9 I');
});

t.test('orthogonal: R = Q^T G is upper triangular with a positive diagonal (sign correction)', async (t) => {
  for (const [rows, cols] of [[48, 20], [20, 48], [33, 33]]) {
    const r0 = { shape: [rows!, cols!], seed: 5, name: 'layer.w', dtype: 'float64' };
    const q = values({ ...r0, scheme: 'orthogonal' });
    const g = values({ ...r0, scheme: 'normal' }); // the same Gaussian (stream main, same indices)
    // rows >= cols: G = Q R, R = Q^T G (cols x cols). rows < cols: G^T = Q' R with Q' = out^T, R = out G^T.
    const k = Math.min(rows!, cols!), len = Math.max(rows!, cols!);
    const qv = (j: number, r: number) => (rows! >= cols! ? q[r * cols! + j]! : q[j * cols! + r]!);
    const gv = (j: number, r: number) => (rows! >= cols! ? g[r * cols! + j]! : g[j * cols! + r]!);
    let lower = 0, minDiag = Infinity;
    for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let r = 0; r < len; r++) s += qv(i, r) * gv(j, r);
      if (i === j) minDiag = Math.min(minDiag, s); else lower = Math.max(lower, Math.abs(s));
    }
    t.ok(lower < 1e-12, `${rows}x${cols}: below-diagonal of R ${lower.toExponential(2)}`);
    t.ok(minDiag > 0, `${rows}x${cols}: diag(R) > 0 (min ${minDiag})`);
  }
});

t.test('orthogonal: Haar moments, column_axis, zero-size, errors, limits, determinism', async (t) => {
  // Entries of a Haar n x n orthogonal matrix: mean 0, variance 1/n.
  const n = 96;
  const q = values({ scheme: 'orthogonal', shape: [n, n], seed: 77 });
  const m = moments(q);
  t.ok(Math.abs(m.mean) < 5 / n / n * Math.sqrt(n), `mean ${m.mean}`);
  t.ok(Math.abs(m.std * m.std * n - 1) < 0.01, `variance * n = ${m.std * m.std * n}`);
  // column_axis 0 on [8, 4, 5]: the 8 "columns" are slices w[c, :, :], orthonormal as 20-vectors
  const ca = values({ scheme: 'orthogonal', shape: [8, 4, 5], params: { column_axis: 0 }, seed: 4 });
  const e = gramError(8, 20, (c, r) => ca[c * 20 + r]!);
  t.ok(e.fro < 1e-5, `column_axis 0: orthonormal columns (${e.fro.toExponential(2)})`);
  t.same(Array.from(values({ scheme: 'orthogonal', shape: [0, 5] })), [], 'zero-size');
  for (const shape of [[64, 32], [16, 8, 3, 3]]) {
    const w = values({ scheme: 'orthogonal', shape, params: { gain: 2 } });
    const rms = Math.sqrt(w.reduce((a, x) => a + x * x, 0) / w.length);
    const want = 2 / Math.sqrt(Math.max(shape[0]!, w.length / shape[0]!));
    t.ok(Math.abs(rms - want) < 1e-6, `${shape}: rms ${rms} = gain / sqrt(max(rows, cols))`);
    t.ok(Math.abs(compileRecipe({ scheme: 'orthogonal', shape, params: { gain: 2 } }).theory().std! - want) < 1e-12, 'theory std');
  }
  throwsField(t, { scheme: 'orthogonal', shape: [5] }, 'shape');
  throwsField(t, { scheme: 'orthogonal', shape: [4, 4], params: { column_axis: 2 } }, 'params.column_axis');
  const old = maxWholeElements();
  setMaxWholeElements(100);
  try { throwsField(t, { scheme: 'orthogonal', shape: [20, 20], seed: 123 }, 'shape', 'too_large'); } finally { setMaxWholeElements(old); }
  // Determinism: a fresh compilation (other recipes evict the cache) gives the same bits; ranges are regions of the whole.
  const r = { scheme: 'orthogonal', shape: [30, 20], seed: 8 };
  const a = compileRecipe(r);
  const whole = new Float32Array(600); a.field.fill(0, 600, whole);
  for (let i = 0; i < 70; i++) compileRecipe({ scheme: 'zeros', shape: [i + 1] });
  const b = compileRecipe(r);
  t.not(a, b, 'recompiled');
  const part = new Float32Array(123); b.field.fill(250, 123, part);
  t.same(Array.from(part), Array.from(whole.subarray(250, 373)), 'same bits, range = region of the whole');
});

t.test('delta_orthogonal: orthogonal matrix at the centre (k-1)//2, zeros elsewhere', async (t) => {
  for (const [shape, layout] of [[[8, 4, 3, 3], 'torch'], [[6, 6, 4], 'torch'], [[3, 3, 4, 8], 'keras'], [[5, 3, 2, 2, 2], 'torch']] as [number[], string][]) {
    const w = values({ scheme: 'delta_orthogonal', shape, layout, seed: 1 });
    const rank = shape.length;
    const [oAx, iAx, sp] = layout === 'keras' ? [rank - 1, rank - 2, shape.slice(0, -2).map((_, d) => d)] : [0, 1, shape.slice(2).map((_, d) => d + 2)];
    const out = shape[oAx]!, inn = shape[iAx]!;
    const M = new Float64Array(inn * out);
    let offCentreNonZero = 0;
    const strides = shape.map((_, d) => prod(shape.slice(d + 1)));
    for (let t2 = 0; t2 < w.length; t2++) {
      const idx = shape.map((s, d) => Math.floor(t2 / strides[d]!) % s);
      const centre = sp.every((d) => idx[d] === Math.floor((shape[d]! - 1) / 2));
      if (centre) M[idx[iAx]! * out + idx[oAx]!] = w[t2]!; else if (w[t2] !== 0) offCentreNonZero++;
    }
    t.equal(offCentreNonZero, 0, `${shape}: zeros off the centre`);
    const e = gramError(inn, out, (i, o) => M[i * out + o]!);
    t.ok(e.fro < 1e-5, `${shape} (${layout}): in x out matrix has orthonormal rows (${e.fro.toExponential(2)})`);
  }
  throwsField(t, { scheme: 'delta_orthogonal', shape: [4, 8, 3] }, 'shape', 'impossible');
  throwsField(t, { scheme: 'delta_orthogonal', shape: [4, 4] }, 'shape');
});

t.test('sparse: exactly ceil(sparsity * rows) zeros in every column (torch sparse_)', async (t) => {
  for (const [rows, cols, sparsity] of [[50, 40, 0.25], [100, 30, 0.3], [7, 5, 0], [10, 3, 0.99]] as const) {
    const v = values({ scheme: 'sparse', shape: [rows, cols], params: { sparsity, std: 0.5 }, seed: 2 });
    const want = Math.ceil(sparsity * rows);
    let ok = true;
    for (let c = 0; c < cols; c++) {
      let z = 0;
      for (let r = 0; r < rows; r++) if (v[r * cols + c] === 0) z++;
      if (z !== want) { ok = false; t.fail(`column ${c}: ${z} zeros, want ${want}`); }
    }
    t.ok(ok, `${rows}x${cols} sparsity ${sparsity}: ${want} zeros per column`);
  }
  const v = values({ scheme: 'sparse', shape: [200, 100], params: { sparsity: 0.5, std: 0.01 }, seed: 3 });
  const nz = moments(v.filter((x) => x !== 0));
  t.ok(Math.abs(nz.std - 0.01) < 0.0005, `non-zero std ${nz.std} ~ 0.01`);
  throwsField(t, { scheme: 'sparse', shape: [4, 4], params: { sparsity: 1 } }, 'params.sparsity');
  throwsField(t, { scheme: 'sparse', shape: [4, 4], params: { sparsity: -0.1 } }, 'params.sparsity');
  throwsField(t, { scheme: 'sparse', shape: [4, 4] }, 'params.sparsity');
  throwsField(t, { scheme: 'sparse', shape: [4, 4, 2], params: { sparsity: 0.1 } }, 'shape');
});

t.test('gamma kernel: mean, variance and KS against the Gamma CDF', async (t) => {
  const key = deriveKey(42n, 'gamma-test');
  const n = 20000;
  for (const alpha of [0.3, 1, 2.5, 10]) {
    for (const precision of ['f32', 'f64'] as const) {
      const out = precision === 'f32' ? new Float32Array(n) : new Float64Array(n);
      gammaFill(key, precision, 0, n, alpha, out);
      const m = moments(out);
      t.ok(Math.abs(m.mean - alpha) < 5 * Math.sqrt(alpha / n), `${precision} alpha ${alpha}: mean ${m.mean.toFixed(4)}`);
      const varTol = 6 * alpha * Math.sqrt((6 / alpha + 2) / n); // sd of the sample variance ~ alpha sqrt((kurt-1)/n)
      t.ok(Math.abs(m.std * m.std - alpha) < varTol, `${precision} alpha ${alpha}: variance ${(m.std * m.std).toFixed(4)}`);
      t.ok(m.min > 0, 'positive');
      const ks = ksTest(out, (x) => (x <= 0 ? 0 : 1 - gammaQ(alpha, x)));
      t.ok(ks.p > 1e-3, `${precision} alpha ${alpha}: KS d=${ks.d.toFixed(4)} p=${ks.p.toFixed(4)}`);
    }
  }
  // substreams: element i does not depend on the range it is computed in
  const a = new Float32Array(100), b = new Float32Array(10);
  gammaFill(key, 'f32', 0, 100, 0.7, a); gammaFill(key, 'f32', 45, 10, 0.7, b);
  t.same(Array.from(b), Array.from(a.subarray(45, 55)), 'element i is the same in any range');
});

t.test('dirichlet: slices sum to 1, marginal means and variances', async (t) => {
  const alphas = [0.5, 1, 2.5];
  const A = alphas.reduce((a, b) => a + b);
  for (const [shape, axis] of [[[6000, 3], -1], [[3, 6000], 0]] as [number[], number][]) {
    const v = values({ scheme: 'dirichlet', shape, params: { alphas, axis }, seed: 12 });
    const N = 6000;
    const at = (s: number, k: number) => (axis === 0 ? v[k * N + s]! : v[s * 3 + k]!);
    let maxDev = 0;
    for (let s = 0; s < N; s++) maxDev = Math.max(maxDev, Math.abs(at(s, 0) + at(s, 1) + at(s, 2) - 1));
    t.ok(maxDev < 1e-6, `${shape} axis ${axis}: slices sum to 1 (max dev ${maxDev.toExponential(2)})`);
    for (let k = 0; k < 3; k++) {
      const xs = Array.from({ length: N }, (_, s) => at(s, k));
      const m = moments(xs);
      const mean = alphas[k]! / A, variance = alphas[k]! * (A - alphas[k]!) / (A * A * (A + 1));
      t.ok(Math.abs(m.mean - mean) < 5 * Math.sqrt(variance / N), `component ${k}: mean ${m.mean.toFixed(4)} ~ ${mean.toFixed(4)}`);
      t.ok(Math.abs(m.std * m.std - variance) < 0.1 * variance, `component ${k}: variance ${(m.std * m.std).toFixed(5)} ~ ${variance.toFixed(5)}`);
    }
  }
  // symmetric tiny alpha: no underflow to 0/0; log_space gives log-probabilities
  const tiny = values({ scheme: 'dirichlet', shape: [50, 10], params: { alpha: 0.01 }, seed: 1 });
  t.ok(tiny.every((x) => Number.isFinite(x) && x >= 0), 'alpha 0.01: finite');
  for (let s = 0; s < 50; s++) { let sum = 0; for (let k = 0; k < 10; k++) sum += tiny[s * 10 + k]!; if (Math.abs(sum - 1) > 1e-5) t.fail(`row ${s} sums to ${sum}`); }
  const lg = values({ scheme: 'dirichlet', shape: [20, 4], params: { alpha: 2, log_space: true }, dtype: 'float64', seed: 1 });
  const pr = values({ scheme: 'dirichlet', shape: [20, 4], params: { alpha: 2 }, dtype: 'float64', seed: 1 });
  t.ok(lg.every((x, i) => Math.abs(Math.exp(x) - pr[i]!) < 1e-12), 'log_space = log of the probabilities');
  throwsField(t, { scheme: 'dirichlet', shape: [4, 3], params: { alphas: [1, 2] } }, 'params.alphas');
  throwsField(t, { scheme: 'dirichlet', shape: [4, 3], params: { alpha: 0 } }, 'params.alpha');
  throwsField(t, { scheme: 'dirichlet', shape: [4, 3], params: { axis: 2 } }, 'params.axis');
});

t.test('unique_uniform_int: distinct, in range, avoiding, uniform', async (t) => {
  const full = values({ scheme: 'unique_uniform_int', shape: [18], params: { min: -5, max: 14, avoid: [0, 3, 99] }, seed: 1 });
  const expected = Array.from({ length: 20 }, (_, i) => i - 5).filter((x) => x !== 0 && x !== 3);
  t.same(Array.from(full).sort((a, b) => a - b), expected, 'a full draw is a permutation of the candidates');
  const counts = new Array(20).fill(0), first = new Array(20).fill(0);
  for (let seed = 0; seed < 200; seed++) {
    const v = values({ scheme: 'unique_uniform_int', shape: [5], params: { min: 0, max: 19 }, seed });
    t.equal(new Set(v).size, 5, undefined as any);
    for (const x of v) counts[x]++;
    first[v[0]!]++;
  }
  const cs = chiSquare(counts, new Array(20).fill(50));
  t.ok(cs.p > 1e-3, `values uniform: chi2 p=${cs.p.toFixed(4)}`);
  const fs = chiSquare(first, new Array(20).fill(10));
  t.ok(fs.p > 1e-3, `first position uniform: chi2 p=${fs.p.toFixed(4)}`);
  throwsField(t, { scheme: 'unique_uniform_int', shape: [5], params: { min: 0, max: 4, avoid: [2] } }, 'shape', 'impossible');
  throwsField(t, { scheme: 'unique_uniform_int', shape: [1], params: { min: 3, max: 2 } }, 'params.max');
  throwsField(t, { scheme: 'unique_uniform_int', shape: [1], params: { min: 0 } }, 'params.max');
});

/** Largest eigenvalue of a symmetric matrix by cyclic Jacobi rotations (independent of the power iteration under test). */
function jacobiMaxEig(a: number[][]): number {
  const n = a.length;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p]![q]! ** 2;
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      if (Math.abs(a[p]![q]!) < 1e-300) continue;
      const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
      const tt = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(tt * tt + 1), s = tt * c;
      for (let k = 0; k < n; k++) { const akp = a[k]![p]!, akq = a[k]![q]!; a[k]![p] = c * akp - s * akq; a[k]![q] = s * akp + c * akq; }
      for (let k = 0; k < n; k++) { const apk = a[p]![k]!, aqk = a[q]![k]!; a[p]![k] = c * apk - s * aqk; a[q]![k] = s * apk + c * aqk; }
    }
  }
  return Math.max(...a.map((r, i) => r[i]!));
}
const sigmaMax = (w: Float64Array, h: number, c: number) => Math.sqrt(jacobiMaxEig(Array.from({ length: c }, (_, i) => Array.from({ length: c }, (_, j) => {
  let s = 0; for (let r = 0; r < h; r++) s += w[r * c + i]! * w[r * c + j]!; return s;
}))));

t.test('spectral_norm: divides by the largest singular value, before the multiplier', async (t) => {
  const r = { scheme: 'normal', shape: [40, 12], seed: 6, dtype: 'float64' };
  const w = values(r);
  const sigma = sigmaMax(w, 40, 12);
  const sn = values({ ...r, spectral_norm: true });
  t.ok(sn.every((x, i) => Math.abs(x - w[i]! / sigma) < 1e-9), `converged: w / sigma (sigma ${sigma.toFixed(6)})`);
  const scaled = values({ ...r, spectral_norm: 'converged', multiplier: 3 });
  t.ok(scaled.every((x, i) => Math.abs(x - 3 * w[i]! / sigma) < 1e-9), 'multiplier applied after the normalization');
  t.ok(Math.abs(sigmaMax(values({ ...r, spectral_norm: 2 }), 40, 12) - 1) < 0.2, '2 power iterations: close to 1');
  const conv = values({ scheme: 'normal', shape: [6, 2, 2, 2], seed: 2, dtype: 'float64', spectral_norm: true });
  t.ok(Math.abs(sigmaMax(conv, 6, 8) - 1) < 1e-9, 'conv weight viewed as (out, in*k*k)');
  const vec = values({ scheme: 'normal', shape: [10], seed: 2, dtype: 'float64', spectral_norm: true });
  t.ok(Math.abs(Math.hypot(...vec) - 1) < 1e-12, 'rank 1: L2-normalized');
  t.same(Array.from(values({ scheme: 'zeros', shape: [3, 3], spectral_norm: true })), new Array(9).fill(0), 'zero matrix stays zero');
  const eye = values({ scheme: 'eye', shape: [3, 4], params: { gain: 5 }, spectral_norm: true });
  t.same(Array.from(eye), Array.from(values({ scheme: 'eye', shape: [3, 4] })), 'eye * 5 -> eye');
  t.not(compileRecipe({ ...r, spectral_norm: true }).id, compileRecipe(r).id, 'part of the recipe id');
  t.equal(compileRecipe({ ...r, spectral_norm: false }).id, compileRecipe(r).id, 'off = absent');
  throwsField(t, { ...r, spectral_norm: 'sometimes' }, 'spectral_norm', 'invalid');
  throwsField(t, { ...r, spectral_norm: 0.5 }, 'spectral_norm', 'invalid');
});
