/**
 * float32x4 versions of src/core/math/f32.ts. Every line performs the same IEEE float32 operation, on
 * the same operands, in the same order as the scalar code (which rounds each step with Math.fround),
 * so results are bit-identical. No fused multiply-add and no relaxed-simd: those would change bits.
 * Branches become "compute both, select by lane mask"; a rarely taken branch is computed only when
 * some lane needs it (the selected lanes are the same either way).
 *
 * Speed: a Horner polynomial is one long chain of dependent multiply/add latencies, so the hot path
 * (normalTailQuantileX4) runs four vectors side by side. Constants are loaded from memory (consts.ts).
 */
import { k, splatF32, F1, F2, F4, F_HALF, I_ONE, I_SIGN } from './consts';

const SQRTHF: usize = memory.data<f32>([0.707106781186547524, 0.707106781186547524, 0.707106781186547524, 0.707106781186547524], 16);
const SQRT2: usize = memory.data<f32>([1.4142135623730951, 1.4142135623730951, 1.4142135623730951, 1.4142135623730951], 16);
const LOGF_C1: usize = memory.data<f32>([-2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4], 16);
const NEG_LOGF_C2: usize = memory.data<f32>([-0.693359375, -0.693359375, -0.693359375, -0.693359375], 16);
/** Exponents of the 8 vectors of normalTailQuantileX8, then one for the rare path. */
const FE_SCRATCH: usize = memory.data(16 * 9, 16);
/** Horner arguments of the 8 vectors (m for logf, then u for the central polynomial). */
const ARG_SCRATCH: usize = memory.data(16 * 8, 16);
const MANT_MASK: usize = memory.data<i32>([0x7fffff, 0x7fffff, 0x7fffff, 0x7fffff], 16);
const HALF_EXP: usize = memory.data<i32>([0x3f000000, 0x3f000000, 0x3f000000, 0x3f000000], 16);
const BIAS: usize = memory.data<i32>([126, 126, 126, 126], 16);
const F_2_5: usize = memory.data<f32>([2.5, 2.5, 2.5, 2.5], 16);
const F3: usize = memory.data<f32>([3, 3, 3, 3], 16);
const F5: usize = memory.data<f32>([5, 5, 5, 5], 16);
const F16: usize = memory.data<f32>([16, 16, 16, 16], 16);

// Polynomial tables: one splatted vector per coefficient, highest degree first (math/f32.ts names).
const LOGF_P: usize = memory.data(16 * 9, 16);
splatF32(LOGF_P, memory.data<f32>([7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1,
  1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]), 9);
const GILES_CENTRAL: usize = memory.data(16 * 9, 16);
splatF32(GILES_CENTRAL, memory.data<f32>([2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]), 9);
const GILES_TAIL: usize = memory.data(16 * 9, 16);
splatF32(GILES_TAIL, memory.data<f32>([-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
  0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]), 9);
const GILES_DEEP_TAIL: usize = memory.data(16 * 17, 16);
splatF32(GILES_DEEP_TAIL, memory.data<f32>([-2.7109920616438573243e-11, -2.5556418169965252055e-10,
  1.5076572693500548083e-09, -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
  2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07, -9.9298272942317002539e-07,
  4.5260625972231537039e-06, -1.9681778105531670567e-05, 7.5995277030017761139e-05, -0.00021503011930044477347,
  -0.00013871931833623122026, 1.0103004648645343977, 4.8499064014085844221]), 17);

/** p * x + c with two roundings (NOT a fused multiply-add: the scalar reference rounds the product). */
// @ts-ignore: decorator
@inline function mulAdd(p: v128, x: v128, c: v128): v128 {
  return f32x4.add(f32x4.mul(p, x), c);
}

/** Horner evaluation of an n-coefficient table at x, one vector. */
// @ts-ignore: decorator
@inline function horner(table: usize, n: i32, x: v128): v128 {
  let p = k(table);
  for (let c = table + 16, end = table + (<usize>n << 4); c < end; c += 16) p = mulAdd(p, x, k(c));
  return p;
}

// ---- Cephes logf for positive normal lanes, in parts so four vectors can share the Horner steps ----

/** The mantissa bits with exponent 2^-1: m in [0.5, 1). */
// @ts-ignore: decorator
@inline function mantissaHalf(x: v128): v128 {
  return v128.or(v128.and(x, k(MANT_MASK)), k(HALF_EXP));
}

/**
 * Splits x (> 0) for logf: stores the exponent e (minus one where m < sqrt(1/2)) as a float at feOut and
 * returns the reduced argument m < sqrt(1/2) ? (m + m) - 1 : m - 1. Written as (m + (m & mask)) - 1:
 * m + 0 is m exactly, so both lanes get the scalar code's operations.
 */
// @ts-ignore: decorator
@inline function logfSplit(x: v128, feOut: usize): v128 {
  const m = mantissaHalf(x);
  const small = f32x4.lt(m, k(SQRTHF));
  const e = i32x4.sub(i32x4.shr_u(x, 23), k(BIAS)); // x > 0: no sign bit to mask off
  v128.store(feOut, f32x4.convert_i32x4_s(i32x4.add(e, small))); // mask lanes are -1: e - 1
  return f32x4.sub(f32x4.add(m, v128.and(m, small)), k(F1));
}

/**
 * -logf from the Horner value y of the reduced argument m and the exponent fe. The final negation
 * is folded in: -(r + C2*fe) == (-C2)*fe - r exactly (round-to-nearest-even is symmetric).
 */
// @ts-ignore: decorator
@inline function negLogfFinish(y: v128, m: v128, fe: v128): v128 {
  const z = f32x4.mul(m, m);
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(k(LOGF_C1), fe));
  y = f32x4.sub(y, f32x4.mul(k(F_HALF), z));
  const r = f32x4.add(m, y);
  return f32x4.sub(f32x4.mul(k(NEG_LOGF_C2), fe), r);
}

/** -logf(x), one vector (the rare paths). */
// @ts-ignore: decorator
@inline function negLogf(x: v128): v128 {
  const m = logfSplit(x, FE_SCRATCH + 128);
  return negLogfFinish(horner(LOGF_P, 9, m), m, k(FE_SCRATCH + 128));
}

/** t = 4q * (1 - q), the argument of the log in the quantile. */
// @ts-ignore: decorator
@inline function logArg(q: v128): v128 {
  return f32x4.mul(f32x4.mul(k(F4), q), f32x4.sub(k(F1), q));
}

/** Giles tail polynomials for lanes with w >= 5: tail(sqrt(w) - 3) if w < 16, else deepTail(sqrt(w) - 5). */
function tailPoly(w: v128): v128 {
  const r = f32x4.sqrt(w);
  const pt = horner(GILES_TAIL, 9, f32x4.sub(r, k(F3)));
  const notDeep = f32x4.lt(w, k(F16));
  if (i32x4.all_true(notDeep)) return pt;
  // q < ~2.8e-8: Giles' float64 far-tail coefficients rounded to float32.
  return v128.bitselect(pt, horner(GILES_DEEP_TAIL, 17, f32x4.sub(r, k(F5))), notDeep);
}

/**
 * Replaces the central-polynomial value p by the tail polynomial in lanes with w >= 5. w is
 * recomputed from q (same operations, same bits) rather than kept live through the hot path.
 */
function withTail(p: v128, q: v128): v128 {
  const w = negLogf(logArg(q));
  const central = f32x4.lt(w, k(F5));
  return i32x4.all_true(central) ? p : v128.bitselect(p, tailPoly(w), central);
}

/**
 * Upper-tail standard normal quantile (normalTailQuantile of math/f32.ts) of the eight vectors at qp
 * (qp, qp+16, .., qp+112), stored at out .. out+112 (out may equal qp):
 *   w = -log(4q(1-q)); p = central(w - 2.5) if w < 5, tail(sqrt(w) - 3) if w < 16, else
 *   deepTail(sqrt(w) - 5);  z = sqrt2 * (p * (1 - 2q)).
 * Eight vectors side by side: a Horner step is a multiply then an add (6-8 cycles of latency), and
 * it takes about eight independent chains to keep both vector ALUs busy. The Horner values stay in
 * registers; the arguments (m, then u) are re-read from scratch memory, since 16 registers cannot
 * hold both. The tail branches (about 0.3% of normal draws) run only for vectors with such a lane.
 */
// @ts-ignore: decorator
@inline export function normalTailQuantileX8(qp: usize, out: usize): void {
  const fe = FE_SCRATCH, ms = ARG_SCRATCH;
  for (let j: usize = 0; j < 128; j += 16) v128.store(ms + j, logfSplit(logArg(k(qp + j)), fe + j));
  // Horner steps written out (a loop costs V8 a counter, compare and interrupt check per step).
  const L = LOGF_P;
  let y0 = k(L), y1 = y0, y2 = y0, y3 = y0, y4 = y0, y5 = y0, y6 = y0, y7 = y0, c = y0;
  c = k(L + 0x10);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  c = k(L + 0x20);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  c = k(L + 0x30);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  c = k(L + 0x40);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  c = k(L + 0x50);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  c = k(L + 0x60);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  c = k(L + 0x70);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  c = k(L + 0x80);
  y0 = mulAdd(y0, k(ms + 0), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  y4 = mulAdd(y4, k(ms + 64), c); y5 = mulAdd(y5, k(ms + 80), c); y6 = mulAdd(y6, k(ms + 96), c); y7 = mulAdd(y7, k(ms + 112), c);
  // w = -logf(t), kept for the tail check; the central polynomial's argument u = w - 2.5 replaces m.
  const c25 = k(F_2_5), five = k(F5);
  let w = negLogfFinish(y0, k(ms), k(fe));
  let central = f32x4.lt(w, five); v128.store(ms, f32x4.sub(w, c25));
  w = negLogfFinish(y1, k(ms + 16), k(fe + 16));
  central = v128.and(central, f32x4.lt(w, five)); v128.store(ms + 16, f32x4.sub(w, c25));
  w = negLogfFinish(y2, k(ms + 32), k(fe + 32));
  central = v128.and(central, f32x4.lt(w, five)); v128.store(ms + 32, f32x4.sub(w, c25));
  w = negLogfFinish(y3, k(ms + 48), k(fe + 48));
  central = v128.and(central, f32x4.lt(w, five)); v128.store(ms + 48, f32x4.sub(w, c25));
  w = negLogfFinish(y4, k(ms + 64), k(fe + 64));
  central = v128.and(central, f32x4.lt(w, five)); v128.store(ms + 64, f32x4.sub(w, c25));
  w = negLogfFinish(y5, k(ms + 80), k(fe + 80));
  central = v128.and(central, f32x4.lt(w, five)); v128.store(ms + 80, f32x4.sub(w, c25));
  w = negLogfFinish(y6, k(ms + 96), k(fe + 96));
  central = v128.and(central, f32x4.lt(w, five)); v128.store(ms + 96, f32x4.sub(w, c25));
  w = negLogfFinish(y7, k(ms + 112), k(fe + 112));
  central = v128.and(central, f32x4.lt(w, five)); v128.store(ms + 112, f32x4.sub(w, c25));
  const allCentral = i32x4.all_true(central);
  const G = GILES_CENTRAL;
  let p0 = k(G), p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0;
  c = k(G + 0x10);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  c = k(G + 0x20);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  c = k(G + 0x30);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  c = k(G + 0x40);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  c = k(G + 0x50);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  c = k(G + 0x60);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  c = k(G + 0x70);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  c = k(G + 0x80);
  p0 = mulAdd(p0, k(ms + 0), c); p1 = mulAdd(p1, k(ms + 16), c); p2 = mulAdd(p2, k(ms + 32), c); p3 = mulAdd(p3, k(ms + 48), c);
  p4 = mulAdd(p4, k(ms + 64), c); p5 = mulAdd(p5, k(ms + 80), c); p6 = mulAdd(p6, k(ms + 96), c); p7 = mulAdd(p7, k(ms + 112), c);
  if (!allCentral) {
    p0 = withTail(p0, k(qp)); p1 = withTail(p1, k(qp + 16)); p2 = withTail(p2, k(qp + 32)); p3 = withTail(p3, k(qp + 48));
    p4 = withTail(p4, k(qp + 64)); p5 = withTail(p5, k(qp + 80)); p6 = withTail(p6, k(qp + 96)); p7 = withTail(p7, k(qp + 112));
  }
  const s = k(SQRT2), one = k(F1), two = k(F2);
  v128.store(out, f32x4.mul(s, f32x4.mul(p0, f32x4.sub(one, f32x4.mul(two, k(qp))))));
  v128.store(out, f32x4.mul(s, f32x4.mul(p1, f32x4.sub(one, f32x4.mul(two, k(qp + 16))))), 16);
  v128.store(out, f32x4.mul(s, f32x4.mul(p2, f32x4.sub(one, f32x4.mul(two, k(qp + 32))))), 32);
  v128.store(out, f32x4.mul(s, f32x4.mul(p3, f32x4.sub(one, f32x4.mul(two, k(qp + 48))))), 48);
  v128.store(out, f32x4.mul(s, f32x4.mul(p4, f32x4.sub(one, f32x4.mul(two, k(qp + 64))))), 64);
  v128.store(out, f32x4.mul(s, f32x4.mul(p5, f32x4.sub(one, f32x4.mul(two, k(qp + 80))))), 80);
  v128.store(out, f32x4.mul(s, f32x4.mul(p6, f32x4.sub(one, f32x4.mul(two, k(qp + 96))))), 96);
  v128.store(out, f32x4.mul(s, f32x4.mul(p7, f32x4.sub(one, f32x4.mul(two, k(qp + 112))))), 112);
}

// ---- Box-Muller pieces (float32 normal, algorithm version 2): radiusFromWord, sinCosFromWord of math/f32.ts ----

const SINF_P: usize = memory.data(16 * 3, 16);
splatF32(SINF_P, memory.data<f32>([-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1]), 3);
const COSF_P: usize = memory.data(16 * 3, 16);
splatF32(COSF_P, memory.data<f32>([2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2]), 3);
const HALF_PI_STEP: usize = memory.data<f32>([9.362675967850009e-8, 9.362675967850009e-8, 9.362675967850009e-8, 9.362675967850009e-8], 16);
const TWO_M16: usize = memory.data<f32>([1.52587890625e-5, 1.52587890625e-5, 1.52587890625e-5, 1.52587890625e-5], 16);
const TWO_M33: usize = memory.data<f32>([1.1641532182693481e-10, 1.1641532182693481e-10, 1.1641532182693481e-10, 1.1641532182693481e-10], 16);
const LOW16: usize = memory.data<u32>([0xffff, 0xffff, 0xffff, 0xffff], 16);

/** u = f32((2w + 1) * 2^-33) = (w >>> 16) * 2^-16 + (2 (w & 0xffff) + 1) * 2^-33: both terms exact, one rounding. */
// @ts-ignore: decorator
@inline function radiusArg(w: v128): v128 {
  return f32x4.add(f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(w, 16)), k(TWO_M16)),
    f32x4.mul(f32x4.convert_i32x4_s(v128.or(i32x4.shl(v128.and(w, k(LOW16)), 1), k(I_ONE))), k(TWO_M33)));
}

const RM_SCRATCH: usize = memory.data(64, 16);

/**
 * Box-Muller radii sqrt(2 * -logf(u)) (radiusFromWord of math/f32.ts) of the four word vectors at
 * w0, w1, w2, w3, stored at out .. out+48. Four Horner chains side by side, written out: a loop
 * would cost V8 a counter, compare and interrupt check per step and serialize the chains.
 */
// @ts-ignore: decorator
@inline export function radiusX4(w0: usize, w1: usize, w2: usize, w3: usize, out: usize): void {
  const fe = FE_SCRATCH, ms = RM_SCRATCH;
  const m0 = logfSplit(radiusArg(v128.load(w0)), fe), m1 = logfSplit(radiusArg(v128.load(w1)), fe + 16);
  const m2 = logfSplit(radiusArg(v128.load(w2)), fe + 32), m3 = logfSplit(radiusArg(v128.load(w3)), fe + 48);
  v128.store(ms, m0); v128.store(ms, m1, 16); v128.store(ms, m2, 32); v128.store(ms, m3, 48);
  const L = LOGF_P;
  let c = k(L + 0x10), y0 = k(L), y1 = y0, y2 = y0, y3 = y0;
  y0 = mulAdd(y0, m0, c); y1 = mulAdd(y1, m1, c); y2 = mulAdd(y2, m2, c); y3 = mulAdd(y3, m3, c);
  c = k(L + 0x20);
  y0 = mulAdd(y0, m0, c); y1 = mulAdd(y1, m1, c); y2 = mulAdd(y2, m2, c); y3 = mulAdd(y3, m3, c);
  c = k(L + 0x30);
  y0 = mulAdd(y0, k(ms), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  c = k(L + 0x40);
  y0 = mulAdd(y0, k(ms), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  c = k(L + 0x50);
  y0 = mulAdd(y0, k(ms), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  c = k(L + 0x60);
  y0 = mulAdd(y0, k(ms), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  c = k(L + 0x70);
  y0 = mulAdd(y0, k(ms), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  c = k(L + 0x80);
  y0 = mulAdd(y0, k(ms), c); y1 = mulAdd(y1, k(ms + 16), c); y2 = mulAdd(y2, k(ms + 32), c); y3 = mulAdd(y3, k(ms + 48), c);
  const two = k(F2);
  v128.store(out, f32x4.sqrt(f32x4.mul(two, negLogfFinish(y0, k(ms), k(fe)))));
  v128.store(out, f32x4.sqrt(f32x4.mul(two, negLogfFinish(y1, k(ms + 16), k(fe + 16)))), 16);
  v128.store(out, f32x4.sqrt(f32x4.mul(two, negLogfFinish(y2, k(ms + 32), k(fe + 32)))), 32);
  v128.store(out, f32x4.sqrt(f32x4.mul(two, negLogfFinish(y3, k(ms + 48), k(fe + 48)))), 48);
}

/**
 * Stores mean + std * (r * cos A) at out and mean + std * (r * sin A) at out + 16, A the angle of
 * word w (sinCosFromWord): quadrant from bits 31-30, x = (signed bits 29..6) * f32(pi/2) * 2^-24.
 */
// @ts-ignore: decorator
@inline export function boxMullerPair(r: v128, w: v128, mean: v128, std: v128, out: usize): void {
  const x = f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_s(i32x4.shl(w, 2), 8)), k(HALF_PI_STEP));
  const z = f32x4.mul(x, x);
  const ps = mulAdd(mulAdd(k(SINF_P), z, k(SINF_P + 16)), z, k(SINF_P + 32));
  const s = f32x4.add(f32x4.mul(f32x4.mul(ps, z), x), x);
  const pc = mulAdd(mulAdd(k(COSF_P), z, k(COSF_P + 16)), z, k(COSF_P + 32));
  const c = f32x4.add(f32x4.sub(f32x4.mul(f32x4.mul(pc, z), z), f32x4.mul(k(F_HALF), z)), k(F1));
  // Odd quadrant (bit 30) swaps sin and cos; sin is negated by bit 31, cos by bit 31 ^ bit 30.
  // The swap as xors (s ^ d = c and c ^ d = s where d = (s ^ c) & swap): two ops fewer than two selects.
  const d = v128.and(v128.xor(s, c), i32x4.shr_s(i32x4.shl(w, 1), 31));
  const sign = k(I_SIGN);
  const sv = v128.xor(v128.xor(s, d), v128.and(w, sign));
  const cv = v128.xor(v128.xor(c, d), v128.and(v128.xor(w, i32x4.shl(w, 1)), sign));
  v128.store(out, f32x4.add(mean, f32x4.mul(std, f32x4.mul(r, cv))));
  v128.store(out, f32x4.add(mean, f32x4.mul(std, f32x4.mul(r, sv))), 16);
}
