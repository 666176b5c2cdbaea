/**
 * Messages between the main thread and pool workers. Tasks carry the canonical recipe (plain data),
 * never a compiled field: each worker compiles (and LRU-caches) it itself.
 */
import type { CanonicalRecipe } from '../core/recipe.ts';
import type { Slice } from '../core/slice.ts';
import type { RecipeErrorKind } from '../core/errors.ts';
import type { Theory } from '../core/schemes/registry.ts';

export interface RangeTask {
  recipe: CanonicalRecipe;
  /** Normalized slice; undefined means the whole tensor. */
  slice?: Slice;
  /** Slice-output element range [o0, o1). */
  o0: number;
  o1: number;
  /**
   * Cooperative cancellation flag on shared memory (index 0 becomes 1 when the request is gone).
   * Checked before starting and between sub-ranges, so an abandoned task ends within a fraction of
   * a millisecond without terminating the worker thread (piscina's AbortSignal would kill it).
   */
  cancel?: Int32Array;
  /**
   * Whole-tensor recipes: every flat element's value (sampling precision, scale applied), computed
   * once by a WholeTask on shared memory; the range is then converted from these instead of each
   * worker recomputing the whole tensor.
   */
  values?: WholeValues;
}

/** The values of a whole-tensor recipe, on a SharedArrayBuffer (shared with workers, never copied). */
export type WholeValues = Float32Array | Float64Array;

/** Compute a whole-tensor recipe once (into shared memory); answers WholeValues, or null if cancelled. */
export interface WholeTask { kind: 'whole'; recipe: CanonicalRecipe; cancel?: Int32Array }

/**
 * Fill bytes of the storage dtype. Without `into` the worker answers with a transferred ArrayBuffer
 * (or null if cancelled); with `into` (a slot of shared memory, exactly the range's bytes) it writes
 * there and answers true (false if cancelled).
 */
export interface ChunkTask extends RangeTask { kind: 'chunk'; into?: Uint8Array }

/** Partial statistics of the stored (dtype-rounded) values; pass 2 adds a histogram over [lo, hi]. */
export interface StatsTask extends RangeTask { kind: 'stats'; hist?: { lo: number; hi: number; bins: number } }

export interface SelfTestTask { kind: 'selftest' }

/** This worker's memory (process.memoryUsage() seen from its thread: heap and ArrayBuffers are its own, RSS is the process's). */
export interface MemoryTask { kind: 'memory' }
export interface WorkerMemory { threadId: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number }

/**
 * Compile a recipe in a worker (schemes that compute the whole tensor at compile time must not block
 * the main thread); answers the scheme's theory or the RecipeError as plain data (errors thrown
 * across threads lose their fields).
 */
export interface CompileTask { kind: 'compile'; recipe: CanonicalRecipe }
export type CompileResult =
  | { ok: true; theory: Theory; whole: boolean }
  | { ok: false; error: { kind: RecipeErrorKind; field: string; rule: string; value?: unknown; extra: Record<string, unknown> } };

export type PoolTask = ChunkTask | StatsTask | SelfTestTask | CompileTask | WholeTask | MemoryTask;

export interface SelfTestResult { ok: boolean; sha256: string; kernelMode: string; threadId: number; message?: string }
