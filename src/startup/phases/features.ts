/**
 * Phase "features": the host must have what the service needs (Caffe2's intrinsics check).
 * WebAssembly SIMD follows Caffe2's quit-on-unsupported-feature policy: fatal only under
 * WEIGHTINIT_REQUIRE_SIMD=1, otherwise the scalar kernels (same bits, slower) with a warning that
 * readiness output shows.
 */
import { setKernels, scalarKernels } from '../../core/kernels/index.ts';
import { loadSimdKernels, MIN_NODE_MAJOR, nodeMajor, probeFeatures, type FeatureProbes } from '../features.ts';
import type { InitPhase } from '../registry.ts';

export const SIMD_FALLBACK_WARNING = 'WebAssembly SIMD unavailable: using scalar kernels (same bits, slower); set WEIGHTINIT_REQUIRE_SIMD=1 to make this fatal';

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;

export const featuresPhase: InitPhase = {
  name: 'features',
  description: 'Check host features: WebAssembly SIMD, worker_threads, SharedArrayBuffer, byte order, Node version, memory',
  dependsOn: ['configuration'],
  async run(ctx) {
    const { config } = ctx;
    const f = await probeFeatures(ctx.input.probes as Partial<FeatureProbes> | undefined, ctx.env);
    ctx.services.features = f;
    if (nodeMajor(f.nodeVersion) < MIN_NODE_MAJOR) throw new Error(`Node ${f.nodeVersion} is too old: need >= ${MIN_NODE_MAJOR}`);
    if (!f.littleEndian) throw new Error('host is big-endian: tensors are served as little-endian bytes from typed arrays, which would be byte-swapped');
    if (!f.workerThreads) throw new Error('worker_threads is not available: the generation pool cannot start');
    if (!f.sharedArrayBuffer) throw new Error('SharedArrayBuffer/Atomics are not available: workers cannot fill shared chunks');
    if (f.memoryBytes < config.memoryBudgetBytes) {
      throw new Error(`host memory ${gib(f.memoryBytes)} (physical or cgroup limit) is below WEIGHTINIT_MEMORY_BUDGET_BYTES=${config.memoryBudgetBytes} (${gib(config.memoryBudgetBytes)})`);
    }
    const warnings: string[] = [];
    let mode: 'simd' | 'scalar' = 'scalar';
    if (!f.simd) {
      if (config.requireSimd) throw new Error('WebAssembly SIMD is not supported on this host and WEIGHTINIT_REQUIRE_SIMD=1');
      setKernels('scalar', scalarKernels);
      warnings.push(SIMD_FALLBACK_WARNING);
    } else {
      const k = loadSimdKernels();
      if (k) { setKernels('simd', k); mode = 'simd'; } else setKernels('scalar', scalarKernels);
    }
    ctx.services.kernelMode = mode;
    return {
      message: `simd=${f.simd} worker_threads=${f.workerThreads} sab=${f.sharedArrayBuffer} little_endian=${f.littleEndian} node=${f.nodeVersion} memory=${gib(f.memoryBytes)} budget=${gib(config.memoryBudgetBytes)} kernels=${mode}`,
      warnings,
    };
  },
};
