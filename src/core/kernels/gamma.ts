/**
 * Gamma(alpha, 1) sampling for dirichlet (and any scheme that needs it), element by element, by
 * Marsaglia-Tsang rejection (ACM TOMS 26(3), 2000) on per-element substreams. Normative definition:
 *
 *   Element i (flat index in the full tensor) owns the Philox blocks
 *     attempt d = 0, 1, ..., 63 :  ctr = (lo32(i), hi32(i), d, STREAM.gamma)
 *     boost                      :  ctr = (lo32(i), hi32(i), 0xFFFFFFFF, STREAM.gamma)
 *   so a value never depends on how many attempts other elements needed (slices and chunks agree).
 *
 *   a = alpha >= 1 ? alpha : alpha + 1;  dd = a - 1/3;  c = 1 / sqrt(9 dd)
 *   attempt d, block words (w0, w1, w2, w3):
 *     float32: x = normalFromWord(w0)          (math/f32.ts),  u = ((w1 >>> 8) + 0.5) * 2^-24
 *     float64: x = normalFromWords64(w0, w1)   (math/f64.ts),  u = ((w2 >>> 11) * 2^32 + w3 + 0.5) * 2^-53
 *     v = 1 + c x; if v <= 0: next attempt; v = v^3 (as (v * v) * v)
 *     accept if u < 1 - 0.0331 x^4 (x^4 as (x*x)*(x*x)), or if log(u) < 0.5 x^2 + dd (1 - v + log v)
 *     accepted: log G = log(dd) + log(v)
 *   after 64 rejected attempts (probability < 0.05^64): log G = log(dd)  (the mode, deterministic)
 *   alpha < 1 (boost, Marsaglia-Tsang section 6): log G += log(U) / alpha with U from the boost block
 *     (float32: word 0 as ((w >>> 8) + 0.5) * 2^-24; float64: words (2, 3) as above).
 *
 * The sampler returns log G, so Dirichlet with tiny alpha (G underflowing to 0) can still normalize
 * (softmax with max subtraction). float32 does every operation in float32 (Math.fround) with logf/expf
 * of math/f32.ts; float64 uses log64/exp64 of math/f64.ts: no engine-dependent Math.log/exp.
 */
import { philox4x32 } from '../rng/philox.ts';
import { STREAM, type Key } from '../rng/keys.ts';
import { expf, logf, normalFromWord } from '../math/f32.ts';
import { exp64, log64, normalFromWords64 } from '../math/f64.ts';

const f = Math.fround;
const TWO32 = 4294967296;
export const GAMMA_MAX_ATTEMPTS = 64;
const BOOST = 0xffffffff;
const U24 = 5.9604644775390625e-8, U53 = 1.1102230246251565e-16;

export interface GammaConsts { alpha: number; dd: number; c: number; logdd: number; boost: boolean }

export function gammaConsts(alpha: number, precision: 'f32' | 'f64'): GammaConsts {
  if (!(alpha > 0) || !Number.isFinite(alpha)) throw new RangeError('gamma alpha must be finite and > 0');
  const boost = alpha < 1;
  if (precision === 'f32') {
    const a = f(boost ? f(alpha + 1) : alpha);
    const dd = f(a - f(1 / 3));
    return { alpha: f(alpha), dd, c: f(1 / f(Math.sqrt(f(9 * dd)))), logdd: logf(dd), boost };
  }
  const a = boost ? alpha + 1 : alpha;
  const dd = a - 1 / 3;
  return { alpha, dd, c: 1 / Math.sqrt(9 * dd), logdd: log64(dd), boost };
}

const blk = new Uint32Array(4);

/** log of a Gamma(alpha, 1) sample for element i, float32 arithmetic. */
export function logGammaF32(key: Key, i: number, g: GammaConsts): number {
  const lo = i >>> 0, hi = Math.floor(i / TWO32) >>> 0;
  const { dd, c } = g;
  let r = g.logdd;
  for (let d = 0; d < GAMMA_MAX_ATTEMPTS; d++) {
    philox4x32(lo, hi, d, STREAM.gamma, key.k0, key.k1, blk);
    const x = normalFromWord(blk[0]!);
    let v = f(1 + f(c * x));
    if (v <= 0) continue;
    v = f(f(v * v) * v);
    const u = f(((blk[1]! >>> 8) + 0.5) * U24);
    const x2 = f(x * x);
    const logv = logf(v);
    if (u < f(1 - f(f(0.0331) * f(x2 * x2))) || logf(u) < f(f(0.5 * x2) + f(dd * f(f(1 - v) + logv)))) {
      r = f(g.logdd + logv);
      break;
    }
  }
  if (g.boost) {
    philox4x32(lo, hi, BOOST, STREAM.gamma, key.k0, key.k1, blk);
    const u = f(((blk[0]! >>> 8) + 0.5) * U24);
    r = f(r + f(logf(u) / g.alpha));
  }
  return r;
}

/** log of a Gamma(alpha, 1) sample for element i, float64 arithmetic. */
export function logGammaF64(key: Key, i: number, g: GammaConsts): number {
  const lo = i >>> 0, hi = Math.floor(i / TWO32) >>> 0;
  const { dd, c } = g;
  let r = g.logdd;
  for (let d = 0; d < GAMMA_MAX_ATTEMPTS; d++) {
    philox4x32(lo, hi, d, STREAM.gamma, key.k0, key.k1, blk);
    const x = normalFromWords64(blk[0]!, blk[1]!);
    let v = 1 + c * x;
    if (v <= 0) continue;
    v = (v * v) * v;
    const u = ((blk[2]! >>> 11) * TWO32 + blk[3]! + 0.5) * U53;
    const x2 = x * x;
    const logv = log64(v);
    if (u < 1 - 0.0331 * (x2 * x2) || log64(u) < 0.5 * x2 + dd * ((1 - v) + logv)) {
      r = g.logdd + logv;
      break;
    }
  }
  if (g.boost) {
    philox4x32(lo, hi, BOOST, STREAM.gamma, key.k0, key.k1, blk);
    const u = ((blk[2]! >>> 11) * TWO32 + blk[3]! + 0.5) * U53;
    r = r + log64(u) / g.alpha;
  }
  return r;
}

/** Gamma(alpha, 1) samples for elements [start, start + count) into out (exp of the log sample). */
export function gammaFill(key: Key, precision: 'f32' | 'f64', start: number, count: number, alpha: number, out: Float32Array | Float64Array): void {
  const g = gammaConsts(alpha, precision);
  if (precision === 'f32') for (let j = 0; j < count; j++) out[j] = expf(logGammaF32(key, start + j, g));
  else for (let j = 0; j < count; j++) out[j] = exp64(logGammaF64(key, start + j, g));
}
