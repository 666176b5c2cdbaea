/**
 * Loaded by each pool worker before it takes work (PoolOptions.kernelInit): selects the same kernels
 * as the main thread (mode passed in this module's URL query, `?mode=simd|scalar`) and runs the same
 * kernel self-test; a failure makes the worker fail its bootstrap, so it never takes work.
 */
import { scalarKernels, setKernels } from '../core/kernels/index.ts';
import { loadSimdKernels } from './features.ts';
import { runSelfTest } from './selftest.ts';

export function workerKernelsUrl(mode: 'simd' | 'scalar'): string {
  return new URL(`./worker-kernels.ts?mode=${mode}`, import.meta.url).href;
}

export async function initKernels(): Promise<void> {
  const mode = new URL(import.meta.url).searchParams.get('mode') ?? 'scalar';
  if (mode === 'simd') {
    const k = await loadSimdKernels();
    if (!k) throw new Error('main thread uses SIMD kernels but this worker could not load them');
    setKernels('simd', k);
  } else setKernels('scalar', scalarKernels);
  const r = runSelfTest();
  if (r.failed) throw new Error(`worker kernel self-test failed: ${r.failed.detail}`);
}
