/** Phase "selftest": Philox known answers, golden recipes and SIMD-vs-scalar bits on the main thread. */
import { runSelfTest } from '../selftest.ts';
import type { InitPhase } from '../registry.ts';

export const selftestPhase: InitPhase = {
  name: 'selftest',
  description: 'Kernel self-test: Philox known answers, golden recipe SHA-256, SIMD against scalar bits',
  dependsOn: ['features'],
  run(ctx) {
    const r = runSelfTest();
    ctx.services.selftest = r;
    if (r.failed) throw new Error(r.failed.detail);
    return `${r.checks.length} checks passed`;
  },
};
