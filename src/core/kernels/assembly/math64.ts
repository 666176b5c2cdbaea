/**
 * float64x2 versions of src/core/math/f64.ts (fdlibm log, Giles' float64 erfinv), same operations in
 * the same order as the scalar code, so bit-identical. Word manipulation of the scalar code (high
 * word of a double) becomes 64-bit lane shifts and masks.
 */

// @ts-ignore: decorator
@inline const LN2_HI: f64 = 6.93147180369123816490e-01;
// @ts-ignore: decorator
@inline const LN2_LO: f64 = 1.90821492927058770002e-10;

/** p * x + c, two roundings (no FMA, like the scalar Horner loop). */
// @ts-ignore: decorator
@inline function mulAdd(p: v128, x: v128, c: f64): v128 {
  return f64x2.add(f64x2.mul(p, x), f64x2.splat(c));
}

/** fdlibm log of positive normal lanes (without special cases), as log64 in math/f64.ts. */
// @ts-ignore: decorator
@inline export function log64(x: v128): v128 {
  let hx = i64x2.shr_u(x, 32);                                    // high word, zero-extended
  let k = i64x2.sub(i64x2.shr_u(hx, 20), i64x2.splat(1023));
  hx = v128.and(hx, i64x2.splat(0x000fffff));
  const i = v128.and(i64x2.add(hx, i64x2.splat(0x95f64)), i64x2.splat(0x100000));
  const newHi = v128.or(hx, v128.xor(i, i64x2.splat(0x3ff00000)));
  const xr = v128.or(v128.and(x, i64x2.splat(0xffffffff)), i64x2.shl(newHi, 32)); // in [sqrt(2)/2, sqrt(2))
  k = i64x2.add(k, i64x2.shr_u(i, 20));
  // k is small: its low 32-bit words (lanes 0 and 2) convert exactly.
  const kf = f64x2.convert_low_i32x4_s(i32x4.shuffle(k, k, 0, 2, 0, 2));
  const fm = f64x2.sub(xr, f64x2.splat(1.0));
  const s = f64x2.div(fm, f64x2.add(f64x2.splat(2.0), fm));
  const z = f64x2.mul(s, s), w = f64x2.mul(z, z);
  // t1 = w * (Lg2 + w * (Lg4 + w * Lg6))
  let t1 = f64x2.mul(w, f64x2.splat(1.531383769920937332e-01));
  t1 = f64x2.mul(w, f64x2.add(f64x2.splat(2.222219843214978396e-01), t1));
  t1 = f64x2.mul(w, f64x2.add(f64x2.splat(3.999999999940941908e-01), t1));
  // t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)))
  let t2 = f64x2.mul(w, f64x2.splat(1.479819860511658591e-01));
  t2 = f64x2.mul(w, f64x2.add(f64x2.splat(1.818357216161805012e-01), t2));
  t2 = f64x2.mul(w, f64x2.add(f64x2.splat(2.857142874366239149e-01), t2));
  t2 = f64x2.mul(z, f64x2.add(f64x2.splat(6.666666666666735130e-01), t2));
  const R = f64x2.add(t2, t1);
  const hfsq = f64x2.mul(f64x2.mul(f64x2.splat(0.5), fm), fm);
  // k * LN2_HI - ((hfsq - (s * (hfsq + R) + k * LN2_LO)) - fm)
  const inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), f64x2.mul(kf, f64x2.splat(LN2_LO)));
  return f64x2.sub(f64x2.mul(kf, f64x2.splat(LN2_HI)), f64x2.sub(f64x2.sub(hfsq, inner), fm));
}

/** Giles' central polynomial (w < 6.25), evaluated at w - 3.125. */
// @ts-ignore: decorator
@inline function central(x: v128): v128 {
  let p = f64x2.splat(-3.6444120640178196996e-21);
  p = mulAdd(p, x, -1.685059138182016589e-19);
  p = mulAdd(p, x, 1.2858480715256400167e-18);
  p = mulAdd(p, x, 1.115787767802518096e-17);
  p = mulAdd(p, x, -1.333171662854620906e-16);
  p = mulAdd(p, x, 2.0972767875968561637e-17);
  p = mulAdd(p, x, 6.6376381343583238325e-15);
  p = mulAdd(p, x, -4.0545662729752068639e-14);
  p = mulAdd(p, x, -8.1519341976054721522e-14);
  p = mulAdd(p, x, 2.6335093153082322977e-12);
  p = mulAdd(p, x, -1.2975133253453532498e-11);
  p = mulAdd(p, x, -5.4154120542946279317e-11);
  p = mulAdd(p, x, 1.051212273321532285e-09);
  p = mulAdd(p, x, -4.1126339803469836976e-09);
  p = mulAdd(p, x, -2.9070369957882005086e-08);
  p = mulAdd(p, x, 4.2347877827932403518e-07);
  p = mulAdd(p, x, -1.3654692000834678645e-06);
  p = mulAdd(p, x, -1.3882523362786468719e-05);
  p = mulAdd(p, x, 0.0001867342080340571352);
  p = mulAdd(p, x, -0.00074070253416626697512);
  p = mulAdd(p, x, -0.0060336708714301490533);
  p = mulAdd(p, x, 0.24015818242558961693);
  return mulAdd(p, x, 1.6536545626831027356);
}

/** Giles' middle polynomial (6.25 <= w < 16), evaluated at sqrt(w) - 3.25. */
// @ts-ignore: decorator
@inline function middle(x: v128): v128 {
  let p = f64x2.splat(2.2137376921775787049e-09);
  p = mulAdd(p, x, 9.0756561938885390979e-08);
  p = mulAdd(p, x, -2.7517406297064545428e-07);
  p = mulAdd(p, x, 1.8239629214389227755e-08);
  p = mulAdd(p, x, 1.5027403968909827627e-06);
  p = mulAdd(p, x, -4.013867526981545969e-06);
  p = mulAdd(p, x, 2.9234449089955446044e-06);
  p = mulAdd(p, x, 1.2475304481671778723e-05);
  p = mulAdd(p, x, -4.7318229009055733981e-05);
  p = mulAdd(p, x, 6.8284851459573175448e-05);
  p = mulAdd(p, x, 2.4031110387097893999e-05);
  p = mulAdd(p, x, -0.0003550375203628474796);
  p = mulAdd(p, x, 0.00095328937973738049703);
  p = mulAdd(p, x, -0.0016882755560235047313);
  p = mulAdd(p, x, 0.0024914420961078508066);
  p = mulAdd(p, x, -0.0037512085075692412107);
  p = mulAdd(p, x, 0.005370914553590063617);
  p = mulAdd(p, x, 1.0052589676941592334);
  return mulAdd(p, x, 3.0838856104922207635);
}

/** Giles' far-tail polynomial (w >= 16), evaluated at sqrt(w) - 5. */
// @ts-ignore: decorator
@inline function far(x: v128): v128 {
  let p = f64x2.splat(-2.7109920616438573243e-11);
  p = mulAdd(p, x, -2.5556418169965252055e-10);
  p = mulAdd(p, x, 1.5076572693500548083e-09);
  p = mulAdd(p, x, -3.7894654401267369937e-09);
  p = mulAdd(p, x, 7.6157012080783393804e-09);
  p = mulAdd(p, x, -1.4960026627149240478e-08);
  p = mulAdd(p, x, 2.9147953450901080826e-08);
  p = mulAdd(p, x, -6.7711997758452339498e-08);
  p = mulAdd(p, x, 2.2900482228026654717e-07);
  p = mulAdd(p, x, -9.9298272942317002539e-07);
  p = mulAdd(p, x, 4.5260625972231537039e-06);
  p = mulAdd(p, x, -1.9681778105531670567e-05);
  p = mulAdd(p, x, 7.5995277030017761139e-05);
  p = mulAdd(p, x, -0.00021503011930044477347);
  p = mulAdd(p, x, -0.00013871931833623122026);
  p = mulAdd(p, x, 1.0103004648645343977);
  return mulAdd(p, x, 4.8499064014085844221);
}

/** Upper-tail standard normal quantile for q in (0, 0.5] in float64, as normalTailQuantile64. */
// @ts-ignore: decorator
@inline export function normalTailQuantile64(q: v128): v128 {
  const one = f64x2.splat(1);
  const w = f64x2.neg(log64(f64x2.mul(f64x2.mul(f64x2.splat(4), q), f64x2.sub(one, q))));
  const isCentral = f64x2.lt(w, f64x2.splat(6.25));
  let p = central(f64x2.sub(w, f64x2.splat(3.125)));
  if (!i64x2.all_true(isCentral)) { // ~0.1% of normal draws: both tail polynomials, selected per lane
    const r = f64x2.sqrt(w);
    const tail = v128.bitselect(middle(f64x2.sub(r, f64x2.splat(3.25))), far(f64x2.sub(r, f64x2.splat(5))),
      f64x2.lt(w, f64x2.splat(16)));
    p = v128.bitselect(p, tail, isCentral);
  }
  return f64x2.mul(f64x2.splat(1.4142135623730951), f64x2.mul(p, f64x2.sub(one, f64x2.mul(f64x2.splat(2), q))));
}
