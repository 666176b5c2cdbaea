/**
 * The TypeScript client against a live server (buildApp + listen on port 0): typed arrays per dtype,
 * shards that concatenate to the full tensor, models parsed from safetensors, integrity verification,
 * 503 retries honouring Retry-After, AbortSignal, and problem+json errors.
 */
import t, { type Test } from 'tap';
import { startLiveServer } from './live-server.ts';
import {
  getModel, getShard, getTensor, IntegrityError, parseSafetensors, retryAfterMs, shardBounds, WeightinitError, decodeToFloat32,
} from '../../src/client/index.ts';

const server = await startLiveServer();
if ('skip' in server) {
  t.plan(0, server.skip);
} else {
  t.teardown(() => server.close());
  const baseUrl = server.url;

  /** Raw bytes through the GET query form: a different path through the service than the client's POST. */
  async function rawGet(t: Test, query: string): Promise<Uint8Array> {
    const res = await fetch(`${baseUrl}/v1/tensors?${query}&format=raw`);
    t.equal(res.status, 200, `GET ${query}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  await t.test('getTensor float32: Float32Array with the shape, same bytes as the GET form', async (t) => {
    const r = await getTensor({ scheme: 'normal', shape: [64, 32], seed: 1, name: 'fc.weight', params: { std: 0.02 } }, { baseUrl });
    t.same(r.shape, [64, 32]);
    t.equal(r.dtype, 'float32');
    t.ok(r.data instanceof Float32Array);
    t.equal(r.data.length, 2048);
    const get = await rawGet(t, 'scheme=normal&shape=64,32&seed=1&name=fc.weight&std=0.02');
    t.same(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength), get);
    let s = 0, s2 = 0;
    for (const v of r.data as Float32Array) { s += v; s2 += v * v; }
    const std = Math.sqrt(s2 / 2048 - (s / 2048) ** 2);
    t.ok(Math.abs(std - 0.02) < 0.002, `std ${std} ~ 0.02`);
    t.match(r.recipeId, /^[0-9a-f]{32}$/);
  });

  await t.test('dtypes: float64, raw bits for float16/bfloat16/fp8', async (t) => {
    const base = { scheme: 'uniform', shape: [10, 10], seed: 3, params: { low: -2, high: 2 } };
    const f32 = (await getTensor(base, { baseUrl })).data as Float32Array;
    const f64 = await getTensor({ ...base, dtype: 'float64' }, { baseUrl });
    t.ok(f64.data instanceof Float64Array);
    const bf = await getTensor({ ...base, dtype: 'bfloat16' }, { baseUrl });
    t.ok(bf.data instanceof Uint16Array);
    // bf16 = float32 bits rounded to nearest-even on the upper 16 bits (computed here independently)
    const u32 = new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
    const want = Array.from(u32, (u) => Number((BigInt(u) + 0x7fffn + ((BigInt(u) >> 16n) & 1n)) >> 16n) & 0xffff);
    t.same(Array.from(bf.data), want, 'bfloat16 bits are the rounded float32 values');
    const h = await getTensor({ ...base, dtype: 'float16' }, { baseUrl });
    t.ok(h.data instanceof Uint16Array);
    const hv = decodeToFloat32(h);
    t.ok(Array.from(hv).every((v, i) => Math.abs(v - f32[i]!) <= 2 ** -10 * 2), 'float16 values within half an ulp of [1,2) of float32');
    const e4 = await getTensor({ ...base, dtype: 'float8_e4m3fn' }, { baseUrl });
    t.ok(e4.data instanceof Uint8Array);
    t.equal(e4.data.length, 100);
    const e4v = decodeToFloat32(e4);
    t.ok(Array.from(e4v).every((v, i) => Math.abs(v - f32[i]!) <= Math.abs(f32[i]!) / 16 + 2 ** -9), 'e4m3 values within half an ulp (3 mantissa bits)');
  });

  await t.test('multiplier, a scheme\'s own scale and spectral_norm: same bytes as the GET form', async (t) => {
    const r = await getTensor({ scheme: 'variance_scaling', shape: [32, 48], seed: 3, params: { scale: 2, mode: 'fan_avg', distribution: 'uniform' }, multiplier: 0.5 }, { baseUrl });
    const get = await rawGet(t, 'scheme=variance_scaling&shape=32,48&seed=3&scale=2&mode=fan_avg&distribution=uniform&multiplier=0.5');
    t.same(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength), get);
    // U(+-sqrt(3 var)), var = scale / ((fan_in + fan_out) / 2) = 2 / 40, then halved.
    const bound = 0.5 * Math.sqrt(3 * 2 / 40);
    let hi = 0;
    for (const v of r.data as Float32Array) hi = Math.max(hi, Math.abs(v));
    t.ok(hi <= bound && hi > 0.95 * bound, `max |w| ${hi} within and near ${bound}`);
    const sn = await getTensor({ scheme: 'normal', shape: [16, 8], seed: 2, spectral_norm: true }, { baseUrl });
    t.same(new Uint8Array(sn.data.buffer, sn.data.byteOffset, sn.data.byteLength), await rawGet(t, 'scheme=normal&shape=16,8&seed=2&spectral_norm=true'));
  });

  await t.test('big seeds as bigint or string give the same tensor', async (t) => {
    const big = 2n ** 64n - 1n;
    const a = await getTensor({ scheme: 'normal', shape: [5], seed: big }, { baseUrl });
    const b = await getTensor({ scheme: 'normal', shape: [5], seed: big.toString() }, { baseUrl });
    t.same(Array.from(a.data), Array.from(b.data));
    const c = await getTensor({ scheme: 'normal', shape: [5], seed: 0 }, { baseUrl });
    t.notSame(Array.from(a.data), Array.from(c.data));
  });

  await t.test('shardBounds follows numpy.array_split / torch.tensor_split', async (t) => {
    // n = 10, 4 shards: sizes 3, 3, 2, 2; n = 2, 4 shards: 1, 1, 0, 0
    t.same([0, 1, 2, 3].map((r) => shardBounds(10, r, 4)), [[0, 3], [3, 6], [6, 8], [8, 10]]);
    t.same([0, 1, 2, 3].map((r) => shardBounds(2, r, 4)), [[0, 1], [1, 2], [2, 2], [2, 2]]);
    t.throws(() => shardBounds(10, 4, 4), RangeError);
    t.throws(() => shardBounds(10, 0, 0), RangeError);
  });

  await t.test('getShard: shards along an axis concatenate to the full tensor', async (t) => {
    const recipe = { scheme: 'kaiming_uniform', shape: [10, 7], seed: 11, name: 'w' };
    const full = (await getTensor(recipe, { baseUrl })).data as Float32Array;
    const world = 3;
    // axis 1: sizes 3, 2, 2; re-assemble row by row
    const shards = await Promise.all([0, 1, 2].map((r) => getShard(recipe, r, world, 1, { baseUrl })));
    t.same(shards.map((s) => s.shape), [[10, 3], [10, 2], [10, 2]]);
    const rebuilt: number[] = [];
    for (let i = 0; i < 10; i++) for (const s of shards) rebuilt.push(...Array.from((s.data as Float32Array).subarray(i * s.shape[1]!, (i + 1) * s.shape[1]!)));
    t.same(rebuilt, Array.from(full), 'axis 1 shards interleave back to the full tensor (fans from the full shape)');
    const rows = await Promise.all([0, 1, 2].map((r) => getShard(recipe, r, world, -2, { baseUrl })));
    t.same(rows.map((s) => s.shape), [[4, 7], [3, 7], [3, 7]]);
    t.same(rows.flatMap((s) => Array.from(s.data)), Array.from(full), 'axis 0 shards concatenate');
    await t.rejects(getShard({ ...recipe, slice: '0:1' }, 0, 2, 0, { baseUrl }), /must not carry a slice/);
  });

  await t.test('verify: digest checked; tampered bytes raise IntegrityError', async (t) => {
    const recipe = { scheme: 'truncated_normal', shape: [33, 9], seed: 5 };
    const ok = await getTensor(recipe, { baseUrl, verify: true });
    t.match(ok.sha256, /^[0-9a-f]{64}$/);
    const { createHash } = await import('node:crypto');
    t.equal(ok.sha256, createHash('sha256').update(new Uint8Array(ok.data.buffer, ok.data.byteOffset, ok.data.byteLength)).digest('hex'));
    const tampering: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (!String(input).endsWith('/v1/tensors')) return res;
      const body = new Uint8Array(await res.arrayBuffer());
      body[17]! ^= 1;
      return new Response(body, { status: res.status, headers: res.headers });
    };
    await t.rejects(getTensor(recipe, { baseUrl, verify: true, fetch: tampering }), IntegrityError);
    const unverified = await getTensor(recipe, { baseUrl, fetch: tampering });
    t.equal(unverified.sha256, undefined, 'without verify nothing is checked');
  });

  await t.test('503 is retried after Retry-After; other errors are problem+json', async (t) => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) return new Response('{"title":"busy"}', { status: 503, headers: { 'retry-after': '1', 'content-type': 'application/problem+json' } });
      return fetch(input, init);
    };
    const t0 = Date.now();
    const r = await getTensor({ scheme: 'ones', shape: [3] }, { baseUrl, fetch: flaky });
    const waited = Date.now() - t0;
    t.equal(calls, 2);
    t.ok(waited >= 950, `waited ${waited} ms for Retry-After: 1`);
    t.same(Array.from(r.data), [1, 1, 1]);

    let attempts = 0;
    const down: typeof fetch = async () => { attempts++; return new Response('', { status: 503, headers: { 'retry-after': '0' } }); };
    await t.rejects(getTensor({ scheme: 'ones', shape: [3] }, { baseUrl, fetch: down, retries: 2 }), WeightinitError);
    t.equal(attempts, 3, 'gives up after retries');

    const err = await getTensor({ scheme: 'normal', shape: [4], params: { std: -1 } }, { baseUrl }).catch((e: unknown) => e);
    t.ok(err instanceof WeightinitError);
    const we = err as WeightinitError;
    t.equal(we.status, 422);
    t.equal(we.problem.field, 'params.std');
    t.match(we.message, /params\.std/);
    t.equal(retryAfterMs(new Date(Date.now() + 5000).toUTCString(), 0, 30000) > 3000, true, 'HTTP-date Retry-After');
    t.equal(retryAfterMs('120', 0, 30000), 30000, 'capped');
  });

  await t.test('AbortSignal: before the request and during a Retry-After wait', async (t) => {
    const ac = new AbortController();
    ac.abort();
    await t.rejects(getTensor({ scheme: 'ones', shape: [3] }, { baseUrl, signal: ac.signal }));
    const ac2 = new AbortController();
    const busy: typeof fetch = async () => new Response('', { status: 503, headers: { 'retry-after': '20' } });
    setTimeout(() => ac2.abort(new Error('stop')), 100);
    const t0 = Date.now();
    await t.rejects(getTensor({ scheme: 'ones', shape: [3] }, { baseUrl, signal: ac2.signal, fetch: busy }), /stop/);
    t.ok(Date.now() - t0 < 5000, 'abort ends the wait early');
  });

  await t.test('getModel: safetensors parsed; each tensor equals the same recipe fetched alone', async (t) => {
    const manifest = {
      seed: 5,
      tensors: [
        { name: 'enc.weight', shape: [8, 4], scheme: 'normal', params: { std: 0.5 } },
        { name: 'enc.bias', shape: [8], scheme: 'zeros' },
        { name: 'head.weight', shape: [3, 8], scheme: 'uniform', dtype: 'bfloat16' },
      ],
    };
    const model = await getModel(manifest, { baseUrl });
    t.same(Object.keys(model).sort(), ['enc.bias', 'enc.weight', 'head.weight']);
    t.same(model['enc.weight']!.shape, [8, 4]);
    t.same(Array.from(model['enc.bias']!.data), new Array(8).fill(0));
    t.equal(model['head.weight']!.dtype, 'bfloat16');
    const alone = await getTensor({ scheme: 'normal', shape: [8, 4], seed: 5, name: 'enc.weight', params: { std: 0.5 } }, { baseUrl });
    t.same(Array.from(model['enc.weight']!.data), Array.from(alone.data));
    const head = await getTensor({ scheme: 'uniform', shape: [3, 8], seed: 5, name: 'head.weight', dtype: 'bfloat16' }, { baseUrl });
    t.same(Array.from(model['head.weight']!.data), Array.from(head.data));
  });

  await t.test('parseSafetensors rejects malformed files', async (t) => {
    const make = (header: object, data: number[]) => {
      const h = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + h.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8); out.set(data, 8 + h.length);
      return out;
    };
    const good = make({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 128, 63]);
    t.same(Array.from(parseSafetensors(good).tensors.a!.data), [1]);
    t.throws(() => parseSafetensors(make({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 128, 63, 0])), /trailing/);
    t.throws(() => parseSafetensors(make({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, [0, 0, 128, 63])), /bytes/);
    t.throws(() => parseSafetensors(make({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, [0, 0, 0, 0, 0, 0, 128, 63])), /offsets/);
    t.throws(() => parseSafetensors(new Uint8Array(4)), /shorter/);
  });
}
