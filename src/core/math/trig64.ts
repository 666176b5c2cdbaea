/**
 * cos and sin of a rational number of turns, 2 pi p / q, in float64 from + - * / only (no Math.cos or
 * Math.sin, whose bits are the engine's), so the values are the same on every engine and machine.
 * The reduction is exact: m = p mod q and the quadrant come from integer arithmetic, leaving
 * y = (pi/2) * (r / q) with |y| <= pi/4 for the fdlibm kernels (__kernel_sin / __kernel_cos with a zero
 * tail, as in musl's __sin / __cos). Quarter turns are exact (cos(pi/2) = 0, not 6.1e-17).
 */

const PIO2 = 1.57079632679489655800e+00; // fl64(pi/2)
const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03, S3 = -1.98412698298579493134e-04,
  S4 = 2.75573137070700676789e-06, S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03, C3 = 2.48015872894767294178e-05,
  C4 = -2.75573143513906633035e-07, C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;

/** sin y for |y| <= pi/4 (fdlibm __kernel_sin, y tail 0). */
export function kernelSin(x: number): number {
  const z = x * x, v = z * x;
  const r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x + v * (S1 + z * r);
}

/** cos y for |y| <= pi/4 (fdlibm/musl __cos, y tail 0). */
export function kernelCos(x: number): number {
  const z = x * x, w = z * z;
  const r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const hz = 0.5 * z, one = 1 - hz;
  return one + (((1 - one) - hz) + z * r);
}

/** [cos, sin] of 2 pi p / q for integers p (any sign) and q > 0 with |p|, 8q < 2^53. */
export function cosSinTurns(p: number, q: number): [number, number] {
  const neg = p < 0;
  const m = Math.abs(p) % q;                        // exact
  // Nearest quadrant k of 4m/q, r = 4m - k q in [-q/2, q/2]: angle = (k + r/q) pi/2.
  const k = Math.floor((8 * m + q) / (2 * q));      // exact: both sides integers < 2^53, the quotient is
  const r = 4 * m - k * q;                          // at least 1/(2q) away from the next integer
  const y = PIO2 * (r / q);
  const s = kernelSin(y), c = kernelCos(y);
  let cv: number, sv: number;
  switch (k & 3) {
    case 0: cv = c; sv = s; break;
    case 1: cv = -s; sv = c; break;
    case 2: cv = -c; sv = -s; break;
    default: cv = s; sv = -c; break;
  }
  // +0 for exact zeros (-0 from the negations above carries no meaning here).
  return [cv + 0, (neg ? -sv : sv) + 0];
}
