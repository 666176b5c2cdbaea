/**
 * The whole-tensor lane. Recipes whose values come from one computation over the whole tensor
 * (orthogonal, delta_orthogonal, sparse, dirichlet, unique_uniform_int, spectral_norm: Field.whole)
 * must not be recomputed by every worker that generates one of their chunks (orthogonal 2048 x 2048
 * is ~10 s of QR). Here each such recipe is computed once, by one pool task, into a SharedArrayBuffer;
 * chunk and stats tasks then carry that array (shared, not copied) and only slice and convert it, in
 * parallel as for any recipe.
 *
 * - One whole computation at a time per pool (a FIFO lane), so they never take every worker from the
 *   streaming requests; concurrent requests for the same recipe share one computation.
 * - Finished arrays stay in a small LRU, bounded by bytes (wholeCacheBytes(): one float32 tensor of
 *   WEIGHTINIT_MAX_WHOLE_ELEMENTS); an array over the budget is not kept (its requests hold it while
 *   they stream). A request whose client leaves stops waiting at once; a computation nobody waits
 *   for any more when its turn comes is skipped, one already running finishes (a QR has no
 *   cancellation points) and its result is kept for the next asker.
 */
import { recipeId, wholeCacheBytes, type CanonicalRecipe } from '../core/recipe.ts';
import { AbortError, type WorkerPool } from './pool.ts';
import type { WholeValues } from './tasks.ts';

const noop = () => {};

export class WholeLane {
  private readonly done = new Map<string, WholeValues>();
  private doneBytes = 0;
  private readonly pending = new Map<string, Promise<WholeValues>>();
  /** Requests still waiting for each pending recipe. */
  private readonly waiters = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Whole computations run by this lane (tests and metrics). */
  computations = 0;

  constructor(private readonly pool: WorkerPool, private readonly budgetBytes: () => number = wholeCacheBytes) {}

  /** Bytes of finished arrays kept for reuse. */
  get cachedBytes(): number { return this.doneBytes; }

  values(recipe: CanonicalRecipe, signal?: AbortSignal): Promise<WholeValues> {
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    const id = recipeId(recipe);
    const hit = this.done.get(id);
    if (hit) { this.done.delete(id); this.done.set(id, hit); return Promise.resolve(hit); }
    let p = this.pending.get(id);
    if (!p) {
      const run = () => {
        if (!this.waiters.get(id)) throw new AbortError(new Error('nobody waits for this whole tensor any more'));
        this.computations++;
        return this.pool.run<WholeValues | null>({ kind: 'whole', recipe });
      };
      p = this.tail.then(run).then((v) => {
        if (!v) throw new Error('whole-tensor computation was cancelled');
        this.keep(id, v);
        return v;
      }).finally(() => { this.pending.delete(id); this.waiters.delete(id); });
      this.tail = p.catch(noop);
      this.pending.set(id, p);
    }
    this.waiters.set(id, (this.waiters.get(id) ?? 0) + 1);
    const leave = () => { const n = this.waiters.get(id); if (n !== undefined) this.waiters.set(id, n - 1); };
    const mine = signal ? untilAborted(p, signal) : p;
    mine.then(leave, leave);
    return mine;
  }

  private keep(id: string, v: WholeValues): void {
    const budget = this.budgetBytes();
    if (v.byteLength > budget) return;
    this.done.set(id, v);
    this.doneBytes += v.byteLength;
    while (this.doneBytes > budget) {
      const [oldId, old] = this.done.entries().next().value!;
      this.done.delete(oldId);
      this.doneBytes -= old.byteLength;
    }
  }
}

function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortError(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then((v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); });
  });
}

const lanes = new WeakMap<WorkerPool, WholeLane>();

/** The lane of a pool (one per pool, created on first use). */
export function wholeLane(pool: WorkerPool): WholeLane {
  let lane = lanes.get(pool);
  if (!lane) { lane = new WholeLane(pool); lanes.set(pool, lane); }
  return lane;
}
