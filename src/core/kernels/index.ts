/**
 * Kernel dispatch: the WebAssembly SIMD kernels when available and enabled, else the scalar
 * reference. Both produce identical bits (test/core/kernels.test.ts); the choice only changes speed.
 */
import * as scalar from './scalar.ts';
import type { Key } from '../rng/keys.ts';
import type { TruncParams } from './trunc.ts';
import { simdKernels } from './simd.ts';

export interface Kernels {
  uniformF32(key: Key, stream: number, start: number, count: number, low: number, high: number, out: Float32Array): void;
  uniformF64(key: Key, stream: number, start: number, count: number, low: number, high: number, out: Float64Array): void;
  normalF32(key: Key, stream: number, start: number, count: number, mean: number, std: number, out: Float32Array): void;
  normalF64(key: Key, stream: number, start: number, count: number, mean: number, std: number, out: Float64Array): void;
  truncNormalF32(key: Key, stream: number, start: number, count: number, t: TruncParams, out: Float32Array): void;
  truncNormalF64(key: Key, stream: number, start: number, count: number, t: TruncParams, out: Float64Array): void;
}

export const scalarKernels: Kernels = scalar;
// Default: SIMD when the engine supports it, unless WEIGHTINIT_FORCE_SCALAR=1 (to exercise the fallback).
// Startup (src/startup/phases/features.ts) may still override with setKernels.
const useSimd = simdKernels !== null && process.env.WEIGHTINIT_FORCE_SCALAR !== '1';
let active: Kernels = useSimd ? simdKernels! : scalarKernels;
let activeMode: 'simd' | 'scalar' = useSimd ? 'simd' : 'scalar';

/** The kernels every field uses. */
export function kernels(): Kernels { return active; }
export function kernelMode(): 'simd' | 'scalar' { return activeMode; }
export function setKernels(mode: 'simd' | 'scalar', k: Kernels): void { active = k; activeMode = mode; }
