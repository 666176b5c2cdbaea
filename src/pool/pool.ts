/**
 * The worker pool (piscina) that runs the core off the main thread. `run(task, signal)` rejects
 * with an AbortError when the signal fires and raises the task's shared cancel flag, so the worker
 * drops it within a fraction of a millisecond (queued tasks end as soon as they start); no thread is
 * terminated, which would cost a respawn and a self-test per disconnecting client. It rejects at
 * once, except for a chunk task filling caller memory (`into`): that one settles when the worker is
 * done with the memory, so the caller can reuse it safely.
 */
import { Piscina } from 'piscina';
import type { Config } from '../config.ts';
import { kernelMode } from '../core/kernels/index.ts';
import { selfTestDigest } from './fill.ts';
import { setMaxWholeElements } from '../core/whole-limits.ts';
import type { PoolTask, SelfTestResult } from './tasks.ts';

export interface PoolOptions {
  /** Module (URL or path) each worker imports before its self-test; its `initKernels`/default export is awaited. */
  kernelInit?: string;
  /** Worker module (URL); tests substitute one that crashes on demand. Default ./worker.ts. */
  workerFile?: string;
}

export interface WorkerPool {
  run<T = unknown>(task: PoolTask, signal?: AbortSignal): Promise<T>;
  /** Fraction of worker time spent on tasks (0..1), from piscina. */
  readonly utilization: number;
  readonly queueSize: number;
  readonly threads: number;
  /** Runs the self-test task once per worker thread (concurrently) and reports each answer. */
  selfTest(): Promise<SelfTestResult[]>;
  close(): Promise<void>;
}

export class AbortError extends Error {
  override name = 'AbortError';
  constructor(reason?: unknown) { super('The task has been aborted', { cause: reason }); }
}

/**
 * One cancel flag per signal, shared by all the tasks it governs (a stream's chunks): a 4-byte
 * SharedArrayBuffer per task would be one more shared allocation per chunk for workers to retain.
 */
const cancelFlags = new WeakMap<AbortSignal, Int32Array>();
function cancelFlag(signal: AbortSignal): Int32Array {
  let f = cancelFlags.get(signal);
  if (!f) { f = new Int32Array(new SharedArrayBuffer(4)); cancelFlags.set(signal, f); }
  return f;
}

export function createPool(config: Pick<Config, 'workers'> & Partial<Pick<Config, 'workerHeapMb' | 'maxWholeElements'>>, options: PoolOptions = {}): WorkerPool {
  // config.maxWholeElements applies on every thread that compiles recipes: this one and each worker.
  if (config.maxWholeElements !== undefined) setMaxWholeElements(config.maxWholeElements);
  const expectedSelfTest = selfTestDigest();
  const piscina = new Piscina({
    filename: options.workerFile ?? new URL('./worker.ts', import.meta.url).href,
    minThreads: config.workers,
    maxThreads: config.workers,
    idleTimeout: 60_000,
    workerData: { expectedSelfTest, kernelInit: options.kernelInit, maxWholeElements: config.maxWholeElements },
    // A worker over its heap limit dies alone (ERR_WORKER_OUT_OF_MEMORY): piscina rejects only its
    // task and starts a replacement, instead of V8 aborting the whole process.
    ...(config.workerHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: config.workerHeapMb } } : {}),
  });
  // A worker failing with no task attached would otherwise be an unhandled 'error' event.
  piscina.on('error', (e: unknown) => { process.emitWarning(`weightinit pool: ${(e as Error)?.message ?? e}`); });
  let closed = false;

  return {
    run<T>(task: PoolTask, signal?: AbortSignal): Promise<T> {
      if (closed) return Promise.reject(new Error('pool is closed'));
      if (!signal) return piscina.run(task) as Promise<T>;
      if (signal.aborted) return Promise.reject(new AbortError(signal.reason));
      let flag: Int32Array | undefined;
      if (task.kind === 'chunk' || task.kind === 'stats' || task.kind === 'whole') flag = task.cancel ??= cancelFlag(signal);
      // A task writing into the caller's shared memory settles only once the worker has let go of it
      // (a cancelled task ends within one CANCEL_CHECK_ELEMENTS range), so the caller may hand that
      // memory to another task as soon as this promise settles.
      const holdsCallerMemory = task.kind === 'chunk' && task.into !== undefined;
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => { if (flag) Atomics.store(flag, 0, 1); if (!holdsCallerMemory) reject(new AbortError(signal.reason)); };
        signal.addEventListener('abort', onAbort, { once: true });
        (piscina.run(task) as Promise<T>).then(
          (v) => { signal.removeEventListener('abort', onAbort); if (signal.aborted) reject(new AbortError(signal.reason)); else resolve(v); },
          (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
        );
      });
    },
    get utilization() { return piscina.utilization; },
    get queueSize() { return piscina.queueSize; },
    get threads() { return piscina.threads.length; },
    async selfTest() {
      const results = await Promise.all(Array.from({ length: config.workers }, () => piscina.run({ kind: 'selftest' }) as Promise<SelfTestResult>));
      return results.map((r) => (r.ok ? r : { ...r, message: `digest ${r.sha256} differs from the main thread's ${expectedSelfTest} (main kernels: ${kernelMode()})` }));
    },
    async close() {
      if (closed) return;
      closed = true;
      await piscina.close(); // graceful: running tasks finish (streams were drained by the caller)
    },
  };
}
