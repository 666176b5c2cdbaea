/**
 * Deterministic structured schemes: exact values computed in the test from each framework's
 * definition (torch eye_/dirac_, Caffe bilinear, ZerO with a recursively built Hadamard matrix,
 * Caffe2 DiagonalFill/LengthsRangeFill/GivenTensorFill, norm-layer parameters), plus the row-wise
 * random fills (Caffe positive_unitball and gaussian+sparse).
 */
import t from 'tap';
import { compileRecipe, type RecipeInput } from '../../src/core/recipe.ts';
import { RecipeError } from '../../src/core/errors.ts';
import { binomialTwoSidedP, moments } from '../helpers/stats.ts';
import { prod, throwsField, values } from '../helpers/schemes.ts';


t.test('eye and uniform_scaling: gain on the main diagonal, non-square', async (t) => {
  for (const [rows, cols] of [[3, 5], [5, 3], [4, 4]] as const) {
    const got = values({ scheme: 'eye', shape: [rows, cols], params: { gain: 2.5 } });
    const exp = new Float64Array(rows * cols);
    for (let i = 0; i < Math.min(rows, cols); i++) exp[i * cols + i] = 2.5;
    t.same(Array.from(got), Array.from(exp), `eye ${rows}x${cols}`);
    const us = values({ scheme: 'uniform_scaling', shape: [rows, cols], params: { value: -3 } });
    t.same(Array.from(us), Array.from(exp.map((v) => (v ? -3 : 0))), `uniform_scaling ${rows}x${cols}`);
  }
  t.same(Array.from(values({ scheme: 'identity', shape: [2, 2] })), [1, 0, 0, 1], 'alias identity, default gain 1');
  throwsField(t, { scheme: 'eye', shape: [2, 2, 2] }, 'shape');
});

t.test('dirac: torch.nn.init.dirac_ semantics with groups', async (t) => {
  for (const [shape, groups] of [[[6, 4, 3, 3], 2], [[4, 4, 5], 1], [[4, 2, 2, 3, 4], 2], [[3, 5, 3], 1], [[4, 2, 3], 4]] as [number[], number][]) {
    const got = values({ scheme: 'dirac', shape, params: { groups } });
    // torch: zero, then for g, d < min(out/groups, in): t[g*opg + d, d, k//2, ...] = 1
    const exp = new Float64Array(prod(shape));
    const opg = shape[0]! / groups, minDim = Math.min(opg, shape[1]!);
    const sp = shape.slice(2);
    for (let g = 0; g < groups; g++) for (let d = 0; d < minDim; d++) {
      let idx = (g * opg + d) * shape[1]! + d;
      for (const k of sp) idx = idx * k + Math.floor(k / 2);
      exp[idx] = 1;
    }
    t.same(Array.from(got), Array.from(exp), `dirac ${shape} groups ${groups}`);
  }
  throwsField(t, { scheme: 'dirac', shape: [6, 4, 3], params: { groups: 4 } }, 'params.groups', 'impossible');
  throwsField(t, { scheme: 'dirac', shape: [6, 4] }, 'shape');
  throwsField(t, { scheme: 'dirac', shape: [2, 2, 2, 2, 2, 2] }, 'shape');
  throwsField(t, { scheme: 'dirac', shape: [2, 2, 2], params: { groups: 0 } }, 'params.groups');
});

t.test('zero_init (ZerO): partial identity or Hadamard / sqrt(p)', async (t) => {
  const hadamard = (p: number): number[][] => {
    let h = [[1]];
    while (h.length < p) h = [...h.map((r) => [...r, ...r]), ...h.map((r) => [...r, ...r.map((x) => -x)])];
    return h;
  };
  t.same(Array.from(values({ scheme: 'zero_init', shape: [2, 3] })), [1, 0, 0, 0, 1, 0], 'm <= n: eye(m, n)');
  for (const [m, n] of [[6, 3], [5, 5], [9, 2], [8, 7]]) {
    const got = values({ scheme: 'zero_init', shape: [m!, n!] });
    const exp: number[] = [];
    if (m! <= n!) { for (let i = 0; i < m!; i++) for (let j = 0; j < n!; j++) exp.push(i === j ? 1 : 0); } else {
      const k = Math.ceil(Math.log2(m!)), p = 2 ** k, H = hadamard(p);
      for (let i = 0; i < m!; i++) for (let j = 0; j < n!; j++) exp.push(Math.fround(H[i]![j]! / 2 ** (k / 2)));
    }
    t.same(Array.from(got), exp, `ZerO ${m}x${n}`);
  }
  // conv: the matrix at the spatial centre k//2
  const conv = values({ scheme: 'zero_init', shape: [3, 2, 3, 3] });
  const H4 = hadamard(4);
  for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) {
    const v = conv[((o * 2 + i) * 3 + y) * 3 + x]!;
    const e = y === 1 && x === 1 ? H4[o]![i]! / 2 : 0;
    if (v !== e) t.fail(`conv ZerO at ${o},${i},${y},${x}: ${v} != ${e}`);
  }
  t.pass('conv ZerO centre');
});

t.test('bilinear: Caffe BilinearFiller formula, every (out, in) slice', async (t) => {
  for (const shape of [[2, 3, 4, 4], [1, 1, 3, 3], [1, 2, 5, 5], [1, 1, 1, 1]]) {
    const got = values({ scheme: 'bilinear', shape });
    const K = shape[3]!;
    const f = Math.ceil(K / 2), c = (K - 1) / (2 * f);
    const exp = Array.from({ length: prod(shape) }, (_, i) => {
      const x = i % K, y = Math.floor(i / K) % K;
      return Math.fround((1 - Math.abs(x / f - c)) * (1 - Math.abs(y / f - c)));
    });
    t.same(Array.from(got), exp, `bilinear ${shape}`);
  }
  // factor 2 upsampling kernel (K = 4): outer product of [1/4, 3/4, 3/4, 1/4]
  const k4 = values({ scheme: 'bilinear', shape: [1, 1, 4, 4] });
  const w = [0.25, 0.75, 0.75, 0.25];
  t.same(Array.from(k4), w.flatMap((a) => w.map((b) => a * b)), 'known factor-2 kernel');
  throwsField(t, { scheme: 'bilinear', shape: [1, 1, 3, 4] }, 'shape');
  throwsField(t, { scheme: 'bilinear', shape: [3, 3] }, 'shape');
});

t.test('diagonal: Caffe2 DiagonalFill step rule', async (t) => {
  t.same(Array.from(values({ scheme: 'diagonal', shape: [3, 4], params: { value: 2 } })), [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0]);
  // Caffe2 steps through the flat buffer, so a tall matrix wraps: [4, 2] has step 3 -> flat 0, 3, 6 (code, not a true diagonal)
  t.same(Array.from(values({ scheme: 'diagonal', shape: [4, 2] })), [1, 0, 0, 1, 0, 0, 1, 0]);
  const cube = values({ scheme: 'diagonal', shape: [3, 3, 3], params: { value: 5 } });
  const exp = new Array(27).fill(0);
  for (let i = 0; i < 3; i++) exp[i * 9 + i * 3 + i] = 5; // w[i][i][i]
  t.same(Array.from(cube), exp);
  throwsField(t, { scheme: 'diagonal', shape: [3, 3, 2] }, 'shape');
  throwsField(t, { scheme: 'diagonal', shape: [3] }, 'shape');
});

t.test('range, lengths_range, given, norm_param', async (t) => {
  t.same(Array.from(values({ scheme: 'range', shape: [2, 3] })), [0, 1, 2, 3, 4, 5]);
  t.same(Array.from(values({ scheme: 'range', shape: [4], params: { start: 1, step: 0.5 } })), [1, 1.5, 2, 2.5]);
  t.same(Array.from(values({ scheme: 'lengths_range', shape: [7], params: { lengths: [2, 4, 1] } })), [0, 1, 0, 1, 2, 3, 0]);
  t.same(Array.from(values({ scheme: 'lengths_range', shape: [3], params: { lengths: [0, 2, 0, 1] } })), [0, 1, 0], 'empty segments');
  throwsField(t, { scheme: 'lengths_range', shape: [6], params: { lengths: [2, 4, 1] } }, 'params.lengths');
  throwsField(t, { scheme: 'lengths_range', shape: [3], params: { lengths: [-1, 4] } }, 'params.lengths[0]');
  t.same(Array.from(values({ scheme: 'given', shape: [2, 2], params: { values: [1, -2, 0.1, 4] } })), [1, -2, Math.fround(0.1), 4]);
  t.same(Array.from(values({ scheme: 'given', shape: [2], dtype: 'float64', params: { values: [0.1, 0.2] } })), [0.1, 0.2]);
  throwsField(t, { scheme: 'given', shape: [3], params: { values: [1, 2] } }, 'params.values');
  throwsField(t, { scheme: 'given', shape: [3] }, 'params.values');
  const roles: Record<string, number> = { weight: 1, bias: 0, running_mean: 0, running_var: 1, num_batches_tracked: 0 };
  for (const [role, v] of Object.entries(roles)) t.same(Array.from(values({ scheme: 'norm_param', shape: [5], params: { role } })), [v, v, v, v, v], role);
  throwsField(t, { scheme: 'norm_param', shape: [2], params: { role: 'gamma' } }, 'params.role');
});

t.test('positive_unitball: rows of dim 0 sum to 1, slices agree with the whole', async (t) => {
  for (const [shape, dtype] of [[[5, 7, 3], 'float32'], [[1000], 'float32'], [[4, 50000], 'float64']] as [number[], string][]) {
    const v = values({ scheme: 'positive_unitball', shape, dtype, seed: 3 });
    const rows = shape[0]!, len = v.length / rows;
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let j = 0; j < len; j++) { const x = v[r * len + j]!; if (!(x >= 0 && x <= 1)) t.fail(`value ${x} outside [0,1]`); s += x; }
      t.ok(Math.abs(s - 1) < (dtype === 'float32' ? 1e-5 * Math.sqrt(len) : 1e-12), `row ${r} of ${shape} sums to 1 (${s})`);
    }
  }
  const c = compileRecipe({ scheme: 'positive_unitball', shape: [3, 10], seed: 9 });
  const whole = new Float32Array(30); c.field.fill(0, 30, whole);
  const part = new Float32Array(13); c.field.fill(7, 13, part);
  t.same(Array.from(part), Array.from(whole.subarray(7, 20)), 'a range is the same region of the whole');
  // rows are U(0,1) divided by a sum of len uniforms: mean of each element 1/len
  const big = values({ scheme: 'positive_unitball', shape: [200, 100], seed: 1 });
  t.ok(Math.abs(moments(big).mean - 0.01) < 1e-9, 'mean 1/len');
});

t.test('sparse_bernoulli: Caffe gaussian filler with sparse', async (t) => {
  const shape = [50, 400], sparse = 10, p = sparse / 50;
  const v = values({ scheme: 'sparse_bernoulli', shape, seed: 5, params: { sparse, std: 2 } });
  const nz = v.filter((x) => x !== 0);
  const pv = binomialTwoSidedP(nz.length, v.length, p);
  t.ok(pv > 1e-4, `non-zero count ${nz.length} of ${v.length} ~ Binomial(p=${p}), p-value ${pv}`);
  const m = moments(nz);
  t.ok(Math.abs(m.std - 2) < 0.08, `non-zero std ${m.std} ~ 2`);
  t.ok(Math.abs(m.mean) < 0.1, `non-zero mean ${m.mean} ~ 0`);
  throwsField(t, { scheme: 'sparse_bernoulli', shape: [4, 4], params: { sparse: 5 } }, 'params.sparse');
  throwsField(t, { scheme: 'sparse_bernoulli', shape: [4, 4], params: { sparse: -1 } }, 'params.sparse');
});
