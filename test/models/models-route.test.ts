/**
 * POST /v1/models through app.inject: the safetensors body parses with an independent parser (and
 * with Python json + numpy when available), every tensor equals POST /v1/tensors for the same seed,
 * name and recipe byte for byte, __metadata__ documents the manifest (re-POSTing it gives the same
 * file), msgpack decodes with msgpackr, dry runs generate nothing, and bad manifests get 4xx.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { unpack } from 'msgpackr';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { parseSafetensors } from './helpers.ts';

const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '1', WEIGHTINIT_MAX_BYTES: String(64 * 1024 * 1024) });
const app = await buildApp(config);
t.teardown(() => app.close());

const manifest = {
  seed: 1234,
  defaults: { framework: 'torch', dtype: 'float32' },
  modules: [
    { type: 'conv2d', name: 'features.0', in: 3, out: 16, kernel: 3 },
    { type: 'batch_norm', name: 'features.1', features: 16 },
    { type: 'embedding', name: 'emb', num: 50, dim: 8, padding_idx: 0 },
    { type: 'lstm', name: 'rnn', input: 8, hidden: 12 },
    { type: 'linear', name: 'classifier', in: 12, out: 300, dtype: 'bfloat16' },
  ],
  tensors: [
    { name: 'head.weight', shape: [300, 40], scheme: 'truncated_normal', params: { std: 0.02 }, dtype: 'float16' },
    { name: 'head.proj', shape: [64, 32], scheme: 'orthogonal' },
    { name: 'big', shape: [512, 300], scheme: 'normal', params: { std: 0.5 } }, // > mainThreadMaxBytes: pool path
    { name: 'empty', shape: [0, 4], scheme: 'normal' },
    { name: 'scalar', shape: [], scheme: 'constant', params: { value: 3 }, dtype: 'float64' },
  ],
};

async function single(recipe: Record<string, unknown>): Promise<Buffer> {
  const r = await app.inject({ method: 'POST', url: '/v1/tensors', payload: { ...recipe, format: 'raw' } });
  if (r.statusCode !== 200) throw new Error(`${r.statusCode} ${r.body}`);
  return r.rawPayload;
}

t.test('safetensors: independent parse, every tensor equals the single-tensor endpoint', async (tt) => {
  const r = await app.inject({ method: 'POST', url: '/v1/models', payload: manifest });
  tt.equal(r.statusCode, 200, r.statusCode === 200 ? 'ok' : r.body);
  tt.equal(r.headers['content-type'], 'application/x-safetensors');
  tt.equal(Number(r.headers['content-length']), r.rawPayload.length, 'Content-Length is exact');
  const f = parseSafetensors(r.rawPayload);
  tt.equal(f.dataStart % 8, 0, 'data starts 8-byte aligned');
  const names = Object.keys(f.header);
  tt.same(names.slice(0, 3), ['features.0.weight', 'features.0.bias', 'features.1.weight'], 'modules first, in order');
  tt.same(names.slice(-5), ['head.weight', 'head.proj', 'big', 'empty', 'scalar'], 'then listed tensors');
  tt.equal(f.header['features.1.num_batches_tracked']!.dtype, 'I64');
  tt.same([...f.tensor('features.1.num_batches_tracked')], [0, 0, 0, 0, 0, 0, 0, 0], 'num_batches_tracked = int64 0');
  tt.equal(f.header['classifier.weight']!.dtype, 'BF16');
  tt.equal(f.header['head.weight']!.dtype, 'F16');
  tt.same(f.header['empty']!.data_offsets[0], f.header['empty']!.data_offsets[1], 'zero-size tensor stores no bytes');

  const doc = JSON.parse(f.metadata.weightinit_manifest!);
  tt.match(f.metadata.weightinit_algorithm, /^weightinit-philox4x32-10-v\d+$/);
  tt.equal(f.metadata.format, 'pt');
  tt.equal(doc.tensors.length, names.length);
  for (const d of doc.tensors as Array<Record<string, unknown>>) {
    if (d.dtype === 'int64') continue;
    const want = await single({ scheme: d.scheme, shape: d.shape, seed: doc.seed, name: d.name, dtype: d.dtype, layout: d.layout, params: d.params, ...(d.multiplier !== undefined ? { multiplier: d.multiplier } : {}) });
    tt.ok(Buffer.compare(Buffer.from(f.tensor(d.name as string)), want) === 0, `${d.name} equals POST /v1/tensors`);
  }
  // The documented manifest is itself a manifest: posting it reproduces the file byte for byte.
  const again = await app.inject({ method: 'POST', url: '/v1/models', payload: doc });
  tt.equal(again.statusCode, 200, again.statusCode === 200 ? 'ok' : again.body);
  tt.ok(Buffer.compare(again.rawPayload, r.rawPayload) === 0, 're-posting __metadata__ manifest gives the same bytes');
  tt.equal(again.headers.etag, r.headers.etag, 'same ETag');

  // Python: json header + numpy on the data, if available.
  const py = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (py.status !== 0) { tt.comment('python3 with numpy not available: Python check not run'); return; }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wi-models-'));
  tt.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'model.safetensors');
  fs.writeFileSync(file, r.rawPayload);
  const script = `
import json, struct, sys, hashlib, numpy as np
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8+n]); h.pop('__metadata__')
dt = {'F32': '<f4', 'F16': '<f2', 'F64': '<f8', 'I64': '<i8', 'BF16': '<u2'}
out = {}
for k, v in h.items():
    s, e = v['data_offsets']
    a = np.frombuffer(b[8+n+s:8+n+e], dtype=dt[v['dtype']]).reshape(v['shape'])
    if v['dtype'] == 'BF16': a = (a.astype(np.uint32) << 16).view(np.float32)
    out[k] = {'shape': list(a.shape), 'sha256': hashlib.sha256(b[8+n+s:8+n+e]).hexdigest(), 'sum': float(a.astype(np.float64).sum())}
print(json.dumps(out))`;
  const res = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
  tt.equal(res.status, 0, res.stderr);
  const pyOut = JSON.parse(res.stdout) as Record<string, { shape: number[]; sha256: string; sum: number }>;
  const { createHash } = await import('node:crypto');
  for (const [name, e] of Object.entries(f.header)) {
    tt.same(pyOut[name]!.shape, e.shape, `numpy shape of ${name}`);
    tt.equal(pyOut[name]!.sha256, createHash('sha256').update(f.tensor(name)).digest('hex'), `numpy sees the same bytes for ${name}`);
  }
  tt.equal(pyOut['scalar']!.sum, 3, 'numpy reads the float64 scalar');
  tt.ok(Math.abs(pyOut['emb.weight']!.sum) < 50 * 8, 'numpy decodes the embedding');
});

t.test('msgpack: decodes with msgpackr, same tensor bytes', async (tt) => {
  const st = parseSafetensors((await app.inject({ method: 'POST', url: '/v1/models', payload: manifest })).rawPayload);
  const r = await app.inject({ method: 'POST', url: '/v1/models?format=msgpack', payload: manifest });
  tt.equal(r.statusCode, 200);
  tt.equal(Number(r.headers['content-length']), r.rawPayload.length);
  const m = unpack(r.rawPayload) as { algorithm: string; manifest: { seed: string }; tensors: Record<string, { dtype: string; shape: number[]; data: Uint8Array }> };
  tt.equal(m.manifest.seed, '1234');
  tt.same(Object.keys(m.tensors), Object.keys(st.header), 'same tensors, same order');
  for (const [name, v] of Object.entries(m.tensors)) {
    tt.ok(Buffer.compare(Buffer.from(v.data), Buffer.from(st.tensor(name))) === 0, `${name} bytes equal`);
    tt.same(v.shape, st.header[name]!.shape);
  }
});

t.test('dry run and expand: shapes, schemes, bytes, nothing generated', async (tt) => {
  const a = await app.inject({ method: 'POST', url: '/v1/models?dry_run=true', payload: manifest });
  const b = await app.inject({ method: 'POST', url: '/v1/models/expand', payload: manifest });
  const c = await app.inject({ method: 'GET', url: `/v1/models/expand?manifest=${encodeURIComponent(JSON.stringify(manifest))}` });
  for (const r of [a, b, c]) tt.equal(r.statusCode, 200, r.body.slice(0, 200));
  const e = a.json();
  tt.same(b.json(), e);
  tt.same(c.json(), e);
  const full = await app.inject({ method: 'POST', url: '/v1/models', payload: manifest });
  tt.equal(e.content_length, full.rawPayload.length, 'content_length predicts the file size');
  const w = e.tensors.find((x: { name: string }) => x.name === 'features.0.weight');
  tt.same(w.shape, [16, 3, 3, 3]);
  tt.equal(w.scheme, 'uniform');
  tt.equal(w.module, 'features.0');
  tt.equal(w.bytes, 16 * 27 * 4);
  tt.match(w.init, /kaiming_uniform_/);
  tt.equal(e.total_bytes, e.tensors.reduce((s: number, x: { bytes: number }) => s + x.bytes, 0));
});

t.test('bad manifests: 4xx problems naming the field', async (tt) => {
  const cases: Array<[unknown, number, string]> = [
    [{ seed: 1, tensors: [{ name: 'a', shape: [2], scheme: 'zeros' }, { name: 'a', shape: [2], scheme: 'zeros' }] }, 400, 'tensors[1].name'],
    [{ seed: 1, tensors: [{ name: 'a', shape: [2], scheme: 'nope' }] }, 404, 'tensors[0].scheme'],
    [{ seed: 1, tensors: [{ name: 'a', shape: [2, 2], scheme: 'normal', params: { std: -1 } }] }, 422, 'tensors[0].params.std'],
    [{ seed: 1, modules: [{ type: 'lstm', name: 'r', input: 4 }] }, 400, 'modules[0].hidden'],
    [{ seed: 1, defaults: { framework: 'caffe' } }, 400, 'defaults.framework'],
    [{ seed: 1, tensors: [{ name: 'huge', shape: [8192, 8192], scheme: 'zeros' }] }, 413, 'tensors'],
    [{ seed: 1, tensors: [{ name: 'b', shape: [2], scheme: 'zeros', dtype: 'int64' }, { name: 'c', shape: [2], scheme: 'normal', dtype: 'int64' }] }, 400, 'tensors[1].scheme'],
    [{ seed: 1, algorithm: 'weightinit-philox4x32-10-v0', tensors: [] }, 422, 'algorithm'],
  ];
  for (const [body, status, field] of cases) {
    const r = await app.inject({ method: 'POST', url: '/v1/models', payload: body as object });
    tt.equal(r.statusCode, status, `${field}: ${r.body.slice(0, 160)}`);
    tt.match(r.headers['content-type'], /^application\/problem\+json/);
    tt.equal(r.json().field, field);
  }
});
