/**
 * Property-based fuzzing of the public API through app.inject (fast part; `npm run fuzz` runs the
 * same properties for longer). Every request gets a 2xx or a 4xx problem+json without internals, in
 * bounded time; valid recipes keep the determinism invariants: the same bytes from GET, POST JSON
 * and POST msgpack; in raw, npy, safetensors and msgpack framings; as a slice and as the region cut
 * from the full tensor here; and from an app that splits the work into 4 KiB pool chunks.
 */
import t from 'tap';
import fc from 'fast-check';
import { pack } from 'msgpackr';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { testApp } from '../http/helpers.ts';
import {
  contractViolation, cutRegion, isOverloaded, DTYPE_BYTES, FUZZ_LIMITS, hostileRecipeArb, loadSchemes, msgpackPayload, npyPayload,
  rawBodyArb, rawQueryArb, RECIPE_QUERY_KEYS, recipeArb, regionArb, safetensorsPayload, toQuery, withTimeout,
} from './fuzz-model.ts';

const RUNS = Number(process.env.WEIGHTINIT_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.WEIGHTINIT_FUZZ_SEED ?? 20240808);
const HANG_MS = 15_000;

const { app } = await testApp({ ...FUZZ_LIMITS, workers: 1 });
// Same limits, but everything above 0 bytes goes through the pool in 4 KiB chunks, two at a time.
const { app: chunked } = await testApp({ ...FUZZ_LIMITS, workers: 1, mainThreadMaxBytes: 0, chunkBytes: 4096, windowChunks: 2 });
t.teardown(async () => { await app.close(); await chunked.close(); });
const schemes = await loadSchemes(app);

const stats = { cases: 0, requests: 0, ok: 0, problems: 0, checkedInvariants: 0, errors5xx: 0, shed: 0 };

async function check(req: InjectOptions, what: string): Promise<LightMyRequestResponse> {
  let res = await withTimeout(app.inject(req), HANG_MS, what);
  // Load shedding (503 + Retry-After) is a correct answer when the machine is busy (tap runs files in
  // parallel); the fuzz retries it, and counts it, rather than treating it as a failure.
  for (let i = 0; i < 10 && isOverloaded(res); i++) {
    stats.shed++;
    await new Promise((r) => setTimeout(r, 300));
    res = await withTimeout(app.inject(req), HANG_MS, what);
  }
  stats.requests++;
  if (res.statusCode >= 500) stats.errors5xx++;
  const bad = contractViolation(res);
  if (bad) throw new Error(`${what}: ${bad}`);
  return res;
}

t.teardown(() => { t.comment(`fuzz: ${JSON.stringify(stats)} (runs per property ${RUNS}, seed ${SEED})`); });

t.test('hostile recipes as JSON and msgpack bodies and as query strings: 2xx or 4xx problem+json', async (t) => {
  await fc.assert(fc.asyncProperty(hostileRecipeArb(schemes), async (r) => {
    stats.cases++;
    const asJson = JSON.stringify(r) ?? 'null';
    const j = await check({ method: 'POST', url: '/v1/tensors', payload: asJson, headers: { 'content-type': 'application/json' } }, `POST json ${asJson.slice(0, 200)}`);
    const m = await check({ method: 'POST', url: '/v1/tensors', payload: Buffer.from(pack(r)), headers: { 'content-type': 'application/msgpack' } }, `POST msgpack ${asJson.slice(0, 200)}`);
    await check({ method: 'GET', url: `/v1/tensors?${toQuery(r, typeof r.format === 'string' ? r.format : 'raw')}` }, `GET ${asJson.slice(0, 200)}`);
    for (const res of [j, m]) res.statusCode < 300 ? stats.ok++ : stats.problems++;
  }), { numRuns: RUNS, seed: SEED });
  t.pass(`${RUNS} hostile recipes x 3 encodings`);
});

t.test('raw bodies (duplicate keys, deep nesting, NaN/Infinity, noise, oversize, wrong media types)', async (t) => {
  await fc.assert(fc.asyncProperty(rawBodyArb(schemes), fc.constantFrom('/v1/tensors', '/v1/tensors/digest', '/v1/models'), async (b, url) => {
    stats.cases++;
    const res = await check({ method: 'POST', url, payload: b.payload, headers: { 'content-type': b.contentType } }, `POST ${url} ${b.contentType} ${b.payload.subarray(0, 120).toString('latin1')}`);
    res.statusCode < 300 ? stats.ok++ : stats.problems++;
  }), { numRuns: RUNS * 2, seed: SEED + 1 });
  t.pass(`${RUNS * 2} raw bodies`);
});

t.test('raw query strings on every GET route', async (t) => {
  await fc.assert(fc.asyncProperty(rawQueryArb, fc.constantFrom('/v1/tensors', '/v1/tensors/digest', '/v1/schemes', '/v1/schemes/normal', '/readyz'), async (q, path) => {
    stats.cases++;
    const res = await check({ method: 'GET', url: `${path}?${q}` }, `GET ${path}?${q}`);
    res.statusCode < 300 ? stats.ok++ : stats.problems++;
  }), { numRuns: RUNS * 2, seed: SEED + 2 });
  t.pass(`${RUNS * 2} query strings`);
});

/** True when a NaN or an infinity sits anywhere in x (JSON cannot carry them). */
function hasNonFinite(x: unknown): boolean {
  if (typeof x === 'number') return !Number.isFinite(x);
  if (Array.isArray(x)) return x.some(hasNonFinite);
  return typeof x === 'object' && x !== null && Object.values(x).some(hasNonFinite);
}

t.test('plausible recipes: clean answers, and every 200 keeps the determinism invariants', async (t) => {
  let successes = 0, runs = 0;
  await fc.assert(fc.asyncProperty(recipeArb(schemes).chain((r) => fc.tuple(fc.constant(r), regionArb(r.shape))), async ([r, region]) => {
    runs++; stats.cases++;
    const body = (format: string, extra: Record<string, unknown> = {}) => ({ ...r, format, ...extra });
    const post = (format: string, extra: Record<string, unknown> = {}) => check({ method: 'POST', url: '/v1/tensors', payload: body(format, extra) }, `POST ${format} ${JSON.stringify(r)}`);
    const raw = await post('raw');
    if (raw.statusCode !== 200) { stats.problems++; return; }
    successes++; stats.ok++;
    const full = raw.rawPayload;
    const width = DTYPE_BYTES[r.dtype]!;
    const n = r.shape.reduce((a, b) => a * b, 1);
    if (full.length !== n * width) throw new Error(`raw length ${full.length} != ${n} x ${width}`);

    // Same bytes through msgpack bodies and (when expressible) the query form. A recipe holding NaN or
    // an infinity is not the same recipe in JSON (JSON writes null, which means "the default") and in
    // msgpack (which carries the float, refused with 400): those are compared only for a clean answer.
    const viaMsgpack = await check({ method: 'POST', url: '/v1/tensors', payload: Buffer.from(pack(body('raw'))), headers: { 'content-type': 'application/msgpack' } }, 'msgpack body');
    if (hasNonFinite(r)) return;
    if (!viaMsgpack.rawPayload.equals(full)) throw new Error('msgpack body gave different bytes');
    // (No scheme parameter is named like a recipe key, e.g. the recipe multiplier is `multiplier` so
    // tfjs.varianceScaling's `scale` goes to the scheme; the check stays should one ever clash.)
    if (Object.entries(r.params).every(([k, v]) => typeof v !== 'object' && !RECIPE_QUERY_KEYS.has(k))) {
      const viaGet = await check({ method: 'GET', url: `/v1/tensors?${toQuery(r as unknown as Record<string, unknown>, 'raw')}` }, 'GET');
      if (viaGet.statusCode === 200 && !viaGet.rawPayload.equals(full)) throw new Error('GET gave different bytes');
    }
    // Framings carry exactly the raw bytes.
    for (const [format, payloadOf] of [['npy', npyPayload], ['safetensors', safetensorsPayload], ['msgpack', msgpackPayload]] as const) {
      const res = await post(format);
      if (res.statusCode === 406) continue; // e.g. npy has no bfloat16/float8 descr
      if (res.statusCode !== 200) throw new Error(`${format}: ${res.statusCode} for a recipe raw serves`);
      if (!payloadOf(res.rawPayload).equals(full)) throw new Error(`${format} payload differs from raw`);
    }
    // A slice equals the region cut here from the full tensor.
    if (r.shape.length > 0) {
      const sl = await post('raw', { slice: region.text });
      if (sl.statusCode !== 200) throw new Error(`slice ${region.text}: ${sl.statusCode} ${sl.body.slice(0, 200)}`);
      if (!sl.rawPayload.equals(cutRegion(full, r.shape, region.ranges, width))) throw new Error(`slice ${region.text} differs from the region of the full tensor`);
    }
    // Chunked parallel generation gives the same bytes.
    let ch = await withTimeout(chunked.inject({ method: 'POST', url: '/v1/tensors', payload: body('raw') }), HANG_MS, 'chunked');
    for (let i = 0; i < 10 && isOverloaded(ch); i++) {
      await new Promise((r) => setTimeout(r, 300));
      ch = await withTimeout(chunked.inject({ method: 'POST', url: '/v1/tensors', payload: body('raw') }), HANG_MS, 'chunked');
    }
    if (ch.statusCode !== 200 || !ch.rawPayload.equals(full)) throw new Error(`chunked app: ${ch.statusCode}, bytes ${ch.rawPayload.equals(full) ? 'equal' : 'differ'}`);
    stats.checkedInvariants++;
  }), { numRuns: RUNS, seed: SEED + 3 });
  // The generators must reach the success path, or the invariants above were never exercised.
  t.ok(successes >= runs * 0.25, `${successes} of ${runs} plausible recipes served (>= 25%)`);
});

