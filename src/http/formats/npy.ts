/**
 * npy (NumPy format 1.0, or 2.0 when the header exceeds 65535 bytes): magic, version, header
 * length, a Python dict literal padded with spaces to a multiple of 64 and ending in "\n", then
 * C-order little-endian data. bfloat16 and float8 have no standard descr (ml_dtypes saves them as
 * void or as descrs np.load rejects), so they are refused with 406 rather than mislabeled.
 */
import type { DType } from '../../core/dtypes.ts';
import { RecipeError } from '../../core/errors.ts';
import type { BinaryFraming, TensorMeta } from './meta.ts';

export const NPY_TYPE = 'application/x-npy';

const DESCR: Partial<Record<DType, string>> = { float32: '<f4', float64: '<f8', float16: '<f2' };

export function npyDescr(dtype: DType): string {
  const d = DESCR[dtype];
  if (!d) {
    throw new RecipeError('unsupported', 'format', `npy has no dtype for ${dtype} (numpy has no standard ${dtype} descr; np.load would reject or misread it): use format=safetensors, raw or msgpack, or dtype float16/float32/float64`, 'npy', { dtype });
  }
  return d;
}

export function npyHeader(dtype: DType, shape: readonly number[]): Uint8Array {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${npyDescr(dtype)}', 'fortran_order': False, 'shape': ${tuple}, }`;
  let version = 1, lenBytes = 2;
  let total = Math.ceil((6 + 2 + lenBytes + dict.length + 1) / 64) * 64;
  if (total - 10 > 0xffff) { version = 2; lenBytes = 4; total = Math.ceil((6 + 2 + lenBytes + dict.length + 1) / 64) * 64; }
  const headerLen = total - 6 - 2 - lenBytes;
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0], 0); // \x93NUMPY
  const dv = new DataView(out.buffer);
  if (lenBytes === 2) dv.setUint16(8, headerLen, true); else dv.setUint32(8, headerLen, true);
  const text = dict.padEnd(headerLen - 1, ' ') + '\n';
  for (let i = 0; i < text.length; i++) out[6 + 2 + lenBytes + i] = text.charCodeAt(i);
  return out;
}

export function npyFraming(meta: TensorMeta): BinaryFraming {
  const prefix = npyHeader(meta.dtype, meta.shape);
  return { contentType: NPY_TYPE, prefix, length: prefix.length + meta.dataBytes };
}
