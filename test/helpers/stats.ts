/**
 * Statistical helpers for tests, written independently of src/ (no imports from it), so that checks
 * against them are real checks:
 * - normalCdf / normalSf: W. J. Cody's rational Chebyshev erfc (Math. Comp. 1969; netlib specfun CALERF),
 *   relative error ~1e-15; itself verified against normalCdfExact (BigInt fixed-point series) in
 *   test/core/stats-helpers.test.ts.
 * - normalQuantile: Newton on Cody's erfc (so not the Giles polynomial under test).
 * - Kolmogorov-Smirnov statistic and asymptotic p-value (Stephens' small-sample correction).
 * - chi-square p-value through the regularized upper incomplete gamma function.
 * - exact binomial tail probabilities (recursive pmf) for rare-event counts.
 * - moments of a sample (two-pass, float64).
 */

// ---------- normal distribution (Cody erfc) ----------

const A = [3.16112374387056560e0, 1.13864154151050156e2, 3.77485237685302021e2, 3.20937758913846947e3, 1.85777706184603153e-1];
const B = [2.36012909523441209e1, 2.44024637934444173e2, 1.28261652607737228e3, 2.84423683343917062e3];
const C = [5.64188496988670089e-1, 8.88314979438837594e0, 6.61191906371416295e1, 2.98635138197400131e2,
  8.81952221241769090e2, 1.71204761263407058e3, 2.05107837782607147e3, 1.23033935479799725e3, 2.15311535474403846e-8];
const D = [1.57449261107098347e1, 1.17693950891312499e2, 5.37181101862009858e2, 1.62138957456669019e3,
  3.29079923573345963e3, 4.36261909014324716e3, 3.43936767414372164e3, 1.23033935480374942e3];
const P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2,
  6.58749161529837803e-4, 1.63153871373020978e-2];
const Q = [2.56852019228982242e0, 1.87295284992346047e0, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];
const SQRPI = 5.6418958354775628695e-1;

/** exp(-y*y) with the argument split as in CALERF (keeps relative accuracy for large y). */
function expNegSq(y: number): number {
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del);
}

/** erfc(x) for any real x (Cody's CALERF, jint = 1). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  let r: number;
  if (y <= 0.46875) {
    const ysq = y > 1.11e-16 ? y * y : 0;
    let num = A[4]! * ysq, den = ysq;
    for (let i = 0; i < 3; i++) { num = (num + A[i]!) * ysq; den = (den + B[i]!) * ysq; }
    return 1 - x * (num + A[3]!) / (den + B[3]!);
  } else if (y <= 4) {
    let num = C[8]! * y, den = y;
    for (let i = 0; i < 7; i++) { num = (num + C[i]!) * y; den = (den + D[i]!) * y; }
    r = expNegSq(y) * (num + C[7]!) / (den + D[7]!);
  } else if (y >= 26.543) {
    r = 0;
  } else {
    const ysq = 1 / (y * y);
    let num = P[5]! * ysq, den = ysq;
    for (let i = 0; i < 4; i++) { num = (num + P[i]!) * ysq; den = (den + Q[i]!) * ysq; }
    r = ysq * (num + P[4]!) / (den + Q[4]!);
    r = expNegSq(y) * (SQRPI - r) / y;
  }
  return x < 0 ? 2 - r : r;
}

/** Standard normal CDF Phi(x) (relative accuracy in the lower tail). */
export function normalCdf(x: number): number { return 0.5 * erfc(-x / Math.SQRT2); }
/** Upper tail 1 - Phi(x) (relative accuracy in the upper tail). */
export function normalSf(x: number): number { return 0.5 * erfc(x / Math.SQRT2); }
export function normalPdf(x: number): number { return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI); }

/** z with normalSf(z) = q, for q in (0, 1), by bisection then Newton on Cody's erfc (float64, ~1e-15). */
export function normalQuantileUpper(q: number): number {
  if (!(q > 0 && q < 1)) throw new RangeError(`q must be in (0, 1): ${q}`);
  if (q > 0.5) return -normalQuantileUpper(1 - q);
  let lo = 0, hi = 40;
  for (let i = 0; i < 60; i++) { const m = (lo + hi) / 2; if (normalSf(m) > q) lo = m; else hi = m; }
  let z = (lo + hi) / 2;
  for (let i = 0; i < 4; i++) {
    const step = (normalSf(z) - q) / normalPdf(z); // Newton on log would be better deep in the tail; bisection got us close
    if (!Number.isFinite(step)) break;
    z += step;
  }
  return z;
}

/** Truncated standard-normal CDF on [alpha, beta], computed on the side that keeps precision. */
export function truncNormalCdf(x: number, alpha: number, beta: number): number {
  if (x <= alpha) return 0;
  if (x >= beta) return 1;
  if (alpha + beta > 0) { // interval mostly in the upper half: use upper tails
    const sa = normalSf(alpha), sb = normalSf(beta);
    return (sa - normalSf(x)) / (sa - sb);
  }
  const ca = normalCdf(alpha), cb = normalCdf(beta);
  return (normalCdf(x) - ca) / (cb - ca);
}

/** Mean and standard deviation of N(mean, std^2) truncated to [a, b] (absolute bounds). */
export function truncNormalMoments(mean: number, std: number, a: number, b: number): { mean: number; std: number } {
  const al = (a - mean) / std, be = (b - mean) / std;
  const Z = al + be > 0 ? normalSf(al) - normalSf(be) : normalCdf(be) - normalCdf(al);
  const pa = normalPdf(al), pb = normalPdf(be);
  const m = (pa - pb) / Z;
  const v = 1 + (al * pa - be * pb) / Z - m * m;
  return { mean: mean + std * m, std: std * Math.sqrt(v) };
}

// ---------- exact normal CDF in BigInt fixed point (reference for the reference) ----------

const PREC = 640n; // bits after the binary point
const ONE = 1n << PREC;

function atanInv(n: bigint): bigint { // atan(1/n) in fixed point
  let sum = 0n, term = ONE / n, k = 0n;
  const n2 = n * n;
  while (term !== 0n) { sum += (k % 2n === 0n ? 1n : -1n) * term / (2n * k + 1n); term /= n2; k++; }
  return sum;
}
function isqrt(v: bigint): bigint { // floor(sqrt(v))
  if (v < 2n) return v;
  let x = 1n << (BigInt(v.toString(2).length) / 2n + 1n); // > sqrt(v): Newton decreases monotonically
  for (;;) { const y = (x + v / x) >> 1n; if (y >= x) return x; x = y; }
}
let invSqrt2Pi: bigint | undefined;

/**
 * Phi(x) for a dyadic x = num / 2^shift, |x| <= 12, from the alternating Taylor series
 * Phi(x) = 1/2 + (1/sqrt(2 pi)) sum_n (-1)^n x^(2n+1) / (2^n n! (2n+1)) in 640-bit fixed point
 * (the series' cancellation costs < 110 bits at |x| = 12). Returns the float64 nearest value.
 */
export function normalCdfExact(x: number): number {
  if (Math.abs(x) > 12) throw new RangeError('normalCdfExact: |x| <= 12');
  let shift = 0n;
  let v = x;
  while (!Number.isInteger(v)) { v *= 2; shift++; if (shift > 60n) throw new RangeError('x must be dyadic'); }
  if (invSqrt2Pi === undefined) {
    const pi = 4n * (4n * atanInv(5n) - atanInv(239n));
    invSqrt2Pi = (ONE * ONE) / isqrt(2n * pi * ONE);
  }
  const xf = (BigInt(v) << PREC) >> shift; // exact: shift <= 60 < PREC
  const x2 = (xf * xf) >> PREC;
  let term = xf; // x^(2n+1) / (2^n n!)
  let sum = 0n;
  for (let n = 0n; ; n++) {
    const t = term / (2n * n + 1n);
    if (t === 0n) break;
    sum += n % 2n === 0n ? t : -t;
    term = (term * x2 >> PREC) / (2n * (n + 1n));
  }
  const phiMinusHalf = (sum * invSqrt2Pi) >> PREC;
  const r = (ONE >> 1n) + phiMinusHalf;
  // to float64: take the top 64 significant bits
  const bits = BigInt(r.toString(2).length);
  const drop = bits > 64n ? bits - 64n : 0n;
  return Number(r >> drop) * 2 ** Number(drop - PREC);
}

// ---------- Kolmogorov-Smirnov ----------

/** Sorts a copy (Float64Array) of the samples. */
export function sorted(xs: ArrayLike<number>): Float64Array {
  const s = Float64Array.from(xs as ArrayLike<number>);
  s.sort();
  return s;
}

/** One-sample KS statistic D = sup |F_n(x) - F(x)| of sorted samples against a continuous CDF. */
export function ksStatistic(sortedXs: Float64Array, cdf: (x: number) => number): number {
  const n = sortedXs.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sortedXs[i]!);
    // ties (discrete samples): use the last index of a run for the upper step
    let j = i;
    while (j + 1 < n && sortedXs[j + 1] === sortedXs[i]) j++;
    d = Math.max(d, (j + 1) / n - f, f - i / n);
    i = j;
  }
  return d;
}

/** Asymptotic Kolmogorov p-value P(D_n >= d) with Stephens' correction lambda = (sqrt n + 0.12 + 0.11/sqrt n) d. */
export function ksPValue(d: number, n: number): number {
  const sn = Math.sqrt(n);
  const lambda = (sn + 0.12 + 0.11 / sn) * d;
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = 2 * (k % 2 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-17) break;
  }
  return Math.min(1, Math.max(0, sum));
}

export interface KsResult { d: number; p: number; n: number }
export function ksTest(xs: ArrayLike<number>, cdf: (x: number) => number): KsResult {
  const s = sorted(xs);
  const d = ksStatistic(s, cdf);
  return { d, p: ksPValue(d, s.length), n: s.length };
}

// ---------- gamma / chi-square ----------

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log Gamma(x), x > 0 (Lanczos g = 7). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = LANCZOS[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularized upper incomplete gamma Q(s, x) (series for x < s+1, Lentz continued fraction otherwise). */
export function gammaQ(s: number, x: number): number {
  if (x <= 0) return 1;
  const lead = s * Math.log(x) - x - logGamma(s);
  if (x < s + 1) {
    let sum = 1 / s, term = sum;
    for (let n = 1; n < 10000; n++) { term *= x / (s + n); sum += term; if (term < sum * 1e-17) break; }
    return 1 - Math.exp(lead) * sum;
  }
  const tiny = 1e-300;
  let b = x + 1 - s, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - s);
    b += 2;
    d = an * d + b; if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return Math.exp(lead) * h;
}

/** P(chi2_df >= stat). */
export function chiSquarePValue(stat: number, df: number): number { return gammaQ(df / 2, stat / 2); }

/** Pearson chi-square of observed counts against expected counts. */
export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>): { stat: number; df: number; p: number } {
  let stat = 0;
  for (let i = 0; i < observed.length; i++) { const e = expected[i]!; stat += (observed[i]! - e) ** 2 / e; }
  const df = observed.length - 1;
  return { stat, df, p: chiSquarePValue(stat, df) };
}

// ---------- binomial ----------

/**
 * Two-sided (doubling) binomial p-value for k successes in n trials with probability p: exact
 * (recursive pmf) when n p (1-p) <= 1000, else the normal approximation with continuity correction.
 */
export function binomialTwoSidedP(k: number, n: number, p: number): number {
  const variance = n * p * (1 - p);
  if (variance > 1000) {
    const z = Math.max(0, Math.abs(k - n * p) - 0.5) / Math.sqrt(variance);
    return Math.min(1, 2 * normalSf(z));
  }
  // pmf recursively from pmf(0) = (1-p)^n
  const pmf = (j: number): number => {
    let v = Math.exp(n * Math.log1p(-p));
    for (let i = 0; i < j; i++) v *= ((n - i) / (i + 1)) * (p / (1 - p));
    return v;
  };
  let lower = 0; // P(X <= k)
  let v = Math.exp(n * Math.log1p(-p));
  for (let j = 0; j <= k; j++) { lower += v; v *= ((n - j) / (j + 1)) * (p / (1 - p)); }
  const upper = 1 - lower + pmf(k); // P(X >= k)
  return Math.min(1, 2 * Math.min(lower, upper));
}

// ---------- moments ----------

export interface Moments { n: number; mean: number; std: number; skew: number; kurt: number; min: number; max: number }

/** Two-pass sample moments in float64 (std with n-1; kurt = m4/m2^2, 3 for a normal). */
export function moments(xs: ArrayLike<number>): Moments {
  const n = xs.length;
  let s = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) { const x = xs[i]!; s += x; if (x < min) min = x; if (x > max) max = x; }
  const mean = s / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) { const d = xs[i]! - mean, d2 = d * d; m2 += d2; m3 += d2 * d; m4 += d2 * d2; }
  const std = Math.sqrt(m2 / (n - 1));
  m2 /= n; m3 /= n; m4 /= n;
  return { n, mean, std, skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2), min, max };
}

/**
 * Tolerances at `z` standard errors for a sample of n from a distribution with the given std and
 * kurtosis: |mean - mu| <= z sigma / sqrt n; |s - sigma| <= z sigma sqrt((kurt - 1) / (4 n)) (delta method).
 */
export function meanTolerance(sigma: number, n: number, z = 5): number { return z * sigma / Math.sqrt(n); }
export function stdTolerance(sigma: number, n: number, kurt: number, z = 5): number { return z * sigma * Math.sqrt((kurt - 1) / (4 * n)); }

/** Formats a p-value for test messages. */
export function fmtP(p: number): string { return p < 1e-4 ? p.toExponential(2) : p.toFixed(4); }
