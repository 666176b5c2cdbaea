/**
 * Recipe validation, canonicalization and compilation. The canonical recipe (all defaults filled in,
 * scheme resolved to its canonical name, seed as a decimal string) plus the algorithm version hash to
 * the recipe id used as ETag: equal ids mean equal bytes.
 */
import { createHash } from 'node:crypto';
import { ALGORITHM_NAME, deriveKey, MAX_SEED } from './rng/keys.ts';
import { BYTES_PER_ELEMENT, DTYPE_ALIASES, DTYPES, precisionOf, type DType } from './dtypes.ts';
import { canonicalLayout, computeFans, type Layout } from './fans.ts';
import { closeMatches, lookup, resolveParams, type SchemeContext, type SchemeDef, type Theory } from './schemes/registry.ts';
import { RecipeError } from './errors.ts';
import type { Field } from './field.ts';
import { scaledField } from './fields.ts';
import { parseSpectralNorm, spectralNormField, type SpectralNorm } from './spectral-norm.ts';
import { numel as numelOf } from './slice.ts';
import { maxWholeElements } from './whole-limits.ts';
import './schemes/index.ts';

export const MAX_RANK = 8;

export interface RecipeInput {
  scheme: string;
  shape: readonly (number | string)[] | string;
  seed?: number | string | bigint;
  dtype?: string;
  name?: string;
  layout?: string;
  fan_in?: number | string;
  fan_out?: number | string;
  params?: Record<string, unknown>;
  /**
   * Recipe-level multiplier applied to every value after sampling (Fixup / muP rescaling). Not called
   * `scale`: many schemes have their own `scale` parameter, and a query key must mean one thing.
   */
  multiplier?: number | string;
  /** Divide by the largest singular value after sampling, before the multiplier: true / 'converged' or a power-iteration count. */
  spectral_norm?: boolean | number | string;
}

export interface CanonicalRecipe {
  scheme: string;
  shape: number[];
  seed: string;
  dtype: DType;
  name: string;
  layout: Layout;
  fan_in?: number;
  fan_out?: number;
  params: Record<string, unknown>;
  multiplier: number;
  spectral_norm?: SpectralNorm; // absent when off (keeps recipe ids of plain recipes unchanged)
}

export interface CompiledRecipe {
  recipe: CanonicalRecipe;
  def: SchemeDef;
  field: Field;
  numel: number;
  bytes: number;
  id: string;
  /** Values come from one computation over the whole tensor (Field.whole or spectral_norm). */
  whole: boolean;
  /** Bytes of whole-tensor arrays this compiled recipe holds once generated (0 for streaming schemes). */
  wholeBytes: number;
  theory(): Theory;
}

export function parseSeed(v: unknown): bigint {
  if (v === undefined || v === null || v === '') return 0n;
  if (typeof v === 'bigint') { if (v < 0n || v > MAX_SEED) throw new RecipeError('invalid', 'seed', 'must be an unsigned 64-bit integer (0 .. 18446744073709551615)', v.toString()); return v; }
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) throw new RecipeError('invalid', 'seed', 'must be a non-negative integer; as a JSON number at most 2^53-1, larger seeds as a decimal string', v);
    return BigInt(v);
  }
  if (typeof v === 'string' && /^\d{1,20}$/.test(v.trim())) {
    const b = BigInt(v.trim());
    if (b <= MAX_SEED) return b;
  }
  throw new RecipeError('invalid', 'seed', 'must be an unsigned 64-bit integer (decimal string or JSON number)', v);
}

export function parseShape(v: unknown, maxRank = MAX_RANK): number[] {
  let parts: unknown[];
  if (typeof v === 'string') parts = v.trim() === '' ? [] : v.split(',').map((s) => s.trim());
  else if (Array.isArray(v)) parts = v;
  else throw new RecipeError('invalid', 'shape', 'must be an array of non-negative integers or a comma-separated list', v);
  if (parts.length > maxRank) throw new RecipeError('invalid', 'shape', `rank must be at most ${maxRank}`, v);
  return parts.map((p, i) => {
    const n = typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new RecipeError('invalid', `shape[${i}]`, 'must be a non-negative integer', p);
    return n;
  });
}

function optNumber(v: unknown, field: string, positive = false): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new RecipeError('invalid', field, 'must be a finite number', v);
  if (positive && !(n > 0)) throw new RecipeError('impossible', field, 'must be > 0', v);
  return n;
}

/** Validates and canonicalizes; throws RecipeError. */
export function canonicalize(input: RecipeInput): { recipe: CanonicalRecipe; def: SchemeDef } {
  if (typeof input.scheme !== 'string' || input.scheme === '') throw new RecipeError('invalid', 'scheme', 'is required (see GET /v1/schemes)', input.scheme);
  const def = lookup(input.scheme);
  if (!def) throw new RecipeError('unknown', 'scheme', 'is not a known scheme', input.scheme, { suggestions: closeMatches(input.scheme) });
  const shape = parseShape(input.shape);
  if (def.minRank !== undefined && shape.length < def.minRank) throw new RecipeError('impossible', 'shape', `scheme ${def.name} needs rank >= ${def.minRank}`, shape);
  if (def.maxRank !== undefined && shape.length > def.maxRank) throw new RecipeError('impossible', 'shape', `scheme ${def.name} needs rank <= ${def.maxRank}`, shape);
  const dtypeIn = input.dtype ?? 'float32';
  const dtype = typeof dtypeIn === 'string' ? DTYPE_ALIASES[dtypeIn.toLowerCase()] : undefined;
  if (!dtype) throw new RecipeError('invalid', 'dtype', `must be one of ${DTYPES.join(', ')}`, dtypeIn);
  const layoutIn = input.layout ?? def.layout ?? 'torch';
  const layout = typeof layoutIn === 'string' ? canonicalLayout(layoutIn.toLowerCase()) : undefined;
  if (!layout) throw new RecipeError('invalid', 'layout', 'must be one of torch, keras (tf, jax, hwio), caffe', layoutIn);
  const name = input.name ?? '';
  if (typeof name !== 'string') throw new RecipeError('invalid', 'name', 'must be a string', name);
  if (name.length > 1024) throw new RecipeError('invalid', 'name', 'must be at most 1024 characters', name.slice(0, 64) + '...');
  const params = input.params ?? {};
  if (typeof params !== 'object' || Array.isArray(params)) throw new RecipeError('invalid', 'params', 'must be an object', params);
  const recipe: CanonicalRecipe = {
    scheme: def.name, shape, seed: parseSeed(input.seed).toString(), dtype, name, layout,
    params: positiveZeros(resolveParams(def, params as Record<string, unknown>)),
    multiplier: (optNumber(input.multiplier, 'multiplier') ?? 1) + 0,
  };
  const fi = optNumber(input.fan_in, 'fan_in', true), fo = optNumber(input.fan_out, 'fan_out', true);
  if (fi !== undefined) recipe.fan_in = fi;
  if (fo !== undefined) recipe.fan_out = fo;
  const sn = parseSpectralNorm(input.spectral_norm);
  if (sn !== undefined) recipe.spectral_norm = sn;
  return { recipe, def };
}

/** -0 and 0 serialize alike in JSON, so equal ids must mean equal values: normalize -0 to +0. */
function positiveZeros<T>(v: T): T {
  if (typeof v === 'number') return (v === 0 ? 0 : v) as T;
  if (Array.isArray(v)) return v.map(positiveZeros) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, positiveZeros(x)])) as T;
  return v;
}

/** Stable JSON: object keys sorted. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
}

/**
 * Ids memoized per canonical recipe object: canonical recipes are never mutated once built, and the
 * HTTP layer reuses them (plan cache), so the stable JSON + SHA-256 is paid once per recipe.
 */
const ids = new WeakMap<CanonicalRecipe, string>();

export function recipeId(recipe: CanonicalRecipe): string {
  let id = ids.get(recipe);
  if (id === undefined) {
    id = createHash('sha256').update(ALGORITHM_NAME).update('\n').update(stableJson(recipe)).digest('hex').slice(0, 32);
    ids.set(recipe, id);
  }
  return id;
}

export function contextFor(recipe: CanonicalRecipe): SchemeContext {
  let fans: { fanIn: number; fanOut: number } | undefined;
  const explicit: { fanIn?: number; fanOut?: number } = {};
  if (recipe.fan_in !== undefined) explicit.fanIn = recipe.fan_in;
  if (recipe.fan_out !== undefined) explicit.fanOut = recipe.fan_out;
  return {
    shape: recipe.shape, dtype: recipe.dtype, precision: precisionOf(recipe.dtype),
    key: deriveKey(BigInt(recipe.seed), recipe.name), layout: recipe.layout,
    fans: () => (fans ??= computeFans(recipe.shape, recipe.layout, explicit)),
    params: recipe.params,
    explicitFans: explicit,
  };
}

/**
 * Compiled recipes, LRU by id. Bounded by entries and by the bytes of whole-tensor arrays they may
 * hold (an orthogonal field keeps its whole tensor once generated): at most CACHE_ENTRIES entries and
 * wholeCacheBytes() of whole-tensor arrays, except that the newest entry always stays (it is in use).
 */
const cache = new Map<string, CompiledRecipe>();
const CACHE_ENTRIES = 64;
let cachedWholeBytes = 0;

/** Budget of whole-tensor bytes in this thread's recipe cache: one float32 tensor of maxWholeElements. */
export function wholeCacheBytes(): number { return 4 * maxWholeElements(); }

function evict(): void {
  while (cache.size > 1 && (cache.size > CACHE_ENTRIES || cachedWholeBytes > wholeCacheBytes())) {
    const oldest = cache.keys().next().value!;
    cachedWholeBytes -= cache.get(oldest)!.wholeBytes;
    cache.delete(oldest);
  }
}

/** Bytes of whole-tensor arrays currently referenced by this thread's recipe cache (tests, metrics). */
export function recipeCacheStats(): { entries: number; wholeBytes: number } {
  return { entries: cache.size, wholeBytes: cachedWholeBytes };
}

/** Validates, canonicalizes and compiles a recipe (LRU-cached by id, so whole-tensor schemes compute once). */
export function compileRecipe(input: RecipeInput): CompiledRecipe {
  const { recipe, def } = canonicalize(input);
  return compileCanonical(recipe, def);
}

/**
 * Compiles a canonical recipe (cached in this thread unless options.cache is false: a caller that
 * generates a whole tensor once and hands it on must not leave a second copy in the cache).
 */
export function compileCanonical(recipe: CanonicalRecipe, def: SchemeDef = lookup(recipe.scheme)!, options: { cache?: boolean } = {}): CompiledRecipe {
  const useCache = options.cache !== false;
  const id = recipeId(recipe);
  const hit = useCache ? cache.get(id) : undefined;
  if (hit) { cache.delete(id); cache.set(id, hit); return hit; }
  const ctx = contextFor(recipe);
  const base = def.compile(ctx);
  const field = scaledField(recipe.spectral_norm === undefined ? base : spectralNormField(base, recipe.shape, recipe.spectral_norm), recipe.multiplier);
  const n = numelOf(recipe.shape);
  const width = base.precision === 'f64' ? 8 : 4;
  const layers = (base.whole ? 1 : 0) + (recipe.spectral_norm === undefined ? 0 : 1); // spectral norm keeps its own normalized copy
  const compiled: CompiledRecipe = {
    recipe, def, field, numel: n, bytes: n * BYTES_PER_ELEMENT[recipe.dtype], id,
    whole: layers > 0, wholeBytes: layers * n * width,
    theory: () => {
      const t: Theory = recipe.spectral_norm === undefined ? def.theory?.(ctx) ?? {} : { density: 'other' }; // spectral_norm rescales by a data-dependent sigma
      const s = recipe.multiplier;
      const r: Theory = { ...t };
      if (t.mean !== undefined) r.mean = t.mean * s;
      if (t.std !== undefined) r.std = t.std * Math.abs(s);
      if (t.min !== undefined && t.max !== undefined) { r.min = Math.min(t.min * s, t.max * s); r.max = Math.max(t.min * s, t.max * s); }
      return r;
    },
  };
  if (!useCache) return compiled;
  cache.set(id, compiled);
  cachedWholeBytes += compiled.wholeBytes;
  evict();
  return compiled;
}
