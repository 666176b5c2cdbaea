/**
 * Philox4x32-10 over 8 consecutive blocks at once (the same function as src/core/rng/philox.ts).
 * Lane j of each of the four state vectors belongs to block b+j, so one round is two vector
 * multiply-high/low pairs and four xors for 4 blocks. The 32x32->64 multiply uses
 * i64x2.extmul_{low,high}_i32x4_u (pmuludq on x86); the high words are then gathered by one shuffle.
 */

import { k } from './consts';

const M0_SPLAT: usize = memory.data<u32>([0xd2511f53, 0xd2511f53, 0xd2511f53, 0xd2511f53], 16);
const M1_SPLAT: usize = memory.data<u32>([0xcd9e8d57, 0xcd9e8d57, 0xcd9e8d57, 0xcd9e8d57], 16);
const FOUR: usize = memory.data<u32>([4, 4, 4, 4], 16);
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

/** Round keys (k0 + r*W0, k1 + r*W1) for r = 0..9, splatted: 20 vectors loaded by every group. */
const ROUND_KEYS: usize = memory.data(16 * 20, 16);

let K0: u32 = 0, K1: u32 = 0;

/** Stores the key schedule of `key`; every kernel call sets it first. */
export function setKey(k0: u32, k1: u32): void {
  K0 = k0; K1 = k1;
  for (let r: u32 = 0; r < 10; r++) {
    v128.store(ROUND_KEYS + (r << 5), i32x4.splat(k0 + r * W0));
    v128.store(ROUND_KEYS + (r << 5) + 16, i32x4.splat(k1 + r * W1));
  }
}

/** High 32 bits of each lane's 64-bit product a*m. */
// @ts-ignore: decorator
@inline function mulhi(a: v128, m: v128): v128 {
  return i32x4.shuffle(i64x2.extmul_low_i32x4_u(a, m), i64x2.extmul_high_i32x4_u(a, m), 1, 3, 5, 7);
}

/**
 * Writes the 32 output words of the 8 blocks b..b+7 at ptr, in block order (block j's words 0..3 at
 * ptr + 16j), or with `soa` (a compile-time constant) as the eight state vectors (see below). Lane j of (lo, hi) is the counter of block b+j
 * for j < 4; blocks b+4..b+7 are derived here. Counter of a block: (lo32(b), hi32(b), 0, stream).
 * Two independent 4-block sets are computed side by side because a single set is one long dependency
 * chain (multiply latency x 10 rounds); interleaving two keeps the multipliers and shufflers busy.
 */
// @ts-ignore: decorator
@inline export function philoxGroup(lo: v128, hi: v128, stream: v128, ptr: usize, soa: bool): void {
  const m0 = k(M0_SPLAT), m1 = k(M1_SPLAT); // constants from memory: see consts.ts
  const loB = i32x4.add(lo, k(FOUR));
  const hiB = i32x4.sub(hi, i32x4.lt_u(loB, lo)); // carry where lo + 4 wrapped
  // Round 0 has c2 = 0, so its (M1 * c2) product is 0: skip that multiply.
  const key0 = v128.load(ROUND_KEYS), key1 = v128.load(ROUND_KEYS, 16);
  let a0 = v128.xor(hi, key0), a1 = i32x4.splat(0);
  let a2 = v128.xor(v128.xor(mulhi(lo, m0), stream), key1), a3 = i32x4.mul(lo, m0);
  let b0 = v128.xor(hiB, key0), b1 = i32x4.splat(0);
  let b2 = v128.xor(v128.xor(mulhi(loB, m0), stream), key1), b3 = i32x4.mul(loB, m0);
  roundsAndStore(a0, a1, a2, a3, b0, b1, b2, b3, m0, m1, ROUND_KEYS + 32, ptr, soa);
}

/**
 * The remaining rounds, from the round key at `from`, of two 4-block sets (state a0..a3, b0..b3; lane j
 * = block j of the set), then the 32 words at ptr: transposed into block order, or with `soa` (a
 * compile-time constant) as the eight state vectors, vector 4s + j = word j of the 4 blocks of set s
 * (the layout of the version-2 float32 uniform and normal, which need no transpose).
 */
// @ts-ignore: decorator
@inline function roundsAndStore(a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128,
  m0: v128, m1: v128, from: usize, ptr: usize, soa: bool): void {
  for (let k: usize = from; k < ROUND_KEYS + 320; k += 32) {
    // (hi0, lo0) = mulhilo(M0, c0), (hi1, lo1) = mulhilo(M1, c2); c = (hi1^c1^k0, lo1, hi0^c3^k1, lo0).
    // 64-bit products of lanes 0,1 (x) and 2,3 (y); one shuffle gathers the high words, one the low.
    const ax = i64x2.extmul_low_i32x4_u(a0, m0), ay = i64x2.extmul_high_i32x4_u(a0, m0);
    const bx = i64x2.extmul_low_i32x4_u(b0, m0), by = i64x2.extmul_high_i32x4_u(b0, m0);
    const cx = i64x2.extmul_low_i32x4_u(a2, m1), cy = i64x2.extmul_high_i32x4_u(a2, m1);
    const dx = i64x2.extmul_low_i32x4_u(b2, m1), dy = i64x2.extmul_high_i32x4_u(b2, m1);
    const k0 = v128.load(k), k1 = v128.load(k, 16);
    a0 = v128.xor(v128.xor(i32x4.shuffle(cx, cy, 1, 3, 5, 7), a1), k0);
    b0 = v128.xor(v128.xor(i32x4.shuffle(dx, dy, 1, 3, 5, 7), b1), k0);
    a1 = i32x4.shuffle(cx, cy, 0, 2, 4, 6);
    b1 = i32x4.shuffle(dx, dy, 0, 2, 4, 6);
    a2 = v128.xor(v128.xor(i32x4.shuffle(ax, ay, 1, 3, 5, 7), a3), k1);
    b2 = v128.xor(v128.xor(i32x4.shuffle(bx, by, 1, 3, 5, 7), b3), k1);
    a3 = i32x4.shuffle(ax, ay, 0, 2, 4, 6);
    b3 = i32x4.shuffle(bx, by, 0, 2, 4, 6);
  }
  if (soa) {
    v128.store(ptr, a0); v128.store(ptr, a1, 16); v128.store(ptr, a2, 32); v128.store(ptr, a3, 48);
    v128.store(ptr, b0, 64); v128.store(ptr, b1, 80); v128.store(ptr, b2, 96); v128.store(ptr, b3, 112);
  } else {
    storeTransposed(a0, a1, a2, a3, ptr);
    storeTransposed(b0, b1, b2, b3, ptr + 64);
  }
}


/** 4x4 transpose: lanes hold blocks, memory wants each block's 4 words together. */
// @ts-ignore: decorator
@inline function storeTransposed(c0: v128, c1: v128, c2: v128, c3: v128, ptr: usize): void {
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5), t1 = i32x4.shuffle(c2, c3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(c0, c1, 2, 6, 3, 7), t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  v128.store(ptr, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(ptr, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
  v128.store(ptr, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
  v128.store(ptr, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
}

// ---- Fast path: a group whose 8 blocks share the high counter word (all but one group in 2^29) ----
//
// Round 0 of block b = (lo, hi, 0, s): c2 = 0 makes the M1 product 0, and M0 * lo for the 8 lanes is
// M0 * gl + M0 * j (64-bit adds, no multiply). After round 0, c0 = hi ^ k0 is the same in every lane, so
// round 1's M0 product is a per-call constant. Same bits as philoxGroup (tested through the kernels).

const M0: u64 = 0xd2511f53;
/** M0 * j for j = 0..7, as 64-bit lanes. */
const M0J: usize = memory.data<u64>([0, M0, 2 * M0, 3 * M0, 4 * M0, 5 * M0, 6 * M0, 7 * M0], 16);
/** Per-call constants of prepareFast: c0 after round 0, lo(M0 * c0), hi(M0 * c0) ^ k1 of round 1, stream ^ k1. */
const FAST: usize = memory.data(16 * 4, 16);

/** Sets the fast path's constants for high counter word `hi` and `stream` (after setKey). */
export function prepareFast(hi: u32, stream: u32): void {
  const c0 = hi ^ K0;
  const p = M0 * <u64>c0;
  v128.store(FAST, i32x4.splat(c0));
  v128.store(FAST, i32x4.splat(<u32>p), 16);
  v128.store(FAST, i32x4.splat(<u32>(p >> 32) ^ (K1 + W1)), 32);
  v128.store(FAST, i32x4.splat(stream ^ K1), 48);
}

/**
 * philoxGroup for blocks gl..gl+7 (no wrap of the low word inside the group) with the high word and
 * stream of the last prepareFast.
 */
// @ts-ignore: decorator
@inline export function philoxGroupFast(gl: u32, ptr: usize, soa: bool): void {
  const m0 = k(M0_SPLAT), m1 = k(M1_SPLAT);
  const base = i64x2.splat(M0 * <u64>gl);
  const pa0 = i64x2.add(base, k(M0J)), pa1 = i64x2.add(base, k(M0J + 16));
  const pb0 = i64x2.add(base, k(M0J + 32)), pb1 = i64x2.add(base, k(M0J + 48));
  const sk = k(FAST + 48);
  // Round 0: c = (hi ^ k0, 0, hi(M0 lo) ^ s ^ k1, lo(M0 lo)); only c2 and c3 vary by lane.
  const a2r = v128.xor(i32x4.shuffle(pa0, pa1, 1, 3, 5, 7), sk), a3r = i32x4.shuffle(pa0, pa1, 0, 2, 4, 6);
  const b2r = v128.xor(i32x4.shuffle(pb0, pb1, 1, 3, 5, 7), sk), b3r = i32x4.shuffle(pb0, pb1, 0, 2, 4, 6);
  // Round 1: the M0 product of c0 is the constant (hi, lo) of prepareFast; c1 = 0.
  const kr0 = v128.load(ROUND_KEYS, 32), c = k(FAST + 32), l1 = k(FAST + 16);
  const ax = i64x2.extmul_low_i32x4_u(a2r, m1), ay = i64x2.extmul_high_i32x4_u(a2r, m1);
  const bx = i64x2.extmul_low_i32x4_u(b2r, m1), by = i64x2.extmul_high_i32x4_u(b2r, m1);
  let a0 = v128.xor(i32x4.shuffle(ax, ay, 1, 3, 5, 7), kr0), a1 = i32x4.shuffle(ax, ay, 0, 2, 4, 6);
  let a2 = v128.xor(a3r, c), a3 = l1;
  let b0 = v128.xor(i32x4.shuffle(bx, by, 1, 3, 5, 7), kr0), b1 = i32x4.shuffle(bx, by, 0, 2, 4, 6);
  let b2 = v128.xor(b3r, c), b3 = l1;
  roundsAndStore(a0, a1, a2, a3, b0, b1, b2, b3, m0, m1, ROUND_KEYS + 64, ptr, soa);
}

/**
 * Philox words of the 8 blocks (gh, gl) .. + 7 of `stream` at ptr (layout as philoxGroup): the fast
 * path unless the low word wraps inside the group. prepareFast(gh, stream) must be current.
 */
// @ts-ignore: decorator
@inline export function philoxAt(gl: u32, gh: u32, stream: u32, ptr: usize, soa: bool): void {
  if (gl <= 0xfffffff8) {
    philoxGroupFast(gl, ptr, soa);
  } else {
    const cl = i32x4.add(i32x4.splat(gl), i32x4(0, 1, 2, 3));
    const ch = i32x4.sub(i32x4.splat(gh), i32x4.lt_u(cl, i32x4.splat(gl)));
    philoxGroup(cl, ch, i32x4.splat(stream), ptr, soa);
  }
}
