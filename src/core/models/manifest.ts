/**
 * Model manifests: `{ seed, defaults: {dtype, layout, framework, separator}, modules?: [...],
 * tensors?: [{name, shape, scheme, params, dtype?, ...}] }` validated and canonicalized into an
 * ordered list of tensor recipes: module parameters first (module order), then the listed tensors.
 * Every tensor is keyed by (seed, its name): its recipe is exactly what GET /v1/tensors would
 * canonicalize for the same seed, name, scheme, params, shape, dtype and layout, so the bytes
 * are equal. The canonical manifest lists only tensors (modules compiled away), so POSTing it
 * again gives the same file.
 */
import { canonicalize, compileCanonical, parseSeed, recipeId, type CanonicalRecipe, type RecipeInput } from '../recipe.ts';
import { BYTES_PER_ELEMENT, DTYPE_ALIASES, DTYPES, type DType } from '../dtypes.ts';
import { ALGORITHM_NAME } from '../rng/keys.ts';
import { RecipeError } from '../errors.ts';
import { lookup, type SchemeDef } from '../schemes/registry.ts';
import { numel } from '../slice.ts';
import { expandModule, LAYOUT_OF } from './presets.ts';
import { MODEL_FRAMEWORKS, type ModelFramework, type ModuleSpec, type TensorSpec } from './types.ts';
import './schemes.ts';

export const MODEL_LIMITS = { tensors: 20000, modules: 10000 };

export type ModelDType = DType | 'int64';
export const MODEL_BYTES: Record<ModelDType, number> = { ...BYTES_PER_ELEMENT, int64: 8 };

/** Optional hooks a scheme may carry for manifests (the pretrained scheme uses both). */
export interface ManifestAwareScheme extends SchemeDef {
  /** Shape to use when a manifest tensor gives none (e.g. the stored tensor's shape). */
  defaultShape?(params: Record<string, unknown>): number[] | undefined;
  /** Canonical params with anything that identifies the content pinned (e.g. the file's SHA-256). */
  pinParams?(params: Record<string, unknown>): Record<string, unknown>;
}

export interface ModelTensor {
  name: string;
  shape: number[];
  dtype: ModelDType;
  numel: number;
  bytes: number;
  /** Byte offset in the concatenated data (safetensors data_offsets[0]). */
  offset: number;
  /** Canonical recipe; for int64 buffers a float32 recipe of the same constant (never served alone). */
  recipe: CanonicalRecipe;
  recipeId: string;
  /** int64 buffers: the constant value. */
  intValue?: bigint;
  module?: string;
  role: 'parameter' | 'buffer';
  init?: string;
}

export interface ModelDefaults { dtype: DType; layout: string; framework: ModelFramework; separator: string }

export interface CanonicalModel {
  algorithm: string;
  seed: string;
  defaults: ModelDefaults;
  tensors: ModelTensor[];
  totalBytes: number;
}

export interface ManifestInput {
  seed?: unknown;
  defaults?: Record<string, unknown>;
  tensors?: unknown;
  modules?: unknown;
  algorithm?: unknown;
  total_bytes?: unknown;
}

// algorithm and total_bytes appear in a described manifest; when given they must match.
const TOP_KEYS = new Set(['seed', 'defaults', 'tensors', 'modules', 'algorithm', 'total_bytes']);
const DEFAULT_KEYS = new Set(['dtype', 'layout', 'framework', 'separator']);
const TENSOR_KEYS = new Set(['name', 'shape', 'scheme', 'params', 'dtype', 'layout', 'multiplier', 'fan_in', 'fan_out']);
const INT_SCHEMES = new Set(['zeros', 'ones', 'constant']);

function parseDefaults(d: unknown): ModelDefaults {
  if (d === undefined || d === null) d = {};
  if (typeof d !== 'object' || Array.isArray(d)) throw new RecipeError('invalid', 'defaults', 'must be an object {dtype, layout, framework, separator}', d);
  const o = d as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!DEFAULT_KEYS.has(k)) throw new RecipeError('invalid', `defaults.${k}`, `is not a default; accepted: ${[...DEFAULT_KEYS].join(', ')}`, o[k]);
  const fw = o.framework ?? 'torch';
  if (typeof fw !== 'string' || !(MODEL_FRAMEWORKS as readonly string[]).includes(fw.toLowerCase())) {
    throw new RecipeError('invalid', 'defaults.framework', `must be one of ${MODEL_FRAMEWORKS.join(', ')}`, fw);
  }
  const framework = fw.toLowerCase() as ModelFramework;
  const dtIn = o.dtype ?? 'float32';
  const dtype = typeof dtIn === 'string' ? DTYPE_ALIASES[dtIn.toLowerCase()] : undefined;
  if (!dtype) throw new RecipeError('invalid', 'defaults.dtype', `must be one of ${DTYPES.join(', ')}`, dtIn);
  const layout = o.layout ?? LAYOUT_OF[framework];
  if (typeof layout !== 'string') throw new RecipeError('invalid', 'defaults.layout', 'must be a string (torch, keras, caffe)', layout);
  const separator = o.separator ?? '.';
  if (separator !== '.' && separator !== '/') throw new RecipeError('invalid', 'defaults.separator', 'must be "." or "/"', separator);
  return { dtype, layout, framework, separator };
}

function specsFromTensors(list: unknown): TensorSpec[] {
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new RecipeError('invalid', 'tensors', 'must be an array of {name, shape, scheme, params}', list);
  if (list.length > MODEL_LIMITS.tensors) throw new RecipeError('too_large', 'tensors', `at most ${MODEL_LIMITS.tensors} tensors per manifest`, list.length);
  return list.map((t, i) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new RecipeError('invalid', `tensors[${i}]`, 'must be an object {name, shape, scheme, params}', t);
    const o = t as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!TENSOR_KEYS.has(k)) throw new RecipeError('invalid', `tensors[${i}].${k}`, `is not a tensor field; accepted: ${[...TENSOR_KEYS].join(', ')}`, o[k]);
    return { ...(o as unknown as TensorSpec), params: (o.params ?? {}) as Record<string, unknown>, __path: `tensors[${i}]` } as TensorSpec;
  });
}

/** Validates and canonicalizes a manifest; throws RecipeError naming the field (e.g. "modules[2].hidden"). */
export function canonicalizeManifest(input: ManifestInput): CanonicalModel {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new RecipeError('invalid', 'body', 'must be a manifest object {seed, defaults, modules, tensors}', input);
  for (const k of Object.keys(input)) if (!TOP_KEYS.has(k)) throw new RecipeError('invalid', k, `is not a manifest field; accepted: ${[...TOP_KEYS].join(', ')}`, (input as Record<string, unknown>)[k]);
  const seed = parseSeed(input.seed).toString();
  const defaults = parseDefaults(input.defaults);
  const specs: Array<TensorSpec & { __path?: string; __module?: string }> = [];
  if (input.modules !== undefined && input.modules !== null) {
    if (!Array.isArray(input.modules)) throw new RecipeError('invalid', 'modules', 'must be an array of {type, name, ...}', input.modules);
    if (input.modules.length > MODEL_LIMITS.modules) throw new RecipeError('too_large', 'modules', `at most ${MODEL_LIMITS.modules} modules per manifest`, input.modules.length);
    input.modules.forEach((m, i) => {
      const path = `modules[${i}]`;
      for (const t of expandModule(m as ModuleSpec, { framework: defaults.framework, separator: defaults.separator, path })) {
        specs.push(Object.assign(t, { __path: path, __module: (m as ModuleSpec).name }));
        if (specs.length > MODEL_LIMITS.tensors) throw new RecipeError('too_large', 'modules', `expand to more than ${MODEL_LIMITS.tensors} tensors`, specs.length);
      }
    });
  }
  specs.push(...specsFromTensors(input.tensors));
  if (specs.length > MODEL_LIMITS.tensors) throw new RecipeError('too_large', 'tensors', `at most ${MODEL_LIMITS.tensors} tensors per manifest (modules included)`, specs.length);

  const seen = new Map<string, string>();
  const tensors: ModelTensor[] = [];
  let offset = 0;
  for (const s of specs) {
    const path = s.__path ?? 'tensors';
    if (typeof s.name !== 'string' || s.name === '') throw new RecipeError('invalid', `${path}.name`, 'must be a non-empty string', s.name);
    if (s.name === '__metadata__') throw new RecipeError('invalid', `${path}.name`, 'is reserved by safetensors', s.name);
    const prior = seen.get(s.name);
    if (prior !== undefined) throw new RecipeError('invalid', `${path}.name`, `duplicates the name of ${prior}`, s.name);
    seen.set(s.name, path);
    const t = canonicalTensor(s, seed, defaults, path);
    t.offset = offset;
    offset += t.bytes;
    if (s.__module !== undefined) t.module = s.__module;
    tensors.push(t);
  }
  if (input.algorithm !== undefined && input.algorithm !== ALGORITHM_NAME) {
    throw new RecipeError('impossible', 'algorithm', `this server generates with ${ALGORITHM_NAME}; the manifest was made with another algorithm version`, input.algorithm);
  }
  if (input.total_bytes !== undefined && input.total_bytes !== offset) throw new RecipeError('impossible', 'total_bytes', `the tensors add up to ${offset} bytes`, input.total_bytes);
  return { algorithm: ALGORITHM_NAME, seed, defaults, tensors, totalBytes: offset };
}

function canonicalTensor(s: TensorSpec, seed: string, d: ModelDefaults, path: string): ModelTensor {
  const isInt = s.dtype === 'int64';
  const def = typeof s.scheme === 'string' ? (lookup(s.scheme) as ManifestAwareScheme | undefined) : undefined;
  let shape: unknown = s.shape;
  try {
    if (shape === undefined && def?.defaultShape) shape = def.defaultShape((s.params ?? {}) as Record<string, unknown>);
  } catch (e) {
    if (e instanceof RecipeError) throw new RecipeError(e.kind, `${path}.${e.field}`, `${e.rule} (tensor "${s.name}")`, e.value, e.extra);
    throw e;
  }
  if (shape === undefined) throw new RecipeError('invalid', `${path}.shape`, 'is required', undefined);
  const input: RecipeInput = {
    scheme: s.scheme, shape: shape as number[], seed, name: s.name, params: s.params,
    dtype: isInt ? 'float32' : (s.dtype ?? d.dtype), layout: s.layout ?? d.layout,
  };
  if (s.multiplier !== undefined) input.multiplier = s.multiplier;
  if (s.fan_in !== undefined) input.fan_in = s.fan_in;
  if (s.fan_out !== undefined) input.fan_out = s.fan_out;
  let recipe: CanonicalRecipe, sdef: SchemeDef;
  try {
    ({ recipe, def: sdef } = canonicalize(input));
    const pin = (sdef as ManifestAwareScheme).pinParams;
    if (pin) recipe.params = pin(recipe.params);
    compileCanonical(recipe, sdef); // surfaces impossible recipes (shape mismatch, bad params) before any byte is sent
  } catch (e) {
    if (e instanceof RecipeError) throw new RecipeError(e.kind, `${path}${e.field ? '.' + e.field : ''}`, `${e.rule} (tensor "${s.name}")`, e.value, e.extra);
    throw e;
  }
  const n = numel(recipe.shape);
  let intValue: bigint | undefined;
  if (isInt) {
    if (!INT_SCHEMES.has(recipe.scheme) || recipe.multiplier !== 1) throw new RecipeError('invalid', `${path}.scheme`, 'int64 tensors take a constant scheme (zeros, ones, constant) without multiplier', s.scheme);
    const v = recipe.scheme === 'zeros' ? 0 : recipe.scheme === 'ones' ? 1 : (recipe.params.value as number);
    if (!Number.isSafeInteger(v)) throw new RecipeError('invalid', `${path}.params.value`, 'must be an integer for an int64 tensor', v);
    intValue = BigInt(v);
  }
  const dtype: ModelDType = isInt ? 'int64' : recipe.dtype;
  const t: ModelTensor = {
    name: s.name, shape: recipe.shape, dtype, numel: n, bytes: n * MODEL_BYTES[dtype], offset: 0,
    recipe, recipeId: recipeId(recipe), role: s.role ?? 'parameter',
  };
  if (intValue !== undefined) t.intValue = intValue;
  if (s.init !== undefined) t.init = s.init;
  return t;
}

/**
 * The manifest as it documents a file: seed, defaults, algorithm and every tensor's canonical
 * recipe (name, shape, dtype, scheme, params, layout, multiplier, fans), byte range and recipe id.
 * It is itself a valid manifest (tensors only) that reproduces the same file.
 */
export function describeModel(m: CanonicalModel): Record<string, unknown> {
  // JSON round trip: plain data only (optional params left unset disappear, as in stableJson).
  return JSON.parse(JSON.stringify({
    algorithm: m.algorithm,
    seed: m.seed,
    defaults: m.defaults,
    total_bytes: m.totalBytes,
    tensors: m.tensors.map((t) => {
      const r = t.recipe;
      const o: Record<string, unknown> = { name: t.name, shape: t.shape, dtype: t.dtype, scheme: r.scheme, params: r.params, layout: r.layout };
      if (r.multiplier !== 1) o.multiplier = r.multiplier;
      if (r.fan_in !== undefined) o.fan_in = r.fan_in;
      if (r.fan_out !== undefined) o.fan_out = r.fan_out;
      return o;
    }),
  }));
}

/** describeModel plus, per tensor, byte offsets, recipe id, module and the framework's init in words (for dry runs). */
export function expandedModel(m: CanonicalModel): Record<string, unknown> {
  const base = describeModel(m);
  (base.tensors as Record<string, unknown>[]).forEach((o, i) => {
    const t = m.tensors[i]!;
    o.bytes = t.bytes;
    o.data_offsets = [t.offset, t.offset + t.bytes];
    if (t.dtype !== 'int64') o.recipe_id = t.recipeId;
    if (t.module !== undefined) o.module = t.module;
    o.role = t.role;
    if (t.init !== undefined) o.init = t.init;
  });
  return base;
}
