/**
 * From a request's recipe (query or body) to a plan: canonical recipe, slice, format, sizes, ETag and
 * framing, all before any value is generated. Every limit is checked here, so a request that passes
 * cannot allocate more than the configured bounds.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../../config.ts';
import { BYTES_PER_ELEMENT } from '../../core/dtypes.ts';
import { RecipeError } from '../../core/errors.ts';
import { canonicalize, recipeId, type CanonicalRecipe, type RecipeInput } from '../../core/recipe.ts';
import { ALGORITHM_NAME } from '../../core/rng/keys.ts';
import { lookup } from '../../core/schemes/registry.ts';
import { canonicalSlice, isFull, numel, parseSlice, sliceShape, type Slice } from '../../core/slice.ts';
import type { TensorJob } from '../../pool/index.ts';
import { binaryFraming, isBinary, negotiate, type BinaryFraming, type Format, type TensorMeta } from '../formats/index.ts';
import { checkJsonSize } from '../formats/json.ts';
import type { TensorBody, TensorQuery } from '../schemas.ts';

export interface TensorRequest { input: RecipeInput; slice?: string; format?: string }

export interface TensorPlan {
  format: Format;
  meta: TensorMeta;
  job: TensorJob;
  etag: string;
  /** Binary formats: header/footer bytes and total length. */
  framing?: BinaryFraming;
}

/**
 * The recipe's own query keys; every other key is a scheme parameter. None of them may be the name of
 * a scheme parameter (a test checks the catalogue): the recipe multiplier is `multiplier` because
 * `scale` is a parameter of variance_scaling and friends. Should a scheme ever define one of these
 * names, its parameter wins (fromQuery), so a scheme never silently loses a parameter.
 */
export const RECIPE_QUERY_KEYS: ReadonlySet<string> = new Set(['scheme', 'shape', 'seed', 'dtype', 'name', 'layout', 'slice', 'format', 'fan_in', 'fan_out', 'multiplier', 'spectral_norm']);

/** Query keys other than the recipe's own are the scheme's parameters. */
export function fromQuery(q: TensorQuery): TensorRequest {
  const own = typeof q.scheme === 'string' ? lookup(q.scheme)?.params : undefined;
  const isParam = (k: string) => k !== 'scheme' && ((own !== undefined && Object.hasOwn(own, k)) || !RECIPE_QUERY_KEYS.has(k));
  const params: Record<string, unknown> = {};
  const recipe: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q)) (isParam(k) ? params : recipe)[k] = v;
  const input: RecipeInput = {
    scheme: q.scheme, shape: recipe.shape ?? '', seed: recipe.seed, dtype: recipe.dtype, name: recipe.name, layout: recipe.layout,
    fan_in: recipe.fan_in, fan_out: recipe.fan_out, multiplier: recipe.multiplier, spectral_norm: recipe.spectral_norm, params,
  };
  return { input, slice: recipe.slice, format: recipe.format };
}

export function fromBody(b: TensorBody): TensorRequest {
  const input: RecipeInput = {
    scheme: b.scheme, shape: b.shape, seed: b.seed, dtype: b.dtype, name: b.name, layout: b.layout,
    fan_in: b.fan_in, fan_out: b.fan_out, multiplier: b.multiplier, spectral_norm: b.spectral_norm, params: b.params,
  };
  return { input, slice: b.slice, format: b.format };
}

export function planTensor(req: TensorRequest, accept: string | undefined, config: Config): TensorPlan {
  const { recipe } = canonicalize(req.input);
  const fullNumel = numel(recipe.shape);
  if (!Number.isSafeInteger(fullNumel)) {
    throw new RecipeError('too_large', 'shape', 'the full tensor must have fewer than 2^53 elements (element indices are exact integers)', recipe.shape, { limit: Number.MAX_SAFE_INTEGER });
  }
  let slice: Slice | undefined;
  if (req.slice !== undefined && req.slice.trim() !== '') {
    const s = parseSlice(req.slice, recipe.shape);
    if (!isFull(s, recipe.shape)) slice = s;
  }
  const shape = slice ? sliceShape(slice) : [...recipe.shape];
  const outNumel = numel(shape);
  const dataBytes = outNumel * BYTES_PER_ELEMENT[recipe.dtype];
  const format = negotiate(req.format, accept);
  const id = recipeId(recipe);
  const meta: TensorMeta = { recipe, recipeId: id, algorithm: ALGORITHM_NAME, shape, dtype: recipe.dtype, dataBytes };
  if (slice) meta.slice = canonicalSlice(slice);

  if (dataBytes > config.maxBytes) throw tooLarge(dataBytes, config.maxBytes, !!slice);
  let framing: BinaryFraming | undefined;
  if (isBinary(format)) {
    framing = binaryFraming(format, meta);
    if (framing.length > config.maxBytes) throw tooLarge(framing.length, config.maxBytes, !!slice);
  } else if (format === 'json') {
    checkJsonSize(meta, outNumel, config.jsonMaxElements);
  }
  const plan: TensorPlan = { format, meta, job: { recipe, numel: outNumel }, etag: etagOf(id, format, meta.slice) };
  if (slice) plan.job.slice = slice;
  if (framing) plan.framing = framing;
  return plan;
}

/**
 * Plans of recent queries, keyed by the raw query string and the Accept header: a repeated query (the
 * common case for training jobs and caches in front of them) skips canonicalization, the recipe-id
 * hash and framing. Plans are immutable once built (requests copy the job before adding to it);
 * only successful plans are kept; an LRU of `entries` (a key is at most the query-string cap).
 */
export class PlanCache {
  private readonly plans = new Map<string, TensorPlan>();
  constructor(private readonly config: Config, private readonly entries = 512) {}

  plan(url: string, accept: string | undefined, build: () => TensorRequest): TensorPlan {
    const q = url.indexOf('?');
    const key = (q < 0 ? '' : url.slice(q + 1)) + '\n' + (accept ?? '');
    const hit = this.plans.get(key);
    if (hit) { this.plans.delete(key); this.plans.set(key, hit); return hit; }
    const plan = planTensor(build(), accept, this.config);
    this.plans.set(key, plan);
    if (this.plans.size > this.entries) this.plans.delete(this.plans.keys().next().value!);
    return plan;
  }
}

function tooLarge(bytes: number, limit: number, sliced: boolean): RecipeError {
  return new RecipeError('too_large', 'shape', `the response would be ${bytes} bytes; the limit is ${limit} bytes (WEIGHTINIT_MAX_BYTES)${sliced ? '' : '; ask for a slice'}`, bytes, { limit, bytes });
}

/** Strong ETag: the recipe id (which includes the algorithm version) plus format and slice. */
export function etagOf(id: string, format: Format, slice?: string): string {
  const s = slice === undefined ? '' : '-' + createHash('sha256').update(slice).digest('hex').slice(0, 12);
  return `"${id}-${format}${s}"`;
}

/** RFC 9110 If-None-Match: "*" or any listed tag (weak comparison). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').map((t) => t.trim().replace(/^W\//, '')).includes(etag);
}

export type { CanonicalRecipe };
