/** Building blocks for scheme definitions: random fields over the kernels, constants, index functions, post-ops. */
import type { Field } from './field.ts';
import type { Key } from './rng/keys.ts';
import { STREAM } from './rng/keys.ts';
import { kernels } from './kernels/index.ts';
import { truncParams } from './kernels/trunc.ts';
import { RecipeError } from './errors.ts';

export const TRUNC_MAX_SIGMA = 8;

type Ctx = { key: Key; precision: 'f32' | 'f64' };

export function uniformField(ctx: Ctx, low: number, high: number, stream: number = STREAM.main): Field {
  const { key, precision } = ctx;
  return precision === 'f64'
    ? { precision, fill: (s, n, out) => kernels().uniformF64(key, stream, s, n, low, high, out as Float64Array) }
    : { precision, fill: (s, n, out) => kernels().uniformF32(key, stream, s, n, low, high, out as Float32Array) };
}

export function normalField(ctx: Ctx, mean: number, std: number, stream: number = STREAM.main): Field {
  const { key, precision } = ctx;
  return precision === 'f64'
    ? { precision, fill: (s, n, out) => kernels().normalF64(key, stream, s, n, mean, std, out as Float64Array) }
    : { precision, fill: (s, n, out) => kernels().normalF32(key, stream, s, n, mean, std, out as Float32Array) };
}

/** Normal(mean, std) truncated to the absolute interval [a, b], by inverse CDF. */
export function truncNormalField(ctx: Ctx, mean: number, std: number, a: number, b: number, stream: number = STREAM.main): Field {
  const { key, precision } = ctx;
  if (std === 0) return constField(ctx, Math.min(Math.max(mean, a), b));
  const t = truncParams(mean, std, a, b);
  // Beyond ~8.8 sigma the float quantile saturates (q is clamped to 2^-60) and every value would
  // collapse onto one bound: refuse instead of serving a degenerate tensor.
  if (t.hi < -TRUNC_MAX_SIGMA) {
    throw new RecipeError('impossible', 'params', `the truncation interval [a, b] = [${a}, ${b}] lies entirely more than ${TRUNC_MAX_SIGMA} standard deviations from the mean; such a tensor cannot be sampled faithfully in float precision`, { mean, std, a, b });
  }
  return precision === 'f64'
    ? { precision, fill: (s, n, out) => kernels().truncNormalF64(key, stream, s, n, t, out as Float64Array) }
    : { precision, fill: (s, n, out) => kernels().truncNormalF32(key, stream, s, n, t, out as Float32Array) };
}

export function constField(ctx: { precision: 'f32' | 'f64' }, value: number): Field {
  return { precision: ctx.precision, fill: (_s, n, out) => out.fill(value, 0, n) };
}

/** Deterministic structured schemes: value of flat index i. */
export function indexField(ctx: { precision: 'f32' | 'f64' }, value: (i: number) => number): Field {
  return { precision: ctx.precision, fill: (s, n, out) => { for (let j = 0; j < n; j++) out[j] = value(s + j); } };
}

/** A whole tensor computed once (orthogonal, dirichlet, ...), served by index. */
export function arrayField(ctx: { precision: 'f32' | 'f64' }, values: () => Float32Array | Float64Array): Field {
  let cache: Float32Array | Float64Array | undefined;
  return { precision: ctx.precision, whole: true, fill: (s, n, out) => { cache ??= values(); out.set(cache.subarray(s, s + n)); } };
}

/** The same field, flagged as computed from the whole tensor at once (see Field.whole). */
export function wholeField(field: Field): Field {
  return { precision: field.precision, whole: true, fill: (s, n, out) => field.fill(s, n, out) };
}

/** Multiplies every value by k (rounded to the sampling precision after the product). */
export function scaledField(field: Field, k: number): Field {
  if (k === 1) return field;
  const kk = field.precision === 'f32' ? Math.fround(k) : k;
  return {
    precision: field.precision,
    fill: (s, n, out) => { field.fill(s, n, out); for (let j = 0; j < n; j++) out[j] = out[j]! * kk; },
  };
}
