/**
 * Philox4x32-10 over 4 consecutive blocks at once (the same function as src/core/rng/philox.ts).
 * Lane j of each of the four state vectors belongs to block b+j, so one round is two vector
 * multiply-high/low pairs and four xors for 4 blocks. The 32x32->64 multiply uses
 * i64x2.extmul_{low,high}_i32x4_u (pmuludq on x86); the high words are then gathered by one shuffle.
 */

const M0: u32 = 0xd2511f53;
const M1: u32 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

/** Round keys (k0 + r*W0, k1 + r*W1) for r = 0..9, splatted: 20 vectors loaded by every group. */
const ROUND_KEYS: usize = memory.data(16 * 20, 16);

/** Stores the key schedule of `key`; every kernel call sets it first. */
export function setKey(k0: u32, k1: u32): void {
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
 * Writes the 16 output words of the 4 blocks with counters (lo[j], hi[j], 0, stream[j]) at ptr, in
 * block order (block j's words 0..3 at ptr + 16j), i.e. already in float32 element order.
 */
// @ts-ignore: decorator
@inline export function philoxGroup(lo: v128, hi: v128, stream: v128, ptr: usize): void {
  const m0 = i32x4.splat(M0), m1 = i32x4.splat(M1);
  // Round 0 has c2 = 0, so its (M1 * c2) product is 0: skip that multiply.
  let c0 = v128.xor(hi, v128.load(ROUND_KEYS));
  let c1 = i32x4.splat(0);
  let c2 = v128.xor(v128.xor(mulhi(lo, m0), stream), v128.load(ROUND_KEYS, 16));
  let c3 = i32x4.mul(lo, m0);
  for (let k: usize = ROUND_KEYS + 32; k < ROUND_KEYS + 320; k += 32) {
    const hi0 = mulhi(c0, m0), lo0 = i32x4.mul(c0, m0);
    const hi1 = mulhi(c2, m1), lo1 = i32x4.mul(c2, m1);
    c0 = v128.xor(v128.xor(hi1, c1), v128.load(k));
    c1 = lo1;
    c2 = v128.xor(v128.xor(hi0, c3), v128.load(k, 16));
    c3 = lo0;
  }
  // 4x4 transpose: lanes hold blocks, memory wants each block's 4 words together.
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5), t1 = i32x4.shuffle(c2, c3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(c0, c1, 2, 6, 3, 7), t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  v128.store(ptr, i32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(ptr, i32x4.shuffle(t0, t1, 2, 3, 6, 7), 16);
  v128.store(ptr, i32x4.shuffle(t2, t3, 0, 1, 4, 5), 32);
  v128.store(ptr, i32x4.shuffle(t2, t3, 2, 3, 6, 7), 48);
}
