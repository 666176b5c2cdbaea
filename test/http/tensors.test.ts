/**
 * /v1/tensors through app.inject: every format, the headers, HEAD, ETag/304, digest, POST JSON and
 * msgpack bodies. Expected values come from independent decoders (helpers.ts) and from statistics
 * computed here from the raw bytes.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { pack, unpack } from 'msgpackr';
import { decodeMsgpack, f32s, parseSafetensors, testApp } from './helpers.ts';

const { app } = await testApp();
t.teardown(() => app.close());

const Q = 'scheme=normal&shape=64,48&seed=42&name=layer.weight&std=0.5';
const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers });

const raw = await get(`/v1/tensors?${Q}`);
const rawBytes = raw.rawPayload;

t.test('raw: bytes, headers, plausible normal(0, 0.5) values', async (t) => {
  t.equal(raw.statusCode, 200);
  t.equal(raw.headers['content-type'], 'application/octet-stream');
  t.equal(raw.headers['content-length'], String(64 * 48 * 4));
  t.equal(rawBytes.length, 64 * 48 * 4);
  t.match(raw.headers['weightinit-recipe'], /^[0-9a-f]{32}$/);
  t.equal(raw.headers['weightinit-algorithm'], 'weightinit-philox4x32-10-v2');
  t.equal(raw.headers['weightinit-shape'], '64,48');
  t.equal(raw.headers['weightinit-dtype'], 'float32');
  t.ok(String(raw.headers.etag).includes(String(raw.headers['weightinit-recipe'])), 'ETag carries the recipe id');
  const v = f32s(rawBytes);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  // 3072 samples: the mean's standard error is 0.5/sqrt(3072) = 0.009; std's about 0.0064.
  t.ok(Math.abs(mean) < 0.04, `mean ${mean}`);
  t.ok(Math.abs(std - 0.5) < 0.03, `std ${std}`);
  const again = await get(`/v1/tensors?${Q}`);
  t.ok(again.rawPayload.equals(rawBytes), 'same recipe, same bytes');
  const other = await get(`/v1/tensors?${Q.replace('seed=42', 'seed=43')}`);
  t.notOk(other.rawPayload.equals(rawBytes), 'another seed, other bytes');
});

t.test('npy: header per the NumPy format spec, data = raw', async (t) => {
  const r = await get(`/v1/tensors?${Q}&format=npy`);
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'application/x-npy');
  const b = r.rawPayload;
  t.same([...b.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const hlen = b.readUInt16LE(8);
  t.equal((10 + hlen) % 64, 0, 'data aligned to 64');
  const header = b.subarray(10, 10 + hlen).toString('latin1');
  t.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(64, 48\), \} *\n$/);
  t.ok(b.subarray(10 + hlen).equals(rawBytes));
  t.equal(Number(r.headers['content-length']), b.length);
  const one = await get('/v1/tensors?scheme=ones&shape=3&format=npy&dtype=float16');
  t.match(one.rawPayload.subarray(10).toString('latin1'), /'descr': '<f2'.*'shape': \(3,\)/);
  t.same([...one.rawPayload.subarray(one.rawPayload.length - 6)], [0, 0x3c, 0, 0x3c, 0, 0x3c], 'float16 1.0 = 0x3c00');
  const scalar = await get('/v1/tensors?scheme=ones&shape=&format=npy');
  t.match(scalar.rawPayload.subarray(10).toString('latin1'), /'shape': \(\)/);
});

t.test('safetensors: independent parser, name, metadata', async (t) => {
  const r = await get(`/v1/tensors?${Q}&format=safetensors`);
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'application/x-safetensors');
  const st = parseSafetensors(r.rawPayload);
  t.equal(st.headerLength % 8, 0, 'header padded to 8');
  t.same(Object.keys(st.tensors), ['layer.weight']);
  t.equal(st.tensors['layer.weight']!.dtype, 'F32');
  t.same(st.tensors['layer.weight']!.shape, [64, 48]);
  t.ok(Buffer.from(st.tensors['layer.weight']!.data).equals(rawBytes));
  t.equal(st.metadata?.weightinit_recipe_id, raw.headers['weightinit-recipe']);
  const unnamed = parseSafetensors((await get('/v1/tensors?scheme=zeros&shape=2,0&format=safetensors&dtype=bfloat16')).rawPayload);
  t.same(Object.keys(unnamed.tensors), ['tensor'], 'default name');
  t.equal(unnamed.tensors.tensor!.dtype, 'BF16');
  t.same(unnamed.tensors.tensor!.shape, [2, 0]);
});

t.test('msgpack: msgpackr default unpack and the hand-written decoder agree', async (t) => {
  const r = await get(`/v1/tensors?${Q}&format=msgpack`);
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-type'], 'application/msgpack');
  t.equal(Number(r.headers['content-length']), r.rawPayload.length);
  for (const [who, m] of [['msgpackr', unpack(r.rawPayload)], ['hand decoder', decodeMsgpack(r.rawPayload)]] as const) {
    const o = m as Record<string, any>;
    t.same(o.shape, [64, 48], who);
    t.equal(o.dtype, 'float32', who);
    t.equal(o.recipe.scheme, 'normal', who);
    t.equal(o.recipe.seed, '42', who);
    t.equal(o.recipe.params.std, 0.5, who);
    t.equal(o.recipe_id, raw.headers['weightinit-recipe'], who);
    t.ok(Buffer.from(o.data).equals(rawBytes), `${who}: data = raw`);
  }
});

t.test('json: flat row-major stored values', async (t) => {
  const r = await get(`/v1/tensors?${Q}&format=json`);
  t.equal(r.statusCode, 200);
  t.match(r.headers['content-type'], /^application\/json/);
  const body = r.json();
  t.same(body.shape, [64, 48]);
  t.equal(body.recipe.name, 'layer.weight');
  t.same(body.data, [...f32s(rawBytes)]);
  const half = (await get('/v1/tensors?scheme=constant&value=0.1&shape=2&format=json&dtype=bfloat16')).json();
  t.same(half.data, [0.10009765625, 0.10009765625], 'bfloat16 0.1 decoded exactly (0x3dcd)');
});

t.test('stats: moments and histogram match the raw bytes; theory from the scheme', async (t) => {
  const r = await get(`/v1/tensors?${Q}&format=stats`);
  t.equal(r.statusCode, 200);
  const s = r.json();
  const v = [...f32s(rawBytes)];
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  t.equal(s.count, v.length);
  t.equal(s.non_finite, 0);
  t.ok(Math.abs(s.mean - mean) < 1e-12, 'mean');
  t.ok(Math.abs(s.std - std) < 1e-12, 'std');
  t.equal(s.min, Math.min(...v));
  t.equal(s.max, Math.max(...v));
  t.equal(s.histogram.counts.reduce((a: number, b: number) => a + b, 0), v.length);
  const w = (s.max - s.min) / s.histogram.bins;
  const expected0 = v.filter((x) => x < s.min + w).length;
  t.equal(s.histogram.counts[0], expected0, 'first bin');
  t.same(s.theory, { mean: 0, std: 0.5, min: null, max: null, density: 'normal' });
  const u = (await get('/v1/tensors?scheme=uniform&low=-2&high=2&shape=1000&format=stats')).json();
  t.equal(u.theory.min, -2);
  t.equal(u.theory.max, 2);
  t.ok(u.min >= -2 && u.max < 2);
});

t.test('slices equal the same region of the full tensor', async (t) => {
  const r = await get(`/v1/tensors?${Q}&slice=10:12,40:`);
  t.equal(r.statusCode, 200);
  t.equal(r.headers['weightinit-shape'], '2,8');
  t.equal(r.headers['weightinit-slice'], '10:12,40:48');
  const full = f32s(rawBytes), part = f32s(r.rawPayload);
  const expected: number[] = [];
  for (let i = 10; i < 12; i++) for (let j = 40; j < 48; j++) expected.push(full[i * 48 + j]!);
  t.same([...part], expected);
  t.not(r.headers.etag, raw.headers.etag, 'slice changes the ETag');
  t.equal(r.headers['weightinit-recipe'], raw.headers['weightinit-recipe'], 'but not the recipe id');
});

t.test('HEAD: the GET headers, no body, nothing generated', async (t) => {
  for (const format of ['raw', 'npy', 'safetensors', 'msgpack']) {
    const g = await get(`/v1/tensors?${Q}&format=${format}`);
    const h = await app.inject({ method: 'HEAD', url: `/v1/tensors?${Q}&format=${format}` });
    t.equal(h.statusCode, 200);
    t.equal(h.rawPayload.length, 0);
    for (const k of ['content-type', 'content-length', 'etag', 'weightinit-recipe', 'weightinit-shape', 'weightinit-dtype']) t.equal(h.headers[k], g.headers[k], `${format} ${k}`);
    t.equal(Number(h.headers['content-length']), g.rawPayload.length);
  }
  const huge = await app.inject({ method: 'HEAD', url: '/v1/tensors?scheme=normal&shape=1024,1024,1024' });
  t.equal(huge.statusCode, 200);
  t.equal(huge.headers['content-length'], String(4 * 1024 ** 3), '4 GiB answered at once: nothing generated');
});

t.test('ETag and If-None-Match', async (t) => {
  const r = await get(`/v1/tensors?${Q}`, { 'if-none-match': String(raw.headers.etag) });
  t.equal(r.statusCode, 304);
  t.equal(r.rawPayload.length, 0);
  t.equal(r.headers.etag, raw.headers.etag);
  t.equal((await get(`/v1/tensors?${Q}`, { 'if-none-match': '"other", ' + String(raw.headers.etag) })).statusCode, 304);
  t.equal((await get(`/v1/tensors?${Q}`, { 'if-none-match': '"other"' })).statusCode, 200);
  const npy = await get(`/v1/tensors?${Q}&format=npy`);
  t.not(npy.headers.etag, raw.headers.etag, 'format changes the ETag');
});

t.test('Accept negotiation', async (t) => {
  const cases: [string, string][] = [
    ['application/x-npy', 'application/x-npy'], ['application/msgpack', 'application/msgpack'],
    ['application/x-safetensors', 'application/x-safetensors'], ['application/json', 'application/json; charset=utf-8'],
    ['*/*', 'application/octet-stream'], ['application/json;q=0.5, application/x-npy', 'application/x-npy'],
    ['text/html, */*;q=0.8', 'application/octet-stream'],
  ];
  for (const [accept, type] of cases) t.equal((await get(`/v1/tensors?${Q}`, { accept })).headers['content-type'], type, accept);
  t.equal((await get(`/v1/tensors?${Q}&format=raw`, { accept: 'application/json' })).headers['content-type'], 'application/octet-stream', 'format= wins');
});

t.test('digest: SHA-256 of the exact body, for every format', async (t) => {
  for (const format of ['raw', 'npy', 'safetensors', 'msgpack', 'json', 'stats']) {
    const body = (await get(`/v1/tensors?${Q}&format=${format}`)).rawPayload;
    const d = (await get(`/v1/tensors/digest?${Q}&format=${format}`)).json();
    t.equal(d.sha256, createHash('sha256').update(body).digest('hex'), format);
    t.equal(d.bytes, body.length);
    t.equal(d.algorithm, 'sha-256');
  }
  const post = await app.inject({ method: 'POST', url: '/v1/tensors/digest', payload: { scheme: 'normal', shape: [64, 48], seed: 42, name: 'layer.weight', params: { std: 0.5 } } });
  t.equal(post.json().sha256, createHash('sha256').update(rawBytes).digest('hex'), 'POST digest');
});

t.test('POST: JSON and msgpack bodies give the GET bytes', async (t) => {
  const recipe = { scheme: 'normal', shape: [64, 48], seed: 42, name: 'layer.weight', params: { std: 0.5 } };
  const j = await app.inject({ method: 'POST', url: '/v1/tensors', payload: recipe });
  t.equal(j.statusCode, 200);
  t.ok(j.rawPayload.equals(rawBytes));
  const m = await app.inject({ method: 'POST', url: '/v1/tensors', payload: pack(recipe), headers: { 'content-type': 'application/msgpack' } });
  t.equal(m.statusCode, 200);
  t.ok(m.rawPayload.equals(rawBytes));
  const text = await app.inject({ method: 'POST', url: '/v1/tensors', payload: { ...recipe, shape: '64,48', seed: '42' } });
  t.ok(text.rawPayload.equals(rawBytes), 'shape and seed as text');
  const big = await app.inject({ method: 'POST', url: '/v1/tensors', payload: pack({ scheme: 'normal', shape: [3], seed: 18446744073709551615n, format: 'json' }), headers: { 'content-type': 'application/msgpack' } });
  const bigQ = await get('/v1/tensors?scheme=normal&shape=3&seed=18446744073709551615&format=json');
  t.equal(big.statusCode, 200);
  t.same(big.json().data, bigQ.json().data, 'uint64 seed from msgpack is exact');
  t.equal(big.json().recipe.seed, '18446744073709551615');
});

t.test('request.weightinit is set for metrics', async (t) => {
  let seen: unknown;
  const { app: a } = await testApp();
  a.addHook('onResponse', async (req) => { seen = req.weightinit; });
  await a.inject({ url: `/v1/tensors?${Q}&format=npy` });
  await a.close();
  t.match(seen, { recipeId: raw.headers['weightinit-recipe'], format: 'npy', scheme: 'normal', bytes: 64 * 48 * 4 + 128 });
});
