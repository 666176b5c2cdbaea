/**
 * Phase "pool": start the worker pool (src/pool). Each worker first loads worker-kernels.ts (same
 * kernels as the main thread, same self-test) and the pool's own digest check; then one self-test task
 * per worker confirms every thread answers with the main thread's bits before the pool takes work.
 */
import type { InitPhase } from '../registry.ts';
import { createPool, type WorkerPool } from '../../pool/index.ts';
import { kernelMode } from '../../core/kernels/index.ts';
import { workerKernelsUrl } from '../worker-kernels.ts';

/** A worker whose bootstrap fails never answers; startup must fail instead of hanging. */
export const POOL_START_TIMEOUT_MS = 30_000;

export const poolPhase: InitPhase = {
  name: 'pool',
  description: 'Start the worker pool; every worker passes the kernel self-test before taking work',
  dependsOn: ['selftest'],
  async run(ctx) {
    const { workers } = ctx.config;
    // InitInput.createPool: tests substitute a fake pool (e.g. one whose worker fails the self-test).
    const create = (ctx.input.createPool as typeof createPool | undefined) ?? createPool;
    const pool: WorkerPool = create(ctx.config, { kernelInit: workerKernelsUrl(kernelMode()) });
    const timeoutMs = Number(ctx.input.poolStartTimeoutMs ?? POOL_START_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`workers did not all pass the self-test within ${timeoutMs} ms (a worker failing its bootstrap is reported as a process warning)`)), timeoutMs);
    });
    try {
      const results = await Promise.race([pool.selfTest(), timeout]);
      const bad = results.find((r) => !r.ok);
      if (bad) throw new Error(`worker thread ${bad.threadId} failed the self-test: ${bad.message ?? bad.sha256}`);
      if (results.length !== workers) throw new Error(`expected ${workers} self-test answers, got ${results.length}`);
    } catch (e) {
      clearTimeout(timer);
      // close() waits for workers, which may never have started: do not let it hang startup's failure.
      await Promise.race([pool.close().catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      throw e;
    }
    clearTimeout(timer);
    ctx.services.pool = pool;
    return `${workers} workers passed the self-test (kernels: ${kernelMode()}, threads: ${pool.threads})`;
  },
};
