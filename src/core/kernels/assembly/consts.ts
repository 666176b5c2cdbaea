/**
 * Vector constants kept in memory. A v128 operand loaded from memory costs one load, while V8
 * rebuilds every inline v128.const inside a loop with three instructions (one of them a shuffle,
 * which Philox already saturates); binaryen turns locals holding constants back into inline consts,
 * so memory is the only reliable way to keep them cheap. All regions are static data (memory.data);
 * polynomial tables are splatted from their coefficient lists when the module starts.
 */

/** Writes each of `n` float32 values at `src` as a splatted vector at dst + 16i. */
export function splatF32(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) v128.store(dst + (<usize>i << 4), f32x4.splat(load<f32>(src + (<usize>i << 2))));
}
/** Writes each of `n` float64 values at `src` as a splatted vector at dst + 16i. */
export function splatF64(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) v128.store(dst + (<usize>i << 4), f64x2.splat(load<f64>(src + (<usize>i << 3))));
}

/** The vector stored at p (a constant). */
// @ts-ignore: decorator
@inline export function k(p: usize): v128 { return v128.load(p); }

// float32x4 constants
export const F1: usize = memory.data<f32>([1, 1, 1, 1], 16);
export const F2: usize = memory.data<f32>([2, 2, 2, 2], 16);
export const F4: usize = memory.data<f32>([4, 4, 4, 4], 16);
export const F_HALF: usize = memory.data<f32>([0.5, 0.5, 0.5, 0.5], 16);
// int32x4 constants
export const I_ONE: usize = memory.data<i32>([1, 1, 1, 1], 16);
export const I_SIGN: usize = memory.data<u32>([0x80000000, 0x80000000, 0x80000000, 0x80000000], 16);
// float64x2 / int64x2 constants
export const D1: usize = memory.data<f64>([1, 1], 16);
export const D2: usize = memory.data<f64>([2, 2], 16);
export const D4: usize = memory.data<f64>([4, 4], 16);
export const D_HALF: usize = memory.data<f64>([0.5, 0.5], 16);
export const L_SIGN: usize = memory.data<u64>([0x8000000000000000, 0x8000000000000000], 16);
