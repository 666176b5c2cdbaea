/**
 * Kernel dispatch: the WebAssembly SIMD kernels when available and enabled, else the scalar
 * reference. Both produce identical bits (test/core/kernels.test.ts); the choice only changes speed.
 */
import * as scalar from './scalar.ts';
import type { Key } from '../rng/keys.ts';
import type { TruncParams } from './trunc.ts';

export interface Kernels {
  uniformF32(key: Key, stream: number, start: number, count: number, low: number, high: number, out: Float32Array): void;
  uniformF64(key: Key, stream: number, start: number, count: number, low: number, high: number, out: Float64Array): void;
  normalF32(key: Key, stream: number, start: number, count: number, mean: number, std: number, out: Float32Array): void;
  normalF64(key: Key, stream: number, start: number, count: number, mean: number, std: number, out: Float64Array): void;
  truncNormalF32(key: Key, stream: number, start: number, count: number, t: TruncParams, out: Float32Array): void;
  truncNormalF64(key: Key, stream: number, start: number, count: number, t: TruncParams, out: Float64Array): void;
}

export const scalarKernels: Kernels = scalar;
let active: Kernels = scalarKernels;
let activeMode: 'simd' | 'scalar' = 'scalar';

/** The kernels every field uses. */
export function kernels(): Kernels { return active; }
export function kernelMode(): 'simd' | 'scalar' { return activeMode; }
export function setKernels(mode: 'simd' | 'scalar', k: Kernels): void { active = k; activeMode = mode; }
