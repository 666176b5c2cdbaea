/**
 * Storage dtypes. Values are sampled in float32 (float64 for float64) and rounded to the storage
 * type with round-to-nearest-even, following PyTorch c10 (../shared/reference/rng.md section 7):
 * bf16 drops the NaN sign (0x7FC0), fp16 keeps it (0x7E00), e4m3fn has no infinity (>= 480, inf and
 * NaN become 0x7F), e5m2 overflows to inf. Bytes are little-endian.
 */
import { f32bits, bitsf32 } from './math/f32.ts';

export const DTYPES = ['float32', 'float64', 'float16', 'bfloat16', 'float8_e4m3fn', 'float8_e5m2'] as const;
export type DType = (typeof DTYPES)[number];
export const DTYPE_ALIASES: Record<string, DType> = {
  float32: 'float32', f32: 'float32', float: 'float32', fp32: 'float32',
  float64: 'float64', f64: 'float64', double: 'float64', fp64: 'float64',
  float16: 'float16', f16: 'float16', half: 'float16', fp16: 'float16',
  bfloat16: 'bfloat16', bf16: 'bfloat16',
  float8_e4m3fn: 'float8_e4m3fn', e4m3fn: 'float8_e4m3fn', fp8_e4m3fn: 'float8_e4m3fn', float8_e4m3: 'float8_e4m3fn',
  float8_e5m2: 'float8_e5m2', e5m2: 'float8_e5m2', fp8_e5m2: 'float8_e5m2',
};
export const BYTES_PER_ELEMENT: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, float8_e4m3fn: 1, float8_e5m2: 1,
};
/** Sampling precision of a storage dtype. */
export function precisionOf(dtype: DType): 'f32' | 'f64' { return dtype === 'float64' ? 'f64' : 'f32'; }

const fr = Math.fround;

export function bf16FromF32(x: number): number {
  if (Number.isNaN(x)) return 0x7fc0;
  const u = f32bits(x);
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f16FromF32(x: number): number {
  const w = f32bits(x);
  let base = fr(fr(Math.abs(fr(x)) * 5.192296858534828e33) * 7.703719777548943e-34); // *2^112 then *2^-110
  const shl1 = (w + w) >>> 0;
  const sign = w & 0x80000000;
  let bias = shl1 & 0xff000000;
  if (bias >>> 0 < 0x71000000) bias = 0x71000000;
  base = fr(bitsf32(((bias >>> 1) + 0x07800000) >>> 0) + base);
  const bits = f32bits(base);
  const nonsign = ((bits >>> 13) & 0x7c00) + (bits & 0x0fff);
  return ((sign >>> 16) | (shl1 > 0xff000000 ? 0x7e00 : nonsign)) & 0xffff;
}

export function e4m3fnFromF32(x: number): number {
  let fb = f32bits(x);
  const sign = fb & 0x80000000;
  fb = (fb ^ sign) >>> 0;
  let result: number;
  if (fb >= 1087 << 20) result = 0x7f;
  else if (fb < 121 << 23) {
    const denorm = 141 << 23;
    fb = f32bits(fr(bitsf32(fb) + bitsf32(denorm)));
    result = (fb - denorm) & 0xff;
  } else {
    const odd = (fb >>> 20) & 1;
    fb = (fb + ((7 - 127) << 23) + 0x7ffff + odd) >>> 0;
    result = (fb >>> 20) & 0xff;
  }
  return result | (sign >>> 24);
}

export function e5m2FromF32(x: number): number {
  let fb = f32bits(x);
  const sign = fb & 0x80000000;
  fb = (fb ^ sign) >>> 0;
  let result: number;
  if (fb >= 143 << 23) result = fb > 0x7f800000 ? 0x7f : 0x7c;
  else if (fb < 113 << 23) {
    const denorm = 134 << 23;
    fb = f32bits(fr(bitsf32(fb) + bitsf32(denorm)));
    result = (fb - denorm) & 0xff;
  } else {
    const odd = (fb >>> 21) & 1;
    fb = (fb + ((15 - 127) << 23) + 0xfffff + odd) >>> 0;
    result = (fb >>> 21) & 0xff;
  }
  return result | (sign >>> 24);
}

/** Decoders (for tests, stats and dtype conversion of stored tensors). */
export function f32FromBf16(h: number): number { return bitsf32((h & 0xffff) << 16); }
export function f32FromF16(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
export function f32FromE4m3fn(v: number): number {
  const s = v & 0x80 ? -1 : 1, e = (v >> 3) & 0xf, m = v & 7;
  if ((v & 0x7f) === 0x7f) return NaN;
  if (e === 0) return s * m * 2 ** -9;
  return s * (1 + m / 8) * 2 ** (e - 7);
}
export function f32FromE5m2(v: number): number { return f32FromF16((v & 0xff) << 8); }

/**
 * Encodes values[0..count) as `dtype` into out at byte offset `offset` (little-endian).
 * float32 values come from a Float32Array; float64 from a Float64Array.
 * The narrow dtypes take a fast path (encodeFast below) when values is a Float32Array on a
 * little-endian host: integer operations on the float bits, same results as the per-value functions.
 */
export function encode(values: Float32Array | Float64Array, count: number, dtype: DType, out: Uint8Array, offset: number): void {
  const at = out.byteOffset + offset;
  switch (dtype) {
    case 'float32':
      if (values instanceof Float32Array && at % 4 === 0 && IS_LE) {
        new Float32Array(out.buffer, at, count).set(values.subarray(0, count));
        return;
      }
      break;
    case 'float64':
      if (at % 8 === 0 && IS_LE) {
        new Float64Array(out.buffer, at, count).set(values.subarray(0, count));
        return;
      }
      break;
    default:
      if (values instanceof Float32Array && IS_LE && (BYTES_PER_ELEMENT[dtype] === 1 || at % 2 === 0)) {
        encodeFast(values, count, dtype, out, at);
        return;
      }
  }
  encodeSlow(values, count, dtype, out, offset);
}

/** The per-value reference path (any alignment, any input array). */
function encodeSlow(values: Float32Array | Float64Array, count: number, dtype: DType, out: Uint8Array, offset: number): void {
  const dv = new DataView(out.buffer, out.byteOffset + offset, count * BYTES_PER_ELEMENT[dtype]);
  switch (dtype) {
    case 'float32': for (let i = 0; i < count; i++) dv.setFloat32(i * 4, values[i]!, true); return;
    case 'float64': for (let i = 0; i < count; i++) dv.setFloat64(i * 8, values[i]!, true); return;
    case 'float16': for (let i = 0; i < count; i++) dv.setUint16(i * 2, f16FromF32(values[i]!), true); return;
    case 'bfloat16': for (let i = 0; i < count; i++) dv.setUint16(i * 2, bf16FromF32(values[i]!), true); return;
    case 'float8_e4m3fn': for (let i = 0; i < count; i++) out[offset + i] = e4m3fnFromF32(values[i]!); return;
    case 'float8_e5m2': for (let i = 0; i < count; i++) out[offset + i] = e5m2FromF32(values[i]!); return;
  }
}

// 2^52: adding then subtracting it rounds a double in [0, 2^51) to an integer, ties to even.
const RINT = 4503599627370496;

/**
 * Narrow dtypes from float32 bits (Int32Array view of the values), same results as bf16FromF32,
 * f16FromF32, e4m3fnFromF32 and e5m2FromF32 for every float32 (checked exhaustively when written;
 * test/core/kernels.test.ts compares them on edge and random values). Subnormal targets round
 * |x| * 2^k to an integer (RINT trick, or an integer shift with round-to-nearest-even), which is the
 * same rounding as c10's float addition of a power of two (|x| * 2^k is exact in a double).
 */
function encodeFast(values: Float32Array, count: number, dtype: DType, out: Uint8Array, at: number): void {
  const bits = new Int32Array(values.buffer, values.byteOffset, count);
  switch (dtype) {
    case 'bfloat16': {
      const o = new Uint16Array(out.buffer, at, count);
      for (let i = 0; i < count; i++) {
        const u = bits[i]!;
        o[i] = (u & 0x7fffffff) > 0x7f800000 ? 0x7fc0 : ((u + 0x7fff + ((u >>> 16) & 1)) | 0) >>> 16;
      }
      return;
    }
    case 'float16': {
      const o = new Uint16Array(out.buffer, at, count);
      for (let i = 0; i < count; i++) {
        const u = bits[i]!, a = u & 0x7fffffff;
        let h: number;
        if (a < 0x38800000) h = Math.abs(values[i]!) * 16777216 + RINT - RINT;                  // subnormal: |x| / 2^-24
        else if (a < 0x477ff000) h = (a - 0x38000000 + 0xfff + ((a >>> 13) & 1)) >>> 13;      // normal, RNE
        else h = a > 0x7f800000 ? 0x7e00 : 0x7c00;                                               // NaN / overflow to inf
        o[i] = ((u >>> 16) & 0x8000) | h;
      }
      return;
    }
    case 'float8_e4m3fn': {
      // Branch-free: weights of std ~0.01-0.1 straddle the subnormal bound 2^-6, so a branch there
      // would be mispredicted constantly. Both results are computed and selected with masks.
      const o = new Uint8Array(out.buffer, at, count);
      for (let i = 0; i < count; i++) {
        const u = bits[i]!, a = u & 0x7fffffff;
        const norm = ((a - 0x3c000000 + 0x7ffff + ((a >>> 20) & 1)) >>> 20) & 0xff;
        // subnormal (|x| < 2^-6): |x| * 2^9 = mant >> sh, rounded to nearest even (sh capped: tiny -> 0)
        const mant = (a & 0x7fffff) | 0x800000;
        let sh = 141 - (a >>> 23);
        sh = sh > 31 ? 31 : sh;
        const sub = (mant + ((1 << (sh - 1)) - 1) + ((mant >>> sh) & 1)) >>> sh;
        const isSub = (a - 0x3c800000) >> 31;            // -1 when a < 121 << 23
        const over = (0x43efffff - a) >> 31;             // -1 when a >= 1087 << 20 (>= 480, inf, NaN)
        o[i] = (((sub & isSub) | (norm & ~isSub)) & ~over | (0x7f & over)) | ((u >>> 24) & 0x80);
      }
      return;
    }
    case 'float8_e5m2': {
      const o = new Uint8Array(out.buffer, at, count);
      for (let i = 0; i < count; i++) {
        const u = bits[i]!, a = u & 0x7fffffff;
        let r: number;
        if (a >= 0x47800000) r = a > 0x7f800000 ? 0x7f : 0x7c;                                   // >= 65536: inf (NaN 0x7f)
        else if (a < 0x38800000) r = Math.abs(values[i]!) * 65536 + RINT - RINT;                // subnormal: |x| / 2^-16
        else r = ((a - 0x38000000 + 0xfffff + ((a >>> 21) & 1)) >>> 21) & 0xff;
        o[i] = r | ((u >>> 24) & 0x80);
      }
      return;
    }
  }
}

/** Decodes `count` elements of `dtype` from bytes into numbers (float64 precision). */
export function decode(bytes: Uint8Array, dtype: DType): Float64Array {
  const n = bytes.length / BYTES_PER_ELEMENT[dtype];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'float32': out[i] = dv.getFloat32(i * 4, true); break;
      case 'float64': out[i] = dv.getFloat64(i * 8, true); break;
      case 'float16': out[i] = f32FromF16(dv.getUint16(i * 2, true)); break;
      case 'bfloat16': out[i] = f32FromBf16(dv.getUint16(i * 2, true)); break;
      case 'float8_e4m3fn': out[i] = f32FromE4m3fn(bytes[i]!); break;
      case 'float8_e5m2': out[i] = f32FromE5m2(bytes[i]!); break;
    }
  }
  return out;
}

export const IS_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
