/**
 * float64x2 versions of src/core/math/f64.ts (fdlibm log, Giles' float64 erfinv), same operations in
 * the same order as the scalar code, so bit-identical. Word manipulation of the scalar code (high
 * word of a double) becomes 64-bit lane shifts and masks. As in math32.ts, constants come from
 * memory (consts.ts) and the hot path runs four vectors at once to hide the Horner latency chain.
 */
import { k, splatF64, D1, D2, D4 } from './consts';

// Splatted float64 constants.
const LN2_HI: usize = memory.data<f64>([6.93147180369123816490e-01, 6.93147180369123816490e-01], 16);
const LN2_LO: usize = memory.data<f64>([1.90821492927058770002e-10, 1.90821492927058770002e-10], 16);
const LG1: usize = memory.data<f64>([6.666666666666735130e-01, 6.666666666666735130e-01], 16);
const LG2: usize = memory.data<f64>([3.999999999940941908e-01, 3.999999999940941908e-01], 16);
const LG3: usize = memory.data<f64>([2.857142874366239149e-01, 2.857142874366239149e-01], 16);
const LG4: usize = memory.data<f64>([2.222219843214978396e-01, 2.222219843214978396e-01], 16);
const LG5: usize = memory.data<f64>([1.818357216161805012e-01, 1.818357216161805012e-01], 16);
const LG6: usize = memory.data<f64>([1.531383769920937332e-01, 1.531383769920937332e-01], 16);
const LG7: usize = memory.data<f64>([1.479819860511658591e-01, 1.479819860511658591e-01], 16);
const D_HALF: usize = memory.data<f64>([0.5, 0.5], 16);
const D_3_125: usize = memory.data<f64>([3.125, 3.125], 16);
const D_3_25: usize = memory.data<f64>([3.25, 3.25], 16);
const D5: usize = memory.data<f64>([5, 5], 16);
const D_6_25: usize = memory.data<f64>([6.25, 6.25], 16);
const D16: usize = memory.data<f64>([16, 16], 16);
const SQRT2: usize = memory.data<f64>([1.4142135623730951, 1.4142135623730951], 16);
const I_1023 = memory.data<i64>([1023, 1023], 16), I_HI_MANT = memory.data<i64>([0x000fffff, 0x000fffff], 16);
const I_95F64 = memory.data<i64>([0x95f64, 0x95f64], 16), I_100000 = memory.data<i64>([0x100000, 0x100000], 16);
const I_3FF00000 = memory.data<i64>([0x3ff00000, 0x3ff00000], 16), I_LO32 = memory.data<i64>([0xffffffff, 0xffffffff], 16);

// Giles' float64 erfinv polynomials, highest degree first (math/f64.ts G1, G2, G3).
const CENTRAL: usize = memory.data(16 * 23, 16);
splatF64(CENTRAL, memory.data<f64>([-3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
  1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17, 6.6376381343583238325e-15,
  -4.0545662729752068639e-14, -8.1519341976054721522e-14, 2.6335093153082322977e-12, -1.2975133253453532498e-11,
  -5.4154120542946279317e-11, 1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
  4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05, 0.0001867342080340571352,
  -0.00074070253416626697512, -0.0060336708714301490533, 0.24015818242558961693, 1.6536545626831027356]), 23);
const MIDDLE: usize = memory.data(16 * 19, 16);
splatF64(MIDDLE, memory.data<f64>([2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
  1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06, 2.9234449089955446044e-06,
  1.2475304481671778723e-05, -4.7318229009055733981e-05, 6.8284851459573175448e-05, 2.4031110387097893999e-05,
  -0.0003550375203628474796, 0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
  -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334, 3.0838856104922207635]), 19);
const FAR: usize = memory.data(16 * 17, 16);
splatF64(FAR, memory.data<f64>([-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
  -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08, 2.9147953450901080826e-08,
  -6.7711997758452339498e-08, 2.2900482228026654717e-07, -9.9298272942317002539e-07, 4.5260625972231537039e-06,
  -1.9681778105531670567e-05, 7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
  1.0103004648645343977, 4.8499064014085844221]), 17);

/** -log(4q(1-q)) of the four vectors, then their central-polynomial values. */
const W_SCRATCH: usize = memory.data(64, 16);

/** p * x + c, two roundings (no FMA, like the scalar Horner loop). */
// @ts-ignore: decorator
@inline function mulAdd(p: v128, x: v128, c: v128): v128 {
  return f64x2.add(f64x2.mul(p, x), c);
}

/** Horner evaluation of an n-coefficient table at x, one vector. */
// @ts-ignore: decorator
@inline function horner(table: usize, n: i32, x: v128): v128 {
  let p = k(table);
  for (let c = table + 16, end = table + (<usize>n << 4); c < end; c += 16) p = mulAdd(p, x, k(c));
  return p;
}

/** fdlibm log of positive normal lanes (without special cases), as log64 in math/f64.ts. */
// @ts-ignore: decorator
@inline function log64(x: v128): v128 {
  let hx = i64x2.shr_u(x, 32);                                    // high word, zero-extended
  let kk = i64x2.sub(i64x2.shr_u(hx, 20), k(I_1023));
  hx = v128.and(hx, k(I_HI_MANT));
  const i = v128.and(i64x2.add(hx, k(I_95F64)), k(I_100000));
  const newHi = v128.or(hx, v128.xor(i, k(I_3FF00000)));
  const xr = v128.or(v128.and(x, k(I_LO32)), i64x2.shl(newHi, 32)); // in [sqrt(2)/2, sqrt(2))
  kk = i64x2.add(kk, i64x2.shr_u(i, 20));
  // k is small: its low 32-bit words (lanes 0 and 2) convert exactly.
  const kf = f64x2.convert_low_i32x4_s(i32x4.shuffle(kk, kk, 0, 2, 0, 2));
  const fm = f64x2.sub(xr, k(D1));
  const s = f64x2.div(fm, f64x2.add(k(D2), fm));
  const z = f64x2.mul(s, s), w = f64x2.mul(z, z);
  // t1 = w * (Lg2 + w * (Lg4 + w * Lg6))
  const t1 = f64x2.mul(w, f64x2.add(k(LG2), f64x2.mul(w, f64x2.add(k(LG4), f64x2.mul(w, k(LG6))))));
  // t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)))
  const t2 = f64x2.mul(z, f64x2.add(k(LG1), f64x2.mul(w, f64x2.add(k(LG3),
    f64x2.mul(w, f64x2.add(k(LG5), f64x2.mul(w, k(LG7))))))));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(f64x2.mul(k(D_HALF), fm), fm);
  // k * LN2_HI - ((hfsq - (s * (hfsq + R) + k * LN2_LO)) - fm)
  const inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(kf, k(LN2_LO)));
  return f64x2.sub(f64x2.mul(kf, k(LN2_HI)), f64x2.sub(f64x2.sub(hfsq, inner), fm));
}

/** w = -log(4q(1-q)). */
// @ts-ignore: decorator
@inline function tailW(q: v128): v128 {
  return f64x2.neg(log64(f64x2.mul(f64x2.mul(k(D4), q), f64x2.sub(k(D1), q))));
}

/** Replaces p by the tail polynomials in lanes with w >= 6.25 (rare: ~0.1% of normal draws). */
function withTail(p: v128, w: v128): v128 {
  const isCentral = f64x2.lt(w, k(D_6_25));
  if (i64x2.all_true(isCentral)) return p;
  const r = f64x2.sqrt(w);
  const tail = v128.bitselect(horner(MIDDLE, 19, f64x2.sub(r, k(D_3_25))), horner(FAR, 17, f64x2.sub(r, k(D5))),
    f64x2.lt(w, k(D16)));
  return v128.bitselect(p, tail, isCentral);
}

/**
 * Upper-tail standard normal quantile (normalTailQuantile64 of math/f64.ts) of the four vectors at qp
 * (qp .. qp+48), stored at out .. out+48:
 *   w = -log(4q(1-q)); p = G1(w - 3.125) if w < 6.25, G2(sqrt(w) - 3.25) if w < 16, else G3(sqrt(w) - 5);
 *   z = sqrt2 * (p * (1 - 2q)).
 */
// @ts-ignore: decorator
@inline export function normalTailQuantile64X4(qp: usize, out: usize): void {
  // Four independent log chains (the CPU overlaps them); results parked in W_SCRATCH.
  for (let j: usize = 0; j < 64; j += 16) v128.store(W_SCRATCH + j, tailW(k(qp + j)));
  const c = k(D_3_125);
  const u0 = f64x2.sub(k(W_SCRATCH), c), u1 = f64x2.sub(k(W_SCRATCH + 16), c);
  const u2 = f64x2.sub(k(W_SCRATCH + 32), c), u3 = f64x2.sub(k(W_SCRATCH + 48), c);
  let p0 = k(CENTRAL), p1 = p0, p2 = p0, p3 = p0;
  for (let t = CENTRAL + 16; t < CENTRAL + 16 * 23; t += 16) {
    const a = k(t);
    p0 = mulAdd(p0, u0, a); p1 = mulAdd(p1, u1, a); p2 = mulAdd(p2, u2, a); p3 = mulAdd(p3, u3, a);
  }
  const lim = k(D_6_25);
  if (!i64x2.all_true(v128.and(v128.and(f64x2.lt(k(W_SCRATCH), lim), f64x2.lt(k(W_SCRATCH + 16), lim)),
    v128.and(f64x2.lt(k(W_SCRATCH + 32), lim), f64x2.lt(k(W_SCRATCH + 48), lim))))) {
    p0 = withTail(p0, k(W_SCRATCH)); p1 = withTail(p1, k(W_SCRATCH + 16));
    p2 = withTail(p2, k(W_SCRATCH + 32)); p3 = withTail(p3, k(W_SCRATCH + 48));
  }
  const s = k(SQRT2), one = k(D1), two = k(D2);
  v128.store(out, f64x2.mul(s, f64x2.mul(p0, f64x2.sub(one, f64x2.mul(two, k(qp))))));
  v128.store(out, f64x2.mul(s, f64x2.mul(p1, f64x2.sub(one, f64x2.mul(two, k(qp + 16))))), 16);
  v128.store(out, f64x2.mul(s, f64x2.mul(p2, f64x2.sub(one, f64x2.mul(two, k(qp + 32))))), 32);
  v128.store(out, f64x2.mul(s, f64x2.mul(p3, f64x2.sub(one, f64x2.mul(two, k(qp + 48))))), 48);
}
