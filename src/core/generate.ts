/**
 * The one entry point the layers above call: values of a compiled recipe (Field) for any range of
 * slice-output elements, encoded to the storage dtype, into a caller-supplied byte buffer (which may
 * be shared memory). Work is done in fixed-size scratch chunks; chunking never changes values,
 * because each element depends only on its flat index.
 */
import type { Field } from './field.ts';
import { BYTES_PER_ELEMENT, encode, IS_LE, type DType } from './dtypes.ts';
import { forEachRun, planRuns, fullSlice, type Slice } from './slice.ts';

export const SCRATCH_ELEMENTS = 16384;
const scratch32 = new Float32Array(SCRATCH_ELEMENTS);
const scratch64 = new Float64Array(SCRATCH_ELEMENTS);

/** Writes flat elements [start, end) of the full tensor into out at byte offset `offset`. */
export function generateFlat(field: Field, dtype: DType, start: number, end: number, out: Uint8Array, offset = 0): void {
  const width = BYTES_PER_ELEMENT[dtype];
  const at = out.byteOffset + offset;
  // Storage dtype = sampling precision on a little-endian host: fill the output in place (no copy).
  if (IS_LE && at % width === 0 && ((dtype === 'float32' && field.precision === 'f32') || (dtype === 'float64' && field.precision === 'f64'))) {
    // One call for the whole range: the kernels work through it in their own pieces.
    const buf = out.buffer as ArrayBuffer, n = end - start;
    field.fill(start, n, dtype === 'float32' ? new Float32Array(buf, at, n) : new Float64Array(buf, at, n));
    return;
  }
  const scratch = field.precision === 'f64' ? scratch64 : scratch32;
  for (let i = start; i < end; i += SCRATCH_ELEMENTS) {
    const n = Math.min(SCRATCH_ELEMENTS, end - i);
    field.fill(i, n, scratch);
    encode(scratch, n, dtype, out, offset + (i - start) * width);
  }
}

/** Writes slice-output elements [o0, o1) (row-major order of the slice) into out at byte offset `offset`. */
export function generateSliceRange(field: Field, dtype: DType, shape: readonly number[], slice: Slice | undefined,
  o0: number, o1: number, out: Uint8Array, offset = 0): void {
  const plan = planRuns(shape, slice ?? fullSlice(shape));
  const width = BYTES_PER_ELEMENT[dtype];
  forEachRun(plan, o0, o1, (src, len, o) => generateFlat(field, dtype, src, src + len, out, offset + o * width));
}
