/**
 * float64 elementary functions from +, -, *, /, sqrt and bit operations only (no Math.log/exp, whose
 * results may differ between engines): fdlibm log and exp, Giles' float64 erfinv, and the normal CDF.
 */
const buf = new DataView(new ArrayBuffer(8));
function hiWord(x: number): number { buf.setFloat64(0, x, true); return buf.getUint32(4, true); }
function withHi(x: number, hi: number): number { buf.setFloat64(0, x, true); buf.setUint32(4, hi >>> 0, true); return buf.getFloat64(0, true); }
function pow2(n: number): number { buf.setUint32(0, 0, true); buf.setUint32(4, ((n + 1023) << 20) >>> 0, true); return buf.getFloat64(0, true); }

const LN2_HI = 6.93147180369123816490e-01, LN2_LO = 1.90821492927058770002e-10;
const Lg1 = 6.666666666666735130e-01, Lg2 = 3.999999999940941908e-01, Lg3 = 2.857142874366239149e-01,
  Lg4 = 2.222219843214978396e-01, Lg5 = 1.818357216161805012e-01, Lg6 = 1.531383769920937332e-01, Lg7 = 1.479819860511658591e-01;

/** Natural log of a positive normal float64 (fdlibm __ieee754_log, without the special cases). */
export function log64(x: number): number {
  let hx = hiWord(x);
  let k = (hx >>> 20) - 1023;
  hx &= 0x000fffff;
  const i = (hx + 0x95f64) & 0x100000;
  x = withHi(x, hx | (i ^ 0x3ff00000)); // normalize x to [sqrt(2)/2, sqrt(2))
  k += i >>> 20;
  const fm = x - 1.0;
  const s = fm / (2.0 + fm);
  const z = s * s, w = z * z;
  const t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
  const t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
  const R = t2 + t1;
  const hfsq = 0.5 * fm * fm;
  return k * LN2_HI - ((hfsq - (s * (hfsq + R) + k * LN2_LO)) - fm);
}

const P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03, P3 = 6.61375632143793436117e-05,
  P4 = -1.65339022054652515390e-06, P5 = 4.13813679705723846039e-08, INV_LN2 = 1.44269504088896338700e+00;

/** exp for float64 (fdlibm __ieee754_exp reduction and polynomial), underflows to 0 below -745. */
export function exp64(x: number): number {
  if (x > 709.78) return Infinity;
  if (x < -745) return 0;
  const k = Math.floor(x * INV_LN2 + 0.5);
  const hi = x - k * LN2_HI, lo = k * LN2_LO;
  const r = hi - lo;
  const t = r * r;
  const c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
  const y = 1 - ((lo - (r * c) / (2 - c)) - hi);
  if (k < -1021) return y * pow2(k + 1000) * pow2(-1000);
  if (k > 1023) return y * 2 * pow2(k - 1);
  return y * pow2(k);
}

const G1 = [-3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18, 1.115787767802518096e-17,
  -1.333171662854620906e-16, 2.0972767875968561637e-17, 6.6376381343583238325e-15, -4.0545662729752068639e-14,
  -8.1519341976054721522e-14, 2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
  1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08, 4.2347877827932403518e-07,
  -1.3654692000834678645e-06, -1.3882523362786468719e-05, 0.0001867342080340571352, -0.00074070253416626697512,
  -0.0060336708714301490533, 0.24015818242558961693, 1.6536545626831027356];
const G2 = [2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07, 1.8239629214389227755e-08,
  1.5027403968909827627e-06, -4.013867526981545969e-06, 2.9234449089955446044e-06, 1.2475304481671778723e-05,
  -4.7318229009055733981e-05, 6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
  0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066, -0.0037512085075692412107,
  0.005370914553590063617, 1.0052589676941592334, 3.0838856104922207635];
const G3 = [-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09, -3.7894654401267369937e-09,
  7.6157012080783393804e-09, -1.4960026627149240478e-08, 2.9147953450901080826e-08, -6.7711997758452339498e-08,
  2.2900482228026654717e-07, -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
  7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026, 1.0103004648645343977,
  4.8499064014085844221];

function horner(c: number[], x: number): number {
  let p = c[0]!;
  for (let i = 1; i < c.length; i++) p = p * x + c[i]!;
  return p;
}

/** Upper-tail standard normal quantile for q in (0, 0.5] in float64 (Giles' float64 erfinv). */
export function normalTailQuantile64(q: number): number {
  const w = -log64((4 * q) * (1 - q));
  let p: number;
  if (w < 6.25) p = horner(G1, w - 3.125);
  else if (w < 16) p = horner(G2, Math.sqrt(w) - 3.25);
  else p = horner(G3, Math.sqrt(w) - 5);
  return Math.SQRT2 * (p * (1 - 2 * q));
}

const INV_SQRT_2PI = 0.3989422804014327;

/**
 * Standard normal CDF Phi(x) in float64, accurate in both tails (relative error ~1e-15 in the lower tail):
 * - x <= -3: continued fraction for the Mills ratio, 80 terms evaluated backwards;
 * - -3 < x < 3: Taylor series Phi(x) = 1/2 + phi(x) * sum x^(2n+1)/(2n+1)!!, summed until it stops changing;
 * - x >= 3: 1 - Phi(-x).
 */
export function normalCdf64(x: number): number {
  if (x === -Infinity) return 0;
  if (x === Infinity) return 1;
  if (x >= 3) return 1 - normalCdf64(-x);
  const phi = INV_SQRT_2PI * exp64(-0.5 * x * x);
  if (x <= -3) {
    const t = -x;
    let cf = t;
    for (let n = 80; n >= 1; n--) cf = t + n / cf;
    return phi / cf;
  }
  let term = x, sum = x;
  const x2 = x * x;
  for (let n = 1; n < 200; n++) {
    term = term * x2 / (2 * n + 1);
    const next = sum + term;
    if (next === sum) break;
    sum = next;
  }
  return 0.5 + phi * sum;
}

/** Standard normal from two uint32 words (hi, lo): sign = bit 31 of hi, k = 52 low bits, q = (2k+1) * 2^-54. */
export function normalFromWords64(hi: number, lo: number): number {
  const k = (hi & 0xfffff) * 4294967296 + (lo >>> 0);
  const q = (2 * k + 1) * 5.551115123125783e-17;
  const z = normalTailQuantile64(q);
  return hi >>> 31 ? -z : z;
}

/** uniform [0,1) with 53-bit resolution: ((hi >>> 11) * 2^32 + lo) * 2^-53 (exact). */
export function unitFromWords64(hi: number, lo: number): number {
  return ((hi >>> 11) * 4294967296 + (lo >>> 0)) * 1.1102230246251565e-16;
}
