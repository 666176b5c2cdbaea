/**
 * The recipe's top-level `spectral_norm` option: after sampling (and before the recipe `multiplier`) the whole
 * tensor is divided by its largest singular value, as torch.nn.utils.spectral_norm does to a weight.
 * Matrix view (torch, dim = 0): rows = shape[0], cols = numel / rows; rank < 2 is the 1 x numel
 * matrix, whose largest singular value is the L2 norm. sigma comes from linalg.largestSingularValue
 * on the float64 values of the sampled tensor (in sampling precision): a fixed count of power
 * iterations, or 'converged' (until the relative change is <= 1e-12, at most 1000 iterations), from
 * the deterministic start vector documented there. A zero tensor stays zero.
 * Canonical values: an integer 1..1000 (iterations) or 'converged'; absent = off.
 */
import type { Field } from './field.ts';
import { arrayField } from './fields.ts';
import { RecipeError } from './errors.ts';
import { largestSingularValue } from './linalg.ts';
import { checkWholeSize, maxWholeWork } from './whole-limits.ts';

export type SpectralNorm = number | 'converged';

/** Parses the recipe input: true/'true'/'converged'/'exact' -> 'converged', n >= 1 -> n, false/0/absent -> undefined. */
export function parseSpectralNorm(v: unknown): SpectralNorm | undefined {
  if (v === undefined || v === null || v === false || v === '' || v === 'false' || v === 0 || v === '0') return undefined;
  if (v === true || v === 'true' || v === 'converged' || v === 'exact') return 'converged';
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 1000) return n;
  throw new RecipeError('invalid', 'spectral_norm', 'must be a boolean, "converged", or a number of power iterations in 1..1000', v);
}

export function spectralNormField(field: Field, shape: readonly number[], mode: SpectralNorm): Field {
  const n = shape.reduce((a, b) => a * b, 1);
  checkWholeSize('spectral_norm', n, shape);
  const work = 4 * n * (mode === 'converged' ? 1000 : mode); // two mat-vec products per iteration
  if (work > maxWholeWork()) {
    throw new RecipeError('too_large', 'spectral_norm', `power iteration on ${n} elements needs ~${work.toExponential(2)} flops, over the limit of ${maxWholeWork().toExponential(2)}; use fewer iterations`, mode);
  }
  const rows = shape.length >= 2 ? shape[0]! : 1;
  const cols = rows === 0 ? 0 : n / rows;
  return arrayField(field, () => {
    const values = field.precision === 'f64' ? new Float64Array(n) : new Float32Array(n);
    for (let s = 0; s < n; s += 65536) {
      const k = Math.min(65536, n - s);
      field.fill(s, k, values.subarray(s, s + k));
    }
    const sigma = largestSingularValue(values, rows, cols, mode === 'converged' ? 0 : mode);
    if (sigma > 0) for (let i = 0; i < n; i++) values[i] = values[i]! / sigma;
    return values;
  });
}
