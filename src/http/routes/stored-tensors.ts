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
 * Runs closer than this in the file are read as one span: a read call costs about as much as copying
 * this many bytes from the page cache, so a column slice makes a few large reads, not one per row.
 */
const COALESCE_GAP_BYTES = 2 * 1024;
/** Largest span read at once for coalesced runs (a single longer run is still read directly). */
const COALESCE_SPAN_BYTES = 1 << 20;
let spanScratch = new Uint8Array(0);

/**
 * Writes slice outputs [o0, o1) of a recipe into out at `offset`: stored bytes copied verbatim when the
 * field can (same dtype, no multiplier), else the field's values encoded to the dtype. Verbatim slice
 * runs that lie close together in the file are read as one span and then scattered.
 */
export function writeStoredRange(recipe: CanonicalRecipe, slice: Slice | undefined, o0: number, o1: number,
  out: Uint8Array, offset = 0, values?: WholeValues): void {
  if (values) { fillRange(recipe, slice, o0, o1, out, offset, undefined, values); return; }
  const field = compileCanonical(recipe).field as Partial<ByteCopyField> & Field;
  const copy = typeof field.copyBytes === 'function' ? field.copyBytes.bind(field) : undefined;
  const dtype = recipe.dtype, width = BYTES_PER_ELEMENT[dtype];
  /** Elements [src, src + len) of the tensor into dst at byte `at`. */
  const write = (src: number, len: number, dst: Uint8Array, at: number) => {
    if (!copy?.(dtype, src, len, dst, at)) generateFlat(field, dtype, src, src + len, dst, at);
  };
  const plan = planRuns(recipe.shape, slice ?? fullSlice(recipe.shape));
  // Coalesce only verbatim copies (a zero-length copy tells whether the field can): converting the
  // elements between runs would cost more than the reads it saves.
  const verbatim = copy?.(dtype, 0, 0, spanScratch, 0) === true;
  if (!verbatim || plan.runs <= 1 || plan.runLength * width >= COALESCE_SPAN_BYTES) {
    forEachRun(plan, o0, o1, (src, len, o) => write(src, len, out, offset + o * width));
    return;
  }
  // Runs ascend in the file (slices have no steps): group neighbours, read each group's span once.
  let gStart = -1, gEnd = 0;
  const group: number[] = []; // (src, len, o) triples of the current group
  const flush = () => {
    if (group.length === 3) write(group[0]!, group[1]!, out, offset + group[2]! * width);
    else if (group.length > 3) {
      const bytes = (gEnd - gStart) * width;
      if (spanScratch.length < bytes) spanScratch = new Uint8Array(Math.max(bytes, 64 * 1024));
      write(gStart, gEnd - gStart, spanScratch, 0);
      for (let k = 0; k < group.length; k += 3) {
        const from = (group[k]! - gStart) * width;
        out.set(spanScratch.subarray(from, from + group[k + 1]! * width), offset + group[k + 2]! * width);
      }
    }
    group.length = 0;
  };
  forEachRun(plan, o0, o1, (src, len, o) => {
    if (group.length > 0 && ((src - gEnd) * width > COALESCE_GAP_BYTES || (src + len - gStart) * width > COALESCE_SPAN_BYTES)) flush();
    if (group.length === 0) gStart = src;
    group.push(src, len, o);
    gEnd = src + len;
  });
  flush();
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
