/**
 * Limits of the whole-tensor schemes (orthogonal, delta_orthogonal, sparse, dirichlet,
 * unique_uniform_int, spectral_norm): they compute the whole tensor at once, so their size and
 * work are bounded up front (RecipeError 'too_large' -> 413) instead of exhausting memory or time.
 * Module-level settings so the HTTP layer / startup can apply config.maxWholeElements.
 */
import { RecipeError } from './errors.ts';

let maxElements = 64 * 1024 * 1024;
/** Floating-point operations allowed for one dense factorization (~20 s of single-thread QR). */
let maxWork = 2 ** 35;

export function setMaxWholeElements(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('maxWholeElements must be a positive integer');
  maxElements = n;
}
export function maxWholeElements(): number { return maxElements; }
export function setMaxWholeWork(flops: number): void {
  if (!(flops >= 1)) throw new RangeError('maxWholeWork must be >= 1');
  maxWork = flops;
}
export function maxWholeWork(): number { return maxWork; }

/** Throws too_large when a whole-tensor scheme would hold more than maxWholeElements values. */
export function checkWholeSize(what: string, numel: number, shape: readonly number[]): void {
  if (numel > maxElements) {
    throw new RecipeError('too_large', 'shape', `${what} computes the whole tensor at once and is limited to ${maxElements} elements (WEIGHTINIT_MAX_WHOLE_ELEMENTS)`, shape);
  }
}

/** Throws too_large when a QR of an m x n matrix (about 8/3 * max * min^2 flops with Q) exceeds maxWholeWork. */
export function checkQrWork(what: string, m: number, n: number, shape: readonly number[]): void {
  const big = Math.max(m, n), small = Math.min(m, n);
  const flops = (8 / 3) * big * small * small;
  if (flops > maxWork) {
    throw new RecipeError('too_large', 'shape', `${what} needs a QR of a ${m} x ${n} matrix (~${flops.toExponential(2)} flops), over the limit of ${maxWork.toExponential(2)}`, shape);
  }
}
