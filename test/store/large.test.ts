/**
 * Stored tensors larger than WEIGHTINIT_MAIN_THREAD_MAX_BYTES through /v1/tensors. The pretrained
 * scheme lives on the main thread (pool workers have no store index), so these are served from there
 * in chunks; here the chunk size is small so a tensor spans many chunks. Expectations are the fixture
 * file's own bytes (written here), cut and converted by code in this test:
 * - same dtype: byte for byte, including NaN payloads and signalling NaNs (random bytes as floats);
 * - slices, npy framing, Content-Length, HEAD, digest, POST = GET, json and stats;
 * - dtype conversion (f32 -> f64 exact, f32 -> bf16 nearest-even, f16 -> f32 exact);
 * - a real socket (chunk buffers recycled) gives the same bytes;
 * - unknown sources and tensors are 404s titled as such.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { indexFolder, setStore } from '../../src/store/index.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wi-store-large-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Deterministic bytes (xorshift32). As float32/float16 they include NaNs with payloads, infinities, subnormals. */
function randomBytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; b[i] = x & 0xff; }
  return b;
}

function writeSafetensors(file: string, tensors: Record<string, { dtype: string; shape: number[]; data: Buffer }>): void {
  const header: Record<string, unknown> = {};
  let off = 0;
  for (const [k, v] of Object.entries(tensors)) { header[k] = { dtype: v.dtype, shape: v.shape, data_offsets: [off, off + v.data.length] }; off += v.data.length; }
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8); len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, ...Object.values(tensors).map((v) => v.data)]));
}

// Fixtures: every tensor is larger than the 64 KiB main-thread limit and spans many 16 KiB chunks.
const R = 300, C = 100; // bits: [300, 100] float32 of random bytes (117 KiB)
const bits = randomBytes(R * C * 4, 7);
bits.writeUInt32LE(0x7f800001, 4 * 5); // a signalling NaN
bits.writeUInt32LE(0xffc12345, 4 * 6); // a negative quiet NaN with a payload
const smoothVals = Array.from({ length: 200 * 120 }, (_, i) => Math.sin(i * 0.37) * 2.5 + (i % 97) * 1e-3);
const smooth = Buffer.alloc(smoothVals.length * 4); smoothVals.forEach((v, i) => smooth.writeFloatLE(v, i * 4)); // [200, 120] float32
const half = randomBytes(256 * 200 * 2, 9); // [256, 200] float16, random bits
half.writeUInt16LE(0x7d01, 2 * 3); // a float16 NaN with a payload
const big = randomBytes(1024 * 1024 * 4, 13); // [1024, 1024] float32, 4 MiB (socket test)
writeSafetensors(path.join(tmp, 'big.safetensors'), {
  bits: { dtype: 'F32', shape: [R, C], data: bits },
  smooth: { dtype: 'F32', shape: [200, 120], data: smooth },
  half: { dtype: 'F16', shape: [256, 200], data: half },
  big: { dtype: 'F32', shape: [1024, 1024], data: big },
});

const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '1', WEIGHTINIT_STORE: tmp, WEIGHTINIT_CHUNK_BYTES: '16384', WEIGHTINIT_MAX_EVENT_LOOP_DELAY_MS: '0' });
const app = await buildApp(config);
t.teardown(() => app.close());
setStore(await indexFolder(tmp));

const Q = (tensor: string, shape: string, extra = '') => `scheme=pretrained&shape=${shape}&source=big.safetensors&tensor=${tensor}${extra}`;
const get = (query: string) => app.inject({ url: `/v1/tensors?${query}` });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Rows r0..r1, cols c0..c1 of a row-major matrix of `width`-byte elements, cut here. */
function cut(data: Buffer, cols: number, width: number, [r0, r1]: [number, number], [c0, c1]: [number, number]): Buffer {
  const parts: Buffer[] = [];
  for (let r = r0; r < r1; r++) parts.push(data.subarray((r * cols + c0) * width, (r * cols + c1) * width));
  return Buffer.concat(parts);
}

t.test('same dtype: the stored bytes exactly (NaN payloads kept), with Content-Length', async (t) => {
  t.ok(bits.length > config.mainThreadMaxBytes && half.length > config.mainThreadMaxBytes, `fixtures above the main-thread limit (${config.mainThreadMaxBytes} bytes)`);
  const r = await get(Q('bits', `${R},${C}`, '&format=raw'));
  t.equal(r.statusCode, 200, r.statusCode === 200 ? 'ok' : r.body);
  t.equal(r.headers['content-length'], String(bits.length));
  t.equal(r.rawPayload.length, bits.length);
  t.ok(r.rawPayload.equals(bits), 'raw body equals the file bytes');
  t.equal(r.rawPayload.readUInt32LE(4 * 5), 0x7f800001, 'signalling NaN kept');
  t.equal(r.rawPayload.readUInt32LE(4 * 6), 0xffc12345, 'NaN payload kept');
  const h = await get(Q('half', '256,200', '&dtype=float16&format=raw'));
  t.equal(h.statusCode, 200);
  t.ok(h.rawPayload.equals(half), 'float16 bytes equal the file bytes');
  t.equal(h.rawPayload.readUInt16LE(6), 0x7d01, 'float16 NaN payload kept');

  const p = await app.inject({ method: 'POST', url: '/v1/tensors', payload: { scheme: 'pretrained', shape: [R, C], params: { source: 'big.safetensors', tensor: 'bits' }, format: 'raw' } });
  t.equal(p.statusCode, 200);
  t.ok(p.rawPayload.equals(bits), 'POST equals the file bytes');
  t.equal(p.headers.etag, r.headers.etag, 'POST and GET: same ETag');

  const head = await app.inject({ method: 'HEAD', url: `/v1/tensors?${Q('bits', `${R},${C}`, '&format=raw')}` });
  t.equal(head.statusCode, 200);
  t.equal(head.headers['content-length'], String(bits.length), 'HEAD: Content-Length');

  const npy = await get(Q('bits', `${R},${C}`, '&format=npy'));
  t.equal(npy.statusCode, 200);
  t.equal(npy.headers['content-length'], String(npy.rawPayload.length));
  const hlen = npy.rawPayload.readUInt16LE(8);
  t.match(npy.rawPayload.subarray(10, 10 + hlen).toString('latin1'), /'descr': '<f4'.*'shape': \(300, 100\)/);
  t.ok(npy.rawPayload.subarray(10 + hlen).equals(bits), 'npy data equals the file bytes');
});

t.test('slices read the right bytes', async (t) => {
  const r = await get(Q('bits', `${R},${C}`, '&slice=10:250,7:93&format=raw'));
  t.equal(r.statusCode, 200);
  t.equal(r.headers['weightinit-shape'], '240,86');
  t.ok(r.rawPayload.equals(cut(bits, C, 4, [10, 250], [7, 93])), 'sub-block equals the bytes cut from the file');
  const rows = await get(Q('half', '256,200', '&dtype=float16&slice=100:256,:&format=raw'));
  t.ok(rows.rawPayload.equals(half.subarray(100 * 200 * 2)), 'row slice (one run) equals the file tail');
  const col = await get(Q('bits', `${R},${C}`, '&slice=:,-1&format=raw'));
  t.ok(col.rawPayload.equals(cut(bits, C, 4, [0, R], [C - 1, C])), 'last column, one element per row');
});

/** float32 -> bfloat16 bits, round to nearest even (from the float32 bits). */
function bf16Rne(x: number): number {
  const b = Buffer.alloc(4); b.writeFloatLE(x);
  const u = b.readUInt32LE(0);
  return (Math.floor((u + 0x7fff + ((u >>> 16) & 1)) / 65536)) & 0xffff;
}
function halfToFloat(h: number): number {
  const s = h >> 15 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
  return e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * 2 ** (e - 15) * (1 + m / 1024);
}

t.test('dtype conversion, chunk by chunk', async (t) => {
  const n = smoothVals.length;
  const d = await get(Q('smooth', '200,120', '&dtype=float64&format=raw'));
  t.equal(d.statusCode, 200);
  t.equal(d.rawPayload.length, n * 8);
  let exact = true;
  for (let i = 0; i < n; i++) if (d.rawPayload.readDoubleLE(i * 8) !== smooth.readFloatLE(i * 4)) { exact = false; break; }
  t.ok(exact, 'float32 -> float64 is exact');
  const b = await get(Q('smooth', '200,120', '&dtype=bfloat16&format=raw'));
  let rne = true;
  for (let i = 0; i < n; i++) if (b.rawPayload.readUInt16LE(i * 2) !== bf16Rne(smooth.readFloatLE(i * 4))) { rne = false; break; }
  t.ok(rne, 'float32 -> bfloat16 rounds to nearest even');
  const f = await get(Q('half', '256,200', '&dtype=float32&slice=3:200,50:150&format=raw'));
  t.equal(f.statusCode, 200);
  let ok = true, nans = 0, k = 0;
  for (let r = 3; r < 200; r++) for (let c = 50; c < 150; c++, k++) {
    const want = halfToFloat(half.readUInt16LE((r * 200 + c) * 2)), got = f.rawPayload.readFloatLE(k * 4);
    if (Number.isNaN(want)) { nans++; if (!Number.isNaN(got)) ok = false; } else if (got !== want) ok = false;
  }
  t.ok(ok, `float16 -> float32 slice decodes exactly (${nans} NaNs compared as NaN)`);
  const m = await get(Q('smooth', '200,120', '&multiplier=0.5&format=raw'));
  let halved = true;
  for (let i = 0; i < n; i++) if (m.rawPayload.readFloatLE(i * 4) !== Math.fround(smooth.readFloatLE(i * 4) * 0.5)) { halved = false; break; }
  t.ok(halved, 'multiplier applies to stored values');
  // spectral_norm makes a whole-tensor recipe: computed once on the main thread, then served in chunks.
  const sn = await get(Q('smooth', '200,120', '&spectral_norm=true&format=raw'));
  t.equal(sn.statusCode, 200, sn.statusCode === 200 ? 'ok' : sn.body);
  const ratio = smooth.readFloatLE(4) / sn.rawPayload.readFloatLE(4); // element 0 is 0
  let proportional = ratio > 1;
  for (let i = 0; proportional && i < n; i++) proportional = Math.abs(sn.rawPayload.readFloatLE(i * 4) * ratio - smooth.readFloatLE(i * 4)) < 1e-5 * (1 + Math.abs(smooth.readFloatLE(i * 4)));
  t.ok(proportional, `spectral_norm: the stored values divided by one sigma (${ratio})`);
});

t.test('digest, json and stats of a large stored tensor', async (t) => {
  const dg = await app.inject({ url: `/v1/tensors/digest?${Q('bits', `${R},${C}`, '&format=raw')}` });
  t.equal(dg.statusCode, 200, dg.body);
  t.equal(dg.json().sha256, sha(bits), 'digest = SHA-256 of the file bytes');
  t.equal(dg.json().bytes, bits.length);
  const sl = await app.inject({ method: 'POST', url: '/v1/tensors/digest', payload: { scheme: 'pretrained', shape: [R, C], params: { source: 'big.safetensors', tensor: 'bits' }, slice: '10:250,7:93', format: 'raw' } });
  t.equal(sl.json().sha256, sha(cut(bits, C, 4, [10, 250], [7, 93])), 'digest of a slice');

  const j = await get(Q('smooth', '200,120', '&format=json'));
  t.equal(j.statusCode, 200);
  const data = j.json().data as number[];
  t.equal(data.length, smoothVals.length);
  t.ok(data.every((v, i) => v === smooth.readFloatLE(i * 4)), 'json values are the stored float32 values');

  const s = await get(Q('smooth', '200,120', '&format=stats'));
  t.equal(s.statusCode, 200);
  const st = s.json();
  const vals = smoothVals.map((_, i) => smooth.readFloatLE(i * 4));
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  const std = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / vals.length);
  t.equal(st.count, vals.length);
  t.ok(Math.abs(st.mean - mean) < 1e-9 && Math.abs(st.std - std) < 1e-9, `mean ${st.mean} std ${st.std} (here ${mean}, ${std})`);
  t.equal(st.min, Math.min(...vals));
  t.equal(st.max, Math.max(...vals));
  t.equal(st.histogram.counts.reduce((a: number, b: number) => a + b, 0), vals.length, 'histogram covers every value');
});

t.test('a real socket: 4 MiB in 256 chunks, byte for byte', async (t) => {
  const server = await buildApp(config);
  t.teardown(() => server.close());
  await server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.server.address() as AddressInfo;
  const body = await new Promise<{ status: number; length: string | undefined; data: Buffer }>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/v1/tensors?${Q('big', '1024,1024', '&format=raw')}`, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, length: res.headers['content-length'], data: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject);
  });
  t.equal(body.status, 200);
  t.equal(body.length, String(big.length));
  t.ok(body.data.equals(big), 'streamed bytes equal the file');
});

t.test('unknown sources and tensors: 404 titled for what is missing', async (t) => {
  const s = await get('scheme=pretrained&shape=2&source=nope.safetensors&tensor=x');
  t.equal(s.statusCode, 404);
  t.equal(s.json().title, 'Unknown pretrained source');
  t.equal(s.json().field, 'params.source');
  const x = await get(Q('nope', '2'));
  t.equal(x.statusCode, 404);
  t.equal(x.json().title, 'Unknown pretrained tensor');
  t.equal(x.json().field, 'params.tensor');
  const sch = await get('scheme=pretrainedd&shape=2');
  t.equal(sch.json().title, 'Unknown scheme', 'an unknown scheme is still titled so');
  const m = await app.inject({ method: 'POST', url: '/v1/models', payload: { seed: 1, tensors: [{ name: 'x', scheme: 'pretrained', params: { source: 'nope.safetensors' } }] } });
  t.equal(m.statusCode, 404);
  t.equal(m.json().title, 'Unknown pretrained source', 'in a manifest too');
});
