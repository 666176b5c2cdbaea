/** Test helpers: expand a manifest and read tensors back as numbers; an independent safetensors parser. */
import { canonicalizeManifest, type CanonicalModel, type ModelTensor } from '../../src/core/models/manifest.ts';
import { tensorWriter } from '../../src/core/models/bytes.ts';

export function expand(framework: string, modules: unknown[], seed = 7): CanonicalModel {
  return canonicalizeManifest({ seed, defaults: { framework }, modules });
}

/** name -> shape, in order. */
export function shapes(m: CanonicalModel): Array<[string, number[]]> {
  return m.tensors.map((t) => [t.name, t.shape]);
}

export function values(t: ModelTensor): Float64Array {
  const buf = new Uint8Array(t.bytes);
  tensorWriter(t)(0, t.numel, buf, 0);
  const dv = new DataView(buf.buffer);
  const out = new Float64Array(t.numel);
  for (let i = 0; i < t.numel; i++) out[i] = t.dtype === 'int64' ? Number(dv.getBigInt64(i * 8, true)) : dv.getFloat32(i * 4, true);
  return out;
}

export function stats(v: Float64Array) {
  let s = 0, min = Infinity, max = -Infinity;
  for (const x of v) { s += x; if (x < min) min = x; if (x > max) max = x; }
  const mean = s / v.length;
  let q = 0;
  for (const x of v) q += (x - mean) ** 2;
  return { mean, std: Math.sqrt(q / v.length), min, max, n: v.length };
}

export interface ParsedSafetensors {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  metadata: Record<string, string>;
  dataStart: number;
  tensor(name: string): Uint8Array;
}

/**
 * Written from the format description (formats.md section 1), not from the server code: u64 LE
 * header length, JSON header, entries sorted by offsets must tile the data with no gaps, each
 * entry's byte size = prod(shape) * dtype width, and the file ends exactly at the last tensor.
 */
export function parseSafetensors(buf: Uint8Array): ParsedSafetensors {
  const WIDTH: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1, I64: 8, I32: 4, U8: 1 };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (n > 100_000_000 || 8 + n > buf.length) throw new Error('bad header length');
  const json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n)));
  const { __metadata__: metadata = {}, ...header } = json;
  for (const v of Object.values(metadata)) if (typeof v !== 'string') throw new Error('metadata values must be strings');
  const entries = Object.entries(header as ParsedSafetensors['header']).sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  let end = 0;
  for (const [name, e] of entries) {
    if (e.data_offsets[0] !== end) throw new Error(`gap/overlap before ${name}`);
    const size = e.shape.reduce((a, b) => a * b, 1) * WIDTH[e.dtype]!;
    if (e.data_offsets[1] - e.data_offsets[0] !== size) throw new Error(`size mismatch for ${name}`);
    end = e.data_offsets[1];
  }
  if (8 + n + end !== buf.length) throw new Error(`trailing or missing bytes: ${8 + n + end} vs ${buf.length}`);
  return {
    header, metadata, dataStart: 8 + n,
    tensor: (name) => { const e = header[name]; return buf.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1]); },
  };
}
