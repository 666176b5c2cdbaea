/**
 * Phase "pool": start the worker pool (src/pool) and have every worker pass the kernel self-test
 * before it takes work. Skipped while src/pool does not exist yet.
 */
import fs from 'node:fs';
import type { InitPhase } from '../registry.ts';

const POOL_URL = new URL('../../pool/index.ts', import.meta.url);

/** What startup needs from the pool (src/pool exports createPool(config)). */
export interface StartablePool {
  selfTest(): Promise<unknown>;
  close?(): Promise<unknown>;
  destroy?(): Promise<unknown>;
}

export const poolPhase: InitPhase = {
  name: 'pool',
  description: 'Start the worker pool; every worker passes the kernel self-test before taking work',
  dependsOn: ['selftest'],
  async run(ctx) {
    if (!fs.existsSync(POOL_URL)) return { skipped: true, message: 'src/pool is not present: generation runs on the main thread' };
    const mod = (await import(POOL_URL.href)) as { createPool?: (config: unknown) => StartablePool | Promise<StartablePool> };
    if (typeof mod.createPool !== 'function') return { skipped: true, message: 'src/pool does not export createPool yet' };
    const pool = await mod.createPool(ctx.config);
    ctx.services.pool = pool;
    try {
      const r = (await pool.selfTest()) as { ok?: boolean; failed?: { detail?: string }; detail?: string } | undefined;
      if (r && r.ok === false) throw new Error(`worker self-test failed: ${r.failed?.detail ?? r.detail ?? 'no detail'}`);
    } catch (e) {
      await (pool.destroy?.() ?? pool.close?.())?.catch(() => undefined);
      delete ctx.services.pool;
      throw e;
    }
    return `${ctx.config.workers} workers passed the self-test`;
  },
};
