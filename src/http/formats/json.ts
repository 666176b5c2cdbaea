/**
 * json (small tensors only): {shape, dtype, recipe, recipe_id, algorithm, [slice], data} with data as
 * a flat row-major array of the stored values (float16/bfloat16/float8 decoded exactly to numbers;
 * NaN/Infinity, which JSON cannot carry, as null). Limited to WEIGHTINIT_JSON_MAX_ELEMENTS.
 */
import { decode } from '../../core/dtypes.ts';
import { RecipeError } from '../../core/errors.ts';
import type { TensorMeta } from './meta.ts';
import { plainRecipe } from './meta.ts';

export const JSON_TYPE = 'application/json';

export function checkJsonSize(meta: TensorMeta, numel: number, maxElements: number): void {
  if (numel > maxElements) {
    throw new RecipeError('too_large', 'format', `json is for small tensors: at most ${maxElements} elements (WEIGHTINIT_JSON_MAX_ELEMENTS); this response has ${numel}. Use format=raw, npy, safetensors or msgpack, or a slice`, 'json', { limit: maxElements, elements: numel });
  }
}

export function jsonBody(meta: TensorMeta, bytes: Uint8Array): string {
  const values = decode(bytes, meta.dtype);
  const data = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) { const v = values[i]!; data[i] = Number.isFinite(v) ? v : null; }
  const body: Record<string, unknown> = {
    shape: meta.shape, dtype: meta.dtype, recipe: plainRecipe(meta.recipe), recipe_id: meta.recipeId, algorithm: meta.algorithm,
  };
  if (meta.slice !== undefined) body.slice = meta.slice;
  body.data = data;
  return JSON.stringify(body);
}
