/**
 * Tensor bodies: the bytes of a slice of a recipe, framed by a format's prefix and suffix.
 *
 * Small bodies (<= mainThreadMaxBytes) are generated at once on the main thread: a pool round trip
 * costs more than the work. Larger ones become an OrderedChunkStream: chunks are generated in
 * parallel on the pool, at most `windowChunks` ahead of what the socket has taken, and pushed in
 * order; `pipe` backpressure stops the pulling, so memory stays about windowChunks x chunkBytes per
 * request whatever the tensor size. Destroying the stream (client gone) cancels every chunk.
 */
import { Readable } from 'node:stream';
import type { CanonicalRecipe } from '../core/recipe.ts';
import type { Slice } from '../core/slice.ts';
import { BYTES_PER_ELEMENT } from '../core/dtypes.ts';
import { planChunks, type ChunkPlan } from './plan.ts';
import { compileResult, fillRange, STATS_BLOCK, statsRange } from './fill.ts';
import { compileCanonical } from '../core/recipe.ts';
import { numel as numelOf } from '../core/slice.ts';
import { wholeLane } from './whole.ts';
import { RecipeError } from '../core/errors.ts';
import type { Theory } from '../core/schemes/registry.ts';
import type { WholeValues } from './tasks.ts';
import { merge, emptyStats, type PartialStats } from './stats.ts';
import type { WorkerPool } from './pool.ts';

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

/** A writable-like destination whose buffered byte count covers everything not yet handed to the kernel. */
export interface FlushGauge { readonly writableLength: number }

/** Chunk buffers reused across a stream (see OrderedChunkStream.recycleInto). */
interface Ring { sab: SharedArrayBuffer; slotBytes: number; free: number[]; held: { slot: number; end: number }[]; dest: FlushGauge }

/** Slots of a recycling ring beyond the window: pushed chunks not yet flushed (stream buffer, socket). */
const RING_SPARE_SLOTS = 3;

interface Generated { buf: Buffer | null; slot?: number }

export class OrderedChunkStream extends Readable {
  private readonly plan: ChunkPlan;
  private readonly abort = new AbortController();
  /** False until a whole-tensor recipe has its values (chunks are submitted only then). */
  private ready = false;
  private readonly inflight: Promise<Generated>[] = [];
  private ring: Ring | undefined;
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
   * slots of one SharedArrayBuffer per stream instead of a fresh 1 MiB ArrayBuffer per chunk, whose
   * external-memory churn otherwise drives a full GC on the main thread every few dozen chunks.
   * A slot is free again when every byte up to its end has left both this stream's buffer and
   * dest's (dest.writableLength counts bytes not yet handed to the kernel); when no slot is free a
   * chunk gets a fresh buffer as before. Must be called before the first read; a consumer that keeps
   * chunks (collecting them, hashing later) must not use this.
   */
  recycleInto(dest: FlushGauge): this {
    if (this.started || this.plan.count < 2) return this;
    const slots = Math.min(this.plan.count, this.limits.windowChunks + RING_SPARE_SLOTS);
    const slotBytes = this.plan.chunkElements * BYTES_PER_ELEMENT[this.job.recipe.dtype];
    this.ring = { sab: new SharedArrayBuffer(slots * slotBytes), slotBytes, free: Array.from({ length: slots }, (_, i) => slots - 1 - i), held: [], dest };
    return this;
  }

  private reclaim(r: Ring): void {
    const flushed = this.pushedTotal - this.readableLength - r.dest.writableLength;
    while (r.held.length > 0 && r.held[0]!.end <= flushed) r.free.push(r.held.shift()!.slot);
  }

  private topUp(): void {
    if (!this.ready) return;
    while (this.submitted < this.plan.count && this.inflight.length < this.limits.windowChunks && !this.abort.signal.aborted) {
      const [o0, o1] = this.plan.range(this.submitted++);
      const task = { kind: 'chunk' as const, recipe: this.job.recipe, slice: this.job.slice, o0, o1, values: this.job.values };
      let p: Promise<Generated>;
      const r = this.ring;
      if (r) this.reclaim(r);
      const slot = r?.free.pop();
      if (r && slot !== undefined) {
        const into = new Uint8Array(r.sab, slot * r.slotBytes, (o1 - o0) * BYTES_PER_ELEMENT[this.job.recipe.dtype]);
        p = this.pool.run<boolean>({ ...task, into }, this.abort.signal)
          .then((ok) => ({ buf: ok ? Buffer.from(into.buffer, into.byteOffset, into.byteLength) : null, slot }));
      } else {
        p = this.pool.run<ArrayBuffer | null>(task, this.abort.signal).then((b) => ({ buf: b === null ? null : Buffer.from(b) }));
      }
      p.catch(noop); // awaited later in order; a rejection before then must not count as unhandled
      this.inflight.push(p);
    }
  }

  private pushCounted(b: Buffer, slot?: number): boolean {
    this.pushedTotal += b.length;
    if (slot !== undefined) this.ring!.held.push({ slot, end: this.pushedTotal });
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
        const { buf, slot } = await next;
        if (this.destroyed) return;
        if (buf === null) throw new Error('chunk generation was cancelled');
        this.bytesPushed += buf.byteLength;
        this.topUp();
        if (!this.pushCounted(buf, slot)) return;
      }
    } catch (e) {
      if (!this.destroyed) this.destroy(e as Error);
    } finally {
      this.pulling = false;
    }
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.abort.abort(err ?? new Error('response stream closed'));
    this.inflight.length = 0;
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
