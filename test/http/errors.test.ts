/** Every error class as application/problem+json naming field, rule and value; never a 500 for bad input. */
import t, { type Test } from 'tap';
import type { InjectOptions } from 'fastify';
import { pack } from 'msgpackr';
import { testApp } from './helpers.ts';

const { app } = await testApp({ maxBytes: 1 << 20, jsonMaxElements: 100, maxBodyBytes: 4096 });
t.teardown(() => app.close());

async function problem(t: Test, opts: InjectOptions, status: number, field?: string, rule?: RegExp) {
  const r = await app.inject(opts);
  t.equal(r.statusCode, status, `${JSON.stringify(opts).slice(0, 120)} -> ${status}`);
  t.match(r.headers['content-type'], /^application\/problem\+json/);
  const p = r.json();
  t.equal(p.status, status, 'status member equals the HTTP status');
  t.type(p.type, 'string');
  t.type(p.title, 'string');
  t.type(p.detail, 'string');
  if (field !== undefined) t.equal(p.field, field, 'field');
  if (rule) t.match(p.rule, rule, 'rule');
  return p;
}

const base = '/v1/tensors?scheme=normal&shape=4,4';

t.test('400 malformed input', async (t) => {
  let p = await problem(t, { url: '/v1/tensors?shape=4,4' }, 400, 'scheme', /required/);
  p = await problem(t, { url: '/v1/tensors?scheme=normal&shape=4,x' }, 400, 'shape', /comma-separated/);
  t.equal(p.value, '4,x', 'value echoed');
  await problem(t, { url: '/v1/tensors?scheme=normal&shape=1,1,1,1,1,1,1,1,1' }, 400, 'shape', /rank/);
  await problem(t, { url: `${base}&seed=-1` }, 400, 'seed');
  await problem(t, { url: `${base}&seed=18446744073709551616` }, 400, 'seed', /64-bit/);
  await problem(t, { url: `${base}&dtype=int7` }, 400, 'dtype', /float32/);
  await problem(t, { url: `${base}&layout=sideways` }, 400, 'layout');
  await problem(t, { url: `${base}&format=xml` }, 400, 'format', /raw, msgpack, npy, safetensors, json, stats/);
  await problem(t, { url: `${base}&slice=0:2:1` }, 400, 'slice', /steps/);
  await problem(t, { url: `${base}&slice=9` }, 400, 'slice', /out of range/);
  await problem(t, { url: `${base}&bogus=1` }, 400, 'params.bogus', /unknown parameter/);
  await problem(t, { url: `${base}&std=abc` }, 400, 'params.std', /number/);
  await problem(t, { url: `${base}&std=1&std=2` }, 400, 'std', /once/);
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [4], extra: 1 } }, 400, 'extra', /not an accepted field/);
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [4, -1] } }, 400, 'shape');
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [4], seed: 2 ** 60 } }, 400, 'seed', /2\^53/);
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: '{"scheme": ', headers: { 'content-type': 'application/json' } }, 400, 'body');
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: Buffer.from([0xc1]), headers: { 'content-type': 'application/msgpack' } }, 400, 'body');
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: pack([1, 2]), headers: { 'content-type': 'application/msgpack' } }, 400, 'body', /map/);
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: pack({ scheme: 'normal', shape: 'x' }), headers: { 'content-type': 'application/msgpack' } }, 400, 'shape');
  // msgpack carries non-finite floats that JSON cannot: the detail names them (not "null")
  const inf = await problem(t, { method: 'POST', url: '/v1/tensors', payload: pack({ scheme: 'torch.trunc_normal_', shape: [], params: { a: -Infinity } }), headers: { 'content-type': 'application/msgpack' } }, 400, 'params.a', /finite number/);
  t.match(inf.detail, /\(got -Infinity\)/, `detail: ${inf.detail}`);
  const nan = await problem(t, { method: 'POST', url: '/v1/tensors', payload: pack({ scheme: 'normal', shape: [2], params: { std: NaN } }), headers: { 'content-type': 'application/msgpack' } }, 400, 'params.std');
  t.match(nan.detail, /\(got NaN\)/, `detail: ${nan.detail}`);
});

t.test('404 unknown scheme with close matches, unknown route', async (t) => {
  let p = await problem(t, { url: '/v1/tensors?scheme=nromal&shape=4' }, 404, 'scheme');
  t.ok(p.suggestions.includes('normal'), 'suggests normal');
  p = await problem(t, { url: '/v1/schemes/kaiming_unifrom' }, 404, 'name');
  t.ok(p.suggestions.includes('kaiming_uniform'), 'suggests kaiming_uniform');
  await problem(t, { url: '/v2/tensors' }, 404);
});

t.test('406 format/dtype combinations and Accept', async (t) => {
  for (const dtype of ['bfloat16', 'float8_e4m3fn', 'float8_e5m2']) {
    const p = await problem(t, { url: `${base}&dtype=${dtype}&format=npy` }, 406, 'format', new RegExp(dtype));
    t.equal(p.value, 'npy');
  }
  await problem(t, { url: base, headers: { accept: 'text/html' } }, 406, 'accept');
});

t.test('413 over the limits, naming the limit', async (t) => {
  let p = await problem(t, { url: '/v1/tensors?scheme=normal&shape=1024,1024' }, 413, 'shape', /WEIGHTINIT_MAX_BYTES/);
  t.equal(p.limit, 1 << 20);
  t.match(p.detail, String(1 << 20));
  p = await problem(t, { url: '/v1/tensors?scheme=normal&shape=11,10&format=json' }, 413, 'format', /100 elements/);
  t.equal(p.limit, 100);
  p = await problem(t, { method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [1], name: 'x'.repeat(5000) } }, 413, 'body');
  t.equal(p.limit, 4096);
  await problem(t, { url: '/v1/tensors?scheme=normal&shape=100000000,100000000,100000000&slice=0:1,0:1,0:1' }, 413, 'shape', /2\^53/);
});

t.test('415 unsupported body type', async (t) => {
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: 'scheme=normal', headers: { 'content-type': 'text/plain' } }, 415, 'content-type');
  await problem(t, { method: 'POST', url: '/v1/tensors', payload: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'content-type');
});

t.test('422 valid syntax, impossible recipe', async (t) => {
  await problem(t, { url: `${base}&std=-1` }, 422, 'params.std', />= 0/);
  await problem(t, { url: '/v1/tensors?scheme=uniform&shape=4&low=1&high=0' }, 422, 'params.high');
  await problem(t, { url: `${base}&fan_in=0` }, 422, 'fan_in');
});

t.test('a small sliced request under a huge full shape is served', async (t) => {
  const r = await app.inject({ url: '/v1/tensors?scheme=normal&shape=1000000,1000000&slice=0:2,0:3&format=json' });
  t.equal(r.statusCode, 200);
  t.same(r.json().shape, [2, 3]);
});
