/**
 * Initializers as plain catalogue recipes with their bounds/stds computed here from the module's
 * fans (so a preset does not depend on how a framework scheme would derive fans from a 1-D bias).
 * Formulas: ../shared/reference/schemes.md sections 1.4, 2.2, 3.2, 4.3.
 */
import type { TensorSpec } from './types.ts';

type Init = Pick<TensorSpec, 'scheme' | 'params' | 'init'>;

/** Std of N(0,1) truncated to [-2, 2]: Keras/JAX divide by it so the post-truncation std is exact. */
export const TRUNC_STD_2 = 0.87962566103423978;

export const zeros = (): Init => ({ scheme: 'zeros', params: {}, init: 'zeros' });
export const ones = (): Init => ({ scheme: 'ones', params: {}, init: 'ones' });

/** U(-b, b); b = 0 degenerates to zeros (torch: bound 0 when fan_in == 0). */
export function uniformSym(bound: number, init: string): Init {
  if (!(bound > 0)) return { scheme: 'zeros', params: {}, init };
  return { scheme: 'uniform', params: { low: -bound, high: bound }, init };
}

/** torch default Linear/Conv/bias init: kaiming_uniform_(a=sqrt(5)) == U(+-1/sqrt(fan_in)). */
export const torchFanInUniform = (fanIn: number, what = 'kaiming_uniform_(a=sqrt(5)): U(+-1/sqrt(fan_in))'): Init =>
  uniformSym(fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, what);

export const glorotUniform = (fi: number, fo: number, who: string): Init =>
  uniformSym(Math.sqrt(6 / Math.max(1, fi + fo)), `${who}: U(+-sqrt(6/(fan_in+fan_out)))`);

export function normal(std: number, init: string): Init {
  return { scheme: 'normal', params: { mean: 0, std }, init };
}

/** Keras/JAX variance_scaling truncated normal: TN at +-2 sigma with sigma = sqrt(scale/fan)/0.8796... */
export function varianceScalingTruncated(scale: number, fan: number, init: string): Init {
  const std = Math.sqrt(scale / Math.max(fan, Number.MIN_VALUE)) / TRUNC_STD_2;
  return { scheme: 'truncated_normal', params: { mean: 0, std, a: -2, b: 2, bounds: 'std' }, init };
}

/** TF.js VarianceScaling 'normal': truncated at +-2 sigma with NO correction (std ~0.88 sqrt(s)). */
export function tfjsTruncated(scale: number, fan: number, init: string): Init {
  const std = Math.sqrt(scale / Math.max(1, fan));
  return { scheme: 'truncated_normal', params: { mean: 0, std, a: -2, b: 2, bounds: 'std' }, init };
}

/** Orthogonal (QR of a Gaussian with the sign(diag R) fix) from the catalogue, gain 1. */
export const orthogonal = (who: string): Init => ({ scheme: 'orthogonal', params: {}, init: `${who}: orthogonal(gain=1)` });
