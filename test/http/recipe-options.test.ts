/**
 * Recipe-level options through app.inject: the `multiplier` (which is not a scheme parameter: a
 * scheme's own `scale`, as in variance_scaling, reaches the scheme from a query as from a body) and
 * `spectral_norm`. Expected statistics and singular values are computed here, in float64, from the
 * returned bytes; nothing is taken from the code under test.
 */
import t from 'tap';
import { f32s, parseSafetensors, testApp } from './helpers.ts';
import { RECIPE_QUERY_KEYS } from '../../src/http/routes/tensor-plan.ts';

const { app } = await testApp();
t.teardown(() => app.close());

const get = (query: string) => app.inject({ url: `/v1/tensors?${query}` });
const post = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/tensors', payload: body });

/** The problem text of a failed answer (a 200's binary body is not printed). */
const why = (r: { statusCode: number; body: string }) => (r.statusCode === 200 ? 'ok' : r.body.slice(0, 300));

function moments(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  const mean = s / v.length;
  let q = 0;
  for (let i = 0; i < v.length; i++) q += (v[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length) };
}

t.test("a scheme's own `scale` in the query reaches the scheme; `multiplier` rescales the result", async (t) => {
  const [rows, cols] = [256, 512]; // torch layout: fan_in = cols
  const fanIn = cols;
  const base = `scheme=variance_scaling&shape=${rows},${cols}&seed=7&name=w&mode=fan_in&distribution=normal`;
  const r2 = await get(`${base}&scale=2`);
  t.equal(r2.statusCode, 200, why(r2));
  const v2 = f32s(r2.rawPayload);
  const m2 = moments(v2);
  const want = Math.sqrt(2 / fanIn); // variance = scale / fan_in
  // n = 131072: the std's relative standard error is 1/sqrt(2n) ~ 0.2 %; 1.5 % is ~7 sigma.
  t.ok(Math.abs(m2.std / want - 1) < 0.015, `std ${m2.std} ~ sqrt(2/${fanIn}) = ${want}`);
  t.ok(Math.abs(m2.mean) < 5 * want / Math.sqrt(v2.length), `mean ${m2.mean} ~ 0`);
  // Were `scale` taken as a multiplier of the default scale 1, the std would be 2 sqrt(1/fan_in).
  t.ok(Math.abs(m2.std - 2 * Math.sqrt(1 / fanIn)) > 0.2 * want, 'not the scale=1 tensor multiplied by 2');

  const half = await get(`${base}&scale=2&multiplier=0.5`);
  t.equal(half.statusCode, 200);
  const vh = f32s(half.rawPayload);
  let exact = vh.length === v2.length;
  for (let i = 0; exact && i < v2.length; i++) if (vh[i] !== Math.fround(v2[i]! * 0.5)) exact = false;
  t.ok(exact, 'multiplier=0.5 halves every value exactly');
  t.not(half.headers['weightinit-recipe'], r2.headers['weightinit-recipe'], 'the multiplier is part of the recipe id');

  const p = await post({ scheme: 'variance_scaling', shape: [rows, cols], seed: 7, name: 'w', params: { scale: 2, mode: 'fan_in', distribution: 'normal' }, multiplier: 0.5 });
  t.equal(p.statusCode, 200, why(p));
  t.ok(p.rawPayload.equals(half.rawPayload), 'POST (scale in params, multiplier top level) equals GET byte for byte');
  t.equal(p.headers['weightinit-recipe'], half.headers['weightinit-recipe'], 'same recipe id');
  t.equal(p.headers.etag, half.headers.etag, 'same ETag');
});

t.test('framework variants with a required or non-default `scale` work from a query', async (t) => {
  // jax.variance_scaling (scale is required, keras layout: fan_in = shape[0]); uniform bound sqrt(3 scale / fan_in).
  const r = await get('scheme=jax.variance_scaling&shape=512,256&seed=3&scale=2&mode=fan_in&distribution=uniform');
  t.equal(r.statusCode, 200, why(r));
  const v = f32s(r.rawPayload);
  const bound = Math.sqrt(3 * 2 / 512);
  let lo = Infinity, hi = -Infinity;
  for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  t.ok(lo >= -bound && hi <= bound, `within +-${bound}: [${lo}, ${hi}]`);
  // 131072 uniform draws: the extremes come within bound * 1e-4 of the ends with overwhelming probability.
  t.ok(hi > bound * 0.999 && lo < -bound * 0.999, 'reaches the bound (scale 2 applied, not 1)');
  const body = await post({ scheme: 'jax.variance_scaling', shape: [512, 256], seed: 3, params: { scale: 2, mode: 'fan_in', distribution: 'uniform' } });
  t.ok(body.rawPayload.equals(r.rawPayload), 'GET and POST agree');
});

t.test('the old top-level `scale` in a body is refused, naming the field', async (t) => {
  const r = await post({ scheme: 'normal', shape: [4], scale: 2 });
  t.equal(r.statusCode, 400);
  const p = r.json();
  t.equal(p.field, 'scale');
  t.match(p.rule, /not an accepted field/);
});

t.test('model manifests: `multiplier` per tensor and in overrides, `scale` in params', async (t) => {
  const vs = { scheme: 'variance_scaling', params: { scale: 2, mode: 'fan_in', distribution: 'normal' } };
  const r = await app.inject({ method: 'POST', url: '/v1/models', payload: {
    seed: 4,
    modules: [{ type: 'linear', name: 'fc', in: 32, out: 16, overrides: { weight: { multiplier: 0.25 } } }],
    tensors: [{ name: 'w', shape: [64, 32], ...vs, multiplier: 0.5 }],
  } });
  t.equal(r.statusCode, 200, why(r));
  const f = parseSafetensors(r.rawPayload);
  const single = await post({ ...vs, shape: [64, 32], seed: 4, name: 'w', multiplier: 0.5, format: 'raw' });
  t.ok(Buffer.from(f.tensors.w!.data).equals(single.rawPayload), 'a manifest tensor equals POST /v1/tensors with the same multiplier');
  const fc = await post({ scheme: 'torch.nn.Linear.weight', shape: [16, 32], seed: 4, name: 'fc.weight', multiplier: 0.25, format: 'raw' });
  const plainFc = await post({ scheme: 'torch.nn.Linear.weight', shape: [16, 32], seed: 4, name: 'fc.weight', format: 'raw' });
  t.equal(fc.statusCode, 200, why(fc));
  t.ok(Buffer.from(f.tensors['fc.weight']!.data).equals(fc.rawPayload), 'an override multiplier applies');
  t.notOk(fc.rawPayload.equals(plainFc.rawPayload), '(and changes the values)');
  const doc = JSON.parse(f.metadata!.weightinit_manifest!);
  t.equal(doc.tensors.find((x: { name: string }) => x.name === 'w').multiplier, 0.5, 'the described manifest names it multiplier');
  const old = await app.inject({ method: 'POST', url: '/v1/models', payload: { seed: 4, tensors: [{ name: 'w', shape: [4], scheme: 'normal', scale: 2 }] } });
  t.equal(old.statusCode, 400, 'a tensor-level `scale` is refused');
});

t.test('no recipe query key is the name of a scheme parameter', async (t) => {
  const r = await app.inject({ url: '/v1/schemes' });
  const { schemes } = r.json() as { schemes: { name: string; params: Record<string, unknown> }[] };
  t.ok(schemes.length > 100, 'catalogue listed');
  const clashes = schemes.flatMap((s) => Object.keys(s.params).filter((k) => RECIPE_QUERY_KEYS.has(k)).map((k) => `${s.name}.${k}`));
  t.same(clashes, [], 'a query key means one thing');
  t.ok(schemes.some((s) => 'scale' in s.params), 'scale is a scheme parameter (so it cannot be the multiplier)');
});

/** Largest singular value of a rows x cols row-major matrix: power iteration on A^T A in float64. */
function sigmaMax(a: ArrayLike<number>, rows: number, cols: number): number {
  let v = new Float64Array(cols).fill(1 / Math.sqrt(cols));
  let sigma = 0;
  for (let it = 0; it < 5000; it++) {
    const u = new Float64Array(rows);
    for (let i = 0; i < rows; i++) { let s = 0; for (let j = 0; j < cols; j++) s += a[i * cols + j]! * v[j]!; u[i] = s; }
    const w = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[j]! += a[i * cols + j]! * u[i]!;
    const norm = Math.sqrt(w.reduce((s, x) => s + x * x, 0));
    const next = Math.sqrt(norm); // ||A^T A v|| -> sigma^2 for the top singular vector
    v = w.map((x) => x / norm);
    if (Math.abs(next - sigma) <= 1e-13 * next) return next;
    sigma = next;
  }
  return sigma;
}

t.test('spectral_norm from a query and a body: largest singular value 1', async (t) => {
  const [rows, cols] = [64, 48];
  const q = `scheme=normal&shape=${rows},${cols}&seed=11&name=sn`;
  const plain = f32s((await get(q)).rawPayload);
  const sigmaPlain = sigmaMax(plain, rows, cols);
  t.ok(sigmaPlain > 5, `a 64 x 48 standard normal matrix has sigma_max ~ 8 + 7 = 15 (${sigmaPlain})`);

  const r = await get(`${q}&spectral_norm=true`);
  t.equal(r.statusCode, 200, why(r));
  const sn = f32s(r.rawPayload);
  const sigma = sigmaMax(sn, rows, cols);
  t.ok(Math.abs(sigma - 1) < 1e-5, `sigma_max of the returned matrix ${sigma} ~ 1`);
  let worst = 0;
  for (let i = 0; i < sn.length; i++) worst = Math.max(worst, Math.abs(sn[i]! - plain[i]! / sigmaPlain));
  t.ok(worst < 1e-6, `the same matrix divided by its sigma (max deviation ${worst})`);

  for (const v of [true, 'converged'] as const) {
    const p = await post({ scheme: 'normal', shape: [rows, cols], seed: 11, name: 'sn', spectral_norm: v });
    t.equal(p.statusCode, 200);
    t.ok(p.rawPayload.equals(r.rawPayload), `POST spectral_norm: ${JSON.stringify(v)} equals GET`);
  }
  const withMul = await get(`${q}&spectral_norm=converged&multiplier=3`);
  const m = f32s(withMul.rawPayload);
  t.ok(Math.abs(sigmaMax(m, rows, cols) - 3) < 3e-5, 'multiplier applies after the normalization');

  const iters = await post({ scheme: 'normal', shape: [rows, cols], seed: 11, name: 'sn', spectral_norm: 50 });
  t.equal(iters.statusCode, 200);
  t.ok(Math.abs(sigmaMax(f32s(iters.rawPayload), rows, cols) - 1) < 0.05, '50 power iterations: close to 1');
  t.not(iters.headers['weightinit-recipe'], r.headers['weightinit-recipe'], 'the iteration count is part of the recipe');

  const off = await get(`${q}&spectral_norm=false`);
  t.ok(off.rawPayload.equals((await get(q)).rawPayload), 'spectral_norm=false is off');
});

t.test('spectral_norm: bad values are 400 naming the field', async (t) => {
  for (const [how, res] of [
    ['query yes', await get('scheme=normal&shape=4,4&spectral_norm=yes')],
    ['query 5000', await get('scheme=normal&shape=4,4&spectral_norm=5000')],
    ['body "sometimes"', await post({ scheme: 'normal', shape: [4, 4], spectral_norm: 'sometimes' })],
    ['body 1.5', await post({ scheme: 'normal', shape: [4, 4], spectral_norm: 1.5 })],
    ['body 1001', await post({ scheme: 'normal', shape: [4, 4], spectral_norm: 1001 })],
  ] as const) {
    t.equal(res.statusCode, 400, how);
    t.equal(res.json().field, 'spectral_norm', `${how}: field named`);
  }
});
