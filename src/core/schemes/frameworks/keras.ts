/**
 * keras.* : every Keras 3 initializer by class name and string id (keras/src/initializers), with Keras
 * defaults and keras.compute_fans on channels-last kernels (*k, in, out). In Keras "normal" in
 * VarianceScaling means the truncated normal corrected by 0.87962566103423978.
 * Source: ../shared/reference/schemes.md section 2.
 */
import { namespace, delegate, delegateTheory, varianceEntry, constantTheory } from './common.ts';
import type { ParamSpec, SchemeContext } from '../registry.ts';
import { schemeFans, fanOf, type FanMode } from '../../fans.ts';
import { constField, normalField, uniformField, truncNormalField, indexField } from '../../fields.ts';
import { RecipeError } from '../../errors.ts';
import { truncNormalMoments, type VarianceDistribution } from '../variance.ts';
import { stftKernel, STFT_WINDOWS } from './stft.ts';

const def = namespace('keras');
const RI = 'keras-team/keras keras/src/initializers/random_initializers.py';
const CI = 'keras-team/keras keras/src/initializers/constant_initializers.py';

/** Keras compute_fans (with optional input_axes/output_axes), clamped with max(1, .) as VarianceScaling does. */
function kerasN(ctx: SchemeContext, mode: FanMode): number {
  const f = schemeFans(ctx, 'keras', { inAxes: ctx.params.input_axes ?? null, outAxes: ctx.params.output_axes ?? null });
  return Math.max(1, fanOf(f, mode));
}
const axesP = (what: string): ParamSpec => ({ type: 'integer[]', description: `${what}; give both input_axes and output_axes to compute fans as products over those axes`, default: null, nullable: true });
const AXES = { input_axes: axesP('axes whose product is fan_in'), output_axes: axesP('axes whose product is fan_out') };
const KDIST: Record<string, VarianceDistribution> = { truncated_normal: 'truncated_normal', normal: 'truncated_normal', untruncated_normal: 'normal', uniform: 'uniform' };

def({
  name: 'RandomNormal', aliases: ['random_normal', 'normal'], family: 'random', description: 'keras.initializers.RandomNormal', formula: 'N(mean, stddev^2)', references: [RI],
  params: { mean: { type: 'number', description: 'mean', default: 0 }, stddev: { type: 'number', description: 'standard deviation', default: 0.05, minimum: 0 } },
  compile: (ctx) => normalField(ctx, ctx.params.mean, ctx.params.stddev),
  theory: ({ params: { mean, stddev } }) => ({ mean, std: stddev, density: 'normal' }),
});
def({
  name: 'RandomUniform', aliases: ['random_uniform', 'uniform'], family: 'random', description: 'keras.initializers.RandomUniform', formula: 'U[minval, maxval)', references: [RI],
  params: { minval: { type: 'number', description: 'lower bound', default: -0.05 }, maxval: { type: 'number', description: 'upper bound', default: 0.05 } },
  compile: (ctx) => {
    if (!(ctx.params.maxval >= ctx.params.minval)) throw new RecipeError('impossible', 'params.maxval', 'must be >= params.minval', ctx.params.maxval);
    return uniformField(ctx, ctx.params.minval, ctx.params.maxval);
  },
  theory: ({ params: { minval, maxval } }) => ({ mean: (minval + maxval) / 2, std: (maxval - minval) / Math.sqrt(12), min: minval, max: maxval, density: 'uniform' }),
});
def({
  name: 'TruncatedNormal', aliases: ['truncated_normal'], family: 'random',
  description: 'keras.initializers.TruncatedNormal: N(mean, stddev^2) with values beyond 2 stddev redrawn. No 0.8796 correction: stddev is the pre-truncation std.',
  formula: 'TN(mean, stddev; [mean - 2 stddev, mean + 2 stddev])', references: [RI],
  notes: 'Backends differ in algorithm (JAX inverse CDF, NumPy rejection, torch backend a 4-candidate pick that is not exact); we sample the exact truncated distribution.',
  params: { mean: { type: 'number', description: 'mean', default: 0 }, stddev: { type: 'number', description: 'std before truncation', default: 0.05, minimum: 0 } },
  compile: ({ params: { mean, stddev }, ...rest }) => truncNormalField(rest, mean, stddev, mean - 2 * stddev, mean + 2 * stddev),
  theory: ({ params: { mean, stddev } }) => ({ ...truncNormalMoments(mean, stddev, mean - 2 * stddev, mean + 2 * stddev), min: mean - 2 * stddev, max: mean + 2 * stddev, density: 'truncated_normal' }),
});
def({
  name: 'VarianceScaling', aliases: ['variance_scaling'], family: 'variance_scaling', layout: 'keras',
  description: 'keras.initializers.VarianceScaling. distribution "normal" is an alias of "truncated_normal" (TN at +-2 sigma, sigma = sqrt(s)/0.87962566103423978, so the post-truncation std is sqrt(s)); "untruncated_normal" is N(0, s).',
  formula: 's = scale / max(1, n), n = fan_in | fan_out | (fan_in+fan_out)/2; uniform: U(+-sqrt(3s)); truncated_normal: TN(0, sqrt(s)/0.8796; +-2 sigma); untruncated_normal: N(0, s)',
  references: [RI],
  params: {
    scale: { type: 'number', description: 'scaling factor (> 0)', default: 1, exclusiveMinimum: 0 },
    mode: { type: 'string', description: 'fan_in, fan_out or fan_avg', default: 'fan_in', enum: ['fan_in', 'fan_out', 'fan_avg'] },
    distribution: { type: 'string', description: 'truncated_normal (alias normal), untruncated_normal or uniform', default: 'truncated_normal', enum: ['truncated_normal', 'normal', 'untruncated_normal', 'uniform'] },
    ...AXES,
  },
  ...varianceEntry((ctx) => ctx.params.scale / kerasN(ctx, ctx.params.mode), (ctx) => KDIST[ctx.params.distribution]!),
});
const vs = (name: string, alias: string, scale: number, mode: FanMode, dist: 'uniform' | 'truncated_normal', formula: string) => def({
  name, aliases: [alias], family: 'variance_scaling', layout: 'keras',
  description: `keras.initializers.${name} = VarianceScaling(scale=${scale}, mode="${mode}", distribution="${dist}")`,
  formula, references: [RI], params: { ...AXES },
  ...varianceEntry((ctx) => scale / kerasN(ctx, mode), () => dist),
});
vs('GlorotUniform', 'glorot_uniform', 1, 'fan_avg', 'uniform', 'U(+-sqrt(6 / (fan_in + fan_out)))');
vs('GlorotNormal', 'glorot_normal', 1, 'fan_avg', 'truncated_normal', 'TN(0, sigma; +-2 sigma), sigma = sqrt(2/(fan_in+fan_out)) / 0.87962566103423978 (post-truncation std sqrt(2/(fan_in+fan_out)))');
vs('HeUniform', 'he_uniform', 2, 'fan_in', 'uniform', 'U(+-sqrt(6 / fan_in))');
vs('HeNormal', 'he_normal', 2, 'fan_in', 'truncated_normal', 'TN(0, sigma; +-2 sigma), sigma = sqrt(2/fan_in) / 0.87962566103423978');
vs('LecunUniform', 'lecun_uniform', 1, 'fan_in', 'uniform', 'U(+-sqrt(3 / fan_in))');
vs('LecunNormal', 'lecun_normal', 1, 'fan_in', 'truncated_normal', 'TN(0, sigma; +-2 sigma), sigma = sqrt(1/fan_in) / 0.87962566103423978');

def({
  name: 'Orthogonal', aliases: ['orthogonal', 'OrthogonalInitializer'], family: 'orthogonal', layout: 'keras',
  description: 'keras.initializers.Orthogonal: rows = prod(shape[:-1]), cols = shape[-1]; QR of a Gaussian (max, min) with sign(diag R), transposed if rows < cols, times gain.',
  formula: 'W = gain * Q reshaped, Q (prod(shape[:-1]) x shape[-1]) with orthonormal rows or columns', references: [RI], minRank: 2,
  params: { gain: { type: 'number', description: 'multiplier', default: 1 } },
  compile: (ctx) => delegate(ctx, 'orthogonal', { gain: ctx.params.gain, column_axis: -1 }),
  theory: (ctx) => delegateTheory(ctx, 'orthogonal', { gain: ctx.params.gain, column_axis: -1 }),
});
def({
  name: 'Identity', aliases: ['identity', 'IdentityInitializer'], family: 'structured',
  description: 'keras.initializers.Identity: gain * eye(rows, cols); 2-D only, non-square allowed.',
  formula: 'w[i][j] = gain * (i == j)', references: [CI], minRank: 2, maxRank: 2,
  params: { gain: { type: 'number', description: 'multiplier', default: 1 } },
  compile: (ctx) => delegate(ctx, 'identity', { gain: ctx.params.gain }),
  theory: (ctx) => delegateTheory(ctx, 'identity', { gain: ctx.params.gain }),
});
def({
  name: 'Constant', aliases: ['constant'], family: 'constant', description: 'keras.initializers.Constant (scalar value)', formula: 'w = value', references: [CI],
  params: { value: { type: 'number', description: 'the value', default: 0 } },
  compile: (ctx) => constField(ctx, ctx.params.value), theory: (ctx) => constantTheory(ctx.params.value),
});
def({ name: 'Zeros', aliases: ['zeros', 'zero'], family: 'constant', description: 'keras.initializers.Zeros', formula: 'w = 0', references: [CI], compile: (ctx) => constField(ctx, 0), theory: () => constantTheory(0) });
def({ name: 'Ones', aliases: ['ones', 'one'], family: 'constant', description: 'keras.initializers.Ones', formula: 'w = 1', references: [CI], compile: (ctx) => constField(ctx, 1), theory: () => constantTheory(1) });
def({
  name: 'STFT', aliases: ['stft', 'STFTInitializer'], family: 'structured',
  description: 'keras.initializers.STFT: Conv1D kernel (frame_length, input_channels, fft_length//2+1... i.e. F bins) of DFT bases cos (side real) or sin (side imag) of -2 pi t f / (2 (F-1)), times a scipy window, divided by sqrt(sum w^2) (density) or sum |w| (spectrum).',
  formula: 'w[t, c, f] = trig(-2 pi t f / (2 (F - 1))) * win[t] / scaling',
  references: [CI, 'scipy.signal.get_window'], minRank: 3, maxRank: 3,
  notes: 'Windows supported: hann, hamming, blackman, bartlett, boxcar, none (scipy supports more). Some Keras versions make `side` required; we default it to "real" as the reference catalogue does. Computed in float64, then rounded: angles are reduced exactly as rational turns and evaluated with the fdlibm sin/cos kernels (+ - * / only, the same bits on every engine), so quarter turns are exact (cos(pi/2) = 0 where numpy gives 6.1e-17; other values agree with numpy to ~1e-16).',
  params: {
    side: { type: 'string', description: 'real (cos) or imag (sin)', default: 'real', enum: ['real', 'imag'] },
    window: { type: 'string', description: 'scipy window name, or none', default: 'hann', enum: STFT_WINDOWS },
    scaling: { type: 'string', description: 'density (L2), spectrum (L1) or none', default: 'density', enum: ['density', 'spectrum', 'none'] },
    periodic: { type: 'boolean', description: 'periodic window (scipy fftbins=True)', default: false },
  },
  compile: (ctx) => {
    const [T, C, F] = ctx.shape as [number, number, number];
    if (F < 2) throw new RecipeError('impossible', 'shape[2]', 'the number of frequency bins must be >= 2 (Keras divides by 2*(F-1))', F);
    const k = stftKernel(T, F, ctx.params.side, ctx.params.window, ctx.params.scaling, ctx.params.periodic);
    return indexField(ctx, (i) => { const f = i % F, t = Math.floor(i / (C * F)); return k[t * F + f]!; });
  },
  theory: () => ({ density: 'discrete' }),
});
