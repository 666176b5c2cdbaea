/**
 * float32 elementary functions built from +, -, *, /, sqrt and bit operations only, every
 * intermediate rounded to float32 (Math.fround), no fused multiply-add. The WebAssembly SIMD
 * kernels perform exactly the same operations in the same order, so both paths give the same bits;
 * numpy float32 can reproduce them too (clients/python/reference.py).
 */
const f = Math.fround;
const buf = new DataView(new ArrayBuffer(4));
export function f32bits(x: number): number { buf.setFloat32(0, x, true); return buf.getUint32(0, true); }
export function bitsf32(b: number): number { buf.setUint32(0, b >>> 0, true); return buf.getFloat32(0, true); }

export const SQRTHF = f(0.707106781186547524);
export const SQRT2_F32 = f(Math.SQRT2);
// Cephes logf coefficients, highest degree first.
export const LOGF_P = [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1].map(f);
export const LOGF_C1 = f(-2.12194440e-4);
export const LOGF_C2 = f(0.693359375);

/** Natural log for positive normal float32 x (Cephes logf). Measured error in test/core/math.test.ts. */
export function logf(x: number): number {
  const bits = f32bits(x);
  let e = ((bits >>> 23) & 0xff) - 126;
  let m = bitsf32((bits & 0x7fffff) | 0x3f000000); // [0.5, 1)
  if (m < SQRTHF) { e -= 1; m = f(f(m + m) - 1); } else { m = f(m - 1); }
  const z = f(m * m);
  let y = LOGF_P[0]!;
  for (let i = 1; i < 9; i++) y = f(f(y * m) + LOGF_P[i]!);
  y = f(f(y * m) * z);
  const fe = f(e);
  y = f(y + f(LOGF_C1 * fe));
  y = f(y - f(0.5 * z));
  let r = f(m + y);
  r = f(r + f(LOGF_C2 * fe));
  return r;
}

// Cephes expf coefficients.
export const EXPF_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1].map(f);
export const LOG2EF = f(1.44269504088896341);

/** exp for float32 x, clamped to [-87.3, 88.7] (Cephes expf; 2^n applied through the exponent bits). */
export function expf(x: number): number {
  x = f(x);
  if (x > 88.72283905206835) return Infinity;
  if (x < -87.33654475055310898) return 0;
  const fx = Math.floor(f(f(LOG2EF * x) + 0.5));
  x = f(f(x - f(fx * LOGF_C2)) - f(fx * LOGF_C1));
  const z = f(x * x);
  let y = EXPF_P[0]!;
  for (let i = 1; i < 6; i++) y = f(f(y * x) + EXPF_P[i]!);
  y = f(f(f(y * z) + x) + 1);
  // 2^fx with fx in [-126, 128]: split so each factor is a normal float32.
  const h = fx >> 1;
  return f(f(y * bitsf32((h + 127) << 23)) * bitsf32((fx - h + 127) << 23));
}

// Giles (2010) float32 erfinv polynomials, highest degree first.
export const GILES_CENTRAL = [2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941].map(f);
export const GILES_TAIL = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682].map(f);

// Giles' float64 coefficients for w >= 16 (variable sqrt(w) - 5), rounded to float32. The float32
// tail polynomial above is fitted only up to w ~ 16 (q ~ 2.8e-8); extrapolated beyond, its error grows
// to thousands of ulp at q = 2^-33 and ~30% at q = 2^-60. With this third piece the quantile stays
// within 2 ulp down to q = 2^-62 (test/core/math.test.ts).
export const GILES_DEEP_TAIL = [-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
  -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08, 2.9147953450901080826e-08,
  -6.7711997758452339498e-08, 2.2900482228026654717e-07, -9.9298272942317002539e-07, 4.5260625972231537039e-06,
  -1.9681778105531670567e-05, 7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
  1.0103004648645343977, 4.8499064014085844221].map(f);

/**
 * Upper-tail standard normal quantile for q in (0, 0.5]: returns z >= 0 with P(Z > z) ~= q.
 *   x = 1 - 2q;  w = -log(4q * (1 - q))   [= -log((1-x)(1+x))];  z = sqrt2 * (P(w) * x)
 * P: w < 5: GILES_CENTRAL(w - 2.5); 5 <= w < 16: GILES_TAIL(sqrt(w) - 3); w >= 16: GILES_DEEP_TAIL(sqrt(w) - 5).
 */
export function normalTailQuantile(q: number): number {
  const t = f(f(4 * q) * f(1 - q));
  const w = -logf(t);
  let p: number;
  if (w < 5) {
    const ww = f(w - 2.5);
    p = GILES_CENTRAL[0]!;
    for (let i = 1; i < 9; i++) p = f(f(p * ww) + GILES_CENTRAL[i]!);
  } else if (w < 16) {
    const ww = f(f(Math.sqrt(w)) - 3);
    p = GILES_TAIL[0]!;
    for (let i = 1; i < 9; i++) p = f(f(p * ww) + GILES_TAIL[i]!);
  } else {
    const ww = f(f(Math.sqrt(w)) - 5);
    p = GILES_DEEP_TAIL[0]!;
    for (let i = 1; i < 17; i++) p = f(f(p * ww) + GILES_DEEP_TAIL[i]!);
  }
  const x = f(1 - f(2 * q));
  return f(SQRT2_F32 * f(p * x));
}

/**
 * Standard normal from one uint32 word: sign = bit 31, q = f32(2*(w & 0x7fffffff) + 1) * 2^-33, so
 * q is in [2^-33, 0.5] (0.5 exactly when the odd integer rounds up to 2^32; then z = 0). The factor
 * must be 2^-33, not 2^-32: with 2^-32, q reached 1.0 for 128 of the 2^32 words and logf(0) produced
 * values of +-619.8.
 */
export function normalFromWord(w: number): number {
  const q = f(f((w & 0x7fffffff) * 2 + 1) * 1.1641532182693481e-10);
  const z = normalTailQuantile(q);
  return w >>> 31 ? -z : z;
}

/** uniform [0,1) with 24-bit resolution: (w >>> 8) * 2^-24 (exact). */
export function unitFromWord(w: number): number {
  return (w >>> 8) * 5.9604644775390625e-8;
}

// ---- Box-Muller (float32 normal, algorithm version 2) ----

// Cephes sinf/cosf coefficients for |x| <= pi/4, highest degree first.
export const SINF_P = [-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1].map(f);
export const COSF_P = [2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2].map(f);
/** f32(pi/2) * 2^-24 (exact): one step of the 24-bit angle fraction, in radians. */
export const HALF_PI_STEP = f(Math.PI / 2) * 2 ** -24;

/**
 * Box-Muller radius sqrt(-2 log u) from one uint32 word, u = f32((2w + 1) * 2^-33) in [2^-33, 1]
 * (u = 1 when 2w + 1 rounds up to 2^33; then the radius is 0). Largest radius: sqrt(66 ln 2) = 6.76.
 */
export function radiusFromWord(w: number): number {
  const u = f(((w >>> 0) * 2 + 1) * 1.1641532182693481e-10);
  return f(Math.sqrt(f(2 * -logf(u))));
}

/**
 * sin and cos of the angle (q + t * 2^-24) * pi/2 of one uint32 word: q = w >>> 30 (quadrant),
 * t = bits 29..6 as a signed 24-bit integer, so the angle is uniform on 2^32 points of the circle
 * and the reduced argument x = t * f32(pi/2) * 2^-24 lies in [-pi/4, pi/4) with no range reduction.
 * Returns [sin, cos] through angleOut (no allocation on the hot path).
 */
export const angleOut = new Float64Array(2);
export function sinCosFromWord(w: number): void {
  const x = f(((w << 2) >> 8) * HALF_PI_STEP);
  const z = f(x * x);
  let ps = SINF_P[0]!;
  ps = f(f(ps * z) + SINF_P[1]!);
  ps = f(f(ps * z) + SINF_P[2]!);
  const s = f(f(f(ps * z) * x) + x);
  let pc = COSF_P[0]!;
  pc = f(f(pc * z) + COSF_P[1]!);
  pc = f(f(pc * z) + COSF_P[2]!);
  const c = f(f(f(f(pc * z) * z) - f(0.5 * z)) + 1);
  // sin(q pi/2 + x), cos(q pi/2 + x): q odd swaps sin and cos; sin < 0 for q in {2, 3}, cos < 0 for q in {1, 2}.
  const swap = (w >>> 30) & 1, sinNeg = w >>> 31, cosNeg = ((w >>> 31) ^ (w >>> 30)) & 1;
  const sv = swap ? c : s, cv = swap ? s : c;
  angleOut[0] = sinNeg ? -sv : sv;
  angleOut[1] = cosNeg ? -cv : cv;
}
