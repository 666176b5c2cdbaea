/**
 * The work a pool task does, callable on any thread: generate (or summarize) a range of slice-output
 * elements of a canonical recipe. Used by the worker and by the main thread for small tensors, so
 * both paths run the very same code.
 */
import { createHash } from 'node:crypto';
import { compileCanonical, compileRecipe, type CanonicalRecipe } from '../core/recipe.ts';
import { generateSliceRange } from '../core/generate.ts';
import { BYTES_PER_ELEMENT, decode } from '../core/dtypes.ts';
import type { Slice } from '../core/slice.ts';
import { accumulate, emptyStats, type PartialStats } from './stats.ts';
import { RecipeError } from '../core/errors.ts';
import type { CompileResult, WholeValues } from './tasks.ts';
import type { Field } from '../core/field.ts';

/** Elements generated between two checks of the cancel flag (~1 ms of work at scalar speed). */
const CANCEL_CHECK_ELEMENTS = 65536;

const cancelled = (flag?: Int32Array) => flag !== undefined && Atomics.load(flag, 0) !== 0;

/** A field reading precomputed whole-tensor values (see WholeTask). */
function valuesField(values: WholeValues): Field {
  return { precision: values instanceof Float64Array ? 'f64' : 'f32', fill: (s, n, out) => out.set(values.subarray(s, s + n)) };
}

/**
 * Fills out[offset..] with slice outputs [o0, o1); returns false if cancelled midway. `values`: the
 * recipe's whole-tensor values when it has them (never recomputed here).
 */
export function fillRange(recipe: CanonicalRecipe, slice: Slice | undefined, o0: number, o1: number,
  out: Uint8Array, offset = 0, cancel?: Int32Array, values?: WholeValues): boolean {
  const field = values ? valuesField(values) : compileCanonical(recipe).field;
  const width = BYTES_PER_ELEMENT[recipe.dtype];
  for (let a = o0; a < o1; a += CANCEL_CHECK_ELEMENTS) {
    if (cancelled(cancel)) return false;
    const b = Math.min(o1, a + CANCEL_CHECK_ELEMENTS);
    generateSliceRange(field, recipe.dtype, recipe.shape, slice, a, b, out, offset + (a - o0) * width);
  }
  return true;
}


/**
 * Every value of a whole-tensor recipe into a new SharedArrayBuffer (compiled outside the recipe
 * cache, so this thread keeps no second copy); null if cancelled before it was done.
 */
export function wholeValues(recipe: CanonicalRecipe, cancel?: Int32Array): WholeValues | null {
  const c = compileCanonical(recipe, undefined, { cache: false });
  const f64 = c.field.precision === 'f64';
  const sab = new SharedArrayBuffer(c.numel * (f64 ? 8 : 4));
  const out = f64 ? new Float64Array(sab) : new Float32Array(sab);
  for (let s = 0; s < c.numel; s += WHOLE_PIECE) {
    if (cancelled(cancel)) return null;
    const k = Math.min(WHOLE_PIECE, c.numel - s);
    c.field.fill(s, k, out.subarray(s, s + k));
  }
  return out;
}
const WHOLE_PIECE = 1 << 20;

/**
 * Statistics are computed per block of STATS_BLOCK slice outputs (blocks aligned to absolute output
 * indices) and folded in block order by the caller, so the floating-point result is the same however
 * the work was chunked or scheduled (the stats body is covered by a strong ETag).
 */
export const STATS_BLOCK = CANCEL_CHECK_ELEMENTS;

/** Per-block statistics of the stored values of slice outputs [o0, o1) (o0 a multiple of STATS_BLOCK); null if cancelled. */
export function statsRange(recipe: CanonicalRecipe, slice: Slice | undefined, o0: number, o1: number,
  hist?: { lo: number; hi: number; bins: number }, cancel?: Int32Array, values?: WholeValues): PartialStats[] | null {
  const width = BYTES_PER_ELEMENT[recipe.dtype];
  const buf = new Uint8Array(Math.min(STATS_BLOCK, Math.max(0, o1 - o0)) * width);
  const blocks: PartialStats[] = [];
  for (let a = o0; a < o1; a += STATS_BLOCK) {
    const b = Math.min(o1, a + STATS_BLOCK);
    const part = buf.subarray(0, (b - a) * width);
    if (!fillRange(recipe, slice, a, b, part, 0, cancel, values)) return null;
    const s = emptyStats();
    if (hist) s.histogram = new Array<number>(hist.bins).fill(0);
    blocks.push(accumulate(s, decode(part, recipe.dtype), hist));
  }
  return blocks;
}

/** A fixed recipe every thread must generate identically (workers check it before taking work). */
export const SELF_TEST_RECIPE = { scheme: 'normal', shape: [4099], seed: '20240611', name: 'pool-self-test', dtype: 'float32' } as const;

export function selfTestDigest(): string {
  const c = compileRecipe({ ...SELF_TEST_RECIPE, shape: [...SELF_TEST_RECIPE.shape] });
  const out = new Uint8Array(c.bytes);
  fillRange(c.recipe, undefined, 0, c.numel, out);
  return createHash('sha256').update(out).digest('hex');
}

/** Compiles (and caches in this thread); a RecipeError comes back as data. */
export function compileResult(recipe: CanonicalRecipe): CompileResult {
  try {
    const c = compileCanonical(recipe);
    return { ok: true, theory: c.theory(), whole: c.whole };
  } catch (e) {
    if (e instanceof RecipeError) return { ok: false, error: { kind: e.kind, field: e.field, rule: e.rule, value: cloneable(e.value), extra: cloneable(e.extra) as Record<string, unknown> } };
    throw e;
  }
}

function cloneable(v: unknown): unknown {
  try { return structuredClone(v); } catch { return String(v); }
}
