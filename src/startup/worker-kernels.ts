/**
 * Loaded by each pool worker before it takes work (PoolOptions.kernelInit): selects the same kernels
 * as the main thread and runs the same kernel self-test; a failure makes the worker fail its
 * bootstrap, so it never takes work. One entry module per mode (worker-kernels/simd.mjs, scalar.mjs):
 * the pool hands workers a module URL only.
 */
import { scalarKernels, setKernels } from '../core/kernels/index.ts';
import { loadSimdKernels } from './features.ts';
import { runSelfTest } from './selftest.ts';

export function workerKernelsUrl(mode: 'simd' | 'scalar'): string {
  return new URL(`./worker-kernels/${mode}.mjs`, import.meta.url).href;
}

export async function initWorkerKernels(mode: 'simd' | 'scalar'): Promise<void> {
  if (mode === 'simd') {
    const k = loadSimdKernels();
    if (!k) throw new Error('main thread uses SIMD kernels but this worker could not load them');
    setKernels('simd', k);
  } else setKernels('scalar', scalarKernels);
  const r = runSelfTest();
  if (r.failed) throw new Error(`worker kernel self-test failed: ${r.failed.detail}`);
}
