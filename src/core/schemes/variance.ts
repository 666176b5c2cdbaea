/**
 * The variance-scaling family (canonical names, PyTorch-like defaults): variance_scaling, xavier/glorot,
 * kaiming/he, lecun, and the Caffe/Caffe2 "xavier" and "msra" fillers, each named distinctly because
 * they do not mean the same thing (../shared/reference/schemes.md section 8.5).
 * Helpers here (varianceField, varianceTheory, truncNormalMoments) are shared with the framework namespaces.
 */
import { define, type ParamSpec, type SchemeContext, type Theory } from './registry.ts';
import type { Field } from '../field.ts';
import { constField, normalField, truncNormalField, uniformField } from '../fields.ts';
import { calculateGain, FAN_MODES, fanOf, NONLINEARITIES, schemeFans, type FanAxes, type FanMode, type FanRule, type Fans } from '../fans.ts';
import { normalCdf64 } from '../math/f64.ts';

/** Std of N(0,1) truncated to [-2, 2]; dividing by it makes the post-truncation std exact (Keras, JAX). */
export const TN_STD_CORRECTION = 0.87962566103423978;

/**
 * How a zero-mean distribution with a target variance is drawn:
 * - uniform: U(-sqrt(3 var), sqrt(3 var))
 * - normal: N(0, var), untruncated
 * - truncated_normal: TN at +-2 sigma with sigma = sqrt(var) / 0.8796..., so the std after truncation is sqrt(var)
 * - truncated_normal_uncorrected: TN at +-2 sqrt(var) (TF.js), std after truncation 0.8796 * sqrt(var)
 */
export type VarianceDistribution = 'uniform' | 'normal' | 'truncated_normal' | 'truncated_normal_uncorrected';

export function varianceField(ctx: SchemeContext, variance: number, dist: VarianceDistribution): Field {
  if (!(variance > 0)) return constField(ctx, 0);
  const sd = Math.sqrt(variance);
  switch (dist) {
    case 'uniform': { const b = Math.sqrt(3 * variance); return uniformField(ctx, -b, b); }
    case 'normal': return normalField(ctx, 0, sd);
    case 'truncated_normal': { const s = sd / TN_STD_CORRECTION; return truncNormalField(ctx, 0, s, -2 * s, 2 * s); }
    case 'truncated_normal_uncorrected': return truncNormalField(ctx, 0, sd, -2 * sd, 2 * sd);
  }
}

export function varianceTheory(variance: number, dist: VarianceDistribution): Theory {
  if (!(variance > 0)) return { mean: 0, std: 0, min: 0, max: 0, density: 'discrete' };
  const sd = Math.sqrt(variance);
  switch (dist) {
    case 'uniform': { const b = Math.sqrt(3 * variance); return { mean: 0, std: sd, min: -b, max: b, density: 'uniform' }; }
    case 'normal': return { mean: 0, std: sd, density: 'normal' };
    case 'truncated_normal': { const s = sd / TN_STD_CORRECTION; return { mean: 0, std: truncNormalMoments(0, s, -2 * s, 2 * s).std, min: -2 * s, max: 2 * s, density: 'truncated_normal' }; }
    case 'truncated_normal_uncorrected': return { mean: 0, std: truncNormalMoments(0, sd, -2 * sd, 2 * sd).std, min: -2 * sd, max: 2 * sd, density: 'truncated_normal' };
  }
}

const INV_SQRT_2PI = 0.3989422804014327;
/** Mean and std of N(mean, std^2) truncated to [a, b] (absolute bounds). */
export function truncNormalMoments(mean: number, std: number, a: number, b: number): { mean: number; std: number } {
  if (!(std > 0)) return { mean: Math.min(Math.max(mean, a), b), std: 0 };
  const al = (a - mean) / std, be = (b - mean) / std;
  const pdf = (x: number) => (Number.isFinite(x) ? INV_SQRT_2PI * Math.exp(-0.5 * x * x) : 0);
  const xpdf = (x: number) => (Number.isFinite(x) ? x * pdf(x) : 0);
  // Z by the tail that keeps precision
  const z = al + be > 0 ? normalCdf64(-al) - normalCdf64(-be) : normalCdf64(be) - normalCdf64(al);
  const d = (pdf(al) - pdf(be)) / z;
  const v = 1 + (xpdf(al) - xpdf(be)) / z - d * d;
  return { mean: mean + std * d, std: std * Math.sqrt(Math.max(v, 0)) };
}

// ---- shared parameter specs ----
export const P = {
  gain: { type: 'number', description: 'multiplies the std', default: 1, minimum: 0 } as ParamSpec,
  a: { type: 'number', description: 'negative slope of leaky_relu (only used with nonlinearity leaky_relu; 0 gives gain sqrt(2))', default: 0 } as ParamSpec,
  nonlinearity: { type: 'string', description: 'activation after this layer; picks the gain (calculate_gain)', default: 'leaky_relu', enum: NONLINEARITIES } as ParamSpec,
  axes: (what: string): ParamSpec => ({ type: 'integer[]', description: `${what} (JAX-style: every axis not named in_axes/out_axes/batch_axes is receptive field). Default: the layout's convention`, default: null, nullable: true }),
};

/** Fans of a canonical scheme: explicit fans, else axes if given, else the recipe's layout. */
export function canonicalFans(ctx: SchemeContext, axes: FanAxes = {}): Fans {
  return schemeFans(ctx, ctx.layout as FanRule, axes);
}
function axesOf(params: Record<string, any>): FanAxes {
  return { inAxes: params.in_axes ?? null, outAxes: params.out_axes ?? null, batchAxes: params.batch_axes ?? null };
}
/** scale / fan, or 0 when the fan is 0 (only possible for an empty tensor). */
export function ratio(scale: number, fan: number): number { return fan > 0 ? scale / fan : 0; }

// ---- variance_scaling ----
const VS_DISTS = ['truncated_normal', 'normal', 'untruncated_normal', 'uniform'] as const;
function vsDist(d: string): VarianceDistribution { return d === 'untruncated_normal' ? 'normal' : d as VarianceDistribution; }
function vsVariance(ctx: SchemeContext): number {
  const f = canonicalFans(ctx, axesOf(ctx.params));
  return ratio(ctx.params.scale, fanOf(f, ctx.params.mode as FanMode));
}
define({
  name: 'variance_scaling', framework: 'weightinit', family: 'variance_scaling',
  description: 'Zero-mean distribution with variance scale / n, n picked by mode. The general form of Glorot, He and LeCun. '
    + '"normal" is untruncated (as in JAX); "truncated_normal" is cut at +-2 sigma with sigma divided by 0.87962566103423978 so the std after truncation is exactly sqrt(scale/n) (Keras, JAX).',
  formula: 'var = scale / n, n = fan_in | fan_out | (fan_in+fan_out)/2 | sqrt(fan_in*fan_out); uniform: U(+-sqrt(3 var)); normal: N(0, var); truncated_normal: TN(0, sigma; +-2 sigma), sigma = sqrt(var)/0.87962566103423978',
  references: ['keras.initializers.VarianceScaling', 'jax.nn.initializers.variance_scaling', 'He et al. 2015, arXiv:1502.01852'],
  params: {
    scale: { type: 'number', description: 'variance multiplier (= gain^2)', default: 1, minimum: 0 },
    mode: { type: 'string', description: 'which fan divides the scale', default: 'fan_in', enum: FAN_MODES },
    distribution: { type: 'string', description: 'sampling distribution; untruncated_normal is an alias of normal', default: 'truncated_normal', enum: VS_DISTS },
    in_axes: P.axes('axes whose product is the input size'),
    out_axes: P.axes('axes whose product is the output size'),
    batch_axes: P.axes('axes excluded from the fans'),
  },
  compile: (ctx) => varianceField(ctx, vsVariance(ctx), vsDist(ctx.params.distribution)),
  theory: (ctx) => varianceTheory(vsVariance(ctx), vsDist(ctx.params.distribution)),
});

// ---- xavier / glorot ----
/** compile + theory of a scheme defined by its variance and distribution. */
const byVariance = (variance: (ctx: SchemeContext) => number, dist: 'uniform' | 'normal') => ({
  compile: (ctx: SchemeContext) => varianceField(ctx, variance(ctx), dist),
  theory: (ctx: SchemeContext) => varianceTheory(variance(ctx), dist),
});
const xavierVar = (ctx: SchemeContext) => { const f = canonicalFans(ctx); return ctx.params.gain ** 2 * ratio(2, f.fanIn + f.fanOut); };
define({
  name: 'xavier_uniform', aliases: ['glorot_uniform', 'xavier'], framework: 'weightinit', family: 'variance_scaling',
  description: 'Glorot/Xavier uniform: std gain*sqrt(2/(fan_in+fan_out)), as torch.nn.init.xavier_uniform_.',
  formula: 'U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))',
  references: ['Glorot & Bengio 2010', 'torch.nn.init.xavier_uniform_'],
  params: { gain: P.gain },
  ...byVariance(xavierVar, 'uniform'),
});
define({
  name: 'xavier_normal', aliases: ['glorot_normal'], framework: 'weightinit', family: 'variance_scaling',
  description: 'Glorot/Xavier normal, untruncated (as torch.nn.init.xavier_normal_). Keras/JAX glorot_normal is truncated: use keras.GlorotNormal / jax.glorot_normal.',
  formula: 'N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))',
  references: ['Glorot & Bengio 2010', 'torch.nn.init.xavier_normal_'],
  params: { gain: P.gain },
  ...byVariance(xavierVar, 'normal'),
});

// ---- kaiming / he ----
const kaimingVar = (ctx: SchemeContext) => {
  const g = calculateGain(ctx.params.nonlinearity, ctx.params.a);
  return g * g * ratio(1, fanOf(canonicalFans(ctx), ctx.params.mode));
};
const kaimingParams = {
  a: P.a,
  mode: { type: 'string', description: 'fan_in preserves the forward variance, fan_out the backward one (fan_avg, fan_geo_avg are extensions)', default: 'fan_in', enum: FAN_MODES } as ParamSpec,
  nonlinearity: P.nonlinearity,
};
define({
  name: 'kaiming_uniform', aliases: ['he_uniform', 'kaiming'], framework: 'weightinit', family: 'variance_scaling',
  description: 'He/Kaiming uniform, as torch.nn.init.kaiming_uniform_: gain from calculate_gain(nonlinearity, a); with the defaults (leaky_relu, a=0) gain = sqrt(2).',
  formula: 'U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)',
  references: ['He et al. 2015, arXiv:1502.01852', 'torch.nn.init.kaiming_uniform_'],
  params: kaimingParams,
  ...byVariance(kaimingVar, 'uniform'),
});
define({
  name: 'kaiming_normal', aliases: ['he_normal'], framework: 'weightinit', family: 'variance_scaling',
  description: 'He/Kaiming normal, untruncated (torch.nn.init.kaiming_normal_). Keras/JAX he_normal is truncated: use keras.HeNormal / jax.he_normal.',
  formula: 'N(0, std^2), std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)',
  references: ['He et al. 2015, arXiv:1502.01852', 'torch.nn.init.kaiming_normal_'],
  params: kaimingParams,
  ...byVariance(kaimingVar, 'normal'),
});

// ---- lecun (self-normalizing networks / SELU) ----
const lecunVar = (ctx: SchemeContext) => ratio(1, canonicalFans(ctx).fanIn);
define({
  name: 'lecun_uniform', framework: 'weightinit', family: 'variance_scaling',
  description: 'LeCun uniform: variance 1/fan_in.',
  formula: 'U(-b, b), b = sqrt(3 / fan_in)',
  references: ['LeCun et al. 1998, Efficient BackProp', 'keras.initializers.LecunUniform'],
  params: {},
  ...byVariance(lecunVar, 'uniform'),
});
define({
  name: 'lecun_normal', aliases: ['selu_normal'], framework: 'weightinit', family: 'variance_scaling',
  description: 'LeCun normal N(0, 1/fan_in), untruncated: the init of self-normalizing (SELU) networks. Keras/JAX lecun_normal is truncated: use keras.LecunNormal / jax.lecun_normal.',
  formula: 'N(0, 1/fan_in)',
  references: ['Klambauer et al. 2017, arXiv:1706.02515', 'LeCun et al. 1998'],
  params: {},
  ...byVariance(lecunVar, 'normal'),
});

// ---- Caffe / Caffe2 "xavier" and "msra" (not Glorot / He as the other frameworks mean them) ----
export const CAFFE_VARIANCE_NORMS = ['fan_in', 'fan_out', 'average', 'FAN_IN', 'FAN_OUT', 'AVERAGE'] as const;
const varianceNorm: ParamSpec = { type: 'string', description: 'Caffe FillerParameter.variance_norm: which fan n is', default: 'fan_in', enum: CAFFE_VARIANCE_NORMS };
export function caffeN(ctx: SchemeContext): number {
  const f = schemeFans(ctx, 'caffe');
  const m = String(ctx.params.variance_norm).toLowerCase();
  return m === 'fan_out' ? f.fanOut : m === 'average' ? (f.fanIn + f.fanOut) / 2 : f.fanIn;
}
define({
  name: 'xavier_caffe', aliases: ['caffe_xavier'], framework: 'weightinit', family: 'variance_scaling', layout: 'caffe',
  description: 'Caffe "xavier" filler: U(+-sqrt(3/n)), default n = fan_in = numel/shape[0]. That is LeCun-uniform, not Glorot (Glorot only with variance_norm average). Caffe2 XavierFill is this with n = fan_in.',
  formula: 'U(-b, b), b = sqrt(3 / n), n = fan_in (numel/shape[0]) | fan_out (numel/shape[1]) | average',
  references: ['BVLC/caffe include/caffe/filler.hpp XavierFiller'],
  params: { variance_norm: varianceNorm },
  minRank: 1,
  compile: (ctx) => varianceField(ctx, ratio(1, caffeN(ctx)), 'uniform'),
  theory: (ctx) => varianceTheory(ratio(1, caffeN(ctx)), 'uniform'),
});
define({
  name: 'msra', aliases: ['msra_caffe', 'caffe_msra'], framework: 'weightinit', family: 'variance_scaling', layout: 'caffe',
  description: 'Caffe "msra" filler: N(0, 2/n), default n = fan_in = numel/shape[0] (He normal, untruncated).',
  formula: 'N(0, 2/n), n = fan_in (numel/shape[0]) | fan_out (numel/shape[1]) | average',
  references: ['BVLC/caffe include/caffe/filler.hpp MSRAFiller', 'He et al. 2015'],
  params: { variance_norm: varianceNorm },
  minRank: 1,
  compile: (ctx) => varianceField(ctx, ratio(2, caffeN(ctx)), 'normal'),
  theory: (ctx) => varianceTheory(ratio(2, caffeN(ctx)), 'normal'),
});
const msraC2Var = (ctx: SchemeContext) => ratio(2, schemeFans(ctx, 'caffe').fanOut);
define({
  name: 'msra_caffe2', framework: 'weightinit', family: 'variance_scaling', layout: 'caffe',
  description: 'Caffe2 MSRAFill (newer code, filler_op.h@b45d8e55): N(0, 2/fan_out) with fan_out = numel/shape[1] (= out*k*k for NCHW weights, out*k*in for NHWC).',
  formula: 'N(0, 2/fan_out), fan_out = numel / shape[1]',
  references: ['pytorch/pytorch caffe2/operators/filler_op.h@b45d8e55 MSRAFillOp'],
  params: {}, minRank: 2,
  ...byVariance(msraC2Var, 'normal'),
});
const msraC2LegacyVar = (ctx: SchemeContext) => ratio(2 / 3, schemeFans(ctx, 'caffe').fanIn);
define({
  name: 'msra_caffe2_legacy', framework: 'weightinit', family: 'variance_scaling', layout: 'caffe',
  description: 'Caffe2 MSRAFill (older code, filler_op.h@05512d1e): U(+-sqrt(2/fan_in)) with fan_in = numel/shape[0], i.e. variance 2/(3 fan_in), not He.',
  formula: 'U(-b, b), b = sqrt(2 / fan_in), fan_in = numel / shape[0]',
  references: ['pytorch/pytorch caffe2/operators/filler_op.h@05512d1e MSRAFillOp'],
  params: {}, minRank: 1,
  ...byVariance(msraC2LegacyVar, 'uniform'),
});
