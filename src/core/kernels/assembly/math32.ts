/**
 * float32x4 versions of src/core/math/f32.ts. Every line performs the same IEEE float32 operation, on
 * the same operands, in the same order as the scalar code (which rounds each step with Math.fround),
 * so results are bit-identical. No fused multiply-add and no relaxed-simd: those would change bits.
 * Branches become "compute both, select by lane mask"; a rarely taken branch is computed only when
 * some lane needs it (the selected lanes are the same either way).
 */

// @ts-ignore: decorator
@inline const ONE: f32 = 1;
// @ts-ignore: decorator
@inline const SQRTHF: f32 = 0.707106781186547524;
// @ts-ignore: decorator
@inline const SQRT2_F32: f32 = 1.4142135623730951;
// @ts-ignore: decorator
@inline const LOGF_C1: f32 = -2.12194440e-4;
// @ts-ignore: decorator
@inline const LOGF_C2: f32 = 0.693359375;

/** p * x + c with two roundings (NOT a fused multiply-add: the scalar reference rounds the product). */
// @ts-ignore: decorator
@inline export function mulAdd(p: v128, x: v128, c: f32): v128 {
  return f32x4.add(f32x4.mul(p, x), f32x4.splat(c));
}

/** Cephes logf for positive normal lanes (and the same garbage-in/garbage-out as the scalar code for 0). */
// @ts-ignore: decorator
@inline export function logf(x: v128): v128 {
  let e = i32x4.sub(v128.and(i32x4.shr_u(x, 23), i32x4.splat(0xff)), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x7fffff)), i32x4.splat(0x3f000000)); // mantissa in [0.5, 1)
  const small = f32x4.lt(m, f32x4.splat(SQRTHF));
  e = i32x4.add(e, small); // mask lanes are -1: e -= 1 where m < sqrt(1/2)
  const one = f32x4.splat(ONE);
  m = v128.bitselect(f32x4.sub(f32x4.add(m, m), one), f32x4.sub(m, one), small);
  const z = f32x4.mul(m, m);
  let y = f32x4.splat(7.0376836292e-2);
  y = mulAdd(y, m, -1.1514610310e-1);
  y = mulAdd(y, m, 1.1676998740e-1);
  y = mulAdd(y, m, -1.2420140846e-1);
  y = mulAdd(y, m, 1.4249322787e-1);
  y = mulAdd(y, m, -1.6668057665e-1);
  y = mulAdd(y, m, 2.0000714765e-1);
  y = mulAdd(y, m, -2.4999993993e-1);
  y = mulAdd(y, m, 3.3333331174e-1);
  y = f32x4.mul(f32x4.mul(y, m), z);
  const fe = f32x4.convert_i32x4_s(e);
  y = f32x4.add(y, f32x4.mul(f32x4.splat(LOGF_C1), fe));
  y = f32x4.sub(y, f32x4.mul(f32x4.splat(0.5), z));
  const r = f32x4.add(m, y);
  return f32x4.add(r, f32x4.mul(f32x4.splat(LOGF_C2), fe));
}

/**
 * Upper-tail standard normal quantile for q in (0, 0.5] (Giles' float32 erfinv):
 *   w = -log(4q(1-q)); p = central(w - 2.5) if w < 5, tail(sqrt(w) - 3) if w < 16, else
 *   deepTail(sqrt(w) - 5);  z = sqrt2 * (p * (1 - 2q)).
 * The tail branches (about 0.3% of normal draws) are evaluated only when a lane needs them.
 */
// @ts-ignore: decorator
@inline export function normalTailQuantile(q: v128): v128 {
  const one = f32x4.splat(ONE);
  const t = f32x4.mul(f32x4.mul(f32x4.splat(4), q), f32x4.sub(one, q));
  const w = f32x4.neg(logf(t));
  const central = f32x4.lt(w, f32x4.splat(5));
  const wc = f32x4.sub(w, f32x4.splat(2.5));
  let p = f32x4.splat(2.81022636e-08);
  p = mulAdd(p, wc, 3.43273939e-07);
  p = mulAdd(p, wc, -3.5233877e-06);
  p = mulAdd(p, wc, -4.39150654e-06);
  p = mulAdd(p, wc, 0.00021858087);
  p = mulAdd(p, wc, -0.00125372503);
  p = mulAdd(p, wc, -0.00417768164);
  p = mulAdd(p, wc, 0.246640727);
  p = mulAdd(p, wc, 1.50140941);
  if (!i32x4.all_true(central)) {
    const wt = f32x4.sub(f32x4.sqrt(w), f32x4.splat(3));
    let pt = f32x4.splat(-0.000200214257);
    pt = mulAdd(pt, wt, 0.000100950558);
    pt = mulAdd(pt, wt, 0.00134934322);
    pt = mulAdd(pt, wt, -0.00367342844);
    pt = mulAdd(pt, wt, 0.00573950773);
    pt = mulAdd(pt, wt, -0.0076224613);
    pt = mulAdd(pt, wt, 0.00943887047);
    pt = mulAdd(pt, wt, 1.00167406);
    pt = mulAdd(pt, wt, 2.83297682);
    const notDeep = f32x4.lt(w, f32x4.splat(16));
    if (!i32x4.all_true(notDeep)) { // q < ~2.8e-8: Giles' float64 far-tail coefficients rounded to float32
      const wd = f32x4.sub(f32x4.sqrt(w), f32x4.splat(5));
      let pd = f32x4.splat(-2.7109920616438573243e-11);
      pd = mulAdd(pd, wd, -2.5556418169965252055e-10);
      pd = mulAdd(pd, wd, 1.5076572693500548083e-09);
      pd = mulAdd(pd, wd, -3.7894654401267369937e-09);
      pd = mulAdd(pd, wd, 7.6157012080783393804e-09);
      pd = mulAdd(pd, wd, -1.4960026627149240478e-08);
      pd = mulAdd(pd, wd, 2.9147953450901080826e-08);
      pd = mulAdd(pd, wd, -6.7711997758452339498e-08);
      pd = mulAdd(pd, wd, 2.2900482228026654717e-07);
      pd = mulAdd(pd, wd, -9.9298272942317002539e-07);
      pd = mulAdd(pd, wd, 4.5260625972231537039e-06);
      pd = mulAdd(pd, wd, -1.9681778105531670567e-05);
      pd = mulAdd(pd, wd, 7.5995277030017761139e-05);
      pd = mulAdd(pd, wd, -0.00021503011930044477347);
      pd = mulAdd(pd, wd, -0.00013871931833623122026);
      pd = mulAdd(pd, wd, 1.0103004648645343977);
      pd = mulAdd(pd, wd, 4.8499064014085844221);
      pt = v128.bitselect(pt, pd, notDeep);
    }
    p = v128.bitselect(p, pt, central);
  }
  const x = f32x4.sub(one, f32x4.mul(f32x4.splat(2), q));
  return f32x4.mul(f32x4.splat(SQRT2_F32), f32x4.mul(p, x));
}
