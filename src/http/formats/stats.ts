/**
 * stats: summary of the stored values next to the scheme's theory, computed by streaming over chunks
 * (src/pool tensorStats). std is the population standard deviation (ddof = 0). The histogram has
 * equal-width bins over [min, max] (the last bin includes max); non-finite values are counted apart.
 */
import type { Theory } from '../../core/schemes/registry.ts';
import type { PartialStats } from '../../pool/stats.ts';
import type { TensorMeta } from './meta.ts';
import { plainRecipe } from './meta.ts';

export function statsBody(meta: TensorMeta, s: PartialStats, theory: Theory): string {
  const has = s.count > 0;
  const bins = s.histogram ?? [];
  const body: Record<string, unknown> = {
    shape: meta.shape, dtype: meta.dtype, recipe: plainRecipe(meta.recipe), recipe_id: meta.recipeId, algorithm: meta.algorithm,
  };
  if (meta.slice !== undefined) body.slice = meta.slice;
  Object.assign(body, {
    count: s.count,
    non_finite: s.nonFinite,
    mean: has ? s.mean : null,
    std: has ? Math.sqrt(s.m2 / s.count) : null,
    min: has ? s.min : null,
    max: has ? s.max : null,
    histogram: { min: has ? s.min : null, max: has ? s.max : null, bins: bins.length, counts: bins },
    theory: {
      mean: theory.mean ?? null, std: theory.std ?? null, min: theory.min ?? null, max: theory.max ?? null, density: theory.density ?? null,
    },
  });
  return JSON.stringify(body);
}
