/**
 * WebAssembly SIMD kernels, bit-identical to src/core/kernels/scalar.ts (the normative definition).
 *
 * Each kernel fills the scratch buffer (bufferPtr()) with `groups` groups of 4 consecutive Philox
 * blocks starting at block index (bLo, bHi) of `stream`, under the key set by setKey(). A group is 16
 * float32 elements or 8 float64 elements (64 bytes either way). The JS loader (../simd.ts) picks the
 * block of the first wanted element, then copies the wanted elements out, so start and count need no
 * alignment. No allocation happens here: the buffer is a fixed region after the static data.
 */
import { philoxGroup } from './philox';
import { normalTailQuantile } from './math32';
import { normalTailQuantile64 } from './math64';

export { setKey } from './philox';

/** Groups per call: 1024 groups = 64 KiB of output (stays in L2 while JS copies it out). */
export const PIECE_GROUPS: i32 = 1024;

/** Start of the scratch buffer (64-byte aligned, inside the initial memory: see scripts/build-wasm.mjs). */
export function bufferPtr(): usize { return (__heap_base + 63) & ~63; }

// Block counters of the 4 lanes: lo = bLo + j (mod 2^32) with the carry into hi.
// @ts-ignore: decorator
@inline function counterLo(bLo: u32): v128 { return i32x4.add(i32x4.splat(bLo), i32x4(0, 1, 2, 3)); }
// @ts-ignore: decorator
@inline function counterHi(bLo: u32, bHi: u32, lo: v128): v128 {
  return i32x4.sub(i32x4.splat(bHi), i32x4.lt_u(lo, i32x4.splat(bLo))); // lt_u mask is -1 where lo wrapped
}

const SIGN32: i32 = <i32>0x80000000;
const TWO_M24: f32 = 5.9604644775390625e-8;      // 2^-24
const TWO_M33: f32 = 1.1641532182693481e-10;     // 2^-33
const QMIN32: f32 = 8.673617379884035e-19;       // 2^-60, as scalar.ts QMIN

// ---- float32: element i = word (i mod 4) of block floor(i / 4) ----

/** uniform [lo, hi): lo + ((w >>> 8) * 2^-24) * span, mapped back to lo if rounding reached hi. */
export function uniformF32(bLo: u32, bHi: u32, stream: u32, groups: i32, lo: f32, hi: f32): void {
  let cl = counterLo(bLo), ch = counterHi(bLo, bHi, cl);
  const st = i32x4.splat(stream), vlo = f32x4.splat(lo), vhi = f32x4.splat(hi), span = f32x4.splat(hi - lo);
  const scale = f32x4.splat(TWO_M24);
  for (let p = bufferPtr(), end = p + (<usize>groups << 6); p < end; p += 64) {
    philoxGroup(cl, ch, st, p);
    for (let o: usize = 0; o < 64; o += 16) {
      // w >>> 8 has 24 bits: the signed conversion is exact.
      const u = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(v128.load(p + o), 8)), scale);
      const v = f32x4.add(vlo, f32x4.mul(u, span));
      v128.store(p + o, v128.bitselect(v, vlo, f32x4.lt(v, vhi)));
    }
    const next = i32x4.add(cl, i32x4.splat(4));
    ch = i32x4.sub(ch, i32x4.lt_u(next, cl));
    cl = next;
  }
}

/** normal(mean, std): mean + std * z, z = +-quantile(q), q = ((w & 0x7fffffff) * 2 + 1) * 2^-33 in (0, 0.5]. */
export function normalF32(bLo: u32, bHi: u32, stream: u32, groups: i32, mean: f32, std: f32): void {
  let cl = counterLo(bLo), ch = counterHi(bLo, bHi, cl);
  const st = i32x4.splat(stream), m = f32x4.splat(mean), s = f32x4.splat(std);
  for (let p = bufferPtr(), end = p + (<usize>groups << 6); p < end; p += 64) {
    philoxGroup(cl, ch, st, p);
    for (let o: usize = 0; o < 64; o += 16) {
      const w = v128.load(p + o);
      // (w & 0x7fffffff) * 2 + 1 == (w << 1) | 1 as uint32; the unsigned conversion rounds once, like fround.
      const q = f32x4.mul(f32x4.convert_i32x4_u(v128.or(i32x4.shl(w, 1), i32x4.splat(1))), f32x4.splat(TWO_M33));
      // Sign from bit 31: negation only flips the sign bit, so xor it in.
      const z = v128.xor(normalTailQuantile(q), v128.and(w, i32x4.splat(SIGN32)));
      v128.store(p + o, f32x4.add(m, f32x4.mul(s, z)));
    }
    const next = i32x4.add(cl, i32x4.splat(4));
    ch = i32x4.sub(ch, i32x4.lt_u(next, cl));
    cl = next;
  }
}

/**
 * Truncated normal by inverse CDF on the standardized (possibly mirrored) interval [zlo, zhi] with
 * CDF values [pa, pa + span]; sg = +-1 undoes the mirror; [a, b] is the final absolute clamp (trunc.ts).
 */
export function truncNormalF32(bLo: u32, bHi: u32, stream: u32, groups: i32,
  pa: f32, pb: f32, zlo: f32, zhi: f32, sg: f32, mean: f32, std: f32, a: f32, b: f32): void {
  let cl = counterLo(bLo), ch = counterHi(bLo, bHi, cl);
  const st = i32x4.splat(stream);
  const vpa = f32x4.splat(pa), span = f32x4.splat(pb - pa), vlo = f32x4.splat(zlo), vhi = f32x4.splat(zhi);
  const vsg = f32x4.splat(sg), m = f32x4.splat(mean), s = f32x4.splat(std), va = f32x4.splat(a), vb = f32x4.splat(b);
  const half = f32x4.splat(0.5), one = f32x4.splat(1), qmin = f32x4.splat(QMIN32), scale = f32x4.splat(TWO_M24);
  for (let p = bufferPtr(), end = p + (<usize>groups << 6); p < end; p += 64) {
    philoxGroup(cl, ch, st, p);
    for (let o: usize = 0; o < 64; o += 16) {
      const w = v128.load(p + o);
      const u = f32x4.mul(f32x4.add(f32x4.convert_i32x4_s(i32x4.shr_u(w, 8)), half), scale);
      const pr = f32x4.add(vpa, f32x4.mul(u, span));
      const lower = f32x4.lt(pr, half);
      let q = v128.bitselect(pr, f32x4.sub(one, pr), lower);
      q = v128.bitselect(qmin, q, f32x4.lt(q, qmin));
      let z = v128.xor(normalTailQuantile(q), v128.and(lower, i32x4.splat(SIGN32)));
      // z < lo ? lo : z > hi ? hi : z   (selects, not min/max: same NaN and -0 behaviour as the scalar code)
      z = v128.bitselect(vlo, v128.bitselect(vhi, z, f32x4.gt(z, vhi)), f32x4.lt(z, vlo));
      const v = f32x4.add(m, f32x4.mul(s, f32x4.mul(vsg, z)));
      v128.store(p + o, v128.bitselect(va, v128.bitselect(vb, v, f32x4.gt(v, vb)), f32x4.lt(v, va)));
    }
    const next = i32x4.add(cl, i32x4.splat(4));
    ch = i32x4.sub(ch, i32x4.lt_u(next, cl));
    cl = next;
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

const TWO_M53: f64 = 1.1102230246251565e-16;
const TWO_52: f64 = 4503599627370496;
const QMIN64: f64 = 8.673617379884035e-19;

export function uniformF64(bLo: u32, bHi: u32, stream: u32, groups: i32, lo: f64, hi: f64): void {
  let cl = counterLo(bLo), ch = counterHi(bLo, bHi, cl);
  const st = i32x4.splat(stream), vlo = f64x2.splat(lo), vhi = f64x2.splat(hi), span = f64x2.splat(hi - lo);
  for (let p = bufferPtr(), end = p + (<usize>groups << 6); p < end; p += 64) {
    philoxGroup(cl, ch, st, p);
    for (let o: usize = 0; o < 64; o += 16) {
      const u = f64x2.mul(top53(v128.load(p + o)), f64x2.splat(TWO_M53));
      const v = f64x2.add(vlo, f64x2.mul(u, span));
      v128.store(p + o, v128.bitselect(v, vlo, f64x2.lt(v, vhi)));
    }
    const next = i32x4.add(cl, i32x4.splat(4));
    ch = i32x4.sub(ch, i32x4.lt_u(next, cl));
    cl = next;
  }
}

export function normalF64(bLo: u32, bHi: u32, stream: u32, groups: i32, mean: f64, std: f64): void {
  let cl = counterLo(bLo), ch = counterHi(bLo, bHi, cl);
  const st = i32x4.splat(stream), m = f64x2.splat(mean), s = f64x2.splat(std);
  for (let p = bufferPtr(), end = p + (<usize>groups << 6); p < end; p += 64) {
    philoxGroup(cl, ch, st, p);
    for (let o: usize = 0; o < 64; o += 16) {
      const pairs = wordPairs(v128.load(p + o));
      // k = low 52 bits; 2^52 + k is exact as a double with those mantissa bits, so k converts exactly.
      const k = f64x2.sub(v128.or(v128.and(pairs, i64x2.splat(0x000fffffffffffff)), f64x2.splat(TWO_52)), f64x2.splat(TWO_52));
      const q = f64x2.mul(f64x2.add(f64x2.mul(k, f64x2.splat(2)), f64x2.splat(1)), f64x2.splat(5.551115123125783e-17));
      const z = v128.xor(normalTailQuantile64(q), v128.and(pairs, i64x2.splat(0x8000000000000000)));
      v128.store(p + o, f64x2.add(m, f64x2.mul(s, z)));
    }
    const next = i32x4.add(cl, i32x4.splat(4));
    ch = i32x4.sub(ch, i32x4.lt_u(next, cl));
    cl = next;
  }
}

export function truncNormalF64(bLo: u32, bHi: u32, stream: u32, groups: i32,
  pa: f64, pb: f64, zlo: f64, zhi: f64, sg: f64, mean: f64, std: f64, a: f64, b: f64): void {
  let cl = counterLo(bLo), ch = counterHi(bLo, bHi, cl);
  const st = i32x4.splat(stream);
  const vpa = f64x2.splat(pa), span = f64x2.splat(pb - pa), vlo = f64x2.splat(zlo), vhi = f64x2.splat(zhi);
  const vsg = f64x2.splat(sg), m = f64x2.splat(mean), s = f64x2.splat(std), va = f64x2.splat(a), vb = f64x2.splat(b);
  const half = f64x2.splat(0.5), one = f64x2.splat(1), qmin = f64x2.splat(QMIN64);
  for (let p = bufferPtr(), end = p + (<usize>groups << 6); p < end; p += 64) {
    philoxGroup(cl, ch, st, p);
    for (let o: usize = 0; o < 64; o += 16) {
      // u = ((hi >>> 11) * 2^32 + lo + 0.5) * 2^-53: the + 0.5 rounds (54 bits), exactly as in scalar.ts.
      const u = f64x2.mul(f64x2.add(top53(v128.load(p + o)), half), f64x2.splat(TWO_M53));
      const pr = f64x2.add(vpa, f64x2.mul(u, span));
      const lower = f64x2.lt(pr, half);
      let q = v128.bitselect(pr, f64x2.sub(one, pr), lower);
      q = v128.bitselect(qmin, q, f64x2.lt(q, qmin));
      let z = v128.xor(normalTailQuantile64(q), v128.and(lower, i64x2.splat(0x8000000000000000)));
      z = v128.bitselect(vlo, v128.bitselect(vhi, z, f64x2.gt(z, vhi)), f64x2.lt(z, vlo));
      const v = f64x2.add(m, f64x2.mul(s, f64x2.mul(vsg, z)));
      v128.store(p + o, v128.bitselect(va, v128.bitselect(vb, v, f64x2.gt(v, vb)), f64x2.lt(v, va)));
    }
    const next = i32x4.add(cl, i32x4.splat(4));
    ch = i32x4.sub(ch, i32x4.lt_u(next, cl));
    cl = next;
  }
}
