/**
 * jax.* : every builder of jax.nn.initializers with JAX defaults. Fans: _compute_fans(shape, in_axis=-2,
 * out_axis=-1, batch_axis=()) where every unnamed axis is receptive field; no max(1, .) guard.
 * "normal" is UNtruncated here (Keras: truncated); uniform(scale) is one-sided U[0, scale).
 * Source: ../shared/reference/schemes.md section 3.
 */
import { namespace, delegate, delegateTheory, varianceEntry, constantTheory } from './common.ts';
import type { ParamSpec, SchemeContext } from '../registry.ts';
import { schemeFans, fanOf, FAN_MODES, type FanMode } from '../../fans.ts';
import { constField, normalField, uniformField, truncNormalField } from '../../fields.ts';
import { ratio, truncNormalMoments, type VarianceDistribution } from '../variance.ts';
import { RecipeError } from '../../errors.ts';

const def = namespace('jax');
const REF = 'jax-ml/jax jax/_src/nn/initializers.py';
const axisP = (what: string, dflt: string): ParamSpec => ({ type: 'integer[]', description: `${what} (default ${dflt}); a number or a list`, default: null, nullable: true });
const AXES = { in_axis: axisP('input axis or axes', '-2'), out_axis: axisP('output axis or axes', '-1'), batch_axis: axisP('batch axes, excluded from the fans', '()') };
function jaxFan(ctx: SchemeContext, mode: FanMode): number {
  const f = schemeFans(ctx, 'jax', { inAxes: ctx.params.in_axis ?? null, outAxes: ctx.params.out_axis ?? null, batchAxes: ctx.params.batch_axis ?? null });
  return fanOf(f, mode);
}
const JDIST: Record<string, VarianceDistribution> = { truncated_normal: 'truncated_normal', normal: 'normal', uniform: 'uniform' };

def({ name: 'zeros', family: 'constant', description: 'jax.nn.initializers.zeros', formula: 'w = 0', references: [REF], compile: (ctx) => constField(ctx, 0), theory: () => constantTheory(0) });
def({ name: 'ones', family: 'constant', description: 'jax.nn.initializers.ones', formula: 'w = 1', references: [REF], compile: (ctx) => constField(ctx, 1), theory: () => constantTheory(1) });
def({
  name: 'constant', family: 'constant', description: 'jax.nn.initializers.constant(value)', formula: 'w = value', references: [REF],
  params: { value: { type: 'number', description: 'the value (required)', required: true } },
  compile: (ctx) => constField(ctx, ctx.params.value), theory: (ctx) => constantTheory(ctx.params.value),
});
def({
  name: 'uniform', family: 'random', description: 'jax.nn.initializers.uniform(scale=1e-2): ONE-SIDED U[0, scale), not symmetric.', formula: 'U[0, scale)', references: [REF],
  params: { scale: { type: 'number', description: 'upper bound', default: 0.01, minimum: 0 } },
  compile: (ctx) => uniformField(ctx, 0, ctx.params.scale),
  theory: ({ params: { scale } }) => ({ mean: scale / 2, std: scale / Math.sqrt(12), min: 0, max: scale, density: 'uniform' }),
});
def({
  name: 'normal', family: 'random', description: 'jax.nn.initializers.normal(stddev=1e-2)', formula: 'N(0, stddev^2)', references: [REF],
  params: { stddev: { type: 'number', description: 'standard deviation', default: 0.01, minimum: 0 } },
  compile: (ctx) => normalField(ctx, 0, ctx.params.stddev),
  theory: ({ params: { stddev } }) => ({ mean: 0, std: stddev, density: 'normal' }),
});
def({
  name: 'truncated_normal', family: 'random',
  description: 'jax.nn.initializers.truncated_normal(stddev=1e-2, lower=-2, upper=2): bounds in units of stddev, no 0.8796 correction, no mean.',
  formula: 'stddev * TN(0, 1; [lower, upper])', references: [REF],
  notes: 'jax.random.truncated_normal clips to the open interval (nextafter(lower), nextafter(upper)); our inverse CDF may return a bound itself with probability ~2^-24.',
  params: {
    stddev: { type: 'number', description: 'std of the parent normal', default: 0.01, minimum: 0 },
    lower: { type: 'number', description: 'lower bound in stddev units', default: -2 },
    upper: { type: 'number', description: 'upper bound in stddev units', default: 2 },
  },
  compile: (ctx) => {
    const { stddev, lower, upper } = ctx.params;
    if (!(upper > lower)) throw new RecipeError('impossible', 'params.upper', 'must be > params.lower', upper);
    return truncNormalField(ctx, 0, stddev, lower * stddev, upper * stddev);
  },
  theory: ({ params: { stddev, lower, upper } }) => ({ ...truncNormalMoments(0, stddev, lower * stddev, upper * stddev), min: lower * stddev, max: upper * stddev, density: 'truncated_normal' }),
});
def({
  name: 'variance_scaling', family: 'variance_scaling', layout: 'keras',
  description: 'jax.nn.initializers.variance_scaling(scale, mode, distribution): no defaults for these three. "normal" is untruncated; "truncated_normal" is corrected by 0.87962566103423978; mode fan_geo_avg = sqrt(fan_in*fan_out). No max(1, .) guard on the fans.',
  formula: 'var = scale / n; truncated_normal: TN(-2, 2) * sqrt(var) / 0.87962566103423978; normal: N(0, var); uniform: U(-1, 1) * sqrt(3 var)',
  references: [REF],
  notes: 'Complex dtypes (modulus-truncated normal with divisor .95311164380491208, uniform on the disk) are not served: weightinit dtypes are real.',
  params: {
    scale: { type: 'number', description: 'variance multiplier (required)', required: true, minimum: 0 },
    mode: { type: 'string', description: 'fan_in, fan_out, fan_avg or fan_geo_avg (required)', required: true, enum: FAN_MODES },
    distribution: { type: 'string', description: 'truncated_normal, normal or uniform (required)', required: true, enum: ['truncated_normal', 'normal', 'uniform'] },
    ...AXES,
  },
  ...varianceEntry((ctx) => ratio(ctx.params.scale, jaxFan(ctx, ctx.params.mode)), (ctx) => JDIST[ctx.params.distribution]!),
});
const vs = (name: string, aliases: string[], scale: number, mode: FanMode, dist: 'uniform' | 'truncated_normal', formula: string) => def({
  name, aliases, family: 'variance_scaling', layout: 'keras',
  description: `jax.nn.initializers.${name} = variance_scaling(${scale}, "${mode}", "${dist}")`, formula, references: [REF], params: { ...AXES },
  ...varianceEntry((ctx) => ratio(scale, jaxFan(ctx, mode)), () => dist),
});
vs('glorot_uniform', ['xavier_uniform'], 1, 'fan_avg', 'uniform', 'U(+-sqrt(6 / (fan_in + fan_out)))');
vs('glorot_normal', ['xavier_normal'], 1, 'fan_avg', 'truncated_normal', 'TN(-2, 2) * sqrt(2/(fan_in+fan_out)) / 0.87962566103423978');
vs('he_uniform', ['kaiming_uniform'], 2, 'fan_in', 'uniform', 'U(+-sqrt(6 / fan_in))');
vs('he_normal', ['kaiming_normal'], 2, 'fan_in', 'truncated_normal', 'TN(-2, 2) * sqrt(2/fan_in) / 0.87962566103423978');
vs('lecun_uniform', [], 1, 'fan_in', 'uniform', 'U(+-sqrt(3 / fan_in))');
vs('lecun_normal', [], 1, 'fan_in', 'truncated_normal', 'TN(-2, 2) * sqrt(1/fan_in) / 0.87962566103423978');

const columnAxis: ParamSpec = { type: 'integer', description: 'the axis that ends up orthonormal', default: -1 };
def({
  name: 'orthogonal', family: 'orthogonal', layout: 'keras',
  description: 'jax.nn.initializers.orthogonal(scale=1.0, column_axis=-1): n_cols = shape[column_axis], n_rows = numel / n_cols; QR with sign(diag R); any zero dim gives zeros.',
  formula: 'W = scale * Q, Q (n_rows x n_cols) with orthonormal rows or columns, column_axis moved back into place', references: [REF], minRank: 2,
  params: { scale: { type: 'number', description: 'multiplier', default: 1 }, column_axis: columnAxis },
  compile: (ctx) => delegate(ctx, 'orthogonal', { gain: ctx.params.scale, column_axis: ctx.params.column_axis }),
  theory: (ctx) => delegateTheory(ctx, 'orthogonal', { gain: ctx.params.scale, column_axis: ctx.params.column_axis }),
});
def({
  name: 'delta_orthogonal', family: 'orthogonal', layout: 'keras',
  description: 'jax.nn.initializers.delta_orthogonal(scale=1.0, column_axis=-1): 3/4/5-D, shape[-1] >= shape[-2]; an orthogonal (in, out) matrix at the spatial centre (k-1)//2, zeros elsewhere.',
  formula: 'W[(k-1)//2, ..., :, :] = scale * Q (in x out), 0 elsewhere', references: [REF, 'Xiao et al. 2018, arXiv:1806.05393'], minRank: 3, maxRank: 5,
  params: { scale: { type: 'number', description: 'multiplier', default: 1 }, column_axis: columnAxis },
  compile: (ctx) => {
    if (ctx.params.column_axis !== -1 && ctx.params.column_axis !== ctx.shape.length - 1) throw new RecipeError('unsupported', 'params.column_axis', 'only the last axis (-1) is supported for delta_orthogonal', ctx.params.column_axis);
    return delegate(ctx, 'delta_orthogonal', { gain: ctx.params.scale });
  },
  theory: (ctx) => delegateTheory(ctx, 'delta_orthogonal', { gain: ctx.params.scale }),
});
