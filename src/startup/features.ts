/**
 * Host feature probes (Caffe2's init_intrinsics_check, for a Node container): WebAssembly SIMD,
 * worker_threads, SharedArrayBuffer, byte order, Node version, memory. Each probe is a plain function
 * so tests can replace it (InitInput.probes) to simulate a host that lacks a feature.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { Kernels } from '../core/kernels/index.ts';
import { simdKernels, simdSupported } from '../core/kernels/simd.ts';

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

/** The SIMD kernels, or undefined when this host cannot run them. */
export function loadSimdKernels(): Kernels | undefined {
  return simdKernels ?? undefined;
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
  simd: () => simdSupported(),
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
