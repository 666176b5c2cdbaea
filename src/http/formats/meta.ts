/** What every format needs to frame a tensor body, known before generation starts. */
import type { DType } from '../../core/dtypes.ts';
import type { CanonicalRecipe } from '../../core/recipe.ts';

export interface TensorMeta {
  recipe: CanonicalRecipe;
  recipeId: string;
  algorithm: string;
  /** Shape of what is sent (the slice's shape, or the full shape). */
  shape: number[];
  dtype: DType;
  /** Canonical slice text ("0:128,0:256") when a slice was asked for. */
  slice?: string;
  /** Bytes of tensor data (shape product x dtype width). */
  dataBytes: number;
}

/** Framing of a binary format: fixed bytes before and after the tensor data. */
export interface BinaryFraming {
  contentType: string;
  prefix: Uint8Array;
  suffix?: Uint8Array;
  /** Total body length: prefix + data + suffix. */
  length: number;
}

/** The canonical recipe as plain JSON data (no undefined members), for embedding in bodies. */
export function plainRecipe(recipe: CanonicalRecipe): Record<string, unknown> {
  return JSON.parse(JSON.stringify(recipe)) as Record<string, unknown>;
}
