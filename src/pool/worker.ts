/**
 * Piscina worker: compiles canonical recipes (LRU-cached in this thread) and fills chunks. The
 * module exports a Promise of the handler so piscina marks the worker ready only after its kernels
 * are initialized and it has passed the self-test (same digest as the main thread computed).
 */
import { threadId, workerData } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { BYTES_PER_ELEMENT } from '../core/dtypes.ts';
import { kernelMode } from '../core/kernels/index.ts';
import { compileResult, fillRange, selfTestDigest, statsRange, wholeValues } from './fill.ts';
import { setMaxWholeElements } from '../core/whole-limits.ts';
import type { PoolTask, SelfTestResult, WorkerMemory } from './tasks.ts';

interface WorkerInit { expectedSelfTest?: string; kernelInit?: string; maxWholeElements?: number }

async function init() {
  const data = (workerData ?? {}) as WorkerInit;
  // Kernel selection belongs to the core/startup layer; a module path given by the pool owner is
  // imported and its default/initKernels export awaited (e.g. to switch this thread to SIMD).
  if (data.kernelInit) {
    const mod = (await import(data.kernelInit)) as Record<string, unknown>;
    const fn = (mod.initKernels ?? mod.default) as undefined | (() => unknown);
    if (typeof fn === 'function') await fn();
  }
  // The same whole-tensor limit as the main thread (config.maxWholeElements), or a worker would accept
  // (and allocate) what the service promises to refuse.
  if (data.maxWholeElements !== undefined) setMaxWholeElements(data.maxWholeElements);
  const digest = selfTestDigest();
  if (data.expectedSelfTest && digest !== data.expectedSelfTest) {
    throw new Error(`worker self-test failed: digest ${digest} != main thread ${data.expectedSelfTest} (kernels: ${kernelMode()})`);
  }
  return (task: PoolTask) => {
    switch (task.kind) {
      case 'chunk': {
        if (task.into) return fillRange(task.recipe, task.slice, task.o0, task.o1, task.into, 0, task.cancel, task.values);
        const n = task.o1 - task.o0;
        // Not zero-filled (every byte is written below) and not from Buffer's shared pool, so transferable.
        const buf = Buffer.allocUnsafeSlow(n * BYTES_PER_ELEMENT[task.recipe.dtype]).buffer as ArrayBuffer;
        const ok = fillRange(task.recipe, task.slice, task.o0, task.o1, new Uint8Array(buf), 0, task.cancel, task.values);
        return ok ? Piscina.move(buf) : null;
      }
      case 'stats':
        return statsRange(task.recipe, task.slice, task.o0, task.o1, task.hist, task.cancel, task.values);
      case 'whole':
        return wholeValues(task.recipe, task.cancel);
      case 'compile':
        return compileResult(task.recipe);
      case 'memory': {
        const m = process.memoryUsage();
        const r: WorkerMemory = { threadId, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
        return r;
      }
      case 'selftest': {
        const sha256 = selfTestDigest();
        const r: SelfTestResult = { ok: !data.expectedSelfTest || sha256 === data.expectedSelfTest, sha256, kernelMode: kernelMode(), threadId };
        return r;
      }
    }
  };
}

export default init();
