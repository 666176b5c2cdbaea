/**
 * Tensor bodies: the bytes of a slice of a recipe, framed by a format's prefix and suffix.
 *
 * Small bodies (<= mainThreadMaxBytes) are generated at once on the main thread: a pool round trip
 * costs more than the work. Larger ones become an OrderedChunkStream: chunks are generated in
 * parallel on the pool, at most `windowChunks` ahead of what the socket has taken, and pushed in
 * order; `pipe` backpressure stops the pulling, so memory stays within maxHeldChunks(windowChunks) x chunkBytes per
 * request whatever the tensor size. Destroying the stream (client gone) cancels every chunk.
 */
import { Readable } from 'node:stream';
import type { CanonicalRecipe } from '../core/recipe.ts';
import type { Slice } from '../core/slice.ts';
import { BYTES_PER_ELEMENT } from '../core/dtypes.ts';
import { maxHeldChunks, planChunks, type ChunkPlan } from './plan.ts';
import { compileResult, fillRange, STATS_BLOCK, statsRange } from './fill.ts';
import { compileCanonical } from '../core/recipe.ts';
import { numel as numelOf } from '../core/slice.ts';
import { wholeLane } from './whole.ts';
import { RecipeError } from '../core/errors.ts';
import type { Theory } from '../core/schemes/registry.ts';
import type { WholeValues } from './tasks.ts';
import { merge, emptyStats, type PartialStats } from './stats.ts';
import type { WorkerPool } from './pool.ts';
import { DEFAULT_RECYCLE_BYTES, slotPool, type SlotPool } from './slots.ts';

export interface TensorJob {
  recipe: CanonicalRecipe;
  slice?: Slice;
  /** Number of slice-output elements. */
  numel: number;
  /** Whole-tensor recipes: the values computed once by the whole lane (see whole.ts). Per request, never cached in a plan. */
  values?: WholeValues;
}

export interface GenerationLimits {
  chunkBytes: number;
  windowChunks: number;
  mainThreadMaxBytes: number;
  /** Cap of the pool's shared chunk-slot slab for recycling streams (default DEFAULT_RECYCLE_BYTES). */
  recycleBytes?: number;
}

export interface Framing { prefix?: Uint8Array; suffix?: Uint8Array }

const noop = () => {};

function dataBytes(job: TensorJob): number { return job.numel * BYTES_PER_ELEMENT[job.recipe.dtype]; }

/** Generates the whole framed body on the calling thread (small tensors, tests). */
export function generateInline(job: TensorJob, framing: Framing = {}): Buffer {
  const pre = framing.prefix?.length ?? 0, suf = framing.suffix?.length ?? 0;
  const out = Buffer.allocUnsafe(pre + dataBytes(job) + suf);
  if (framing.prefix) out.set(framing.prefix, 0);
  fillRange(job.recipe, job.slice, 0, job.numel, out, pre, undefined, job.values);
  if (framing.suffix) out.set(framing.suffix, pre + dataBytes(job));
  return out;
}

/** The framed body: a Buffer when small, else a stream of pool-generated chunks. */
export function tensorBody(pool: WorkerPool, job: TensorJob, limits: GenerationLimits, framing: Framing = {}): Buffer | OrderedChunkStream {
  if (dataBytes(job) <= limits.mainThreadMaxBytes) return generateInline(job, framing);
  return new OrderedChunkStream(pool, job, limits, framing);
}

/**
 * A writable-like destination whose buffered byte count covers everything not yet handed to the
 * kernel, and whose 'close' means it will read none of its buffers any more (it finished, or its
 * socket is gone): a ServerResponse.
 */
export interface FlushGauge { readonly writableLength: number; once(event: 'close', listener: () => void): unknown }

/** A stream's use of its pool's shared chunk slots (see OrderedChunkStream.recycleInto). */
interface Recycler {
  slots: SlotPool;
  /** Pushed chunks whose slot is still to be flushed by dest, in push order (`end`: pushedTotal after it). */
  held: { slot: Uint8Array; end: number }[];
  /** Slots this stream holds (generating, awaited, or held); at most `max`. */
  owned: number;
  max: number;
  dest: FlushGauge;
  /** dest closed: nothing reads pushed buffers any more. */
  destClosed: boolean;
}



/** A submitted chunk: the pool task (true/false when filling a slot, an ArrayBuffer/null otherwise). */
interface Pending { run: Promise<ArrayBuffer | boolean | null>; slot?: Uint8Array; bytes: number }

export class OrderedChunkStream extends Readable {
  private readonly plan: ChunkPlan;
  private readonly abort = new AbortController();
  /** False until a whole-tensor recipe has its values (chunks are submitted only then). */
  private ready = false;
  private readonly inflight: Pending[] = [];
  private recycler: Recycler | undefined;
  private submitted = 0;
  private pulling = false;
  private started = false;
  /** Bytes pushed so far, framing included (what the destination has been given). */
  private pushedTotal = 0;
  /** Bytes of tensor data pushed so far (for metrics and tests). */
  bytesPushed = 0;

  constructor(private readonly pool: WorkerPool, private job: TensorJob,
    private readonly limits: GenerationLimits, private readonly framing: Framing = {}) {
    super();
    this.plan = planChunks(job.numel, BYTES_PER_ELEMENT[job.recipe.dtype], limits.chunkBytes);
  }

  /** Total body length, known before the first byte. */
  get length(): number { return (this.framing.prefix?.length ?? 0) + dataBytes(this.job) + (this.framing.suffix?.length ?? 0); }
  get signal(): AbortSignal { return this.abort.signal; }

  /**
   * Declares `dest` (a socket-backed HTTP response this stream will be piped to, and its only
   * consumer) so chunk buffers can be reused once dest has flushed them: workers then write into
   * slots of the pool's shared slab (slots.ts) instead of a fresh 1 MiB ArrayBuffer per chunk, whose
   * external-memory churn otherwise drives a full GC on the main thread every few dozen chunks.
   * A slot goes back to the pool when every byte up to its end has left both this stream's buffer
   * and dest's (dest.writableLength counts bytes not yet handed to the kernel), when dest closes, or,
   * for a chunk never pushed, when its task has settled (pool.run settles an `into` task only once
   * the worker has let go). A stream holds at most maxHeldChunks(windowChunks) slots; when it may not
   * take one or the pool has none free, a chunk gets a fresh buffer as before. Must be called before
   * the first read; a consumer that keeps chunks (collecting them, hashing later) must not use this.
   */
  recycleInto(dest: FlushGauge): this {
    if (this.started || this.plan.count < 2 || this.recycler) return this;
    const slots = slotPool(this.pool, this.limits.chunkBytes, this.limits.recycleBytes ?? DEFAULT_RECYCLE_BYTES);
    const r: Recycler = { slots, held: [], owned: 0, max: Math.min(this.plan.count, maxHeldChunks(this.limits.windowChunks)), dest, destClosed: false };
    this.recycler = r;
    dest.once('close', () => {
      r.destClosed = true;
      for (const h of r.held.splice(0)) this.giveBack(h.slot);
    });
    return this;
  }

  private giveBack(slot: Uint8Array): void {
    this.recycler!.owned--;
    this.recycler!.slots.release(slot);
  }

  private reclaim(r: Recycler): void {
    const flushed = this.pushedTotal - this.readableLength - r.dest.writableLength;
    while (r.held.length > 0 && r.held[0]!.end <= flushed) this.giveBack(r.held.shift()!.slot);
  }

  /** A slot for the next chunk, if this stream may hold one more and the pool has one free. */
  private takeSlot(): Uint8Array | undefined {
    const r = this.recycler;
    if (!r || r.destClosed) return undefined;
    this.reclaim(r);
    if (r.owned >= r.max) return undefined;
    const slot = r.slots.acquire();
    if (slot) r.owned++;
    return slot;
  }

  private topUp(): void {
    if (!this.ready) return;
    while (this.submitted < this.plan.count && this.inflight.length < this.limits.windowChunks && !this.abort.signal.aborted) {
      const [o0, o1] = this.plan.range(this.submitted++);
      const bytes = (o1 - o0) * BYTES_PER_ELEMENT[this.job.recipe.dtype];
      const task = { kind: 'chunk' as const, recipe: this.job.recipe, slice: this.job.slice, o0, o1, values: this.job.values };
      const slot = this.takeSlot();
      const into = slot ? new Uint8Array(slot.buffer, slot.byteOffset, bytes) : undefined;
      const run = this.pool.run<ArrayBuffer | boolean | null>(into ? { ...task, into } : task, this.abort.signal);
      run.catch(noop); // awaited later in order; a rejection before then must not count as unhandled
      this.inflight.push({ run, slot, bytes });
    }
  }

  private pushCounted(b: Buffer, slot?: Uint8Array): boolean {
    this.pushedTotal += b.length;
    if (slot) {
      const r = this.recycler!;
      // After dest closed nothing will read this buffer (and no later close would give the slot back).
      if (r.destClosed) this.giveBack(slot);
      else r.held.push({ slot, end: this.pushedTotal });
    }
    return this.push(b);
  }

  override _read(): void {
    if (!this.started) {
      this.started = true;
      if (this.framing.prefix?.length && !this.pushCounted(Buffer.from(this.framing.prefix.buffer, this.framing.prefix.byteOffset, this.framing.prefix.byteLength))) { this.topUp(); return; }
    }
    if (!this.pulling) void this.pull();
  }

  private async pull(): Promise<void> {
    this.pulling = true;
    try {
      if (!this.ready) {
        // A caller that did not prepare the job (prepareJob) still gets the whole tensor computed once.
        if (!this.job.values && compileCanonical(this.job.recipe).whole) {
          this.job = { ...this.job, values: await wholeLane(this.pool).values(this.job.recipe, this.abort.signal) };
          if (this.destroyed) return;
        }
        this.ready = true;
      }
      for (;;) {
        this.topUp();
        const next = this.inflight.shift();
        if (!next) {
          if (this.framing.suffix?.length) this.pushCounted(Buffer.from(this.framing.suffix));
          this.push(null);
          return;
        }
        // From here this chunk's slot is this loop's to give back (or push), whatever happens.
        let result: ArrayBuffer | boolean | null;
        try { result = await next.run; } catch (e) { if (next.slot) this.giveBack(next.slot); throw e; }
        if (this.destroyed || result === null || result === false) {
          if (next.slot) this.giveBack(next.slot);
          if (this.destroyed) return;
          throw new Error('chunk generation was cancelled');
        }
        const buf = next.slot ? Buffer.from(next.slot.buffer, next.slot.byteOffset, next.bytes) : Buffer.from(result as ArrayBuffer);
        this.bytesPushed += buf.byteLength;
        this.topUp();
        if (!this.pushCounted(buf, next.slot)) return;
      }
    } catch (e) {
      if (!this.destroyed) this.destroy(e as Error);
    } finally {
      this.pulling = false;
    }
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.abort.abort(err ?? new Error('response stream closed'));
    // Chunks nobody will await: their slots return once their tasks settle (the worker let go).
    for (const p of this.inflight.splice(0)) {
      const slot = p.slot;
      if (slot) { const back = () => this.giveBack(slot); p.run.then(back, back); }
    }
    cb(err);
  }
}

/** Runs `count` pool tasks with at most `window` outstanding; onResult sees them in completion order. */
async function windowed<T>(count: number, window: number, task: (i: number) => Promise<T>, onResult: (r: T, i: number) => void): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(window, count) }, async () => {
    while (next < count) { const i = next++; onResult(await task(i), i); }
  });
  await Promise.all(workers);
}

export const HISTOGRAM_BINS = 64;

/**
 * Statistics of the stored values in two streaming passes: moments and range, then a histogram over
 * [min, max]. Chunks are multiples of STATS_BLOCK and their per-block partials are folded in block
 * order (a reorder buffer at most `windowChunks` deep), so the result does not depend on chunking,
 * scheduling or the inline/pool choice. Memory is bounded.
 */
export async function tensorStats(pool: WorkerPool, job: TensorJob, limits: GenerationLimits, signal?: AbortSignal): Promise<PartialStats> {
  const width = BYTES_PER_ELEMENT[job.recipe.dtype];
  const inline = job.numel * width <= limits.mainThreadMaxBytes;
  const blocksPerChunk = Math.max(1, Math.round(limits.chunkBytes / width / STATS_BLOCK));
  const plan = planChunks(job.numel, 1, blocksPerChunk * STATS_BLOCK);
  const pass = async (hist?: { lo: number; hi: number; bins: number }): Promise<PartialStats> => {
    let acc = emptyStats();
    const fold = (blocks: PartialStats[] | null) => {
      if (blocks === null) throw new Error('stats generation was cancelled');
      for (const b of blocks) acc = merge(acc, b);
    };
    if (inline) { fold(statsRange(job.recipe, job.slice, 0, job.numel, hist, undefined, job.values)); return acc; }
    const ready = new Map<number, PartialStats[] | null>();
    let nextFold = 0;
    await windowed(plan.count, limits.windowChunks, (i) => {
      const [o0, o1] = plan.range(i);
      return pool.run<PartialStats[] | null>({ kind: 'stats', recipe: job.recipe, slice: job.slice, o0, o1, hist, values: job.values }, signal);
    }, (r, i) => {
      ready.set(i, r);
      while (ready.has(nextFold)) { fold(ready.get(nextFold)!); ready.delete(nextFold++); }
    });
    return acc;
  };
  const first = await pass();
  if (first.count === 0 || !(first.max > first.min)) {
    return { ...first, histogram: first.count === 0 ? [] : [first.count] };
  }
  const second = await pass({ lo: first.min, hi: first.max, bins: HISTOGRAM_BINS });
  return { ...first, histogram: second.histogram ?? [] };
}

/** All bytes of a (bounded) job, e.g. for format=json; chunks in parallel on the pool when large. */
export async function collectBytes(pool: WorkerPool, job: TensorJob, limits: GenerationLimits, signal?: AbortSignal): Promise<Uint8Array> {
  const width = BYTES_PER_ELEMENT[job.recipe.dtype];
  if (job.numel * width <= limits.mainThreadMaxBytes) return generateInline(job);
  const out = new Uint8Array(job.numel * width);
  const plan = planChunks(job.numel, width, limits.chunkBytes);
  await windowed(plan.count, limits.windowChunks, async (i) => {
    const [o0, o1] = plan.range(i);
    const buf = await pool.run<ArrayBuffer | null>({ kind: 'chunk', recipe: job.recipe, slice: job.slice, o0, o1, values: job.values }, signal);
    if (buf === null) throw new Error('chunk generation was cancelled');
    out.set(new Uint8Array(buf), o0 * width);
  }, noop);
  return out;
}

/**
 * Gets a job ready to generate: compiles its recipe on this thread (compiling is cheap and lazy for
 * every scheme; it throws the RecipeError) and, for a whole-tensor recipe too large to compute here,
 * gets its values from the whole lane (computed once, shared with the workers). Returns the scheme's
 * theory and the job to generate (a copy carrying the values, never the caller's object).
 */
export async function prepareJob(pool: WorkerPool, job: TensorJob, limits: GenerationLimits,
  signal?: AbortSignal | (() => AbortSignal)): Promise<{ theory: Theory; job: TensorJob }> {
  const r = checkRecipe(job);
  if (!r.whole || job.values) return { theory: r.theory, job };
  const fullBytes = numelOf(job.recipe.shape) * BYTES_PER_ELEMENT[job.recipe.dtype];
  if (fullBytes <= limits.mainThreadMaxBytes) return { theory: r.theory, job }; // tiny: computed inline
  const sig = typeof signal === 'function' ? signal() : signal; // made only when waiting can happen
  return { theory: r.theory, job: { ...job, values: await wholeLane(pool).values(job.recipe, sig) } };
}

/** Compiles the job's recipe on this thread (cheap: no values are computed); throws its RecipeError. */
export function checkRecipe(job: TensorJob): { theory: Theory; whole: boolean } {
  const r = compileResult(job.recipe);
  if (!r.ok) throw new RecipeError(r.error.kind, r.error.field, r.error.rule, r.error.value, r.error.extra);
  return r;
}

/** The recipe's theory (throws its RecipeError); see prepareJob. */
export async function compileFor(pool: WorkerPool, job: TensorJob, limits: GenerationLimits, signal?: AbortSignal): Promise<Theory> {
  return (await prepareJob(pool, job, limits, signal)).theory;
}
