/** raw: the tensor's bytes, little-endian, row-major, nothing else (dtype and shape are in headers). */
import type { BinaryFraming, TensorMeta } from './meta.ts';

export const RAW_TYPE = 'application/octet-stream';

export function rawFraming(meta: TensorMeta): BinaryFraming {
  return { contentType: RAW_TYPE, prefix: new Uint8Array(0), length: meta.dataBytes };
}
