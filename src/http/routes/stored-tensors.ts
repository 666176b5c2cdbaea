/**
 * Stored (pretrained) tensors through /v1/tensors. Their scheme reads the store index, which only the
 * main thread has (src/store/scheme.ts registers it there; pool workers would answer "unknown scheme"),
 * so such recipes never go to the worker pool. Instead a main-thread stand-in for the pool runs the
 * very same chunk / stats / whole tasks here, so the body, json, stats and digest paths stay the ones
 * generated tensors use (framing, Content-Length, slices, ordered streaming):
 * - one chunk at a time (window 1), each after a setImmediate, so a large tensor never holds the event
 *   loop; the response stream asks for the next chunk only when the socket has taken the previous one
 *   (backpressure), so memory stays about one chunk per request;
 * - every size takes this path (mainThreadMaxBytes 0), so a small tensor is copied like a large one;
 * - a chunk of the stored dtype is copied from the file byte for byte (copyBytes: NaN payloads and
 *   signalling bits kept), slices run by run; other dtypes go through the field's values.
 */
import { BYTES_PER_ELEMENT } from '../../core/dtypes.ts';
import { generateFlat } from '../../core/generate.ts';
import type { ByteCopyField } from '../../core/models/bytes.ts';
import type { Field } from '../../core/field.ts';
import { compileCanonical, type CanonicalRecipe } from '../../core/recipe.ts';
import { lookup } from '../../core/schemes/registry.ts';
import { forEachRun, fullSlice, planRuns, type Slice } from '../../core/slice.ts';
import { AbortError, type GenerationLimits, type PoolTask, type WholeValues, type WorkerPool } from '../../pool/index.ts';
import { compileResult, fillRange, statsRange, wholeValues } from '../../pool/fill.ts';

/** Recipes whose scheme can only run on the main thread (it reads the store index). */
export function needsMainThread(recipe: CanonicalRecipe): boolean {
  return lookup(recipe.scheme)?.family === 'pretrained';
}

/** Limits for main-thread recipes: the configured chunk size, one chunk in flight, nothing inline. */
export function mainThreadLimits(limits: GenerationLimits): GenerationLimits {
  return { chunkBytes: limits.chunkBytes, windowChunks: 1, mainThreadMaxBytes: 0 };
}

/**
 * Writes slice outputs [o0, o1) of a recipe into out at `offset`: stored bytes copied verbatim when the
 * field can (same dtype, no multiplier), else the field's values encoded to the dtype.
 */
export function writeStoredRange(recipe: CanonicalRecipe, slice: Slice | undefined, o0: number, o1: number,
  out: Uint8Array, offset = 0, values?: WholeValues): void {
  if (values) { fillRange(recipe, slice, o0, o1, out, offset, undefined, values); return; }
  const field = compileCanonical(recipe).field as Partial<ByteCopyField> & Field;
  const copy = typeof field.copyBytes === 'function' ? field.copyBytes.bind(field) : undefined;
  const dtype = recipe.dtype, width = BYTES_PER_ELEMENT[dtype];
  const plan = planRuns(recipe.shape, slice ?? fullSlice(recipe.shape));
  forEachRun(plan, o0, o1, (src, len, o) => {
    const at = offset + o * width;
    if (!copy?.(dtype, src, len, out, at)) generateFlat(field, dtype, src, src + len, out, at);
  });
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A WorkerPool that runs each task on the main thread, one macrotask per task. */
export function mainThreadRunner(): WorkerPool {
  let running = 0;
  let closed = false;
  async function run<T>(task: PoolTask, signal?: AbortSignal): Promise<T> {
    if (closed) throw new Error('runner is closed');
    await yieldToEventLoop();
    if (signal?.aborted) throw new AbortError(signal.reason);
    running++;
    try {
      return execute(task) as T;
    } finally {
      running--;
    }
  }
  return {
    run,
    get utilization() { return 0; },
    get queueSize() { return running; },
    threads: 0,
    selfTest: async () => [],
    close: async () => { closed = true; },
  };
}

function execute(task: PoolTask): unknown {
  switch (task.kind) {
    case 'chunk': {
      const bytes = (task.o1 - task.o0) * BYTES_PER_ELEMENT[task.recipe.dtype];
      if (task.into) { writeStoredRange(task.recipe, task.slice, task.o0, task.o1, task.into, 0, task.values); return true; }
      const buf = Buffer.allocUnsafeSlow(bytes); // every byte is written below
      writeStoredRange(task.recipe, task.slice, task.o0, task.o1, buf, 0, task.values);
      return buf.buffer;
    }
    case 'stats': return statsRange(task.recipe, task.slice, task.o0, task.o1, task.hist, undefined, task.values);
    case 'whole': return wholeValues(task.recipe);
    case 'compile': return compileResult(task.recipe);
    case 'selftest': throw new Error('the main-thread runner has no self-test');
  }
}
