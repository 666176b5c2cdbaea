/**
 * Helpers for HTTP tests: an app with test-sized limits, and decoders written here from the format
 * specifications (MessagePack spec, safetensors README, NumPy format docs), independent of
 * src/http/formats, so a framing bug cannot be hidden by the same bug in the reader.
 */
import { spawnSync } from 'node:child_process';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';

export async function testApp(overrides: Partial<Config> = {}, deps: Parameters<typeof buildApp>[1] = {}) {
  // Event-loop lag shedding off: test code that computes expectations synchronously would trip it.
  const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '2', WEIGHTINIT_MAX_EVENT_LOOP_DELAY_MS: '0' }, overrides);
  const app = await buildApp(config, deps);
  return { app, config };
}

/** Minimal MessagePack decoder (nil, bool, ints, floats, str, bin, array, map). */
export function decodeMsgpack(buf: Uint8Array): unknown {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = 0;
  const str = (n: number) => { const s = Buffer.from(buf.buffer, buf.byteOffset + p, n).toString('utf8'); p += n; return s; };
  const bin = (n: number) => { const b = buf.subarray(p, p + n); if (b.length !== n) throw new Error('truncated bin'); p += n; return b; };
  const arr = (n: number): unknown[] => Array.from({ length: n }, () => read());
  const map = (n: number) => { const o: Record<string, unknown> = {}; for (let i = 0; i < n; i++) { const k = read(); o[String(k)] = read(); } return o; };
  function read(): unknown {
    const t = buf[p++]!;
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if ((t & 0xf0) === 0x80) return map(t & 0x0f);
    if ((t & 0xf0) === 0x90) return arr(t & 0x0f);
    if ((t & 0xe0) === 0xa0) return str(t & 0x1f);
    const u8 = () => dv.getUint8((p += 1) - 1), u16 = () => dv.getUint16((p += 2) - 2), u32 = () => dv.getUint32((p += 4) - 4);
    switch (t) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return bin(u8());
      case 0xc5: return bin(u16());
      case 0xc6: return bin(u32());
      case 0xca: return dv.getFloat32((p += 4) - 4);
      case 0xcb: return dv.getFloat64((p += 8) - 8);
      case 0xcc: return u8();
      case 0xcd: return u16();
      case 0xce: return u32();
      case 0xcf: return Number(dv.getBigUint64((p += 8) - 8));
      case 0xd0: return dv.getInt8((p += 1) - 1);
      case 0xd1: return dv.getInt16((p += 2) - 2);
      case 0xd2: return dv.getInt32((p += 4) - 4);
      case 0xd3: return Number(dv.getBigInt64((p += 8) - 8));
      case 0xd9: return str(u8());
      case 0xda: return str(u16());
      case 0xdb: return str(u32());
      case 0xdc: return arr(u16());
      case 0xdd: return arr(u32());
      case 0xde: return map(u16());
      case 0xdf: return map(u32());
      default: throw new Error(`msgpack type 0x${t.toString(16)} not expected at ${p - 1}`);
    }
  }
  const v = read();
  if (p !== buf.length) throw new Error(`trailing bytes: read ${p} of ${buf.length}`);
  return v;
}

/** safetensors parser following the reference reader's validation order. */
export function parseSafetensors(buf: Uint8Array) {
  if (buf.length < 8) throw new Error('HeaderTooSmall');
  const n = Number(Buffer.from(buf).readBigUInt64LE(0));
  if (8 + n > buf.length) throw new Error('InvalidHeaderLength');
  const header = JSON.parse(Buffer.from(buf.subarray(8, 8 + n)).toString('utf8')) as Record<string, any>;
  const bits: Record<string, number> = { F64: 64, F32: 32, F16: 16, BF16: 16, F8_E4M3: 8, F8_E5M2: 8 };
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__').sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let end = 0;
  const tensors: Record<string, { dtype: string; shape: number[]; data: Uint8Array }> = {};
  for (const [name, info] of entries) {
    const [b, e] = info.data_offsets as [number, number];
    if (b !== end || e < b) throw new Error(`InvalidOffset(${name})`);
    const size = (info.shape as number[]).reduce((x, y) => x * y, 1) * bits[info.dtype]! / 8;
    if (e - b !== size) throw new Error(`TensorInvalidInfo(${name})`);
    tensors[name] = { dtype: info.dtype, shape: info.shape, data: buf.subarray(8 + n + b, 8 + n + e) };
    end = e;
  }
  if (8 + n + end !== buf.length) throw new Error('MetadataIncompleteBuffer');
  for (const v of Object.values(header.__metadata__ ?? {})) if (typeof v !== 'string') throw new Error('metadata values must be strings');
  return { headerLength: n, metadata: header.__metadata__ as Record<string, string> | undefined, tensors };
}

/** Runs python3 with a script; stdin bytes; returns null (with reason) when python3/numpy are missing. */
export function python(script: string, input?: Uint8Array, env: Record<string, string> = {}): { ok: boolean; out: string; err: string; missing?: string } {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return { ok: false, out: '', err: '', missing: 'python3 with numpy is not available' };
  const r = spawnSync('python3', ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, ...env } });
  return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

export function hasPythonModule(name: string): boolean {
  const r = spawnSync('python3', ['-c', `import ${name}`]);
  return !r.error && r.status === 0;
}

export function f32s(bytes: Uint8Array): Float32Array {
  const copy = new Uint8Array(bytes); // aligned copy
  return new Float32Array(copy.buffer, 0, copy.length / 4);
}
