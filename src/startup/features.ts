/**
 * Host feature probes (Caffe2's init_intrinsics_check, for a Node container): WebAssembly SIMD,
 * worker_threads, SharedArrayBuffer, byte order, Node version, memory. Each probe is a plain function
 * so tests can replace it (InitInput.probes) to simulate a host that lacks a feature.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Kernels } from '../core/kernels/index.ts';

export interface FeatureProbes {
  simd(): boolean | Promise<boolean>;
  workerThreads(): boolean | Promise<boolean>;
  sharedArrayBuffer(): boolean;
  littleEndian(): boolean;
  nodeVersion(): string;
  /** Memory this process may use: min(physical memory, cgroup limit). */
  memoryBytes(): number;
}

/** Env switch for tests and demos: pretend WebAssembly SIMD is missing. */
export const SIMULATE_NO_SIMD_ENV = 'WEIGHTINIT_SIMULATE_NO_SIMD';
export const MIN_NODE_MAJOR = 20;

// i32.const 0; i8x16.splat; i8x16.popcnt: the module wasm-feature-detect uses to detect SIMD.
const SIMD_PROBE_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

const SIMD_MODULE_URL = new URL('../core/kernels/simd.ts', import.meta.url);

/** The SIMD kernel module, when it has been written (another part of the codebase); undefined otherwise. */
export async function loadSimdModule(): Promise<Record<string, unknown> | undefined> {
  if (!fs.existsSync(SIMD_MODULE_URL)) return undefined;
  return (await import(SIMD_MODULE_URL.href)) as Record<string, unknown>;
}

/** SIMD kernels from src/core/kernels/simd.ts, whichever way that module offers them; undefined if none. */
export async function loadSimdKernels(): Promise<Kernels | undefined> {
  const mod = await loadSimdModule();
  if (!mod) return undefined;
  for (const name of ['loadSimdKernels', 'createSimdKernels', 'simdKernels']) {
    const v = mod[name];
    if (typeof v === 'function') return (await (v as () => Kernels | Promise<Kernels>)()) ?? undefined;
    if (v && typeof v === 'object') return v as Kernels;
  }
  return undefined;
}

async function simdSupported(): Promise<boolean> {
  const mod = await loadSimdModule();
  if (mod && typeof mod.simdSupported === 'function') return Boolean(await (mod.simdSupported as () => unknown)());
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE_MODULE);
}

function cgroupLimit(): number | undefined {
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = fs.readFileSync(file, 'utf8').trim();
      const n = Number(v);
      // "max" (v2) or a huge number (v1 "unlimited") mean no limit.
      if (Number.isFinite(n) && n > 0 && n < 2 ** 60) return n;
    } catch { /* not present */ }
  }
  return undefined;
}

export const hostProbes: FeatureProbes = {
  simd: simdSupported,
  async workerThreads() {
    try {
      const wt = await import('node:worker_threads');
      return typeof wt.Worker === 'function';
    } catch { return false; }
  },
  sharedArrayBuffer: () => typeof SharedArrayBuffer === 'function' && typeof Atomics === 'object',
  littleEndian: () => new Uint8Array(new Uint16Array([1]).buffer)[0] === 1,
  nodeVersion: () => process.versions.node,
  memoryBytes: () => Math.min(os.totalmem(), cgroupLimit() ?? Infinity),
};

export interface FeatureReport {
  simd: boolean;
  workerThreads: boolean;
  sharedArrayBuffer: boolean;
  littleEndian: boolean;
  nodeVersion: string;
  memoryBytes: number;
}

export async function probeFeatures(probes: Partial<FeatureProbes> = {}, env: NodeJS.ProcessEnv = process.env): Promise<FeatureReport> {
  const p = { ...hostProbes, ...probes };
  const simulatedNoSimd = /^(1|true|yes|on)$/i.test(env[SIMULATE_NO_SIMD_ENV] ?? '');
  return {
    simd: simulatedNoSimd ? false : await p.simd(),
    workerThreads: await p.workerThreads(),
    sharedArrayBuffer: p.sharedArrayBuffer(),
    littleEndian: p.littleEndian(),
    nodeVersion: p.nodeVersion(),
    memoryBytes: p.memoryBytes(),
  };
}

export function nodeMajor(version: string): number {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? NaN);
}
