/**
 * Per-recipe constants of the truncated normal (computed once, in float64).
 * Standardized bounds alpha = (a-mean)/std, beta = (b-mean)/std. When the interval lies mostly above 0
 * (alpha + beta > 0) it is mirrored to [-beta, -alpha] with sign = -1, so the CDF values are small
 * numbers with fine float resolution instead of numbers close to 1.
 */
import { normalCdf64 } from '../math/f64.ts';

export interface TruncParams {
  mean: number; std: number; a: number; b: number; // absolute bounds, for the final clamp
  lo: number; hi: number; sign: 1 | -1;            // standardized (mirrored) interval
  pa: number; pb: number;                           // Phi(lo), Phi(hi)
}

export function truncParams(mean: number, std: number, a: number, b: number): TruncParams {
  const alpha = (a - mean) / std, beta = (b - mean) / std;
  const mirror = alpha + beta > 0;
  const lo = mirror ? -beta : alpha, hi = mirror ? -alpha : beta;
  return { mean, std, a, b, lo, hi, sign: mirror ? -1 : 1, pa: normalCdf64(lo), pb: normalCdf64(hi) };
}
