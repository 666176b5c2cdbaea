/**
 * Chunk slots shared by every stream of a pool: fixed-size pieces of a few long-lived
 * SharedArrayBuffers that workers fill in place (ChunkTask.into) and the main thread sends from.
 *
 * Why shared and long-lived rather than a buffer (or ring) per stream: a SharedArrayBuffer posted to
 * a worker stays referenced by that worker's deserialized task until the worker's own GC runs, and
 * a worker filling shared memory allocates almost nothing, so that GC can be hours away. Per-stream
 * rings were therefore retained by the workers long after their streams ended (1000 aborted streams:
 * +430 MiB of live SAB memory; soak: RSS climbing by hundreds of MiB). Slots of a slab that lives as
 * long as the pool cost nothing to retain, and their total is capped.
 *
 * The slab grows by segments up to `capacityBytes` and never shrinks (what was touched stays
 * resident, so the cap is the memory bound). When every slot is taken, acquire() answers undefined
 * and the caller falls back to a fresh per-chunk buffer: slower on the main thread's GC, never wrong.
 *
 * Ownership is the caller's job: a slot is released exactly once, and only when nobody (worker,
 * stream buffer, socket) can still read or write it.
 */
import type { WorkerPool } from './pool.ts';

export const SLOT_MISUSE = 'chunk slot released twice or not from this pool (ignored)';

/** Bytes allocated at once when the slab grows (a whole number of slots, at least one). */
const SEGMENT_BYTES = 4 * 1024 * 1024;

export class SlotPool {
  private readonly free: Uint8Array[] = [];
  private readonly inUse = new Set<Uint8Array>();
  private allocated = 0;
  /** Highest number of slots in use at once (tests, metrics). */
  peakInUse = 0;

  constructor(readonly slotBytes: number, readonly capacityBytes: number) {}

  /** Slots that fit the cap. */
  get capacity(): number { return Math.floor(this.capacityBytes / this.slotBytes); }
  get used(): number { return this.inUse.size; }
  /** Bytes of shared memory allocated so far (stays allocated while the pool lives). */
  get allocatedBytes(): number { return this.allocated * this.slotBytes; }

  /** A free slot (exactly slotBytes long), or undefined when all `capacity` slots are taken. */
  acquire(): Uint8Array | undefined {
    if (this.free.length === 0) this.grow();
    const slot = this.free.pop();
    if (slot === undefined) return undefined;
    this.inUse.add(slot);
    if (this.inUse.size > this.peakInUse) this.peakInUse = this.inUse.size;
    return slot;
  }

  release(slot: Uint8Array): void {
    // A second release would put one slot twice on the free list (two writers, corrupted bytes).
    // Ignored and reported, not thrown: releases run in promise callbacks, where a throw would be an
    // unhandled rejection taking the whole service down.
    if (!this.inUse.delete(slot)) { process.emitWarning(SLOT_MISUSE, { code: 'WEIGHTINIT_SLOT' }); return; }
    this.free.push(slot);
  }

  private grow(): void {
    const n = Math.min(this.capacity - this.allocated, Math.max(1, Math.floor(SEGMENT_BYTES / this.slotBytes)));
    if (n <= 0) return;
    const sab = new SharedArrayBuffer(n * this.slotBytes);
    // Pushed in reverse so the lowest offset is handed out first.
    for (let i = n - 1; i >= 0; i--) this.free.push(new Uint8Array(sab, i * this.slotBytes, this.slotBytes));
    this.allocated += n;
  }
}

/** Default cap of a pool's slot slab: enough for several concurrent streams at the default chunk size. */
export const DEFAULT_RECYCLE_BYTES = 128 * 1024 * 1024;

const pools = new WeakMap<WorkerPool, Map<number, SlotPool>>();

/** The slot pool of a worker pool for a slot size (created on first use; one per pool and size). */
export function slotPool(pool: WorkerPool, slotBytes: number, capacityBytes = DEFAULT_RECYCLE_BYTES): SlotPool {
  let bySize = pools.get(pool);
  if (!bySize) { bySize = new Map(); pools.set(pool, bySize); }
  let p = bySize.get(slotBytes);
  if (!p) { p = new SlotPool(slotBytes, capacityBytes); bySize.set(slotBytes, p); }
  return p;
}
