/**
 * Pretrained store: fixtures are written here at test time (an independent safetensors/npy writer),
 * indexed, and served back through /v1/tensors and /v1/models:
 * - same dtype round-trips byte for byte (NaN payloads included), whole and sliced, in both endpoints;
 * - dtype conversion equals expectations computed here (independent f16 decoder / bf16 rounding);
 * - corrupt files are named (GET /v1/pretrained, startup warnings, /readyz?verbose) while the rest serves;
 * - traversal attempts (../, absolute paths, encoded variants, symlinks out of the store) are refused.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { indexFolder, setStore, describeStore } from '../../src/store/index.ts';
import { InitRegistry } from '../../src/startup/registry.ts';
import { configurationPhase } from '../../src/startup/phases/configuration.ts';
import { storePhase } from '../../src/startup/phases/store.ts';
import { parseSafetensors } from '../models/helpers.ts';

// ---- fixtures ------------------------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wi-store-'));
const store = path.join(tmp, 'weights'), outside = path.join(tmp, 'outside');
fs.mkdirSync(path.join(store, 'nested'), { recursive: true });
fs.mkdirSync(outside);
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A deterministic byte source (xorshift) so fixtures are the same every run. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; b[i] = x & 0xff; }
  return b;
}
function f32s(vals: number[]): Buffer { const b = Buffer.alloc(vals.length * 4); vals.forEach((v, i) => b.writeFloatLE(v, i * 4)); return b; }
function f64s(vals: number[]): Buffer { const b = Buffer.alloc(vals.length * 8); vals.forEach((v, i) => b.writeDoubleLE(v, i * 8)); return b; }

/** safetensors writer from the format description: sorted by name, back to back, header space-padded. */
function writeSafetensors(file: string, tensors: Record<string, { dtype: string; shape: number[]; data: Buffer }>, pad = 8) {
  const header: Record<string, unknown> = { __metadata__: { source: 'test' } };
  let off = 0;
  for (const [k, v] of Object.entries(tensors)) { header[k] = { dtype: v.dtype, shape: v.shape, data_offsets: [off, off + v.data.length] }; off += v.data.length; }
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((pad - (json.length % pad)) % pad, 0x20)]);
  const len = Buffer.alloc(8); len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, ...Object.values(tensors).map((v) => v.data)]));
}
/** .npy v1.0 writer (numpy.lib.format): magic, version, u16 header length, dict, padding to 64. */
function writeNpy(file: string, descr: string, shape: number[], data: Buffer) {
  const shp = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let h = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shp}, }`;
  h += ' '.repeat(64 - ((10 + h.length + 1) % 64)) + '\n';
  const pre = Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, h.length & 0xff, h.length >> 8]);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(h, 'latin1'), data]));
}

const w32vals = Array.from({ length: 30 }, (_, i) => Math.sin(i * 1.7) * 3 + (i === 7 ? 1e-40 : 0));
w32vals[3] = -0;
const w16 = bytes(16 * 2, 11); w16.writeUInt16LE(0x7d01, 0); // a NaN with a payload: only a byte copy keeps it
const wbf = bytes(21 * 2, 12); wbf.writeUInt16LE(0xffc1, 2);
const w64vals = Array.from({ length: 10 }, (_, i) => 1 / (i + 3) + 1e-12 * i);
const i64 = Buffer.alloc(5 * 8); [0n, -3n, 7n, 1n << 40n, 12345n].forEach((v, i) => i64.writeBigInt64LE(v, i * 8));
const model = {
  'layer.w32': { dtype: 'F32', shape: [6, 5], data: f32s(w32vals) },
  'layer.w16': { dtype: 'F16', shape: [4, 4], data: w16 },
  'layer.wbf': { dtype: 'BF16', shape: [3, 7], data: wbf },
  'layer.w64': { dtype: 'F64', shape: [10], data: f64s(w64vals) },
  'steps': { dtype: 'I64', shape: [5], data: i64 },
};
writeSafetensors(path.join(store, 'model.safetensors'), model);
const embVals = Array.from({ length: 24 }, (_, i) => i / 8 - 1);
writeNpy(path.join(store, 'nested', 'emb.npy'), '<f4', [8, 3], f32s(embVals));
writeSafetensors(path.join(outside, 'secret.safetensors'), { secret: { dtype: 'F32', shape: [2], data: f32s([42, 43]) } });
fs.writeFileSync(path.join(store, 'corrupt.safetensors'), Buffer.concat([Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":')]));
{ // data shorter than the header claims
  const f = path.join(tmp, 'short.safetensors');
  writeSafetensors(f, { x: { dtype: 'F32', shape: [4], data: f32s([1, 2, 3, 4]) } });
  fs.writeFileSync(path.join(store, 'truncated.safetensors'), fs.readFileSync(f).subarray(0, -4));
}
writeNpy(path.join(store, 'badshape.npy'), '<f4', [3, 3], f32s([1, 2, 3]));
fs.symlinkSync(path.join(outside, 'secret.safetensors'), path.join(store, 'link.safetensors'));
fs.symlinkSync(path.join(store, 'model.safetensors'), path.join(store, 'alias.safetensors')); // inside: allowed

// ---- app -----------------------------------------------------------------------------------
const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '1', WEIGHTINIT_STORE: store });
const app = await buildApp(config);
t.teardown(() => app.close());
setStore(await indexFolder(store));

async function raw(body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/v1/tensors', payload: { seed: 0, format: 'raw', ...body } });
}

t.test('index: sources, tensors, SHA-256, problems by name', async (tt) => {
  const r = await app.inject({ method: 'GET', url: '/v1/pretrained' });
  tt.equal(r.statusCode, 200);
  const j = r.json();
  tt.same(j.sources.map((s: { source: string }) => s.source).sort(), ['alias.safetensors', 'model.safetensors', 'nested/emb.npy']);
  const m = j.sources.find((s: { source: string }) => s.source === 'model.safetensors');
  tt.equal(m.sha256, createHash('sha256').update(fs.readFileSync(path.join(store, 'model.safetensors'))).digest('hex'));
  tt.same(m.tensors.map((x: { name: string }) => x.name).sort(), Object.keys(model).sort());
  tt.same(m.tensors.find((x: { name: string }) => x.name === 'layer.wbf'), { name: 'layer.wbf', dtype: 'BF16', shape: [3, 7], bytes: 42 });
  const bad = new Map(j.problems.map((p: { file: string; reason: string }) => [p.file, p.reason]));
  tt.match(bad.get('corrupt.safetensors'), /corrupt/);
  tt.match(bad.get('truncated.safetensors'), /corrupt: data ends at byte/);
  tt.match(bad.get('badshape.npy'), /corrupt/);
  tt.match(bad.get('link.safetensors'), /outside the store/);
  tt.notOk(JSON.stringify(j).includes(tmp), 'no filesystem paths in the listing');
});

t.test('same dtype: byte-exact round trip, whole and sliced', async (tt) => {
  for (const [name, v] of Object.entries(model)) {
    const r = await raw({ scheme: 'pretrained', shape: v.shape, params: { source: 'model.safetensors', tensor: name }, dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'float64' }[v.dtype] });
    tt.equal(r.statusCode, 200, r.statusCode === 200 ? name : r.body);
    if (v.dtype === 'I64') continue;
    // Same dtype is copied from the file byte for byte, NaN payloads included (as in /v1/models).
    const w = v.data.length / v.shape.reduce((a, b) => a * b, 1);
    let nans = 0;
    for (let i = 0; i < v.data.length; i += w) if (nanAt(v.dtype, v.data, i)) nans++;
    tt.ok(Buffer.compare(r.rawPayload, v.data) === 0, `${name} round-trips byte for byte through /v1/tensors (${nans} NaN elements among them)`);
  }
  const mr = await app.inject({ method: 'POST', url: '/v1/models', payload: { seed: 0, tensors: Object.entries(model).filter(([, v]) => v.dtype !== 'I64').map(([name, v]) => (
    { name, scheme: 'pretrained', params: { source: 'model.safetensors', tensor: name }, dtype: { F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64' }[v.dtype] })) } });
  tt.equal(mr.statusCode, 200, mr.statusCode === 200 ? 'model' : mr.body);
  const mf = parseSafetensors(mr.rawPayload);
  for (const [name, v] of Object.entries(model)) {
    if (v.dtype !== 'I64') tt.ok(Buffer.compare(Buffer.from(mf.tensor(name)), v.data) === 0, `${name} byte-exact in /v1/models (NaN payloads kept)`);
  }
  // slice rows 1:3, cols 2:5 of the [6,5] float32 tensor
  const r = await raw({ scheme: 'pretrained', shape: [6, 5], params: { source: 'model.safetensors', tensor: 'layer.w32' }, slice: '1:3,2:5' });
  tt.equal(r.statusCode, 200, r.body);
  const want = Buffer.concat([1, 2].map((row) => model['layer.w32'].data.subarray((row * 5 + 2) * 4, (row * 5 + 5) * 4)));
  tt.ok(Buffer.compare(r.rawPayload, want) === 0, 'slice bytes equal the stored sub-block');
  const rs = await raw({ scheme: 'pretrained', shape: [4, 4], params: { source: 'model.safetensors', tensor: 'layer.w16' }, dtype: 'float16', slice: '1:3,:' });
  tt.ok(Buffer.compare(rs.rawPayload, w16.subarray(8, 24)) === 0, 'f16 row slice byte-exact');
  // npy, tensor name optional (one tensor in the file)
  const n = await raw({ scheme: 'pretrained', shape: [8, 3], params: { source: 'nested/emb.npy' } });
  tt.ok(Buffer.compare(n.rawPayload, f32s(embVals)) === 0, 'npy byte-exact');
  // a symlink inside the store to a file inside it serves the same bytes
  const a = await raw({ scheme: 'pretrained', shape: [10], params: { source: 'alias.safetensors', tensor: 'layer.w64' }, dtype: 'float64' });
  tt.ok(Buffer.compare(a.rawPayload, model['layer.w64'].data) === 0);
});

/** Independent decoders/rounding for expectations. */
function nanAt(dtype: string, b: Buffer, i: number): boolean {
  switch (dtype) {
    case 'F32': return Number.isNaN(b.readFloatLE(i));
    case 'F64': return Number.isNaN(b.readDoubleLE(i));
    case 'F16': { const h = b.readUInt16LE(i); return (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0; }
    default: { const h = b.readUInt16LE(i); return (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0; } // BF16
  }
}
function halfToFloat(h: number): number {
  const s = h >> 15 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
  return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + m / 1024);
}
function bf16Rne(x: number): number {
  const b = Buffer.alloc(4); b.writeFloatLE(x);
  const u = b.readUInt32LE(0);
  if (Number.isNaN(x)) return 0x7fc0;
  const lsb = (u >>> 16) & 1;
  return (Math.floor((u + 0x7fff + lsb) / 65536)) & 0xffff;
}

t.test('dtype conversion', async (tt) => {
  const get = async (tensor: string, shape: number[], dtype: string) => {
    const r = await raw({ scheme: 'pretrained', shape, params: { source: 'model.safetensors', tensor }, dtype });
    tt.equal(r.statusCode, 200, r.statusCode === 200 ? `${tensor} as ${dtype}` : r.body);
    return r.rawPayload;
  };
  // f32 -> f64: exact
  const a = await get('layer.w32', [6, 5], 'float64');
  tt.same(Array.from({ length: 30 }, (_, i) => a.readDoubleLE(i * 8)), Array.from({ length: 30 }, (_, i) => model['layer.w32'].data.readFloatLE(i * 4)));
  // f64 -> f32: nearest (Buffer.writeFloatLE rounds to nearest even)
  const b = await get('layer.w64', [10], 'float32');
  tt.ok(Buffer.compare(b, f32s(w64vals)) === 0, 'f64 -> f32 rounds to nearest');
  // f16 -> f32: exact decode (NaN bits aside)
  const c = await get('layer.w16', [4, 4], 'float32');
  for (let i = 0; i < 16; i++) {
    const want = halfToFloat(w16.readUInt16LE(i * 2)), got = c.readFloatLE(i * 4);
    if (Number.isNaN(want)) tt.ok(Number.isNaN(got)); else tt.equal(got, want, `f16[${i}]`);
  }
  // f32 -> bf16: round to nearest even on the bits
  const d = await get('layer.w32', [6, 5], 'bfloat16');
  tt.same(Array.from({ length: 30 }, (_, i) => d.readUInt16LE(i * 2)), w32vals.map((v) => bf16Rne(Math.fround(v))));
  // int64 -> f32
  const e = await get('steps', [5], 'float32');
  tt.same(Array.from({ length: 5 }, (_, i) => e.readFloatLE(i * 4)), [0, -3, 7, 2 ** 40, 12345]);
});

t.test('models mix pretrained and generated; shape mismatch names both shapes', async (tt) => {
  const manifest = {
    seed: 5,
    modules: [{ type: 'linear', name: 'head', in: 3, out: 4 }],
    tensors: [
      { name: 'emb.weight', scheme: 'pretrained', params: { source: 'nested/emb.npy' } }, // shape from the store
      { name: 'backbone.w', shape: [6, 5], scheme: 'pretrained', params: { source: 'model.safetensors', tensor: 'layer.w32' }, dtype: 'float16' },
    ],
  };
  const r = await app.inject({ method: 'POST', url: '/v1/models', payload: manifest });
  tt.equal(r.statusCode, 200, r.body.slice(0, 300));
  const f = parseSafetensors(r.rawPayload);
  tt.same(f.header['emb.weight']!.shape, [8, 3]);
  tt.ok(Buffer.compare(Buffer.from(f.tensor('emb.weight')), f32s(embVals)) === 0, 'pretrained bytes in the model');
  const single = await raw({ scheme: 'pretrained', shape: [6, 5], params: { source: 'model.safetensors', tensor: 'layer.w32' }, dtype: 'float16' });
  tt.ok(Buffer.compare(Buffer.from(f.tensor('backbone.w')), single.rawPayload) === 0, 'converted tensor equals /v1/tensors');
  const doc = JSON.parse(f.metadata.weightinit_manifest!);
  const sha = createHash('sha256').update(fs.readFileSync(path.join(store, 'nested', 'emb.npy'))).digest('hex');
  tt.same(doc.tensors.find((x: { name: string }) => x.name === 'emb.weight').params, { source: 'nested/emb.npy', tensor: 'emb', sha256: sha }, 'manifest pins the file hash');

  const bad = await app.inject({ method: 'POST', url: '/v1/models', payload: { seed: 1, tensors: [{ name: 'x', shape: [5, 6], scheme: 'pretrained', params: { source: 'model.safetensors', tensor: 'layer.w32' } }] } });
  tt.equal(bad.statusCode, 422);
  tt.match(bad.json().detail, /\[6, 5\].*\[5, 6\]/, 'both shapes named');
  const unknown = await app.inject({ method: 'POST', url: '/v1/models', payload: { seed: 1, tensors: [{ name: 'x', scheme: 'pretrained', params: { source: 'nope.safetensors' } }] } });
  tt.equal(unknown.statusCode, 404);
  tt.equal(unknown.json().field, 'tensors[0].params.source', 'unknown source named even without a shape');
  const stale = await raw({ scheme: 'pretrained', shape: [8, 3], params: { source: 'nested/emb.npy', sha256: '0'.repeat(64) } });
  tt.equal(stale.statusCode, 422, 'a pinned hash that differs is refused');
});

t.test('traversal attempts are refused', async (tt) => {
  const attempts = [
    '../outside/secret.safetensors', '/etc/passwd', path.join(outside, 'secret.safetensors'),
    'link.safetensors', 'nested/../../outside/secret.safetensors', './model.safetensors', 'nested\\..\\model.safetensors',
    '%2e%2e%2foutside%2fsecret.safetensors', '..%2Foutside%2Fsecret.safetensors', 'corrupt.safetensors',
  ];
  for (const source of attempts) {
    const r = await raw({ scheme: 'pretrained', shape: [2], params: { source, tensor: 'secret' } });
    tt.equal(r.statusCode, 404, `POST source ${JSON.stringify(source)}: ${r.statusCode}`);
    tt.notOk(r.rawPayload.includes(f32s([42, 43])), 'no secret bytes');
  }
  // encoded in a query string (decoded once by the server, then looked up by name: still not found)
  for (const q of ['..%2Foutside%2Fsecret.safetensors', '%2E%2E%2Foutside%2Fsecret.safetensors', '%252e%252e%252Foutside%252Fsecret.safetensors', '%2Fetc%2Fpasswd']) {
    const r = await app.inject({ method: 'GET', url: `/v1/tensors?scheme=pretrained&shape=2&format=raw&source=${q}&tensor=secret` });
    tt.equal(r.statusCode, 404, `GET source=${q}: ${r.body.slice(0, 120)}`);
  }
});

t.test('startup phase: corrupt files named in /readyz?verbose, the rest serves', async (tt) => {
  const reg = new InitRegistry();
  reg.register(configurationPhase);
  reg.register(storePhase);
  const report = await reg.globalInit({ env: { WEIGHTINIT_STORE: store, LOG_LEVEL: 'silent' } });
  tt.ok(report.ok, 'startup passes despite corrupt files');
  const app2 = await buildApp(config, { readiness: reg });
  tt.teardown(() => app2.close());
  const r = await app2.inject({ method: 'GET', url: '/readyz?verbose' });
  tt.equal(r.statusCode, 200);
  tt.match(r.body, /\[\+\]store ok .*corrupt\.safetensors: corrupt/);
  tt.match(r.body, /link\.safetensors: symlink points outside the store/);
  const ok = await app2.inject({ method: 'POST', url: '/v1/tensors', payload: { scheme: 'pretrained', shape: [8, 3], params: { source: 'nested/emb.npy' }, format: 'raw' } });
  tt.equal(ok.statusCode, 200, ok.statusCode === 200 ? 'served' : ok.body);
  tt.ok(Buffer.compare(ok.rawPayload, f32s(embVals)) === 0, 'rest of the store serves');
  tt.match(describeStore(await indexFolder(path.join(tmp, 'missing'))).warnings.join(), /store folder unusable/);
  const failing = new InitRegistry();
  failing.register(configurationPhase);
  failing.register(storePhase);
  const bad = await failing.globalInit({ env: { WEIGHTINIT_STORE: path.join(tmp, 'missing'), LOG_LEVEL: 'silent' } }).catch((e) => e);
  tt.match(String(bad?.message ?? JSON.stringify(bad)), /store/, 'an explicitly configured missing store fails the store phase');
});
