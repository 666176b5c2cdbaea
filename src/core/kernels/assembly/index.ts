/**
 * WebAssembly SIMD kernels, bit-identical to src/core/kernels/scalar.ts (the normative definition).
 *
 * Each kernel fills the scratch buffer (bufferPtr()) with `groups` groups of 8 consecutive Philox
 * blocks (two sets of 4) starting at block index (bLo, bHi) of `stream` (bLo a multiple of 4), under
 * the key set by setKey(). A group is 40 float32 uniform elements (160 bytes), or 32 float32 elements
 * of the other fields, or 16 float64 elements (128 bytes). The JS loader (../simd.ts) picks the set
 * of the first wanted element, then copies the wanted elements out, so start and count need no
 * alignment. No allocation happens here: the buffer is a fixed region after the static data.
 */
import { philoxAt, prepareFast } from './philox';
import { normalTailQuantileX8, radiusX4, boxMullerPair } from './math32';
import { normalTailQuantile64X4 } from './math64';
import { k, F1, F_HALF, I_SIGN, D1, D2, D_HALF, L_SIGN } from './consts';

export { setKey } from './philox';

/** Philox blocks per group (one philoxAt call). */
export const GROUP_BLOCKS: i32 = 8;
/** Size of the scratch buffer: 64 KiB of output per call (stays in L2 while JS copies it out). */
export const BUFFER_BYTES: i32 = 65536;
/** Raw Philox words of one group in set (SoA) order, for the set-layout kernels. */
const RAW: usize = memory.data(128, 16);
const LOW8: usize = memory.data<u32>([0xff, 0xff, 0xff, 0xff], 16);

/** Start of the scratch buffer (64-byte aligned, inside the initial memory: see scripts/build-wasm.mjs). */
export function bufferPtr(): usize { return (__heap_base + 63) & ~63; }

const TWO_M24: usize = memory.data<f32>([5.9604644775390625e-8, 5.9604644775390625e-8, 5.9604644775390625e-8, 5.9604644775390625e-8], 16);
const QMIN32: usize = memory.data<f32>([8.673617379884035e-19, 8.673617379884035e-19, 8.673617379884035e-19, 8.673617379884035e-19], 16); // 2^-60 = scalar.ts QMIN

// ---- float32 set layout (uniform, normal): element 4j + l of a set is value j of block l of the set ----

/**
 * lo + (x * 2^-24) * span (x: 24-bit integers, exactly converted), written as lo + x * (span * 2^-24)
 * when span * 2^-24 is exact (the same real product, so the same rounding) and as the two products otherwise.
 */
// @ts-ignore: decorator
@inline function uniformValue(x: v128, vlo: v128, span: v128, scaled: bool): v128 {
  const xf = f32x4.convert_i32x4_s(x);
  return f32x4.add(vlo, scaled ? f32x4.mul(xf, span) : f32x4.mul(f32x4.mul(xf, k(TWO_M24)), span));
}

/** The five value vectors of one set (raw: its 4 word vectors) at o; returns the lanes' v < hi mask. */
// @ts-ignore: decorator
@inline function uniformSet(raw: usize, o: usize, vlo: v128, vhi: v128, span: v128, scaled: bool): v128 {
  const w0 = v128.load(raw), w1 = v128.load(raw, 16), w2 = v128.load(raw, 32);
  const low = k(LOW8);
  const v0 = uniformValue(i32x4.shr_u(w0, 8), vlo, span, scaled);
  const v1 = uniformValue(i32x4.shr_u(w1, 8), vlo, span, scaled);
  const v2 = uniformValue(i32x4.shr_u(w2, 8), vlo, span, scaled);
  const v3 = uniformValue(i32x4.shr_u(v128.load(raw, 48), 8), vlo, span, scaled);
  const x4 = v128.or(v128.or(v128.and(w0, low), i32x4.shl(v128.and(w1, low), 8)), i32x4.shl(v128.and(w2, low), 16));
  const v4 = uniformValue(x4, vlo, span, scaled);
  v128.store(o, v0); v128.store(o, v1, 16); v128.store(o, v2, 32); v128.store(o, v3, 48); v128.store(o, v4, 64);
  return v128.and(v128.and(v128.and(f32x4.lt(v0, vhi), f32x4.lt(v1, vhi)), v128.and(f32x4.lt(v2, vhi), f32x4.lt(v3, vhi))),
    f32x4.lt(v4, vhi));
}

// @ts-ignore: decorator
@inline function uniformLoop(bLo: u32, bHi: u32, stream: u32, groups: i32, vlo: v128, vhi: v128, span: v128, scaled: bool): void {
  let gl = bLo, gh = bHi;
  prepareFast(gh, stream);
  for (let p = bufferPtr(), end = p + <usize>groups * 160; p < end; p += 160) {
    philoxAt(gl, gh, stream, RAW, true);
    const inRange = v128.and(uniformSet(RAW, p, vlo, vhi, span, scaled), uniformSet(RAW + 64, p + 80, vlo, vhi, span, scaled));
    if (!i32x4.all_true(inRange)) {
      // Rounding reached hi somewhere (rare): map those lanes back to lo, as the scalar code does.
      for (let o: usize = 0; o < 160; o += 16) {
        const v = v128.load(p + o);
        v128.store(p + o, v128.bitselect(v, vlo, f32x4.lt(v, vhi)));
      }
    }
    gl += 8;
    if (gl < 8) { gh++; prepareFast(gh, stream); } // the low word wrapped
  }
}

/**
 * uniform [lo, hi), five values per block: words 0..3 >>> 8, then the low bytes of words 0, 1, 2.
 * A group (8 blocks = 2 sets) is 40 elements, 160 bytes.
 */
export function uniformF32(bLo: u32, bHi: u32, stream: u32, groups: i32, lo: f32, hi: f32): void {
  const span: f32 = hi - lo, scaled: f32 = span * 5.9604644775390625e-8;
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  if (scaled * 16777216 == span) uniformLoop(bLo, bHi, stream, groups, vlo, vhi, f32x4.splat(scaled), true);
  else uniformLoop(bLo, bHi, stream, groups, vlo, vhi, f32x4.splat(span), false);
}

/** Radii of the four radius words of a group (words 0 and 2 of both sets). */
const R_SCRATCH: usize = memory.data(64, 16);

/**
 * normal(mean, std) by Box-Muller: values R(w0) cos A(w1), R(w0) sin A(w1), R(w2) cos A(w3),
 * R(w2) sin A(w3) of each block (math/f32.ts). A group is 32 elements, 128 bytes.
 */
export function normalF32(bLo: u32, bHi: u32, stream: u32, groups: i32, mean: f32, std: f32): void {
  let gl = bLo, gh = bHi;
  prepareFast(gh, stream);
  const m = f32x4.splat(mean), s = f32x4.splat(std);
  for (let p = bufferPtr(), end = p + (<usize>groups << 7); p < end; p += 128) {
    philoxAt(gl, gh, stream, RAW, true);
    // Four independent log chains first (their latencies overlap), then the four angle words.
    radiusX4(RAW, RAW + 32, RAW + 64, RAW + 96, R_SCRATCH);
    boxMullerPair(k(R_SCRATCH), v128.load(RAW, 16), m, s, p);
    boxMullerPair(k(R_SCRATCH + 16), v128.load(RAW, 48), m, s, p + 32);
    boxMullerPair(k(R_SCRATCH + 32), v128.load(RAW, 80), m, s, p + 64);
    boxMullerPair(k(R_SCRATCH + 48), v128.load(RAW, 112), m, s, p + 96);
    gl += 8;
    if (gl < 8) { gh++; prepareFast(gh, stream); } // the low word wrapped
  }
}

// ---- float32 word layout (truncated normal): element i = word (i mod 4) of block floor(i / 4) ----

/** Scratch for one group (8 vectors): q, quantiles, and the lower-half masks of the truncated normal. */
const Z_SCRATCH: usize = memory.data(128, 16);
const MASK_SCRATCH: usize = memory.data(128, 16);

const Q_SCRATCH: usize = memory.data(128, 16);
/**
 * Truncated normal by inverse CDF on the standardized (possibly mirrored) interval [zlo, zhi] with
 * CDF values [pa, pb]; sg = +-1 undoes the mirror; [a, b] is the final absolute clamp (trunc.ts).
 */
export function truncNormalF32(bLo: u32, bHi: u32, stream: u32, groups: i32,
  pa: f32, pb: f32, zlo: f32, zhi: f32, sg: f32, mean: f32, std: f32, a: f32, b: f32): void {
  let gl = bLo, gh = bHi;
  prepareFast(gh, stream);
  const vpa = f32x4.splat(pa), span = f32x4.splat(pb - pa), vlo = f32x4.splat(zlo), vhi = f32x4.splat(zhi);
  const vsg = f32x4.splat(sg), m = f32x4.splat(mean), s = f32x4.splat(std), va = f32x4.splat(a), vb = f32x4.splat(b);
  const half = k(F_HALF), one = k(F1), qmin = k(QMIN32), scale = k(TWO_M24);
  for (let p = bufferPtr(), end = p + (<usize>groups << 7); p < end; p += 128) {
    philoxAt(gl, gh, stream, p, false);
    for (let o: usize = 0; o < 128; o += 16) {
      // u = ((w >>> 8) + 0.5) * 2^-24: the + 0.5 rounds once (25 bits), like fround of the exact value.
      const u = f32x4.mul(f32x4.add(f32x4.convert_i32x4_s(i32x4.shr_u(v128.load(p + o), 8)), half), scale);
      const pr = f32x4.add(vpa, f32x4.mul(u, span));
      const lower = f32x4.lt(pr, half);
      const q = v128.bitselect(pr, f32x4.sub(one, pr), lower);
      v128.store(MASK_SCRATCH + o, lower);
      v128.store(Q_SCRATCH + o, v128.bitselect(qmin, q, f32x4.lt(q, qmin)));
    }
    normalTailQuantileX8(Q_SCRATCH, Z_SCRATCH);
    for (let o: usize = 0; o < 128; o += 16) {
      let z = v128.xor(k(Z_SCRATCH + o), v128.and(k(MASK_SCRATCH + o), k(I_SIGN)));
      // z < lo ? lo : z > hi ? hi : z   (selects, not min/max: same NaN and -0 behaviour as the scalar code)
      z = v128.bitselect(vlo, v128.bitselect(vhi, z, f32x4.gt(z, vhi)), f32x4.lt(z, vlo));
      const v = f32x4.add(m, f32x4.mul(s, f32x4.mul(vsg, z)));
      v128.store(p + o, v128.bitselect(va, v128.bitselect(vb, v, f32x4.gt(v, vb)), f32x4.lt(v, va)));
    }
    gl += 8;
    if (gl < 8) { gh++; prepareFast(gh, stream); } // the low word wrapped
  }
}

// ---- float64: element i = words 2(i mod 2), 2(i mod 2)+1 (hi, lo) of block floor(i / 2) ----

/** Each 64-bit lane as hi * 2^32 + lo: the (hi, lo) words of an element are stored hi first. */
// @ts-ignore: decorator
@inline function wordPairs(v: v128): v128 { return i32x4.shuffle(v, v, 1, 0, 3, 2); }

/** (hi >>> 11) * 2^32 + lo as an exact float64 (53 bits), per lane. */
// @ts-ignore: decorator
@inline function top53(v: v128): v128 {
  const h = f64x2.convert_low_i32x4_s(i32x4.shuffle(i32x4.shr_u(v, 11), v, 0, 2, 0, 2));
  const l = f64x2.convert_low_i32x4_u(i32x4.shuffle(v, v, 1, 3, 1, 3));
  return f64x2.add(f64x2.mul(h, f64x2.splat(4294967296)), l);
}

const TWO_M53: usize = memory.data<f64>([1.1102230246251565e-16, 1.1102230246251565e-16], 16);
const TWO_M54: usize = memory.data<f64>([5.551115123125783e-17, 5.551115123125783e-17], 16);
const TWO_52: usize = memory.data<f64>([4503599627370496, 4503599627370496], 16);
const MANT52: usize = memory.data<u64>([0x000fffffffffffff, 0x000fffffffffffff], 16);
const QMIN64: usize = memory.data<f64>([8.673617379884035e-19, 8.673617379884035e-19], 16);

export function uniformF64(bLo: u32, bHi: u32, stream: u32, groups: i32, lo: f64, hi: f64): void {
  let gl = bLo, gh = bHi;
  prepareFast(gh, stream);
  const vlo = f64x2.splat(lo), vhi = f64x2.splat(hi), span = f64x2.splat(hi - lo);
  for (let p = bufferPtr(), end = p + (<usize>groups << 7); p < end; p += 128) {
    philoxAt(gl, gh, stream, p, false);
    for (let o: usize = 0; o < 128; o += 16) {
      const u = f64x2.mul(top53(v128.load(p + o)), k(TWO_M53));
      const v = f64x2.add(vlo, f64x2.mul(u, span));
      v128.store(p + o, v128.bitselect(v, vlo, f64x2.lt(v, vhi)));
    }
    gl += 8;
    if (gl < 8) { gh++; prepareFast(gh, stream); } // the low word wrapped
  }
}

/** q = (2k + 1) * 2^-54 with k the low 52 bits of the pair (exact: 2^52 + k is a double with those mantissa bits). */
// @ts-ignore: decorator
@inline function normalQ64(pairs: v128): v128 {
  const kf = f64x2.sub(v128.or(v128.and(pairs, k(MANT52)), k(TWO_52)), k(TWO_52));
  return f64x2.mul(f64x2.add(f64x2.mul(kf, k(D2)), k(D1)), k(TWO_M54));
}

export function normalF64(bLo: u32, bHi: u32, stream: u32, groups: i32, mean: f64, std: f64): void {
  let gl = bLo, gh = bHi;
  prepareFast(gh, stream);
  const m = f64x2.splat(mean), s = f64x2.splat(std);
  for (let p = bufferPtr(), end = p + (<usize>groups << 7); p < end; p += 128) {
    philoxAt(gl, gh, stream, p, false);
    for (let b = p; b < p + 128; b += 64) { // two batches of 4 vectors
      for (let o: usize = 0; o < 64; o += 16) v128.store(Q_SCRATCH + o, normalQ64(wordPairs(v128.load(b + o))));
      normalTailQuantile64X4(Q_SCRATCH, Z_SCRATCH);
      for (let o: usize = 0; o < 64; o += 16) {
        // Sign from bit 31 of the hi word = bit 63 of the pair.
        const z = v128.xor(k(Z_SCRATCH + o), v128.and(wordPairs(v128.load(b + o)), k(L_SIGN)));
        v128.store(b + o, f64x2.add(m, f64x2.mul(s, z)));
      }
    }
    gl += 8;
    if (gl < 8) { gh++; prepareFast(gh, stream); } // the low word wrapped
  }
}

export function truncNormalF64(bLo: u32, bHi: u32, stream: u32, groups: i32,
  pa: f64, pb: f64, zlo: f64, zhi: f64, sg: f64, mean: f64, std: f64, a: f64, b: f64): void {
  let gl = bLo, gh = bHi;
  prepareFast(gh, stream);
  const vpa = f64x2.splat(pa), span = f64x2.splat(pb - pa), vlo = f64x2.splat(zlo), vhi = f64x2.splat(zhi);
  const vsg = f64x2.splat(sg), m = f64x2.splat(mean), s = f64x2.splat(std), va = f64x2.splat(a), vb = f64x2.splat(b);
  const half = k(D_HALF), one = k(D1), qmin = k(QMIN64);
  for (let p = bufferPtr(), end = p + (<usize>groups << 7); p < end; p += 128) {
    philoxAt(gl, gh, stream, p, false);
    for (let bt = p; bt < p + 128; bt += 64) { // two batches of 4 vectors
      for (let o: usize = 0; o < 64; o += 16) {
        // u = ((hi >>> 11) * 2^32 + lo + 0.5) * 2^-53: the + 0.5 rounds (54 bits), exactly as in scalar.ts.
        const u = f64x2.mul(f64x2.add(top53(v128.load(bt + o)), half), k(TWO_M53));
        const pr = f64x2.add(vpa, f64x2.mul(u, span));
        const lower = f64x2.lt(pr, half);
        const q = v128.bitselect(pr, f64x2.sub(one, pr), lower);
        v128.store(MASK_SCRATCH + o, lower);
        v128.store(Q_SCRATCH + o, v128.bitselect(qmin, q, f64x2.lt(q, qmin)));
      }
      normalTailQuantile64X4(Q_SCRATCH, Z_SCRATCH);
      for (let o: usize = 0; o < 64; o += 16) {
        let z = v128.xor(k(Z_SCRATCH + o), v128.and(k(MASK_SCRATCH + o), k(L_SIGN)));
        z = v128.bitselect(vlo, v128.bitselect(vhi, z, f64x2.gt(z, vhi)), f64x2.lt(z, vlo));
        const v = f64x2.add(m, f64x2.mul(s, f64x2.mul(vsg, z)));
        v128.store(bt + o, v128.bitselect(va, v128.bitselect(vb, v, f64x2.gt(v, vb)), f64x2.lt(v, va)));
      }
    }
    gl += 8;
    if (gl < 8) { gh++; prepareFast(gh, stream); } // the low word wrapped
  }
}
