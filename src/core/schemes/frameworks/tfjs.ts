/**
 * tfjs.* : TensorFlow.js Layers initializers by identifier (randomUniform, leCunNormal, ...; lookup is
 * case-insensitive so the class names resolve too). Quirks kept as the code has them: VarianceScaling
 * "normal" is truncated at +-2 sigma WITHOUT the 0.8796 correction; "truncatedNormal" takes the uniform
 * branch; an explicit 0 for minval/maxval/stddev becomes the default; computeFans gives sqrt(numel) for
 * rank 1 and rank >= 6. Source: ../shared/reference/schemes.md section 4 (tfjs-layers/src/initializers.ts).
 */
import { namespace, delegate, delegateTheory, varianceEntry, constantTheory } from './common.ts';
import type { SchemeContext } from '../registry.ts';
import { schemeFans } from '../../fans.ts';
import { constField, normalField, uniformField, truncNormalField } from '../../fields.ts';
import { RecipeError } from '../../errors.ts';
import { truncNormalMoments, type VarianceDistribution } from '../variance.ts';

const def = namespace('tfjs');
const REF = 'tensorflow/tfjs tfjs-layers/src/initializers.ts';
const ZERO_QUIRK = 'An explicit 0 is replaced by the default (the code uses `args.x || DEFAULT`).';
/** `args.x || DEFAULT`. */
const orDefault = (v: number, d: number) => (v === 0 ? d : v);

def({ name: 'zeros', family: 'constant', description: 'tf.initializers.zeros', formula: 'w = 0', references: [REF], compile: (ctx) => constField(ctx, 0), theory: () => constantTheory(0) });
def({ name: 'ones', family: 'constant', description: 'tf.initializers.ones', formula: 'w = 1', references: [REF], compile: (ctx) => constField(ctx, 1), theory: () => constantTheory(1) });
def({
  name: 'constant', family: 'constant', description: 'tf.initializers.constant({value}); value is required.', formula: 'w = value', references: [REF],
  params: { value: { type: 'number', description: 'the value (required)', required: true } },
  compile: (ctx) => constField(ctx, ctx.params.value), theory: (ctx) => constantTheory(ctx.params.value),
});
const unif = (p: Record<string, any>) => [orDefault(p.minval, -0.05), orDefault(p.maxval, 0.05)] as const;
def({
  name: 'randomUniform', family: 'random', description: 'tf.initializers.randomUniform', formula: 'U[minval, maxval)', references: [REF], notes: ZERO_QUIRK,
  params: { minval: { type: 'number', description: 'lower bound', default: -0.05 }, maxval: { type: 'number', description: 'upper bound', default: 0.05 } },
  compile: (ctx) => {
    const [lo, hi] = unif(ctx.params);
    if (!(hi >= lo)) throw new RecipeError('impossible', 'params.maxval', 'must be >= params.minval', ctx.params.maxval);
    return uniformField(ctx, lo, hi);
  },
  theory: (ctx) => { const [lo, hi] = unif(ctx.params); return { mean: (lo + hi) / 2, std: (hi - lo) / Math.sqrt(12), min: lo, max: hi, density: 'uniform' }; },
});
def({
  name: 'randomNormal', family: 'random', description: 'tf.initializers.randomNormal', formula: 'N(mean, stddev^2)', references: [REF], notes: ZERO_QUIRK,
  params: { mean: { type: 'number', description: 'mean', default: 0 }, stddev: { type: 'number', description: 'standard deviation', default: 0.05, minimum: 0 } },
  compile: (ctx) => normalField(ctx, ctx.params.mean, orDefault(ctx.params.stddev, 0.05)),
  theory: (ctx) => ({ mean: ctx.params.mean, std: orDefault(ctx.params.stddev, 0.05), density: 'normal' }),
});
const tn = (p: Record<string, any>) => { const m = p.mean, s = orDefault(p.stddev, 0.05); return [m, s, m - 2 * s, m + 2 * s] as const; };
def({
  name: 'truncatedNormal', family: 'random', description: 'tf.initializers.truncatedNormal: values outside mean +- 2 stddev are rejected (no correction).',
  formula: 'TN(mean, stddev; [mean - 2 stddev, mean + 2 stddev])', references: [REF, 'tensorflow/tfjs tfjs-core/src/ops/rand_util.ts'], notes: ZERO_QUIRK,
  params: { mean: { type: 'number', description: 'mean', default: 0 }, stddev: { type: 'number', description: 'std before truncation', default: 0.05, minimum: 0 } },
  compile: (ctx) => { const [m, s, a, b] = tn(ctx.params); return truncNormalField(ctx, m, s, a, b); },
  theory: (ctx) => { const [m, s, a, b] = tn(ctx.params); return { ...truncNormalMoments(m, s, a, b), min: a, max: b, density: 'truncated_normal' }; },
});
def({
  name: 'identity', family: 'structured', description: 'tf.initializers.identity: gain * I, 2-D SQUARE only.', formula: 'w[i][j] = gain * (i == j)', references: [REF], minRank: 2, maxRank: 2,
  params: { gain: { type: 'number', description: 'multiplier', default: 1 } },
  compile: (ctx) => {
    if (ctx.shape[0] !== ctx.shape[1]) throw new RecipeError('impossible', 'shape', 'tfjs identity needs a square 2-D shape', ctx.shape);
    return delegate(ctx, 'identity', { gain: ctx.params.gain });
  },
  theory: (ctx) => delegateTheory(ctx, 'identity', { gain: ctx.params.gain }),
});

const MODES: Record<string, 'fanIn' | 'fanOut' | 'fanAvg'> = { fanIn: 'fanIn', fanOut: 'fanOut', fanAvg: 'fanAvg', fan_in: 'fanIn', fan_out: 'fanOut', fan_avg: 'fanAvg' };
function tfjsScale(ctx: SchemeContext, scale: number, mode: string): number {
  const f = schemeFans(ctx, 'tfjs');
  const m = MODES[mode];
  const n = m === 'fanIn' ? f.fanIn : m === 'fanOut' ? f.fanOut : (f.fanIn + f.fanOut) / 2;
  return scale / Math.max(1, n);
}
/** 'normal' -> uncorrected TN; everything else (including 'truncatedNormal') -> uniform, as the code does. */
const tfjsDist = (d: string): VarianceDistribution => (d === 'normal' ? 'truncated_normal_uncorrected' : 'uniform');
def({
  name: 'varianceScaling', family: 'variance_scaling', layout: 'keras',
  description: 'tf.initializers.varianceScaling. "normal" = truncated normal at +-2 sqrt(s) with NO 0.8796 correction (real std ~0.88 sqrt(s)); "uniform" = U(+-sqrt(3s)).',
  formula: 's = scale / max(1, n); normal: TN(0, sqrt(s); +-2 sqrt(s)); otherwise U(+-sqrt(3 s))', references: [REF],
  notes: 'Follows the code at tfjs@0fc04d95: distribution "truncatedNormal" passes validation but takes the uniform branch. scale 0 is allowed (only scale < 0 raises).',
  params: {
    scale: { type: 'number', description: 'scaling factor (>= 0)', default: 1, minimum: 0 },
    mode: { type: 'string', description: 'fanIn, fanOut or fanAvg (serialized forms fan_in, fan_out, fan_avg accepted)', default: 'fanIn', enum: Object.keys(MODES) },
    distribution: { type: 'string', description: 'normal, uniform or truncatedNormal (serialized truncated_normal)', default: 'normal', enum: ['normal', 'uniform', 'truncatedNormal', 'truncated_normal'] },
  },
  ...varianceEntry((ctx) => tfjsScale(ctx, ctx.params.scale, ctx.params.mode), (ctx) => tfjsDist(ctx.params.distribution)),
});
const vs = (name: string, scale: number, mode: string, dist: 'normal' | 'uniform', formula: string) => def({
  name, family: 'variance_scaling', layout: 'keras',
  description: `tf.initializers.${name} = VarianceScaling(scale ${scale}, mode ${mode}, distribution ${dist})${dist === 'normal' ? '; truncated at +-2 sigma without correction' : ''}`,
  formula, references: [REF],
  ...varianceEntry((ctx) => tfjsScale(ctx, scale, mode), () => tfjsDist(dist)),
});
vs('glorotNormal', 1, 'fanAvg', 'normal', 'TN(0, s; +-2 s), s = sqrt(2 / (fan_in + fan_out))');
vs('glorotUniform', 1, 'fanAvg', 'uniform', 'U(+-sqrt(6 / (fan_in + fan_out)))');
vs('heNormal', 2, 'fanIn', 'normal', 'TN(0, s; +-2 s), s = sqrt(2 / fan_in)');
vs('heUniform', 2, 'fanIn', 'uniform', 'U(+-sqrt(6 / fan_in))');
vs('leCunNormal', 1, 'fanIn', 'normal', 'TN(0, s; +-2 s), s = sqrt(1 / fan_in)');
vs('leCunUniform', 1, 'fanIn', 'uniform', 'U(+-sqrt(3 / fan_in))');
def({
  name: 'orthogonal', family: 'orthogonal', layout: 'keras',
  description: 'tf.initializers.orthogonal: rows = prod(shape[:-1]), cols = shape[-1]; QR with sign(diag R), times gain. (tfjs warns above 2000 elements; we do not.)',
  formula: 'W = gain * Q', references: [REF], minRank: 2,
  params: { gain: { type: 'number', description: 'multiplier', default: 1 } },
  compile: (ctx) => delegate(ctx, 'orthogonal', { gain: ctx.params.gain, column_axis: -1 }),
  theory: (ctx) => delegateTheory(ctx, 'orthogonal', { gain: ctx.params.gain, column_axis: -1 }),
});
