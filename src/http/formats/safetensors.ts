/**
 * safetensors with one tensor: u64 little-endian header length N, a JSON header padded with spaces to
 * a multiple of 8 (so data starts aligned), then the data. The tensor is named by the recipe's `name`
 * (or "tensor"); __metadata__ carries the recipe (string values only, as the format requires).
 */
import type { DType } from '../../core/dtypes.ts';
import { stableJson } from '../../core/recipe.ts';
import type { BinaryFraming, TensorMeta } from './meta.ts';
import { plainRecipe } from './meta.ts';

export const SAFETENSORS_TYPE = 'application/x-safetensors';

export const SAFETENSORS_DTYPE: Record<DType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', float8_e4m3fn: 'F8_E4M3', float8_e5m2: 'F8_E5M2',
};

export function tensorName(meta: TensorMeta): string {
  const n = meta.recipe.name;
  return n === '' || n === '__metadata__' ? 'tensor' : n;
}

export function safetensorsHeader(meta: TensorMeta): Uint8Array {
  const metadata: Record<string, string> = {
    format: 'pt', // what torch/transformers loaders expect to find
    weightinit_recipe_id: meta.recipeId,
    weightinit_algorithm: meta.algorithm,
    weightinit_recipe: stableJson(plainRecipe(meta.recipe)),
  };
  if (meta.slice !== undefined) metadata.weightinit_slice = meta.slice;
  const header = {
    __metadata__: metadata,
    [tensorName(meta)]: { dtype: SAFETENSORS_DTYPE[meta.dtype], shape: meta.shape, data_offsets: [0, meta.dataBytes] },
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  const out = Buffer.alloc(8 + padded, 0x20);
  out.writeBigUInt64LE(BigInt(padded), 0);
  json.copy(out, 8);
  return out;
}

export function safetensorsFraming(meta: TensorMeta): BinaryFraming {
  const prefix = safetensorsHeader(meta);
  return { contentType: SAFETENSORS_TYPE, prefix, length: prefix.length + meta.dataBytes };
}
