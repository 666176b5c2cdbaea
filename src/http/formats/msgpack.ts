/**
 * msgpack: one map {shape, dtype, recipe, recipe_id, algorithm, [slice], data} with `data` last as a
 * single bin 32 (0xc6 + big-endian u32 length), so the header is packed up front and the tensor
 * bytes are streamed after it. Plain MessagePack only (no msgpackr records or typed-array
 * extensions): msgpackr's default unpack and Python's msgpack both decode it. A bin holds at most
 * 4 GiB - 1 bytes, so larger tensors are refused with 413.
 */
import { pack } from 'msgpackr';
import { RecipeError } from '../../core/errors.ts';
import type { BinaryFraming, TensorMeta } from './meta.ts';
import { plainRecipe } from './meta.ts';

export const MSGPACK_TYPE = 'application/msgpack';
export const MSGPACK_MAX_BIN = 0xffffffff;

export function msgpackHeader(meta: TensorMeta): Uint8Array {
  if (meta.dataBytes > MSGPACK_MAX_BIN) {
    throw new RecipeError('too_large', 'format', `msgpack carries the data as one bin, at most ${MSGPACK_MAX_BIN} bytes; use format=raw, npy or safetensors, or a slice`, 'msgpack', { limit: MSGPACK_MAX_BIN, bytes: meta.dataBytes });
  }
  const fields: [string, unknown][] = [
    ['shape', meta.shape], ['dtype', meta.dtype], ['recipe', plainRecipe(meta.recipe)],
    ['recipe_id', meta.recipeId], ['algorithm', meta.algorithm],
  ];
  if (meta.slice !== undefined) fields.push(['slice', meta.slice]);
  const parts: Uint8Array[] = [Uint8Array.of(0x80 | (fields.length + 1))]; // fixmap, +1 for data
  for (const [k, v] of fields) parts.push(pack(k), pack(v));
  const bin = new Uint8Array(5);
  bin[0] = 0xc6;
  new DataView(bin.buffer).setUint32(1, meta.dataBytes, false);
  parts.push(pack('data'), bin);
  return Buffer.concat(parts);
}

export function msgpackFraming(meta: TensorMeta): BinaryFraming {
  const prefix = msgpackHeader(meta);
  return { contentType: MSGPACK_TYPE, prefix, length: prefix.length + meta.dataBytes };
}
