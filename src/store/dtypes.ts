/**
 * Element types of stored tensors (safetensors dtype names) and their decoding to numbers. Stored
 * values reach the requested dtype through the sampling precision, exactly like generated values:
 * decoded (exactly) to a number, stored in a Float32Array (round to nearest even) or
 * Float64Array, then encoded by core/dtypes.ts. A source whose dtype equals the requested one is
 * copied byte for byte instead.
 * Known double rounding: float64 sources requested as float16/bfloat16/fp8 round via float32
 * (as every weightinit value does), which can differ from a direct float64 -> float16 cast in
 * rare ties; int64/uint64 magnitudes above 2^53 round twice as well.
 */
import { f32FromBf16, f32FromE4m3fn, f32FromE5m2, f32FromF16, type DType } from '../core/dtypes.ts';

export const SOURCE_BYTES = {
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1,
  I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
} as const;
export type SourceDType = keyof typeof SOURCE_BYTES;

/** The weightinit dtype a source dtype is bit-identical to, if any. */
export const SAME_AS: Partial<Record<SourceDType, DType>> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16', F8_E4M3: 'float8_e4m3fn', F8_E5M2: 'float8_e5m2',
};

/** Decodes `count` elements from bytes (little-endian) into out[0 .. count). */
export function decodeSource(dtype: SourceDType, bytes: Uint8Array, count: number, out: Float32Array | Float64Array): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F64': for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, true); return;
    case 'F32': for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true); return;
    case 'F16': for (let i = 0; i < count; i++) out[i] = f32FromF16(dv.getUint16(i * 2, true)); return;
    case 'BF16': for (let i = 0; i < count; i++) out[i] = f32FromBf16(dv.getUint16(i * 2, true)); return;
    case 'F8_E4M3': for (let i = 0; i < count; i++) out[i] = f32FromE4m3fn(bytes[i]!); return;
    case 'F8_E5M2': for (let i = 0; i < count; i++) out[i] = f32FromE5m2(bytes[i]!); return;
    case 'I64': for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(i * 8, true)); return;
    case 'U64': for (let i = 0; i < count; i++) out[i] = Number(dv.getBigUint64(i * 8, true)); return;
    case 'I32': for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true); return;
    case 'U32': for (let i = 0; i < count; i++) out[i] = dv.getUint32(i * 4, true); return;
    case 'I16': for (let i = 0; i < count; i++) out[i] = dv.getInt16(i * 2, true); return;
    case 'U16': for (let i = 0; i < count; i++) out[i] = dv.getUint16(i * 2, true); return;
    case 'I8': for (let i = 0; i < count; i++) out[i] = dv.getInt8(i); return;
    case 'U8': for (let i = 0; i < count; i++) out[i] = bytes[i]!; return;
    case 'BOOL': for (let i = 0; i < count; i++) out[i] = bytes[i] ? 1 : 0; return;
  }
}
