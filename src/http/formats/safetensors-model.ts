/**
 * Framing of a whole model, computed before the first data byte:
 * - safetensors: u64 LE header length, JSON header (space-padded to a multiple of 8) with
 *   `__metadata__` {format: "pt", weightinit_algorithm, weightinit_manifest: the canonical manifest
 *   as JSON text} and one entry per tensor in manifest order, data_offsets back to back (no gaps,
 *   as readers require); then the tensors' bytes in that order.
 * - msgpack: a map {algorithm, manifest, tensors: {name: {dtype, shape, data: bin32}}} with every
 *   tensor's bin header emitted just before its bytes (plain MessagePack: msgpackr default unpack and
 *   Python msgpack decode it). A bin holds at most 4 GiB - 1 bytes per tensor.
 * The header is built as text by hand so tensor names such as "__proto__" stay plain keys.
 */
import { pack } from 'msgpackr';
import { stableJson } from '../../core/recipe.ts';
import { RecipeError } from '../../core/errors.ts';
import { describeModel, type CanonicalModel, type ModelDType, type ModelTensor } from '../../core/models/manifest.ts';
import { SAFETENSORS_DTYPE } from './safetensors.ts';

export const MODEL_SAFETENSORS_DTYPE: Record<ModelDType, string> = { ...SAFETENSORS_DTYPE, int64: 'I64' };
/** Reference readers refuse headers above this (safetensors MAX_HEADER_SIZE). */
export const SAFETENSORS_MAX_HEADER = 100_000_000;
export const MSGPACK_MAX_BIN = 0xffffffff;

export interface ModelFraming {
  contentType: string;
  extension: string;
  /** Bytes before the first tensor. */
  prefix: Uint8Array;
  /** Bytes just before tensor i (msgpack map entry + bin header); none for safetensors. */
  before(i: number): Uint8Array | undefined;
  /** Total body length. */
  length: number;
}

export function modelSafetensors(m: CanonicalModel): ModelFraming {
  const metadata = {
    format: 'pt',
    weightinit_algorithm: m.algorithm,
    weightinit_manifest: stableJson(describeModel(m)),
  };
  const parts = [`"__metadata__":${JSON.stringify(metadata)}`];
  for (const t of m.tensors) {
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${MODEL_SAFETENSORS_DTYPE[t.dtype]}","shape":${JSON.stringify(t.shape)},"data_offsets":[${t.offset},${t.offset + t.bytes}]}`);
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > SAFETENSORS_MAX_HEADER) {
    throw new RecipeError('too_large', 'tensors', `the safetensors header would be ${padded} bytes; readers accept at most ${SAFETENSORS_MAX_HEADER}`, m.tensors.length);
  }
  const prefix = Buffer.alloc(8 + padded, 0x20);
  prefix.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(prefix, 8);
  return { contentType: 'application/x-safetensors', extension: 'safetensors', prefix, before: () => undefined, length: prefix.length + m.totalBytes };
}

function mapHeader(n: number): Uint8Array {
  if (n < 16) return Uint8Array.of(0x80 | n);
  if (n < 0x10000) return Uint8Array.of(0xde, n >> 8, n & 0xff);
  const b = new Uint8Array(5); b[0] = 0xdf; new DataView(b.buffer).setUint32(1, n, false); return b;
}

function tensorEntry(t: ModelTensor): Uint8Array {
  if (t.bytes > MSGPACK_MAX_BIN) {
    throw new RecipeError('too_large', 'format', `msgpack carries each tensor as one bin of at most ${MSGPACK_MAX_BIN} bytes; tensor "${t.name}" has ${t.bytes}; use format=safetensors`, 'msgpack');
  }
  const bin = new Uint8Array(5);
  bin[0] = 0xc6;
  new DataView(bin.buffer).setUint32(1, t.bytes, false);
  return Buffer.concat([pack(t.name), mapHeader(3), pack('dtype'), pack(t.dtype), pack('shape'), pack(t.shape), pack('data'), bin]);
}

export function modelMsgpack(m: CanonicalModel): ModelFraming {
  const prefix = Buffer.concat([
    mapHeader(3), pack('algorithm'), pack(m.algorithm), pack('manifest'), pack(describeModel(m)),
    pack('tensors'), mapHeader(m.tensors.length),
  ]);
  const entries = m.tensors.map(tensorEntry);
  const length = prefix.length + entries.reduce((a, e) => a + e.length, 0) + m.totalBytes;
  return { contentType: 'application/msgpack', extension: 'msgpack', prefix, before: (i) => entries[i], length };
}
