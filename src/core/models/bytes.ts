/**
 * Bytes of one model tensor, any element range, into a caller's buffer: int64 constants written
 * directly, fields that can copy stored bytes verbatim (pretrained tensors in their own dtype) do
 * so, everything else goes through generateFlat exactly as the single-tensor endpoint does.
 */
import { compileCanonical } from '../recipe.ts';
import { generateFlat } from '../generate.ts';
import type { Field } from '../field.ts';
import type { DType } from '../dtypes.ts';
import type { ModelTensor } from './manifest.ts';

/** A field whose stored bytes already are the requested dtype (no decode/encode, NaN payloads kept). */
export interface ByteCopyField extends Field {
  copyBytes(dtype: DType, start: number, count: number, out: Uint8Array, offset: number): boolean;
}

export type TensorWriter = (e0: number, e1: number, out: Uint8Array, offset: number) => void;

export function tensorWriter(t: ModelTensor): TensorWriter {
  if (t.dtype === 'int64') {
    const v = t.intValue ?? 0n;
    return (e0, e1, out, offset) => {
      const dv = new DataView(out.buffer, out.byteOffset + offset, (e1 - e0) * 8);
      for (let i = 0; i < e1 - e0; i++) dv.setBigInt64(i * 8, v, true);
    };
  }
  const dtype = t.dtype;
  const field = compileCanonical(t.recipe).field as Partial<ByteCopyField> & Field;
  const copy = typeof field.copyBytes === 'function' ? field.copyBytes.bind(field) : undefined;
  return (e0, e1, out, offset) => {
    if (copy && copy(dtype, e0, e1 - e0, out, offset)) return;
    generateFlat(field, dtype, e0, e1, out, offset);
  };
}
