/**
 * Canonical variance-scaling schemes: every expected bound/std below is written from the formulas in
 * ../shared/reference/schemes.md, with the fans worked out by hand for the shape and layout.
 */
import t from 'tap';
import { checkDist, throwsRecipe, sample, TN_CORR } from './variance-check.ts';
import { compileRecipe } from '../../src/core/recipe.ts';
import { calculateGain } from '../../src/core/fans.ts';

const sq = Math.sqrt;
const U = (b: number) => ({ kind: 'uniform' as const, low: -b, high: b });
const N = (sd: number) => ({ kind: 'normal' as const, sd });
/** corrected truncated normal with post-truncation std s: sigma = s/0.8796, bounds +-2 sigma */
const TNc = (s: number) => { const sigma = s / TN_CORR; return { kind: 'tn' as const, sigma, a: -2 * sigma, b: 2 * sigma }; };

t.test('calculate_gain table (torch.nn.init)', async (t) => {
  t.equal(calculateGain('linear'), 1); t.equal(calculateGain('conv2d'), 1); t.equal(calculateGain('sigmoid'), 1);
  t.equal(calculateGain('tanh'), 5 / 3); t.equal(calculateGain('relu'), sq(2)); t.equal(calculateGain('selu'), 0.75);
  t.equal(calculateGain('leaky_relu'), sq(2 / (1 + 0.01 ** 2)), 'param None -> slope 0.01');
  t.equal(calculateGain('leaky_relu', 0), sq(2), 'kaiming default a=0 -> sqrt 2');
  t.equal(calculateGain('leaky_relu', sq(5)), sq(1 / 3));
  throwsRecipe(t, () => calculateGain('swish'), 'invalid', 'params.nonlinearity', 'unknown nonlinearity');
});

t.test('xavier / glorot', async (t) => {
  // torch (out=128, in=64, 3, 3): fan_in = 576, fan_out = 1152
  checkDist(t, { scheme: 'xavier_uniform', shape: [128, 64, 3, 3], seed: 1 }, U(sq(6 / (576 + 1152))));
  // same kernel in keras layout (3, 3, in=64, out=128), gain 2
  checkDist(t, { scheme: 'glorot_uniform', shape: [3, 3, 64, 128], layout: 'keras', seed: 2, params: { gain: 2 } }, U(2 * sq(6 / 1728)));
  checkDist(t, { scheme: 'xavier_normal', shape: [256, 384], seed: 3 }, N(sq(2 / 640)));
  // explicit fans override the shape
  checkDist(t, { scheme: 'xavier_normal', shape: [100, 1000], seed: 4, fan_in: 10, fan_out: 30 }, N(sq(2 / 40)));
  // float64 sampling
  checkDist(t, { scheme: 'xavier_uniform', shape: [300, 200], dtype: 'float64', seed: 5 }, U(sq(6 / 500)));
});

t.test('kaiming / he', async (t) => {
  checkDist(t, { scheme: 'kaiming_uniform', shape: [128, 64, 3, 3], seed: 1 }, U(sq(6 / 576)), 'default: leaky_relu a=0, fan_in');
  // keras layout (3,3,in=64,out=128), fan_out = 128*9 = 1152, relu gain sqrt 2: bound = sqrt2 * sqrt(3/1152)
  checkDist(t, { scheme: 'he_uniform', shape: [3, 3, 64, 128], layout: 'keras', seed: 2, params: { mode: 'fan_out', nonlinearity: 'relu' } }, U(sq(2) * sq(3 / 1152)));
  checkDist(t, { scheme: 'kaiming_normal', shape: [300, 200], seed: 3, params: { a: 0.2 } }, N(sq(2 / 1.04) / sq(200)));
  checkDist(t, { scheme: 'kaiming_normal', shape: [100, 1000], seed: 4, fan_in: 50, params: { nonlinearity: 'tanh' } }, N((5 / 3) / sq(50)));
  checkDist(t, { scheme: 'kaiming_normal', shape: [64, 32, 7], seed: 5, params: { nonlinearity: 'selu' } }, N(0.75 / sq(32 * 7)), 'conv1d, selu');
  checkDist(t, { scheme: 'kaiming_uniform', shape: [200, 800], seed: 6, params: { mode: 'fan_geo_avg', nonlinearity: 'linear' } }, U(sq(3 / 400)));
});

t.test('lecun (SELU init)', async (t) => {
  checkDist(t, { scheme: 'lecun_uniform', shape: [200, 300], seed: 1 }, U(sq(3 / 300)));
  checkDist(t, { scheme: 'lecun_normal', shape: [300, 200], layout: 'keras', seed: 2 }, N(sq(1 / 300)), 'keras (in=300, out=200)');
  checkDist(t, { scheme: 'lecun_normal', shape: [32, 16, 5, 5], seed: 3 }, N(sq(1 / 400)));
});

t.test('variance_scaling', async (t) => {
  // torch (256, 512): fan_in 512, fan_out 256, fan_avg 384
  checkDist(t, { scheme: 'variance_scaling', shape: [256, 512], seed: 1, params: { scale: 2, mode: 'fan_avg' } }, TNc(sq(2 / 384)), 'default truncated_normal, corrected');
  checkDist(t, { scheme: 'variance_scaling', shape: [100, 400], seed: 2, params: { mode: 'fan_geo_avg', distribution: 'uniform' } }, U(sq(3 / 200)));
  checkDist(t, { scheme: 'variance_scaling', shape: [3, 3, 64, 128], layout: 'keras', seed: 3, params: { scale: 0.5, mode: 'fan_out', distribution: 'normal' } }, N(sq(0.5 / 1152)));
  checkDist(t, { scheme: 'variance_scaling', shape: [3, 3, 64, 128], layout: 'hwio', seed: 3, params: { distribution: 'untruncated_normal' } }, N(sq(1 / 576)));
  // JAX-style axes: (batch=4, in=10, out=20, 50): rf = 4*10*20*50 / (10*20*4) = 50, fan_in = 500
  checkDist(t, { scheme: 'variance_scaling', shape: [4, 10, 20, 50], seed: 4, params: { distribution: 'normal', in_axes: [1], out_axes: [2], batch_axes: [0] } }, N(sq(1 / 500)));
  // the theory() promises the same numbers as the formula
  const c = compileRecipe({ scheme: 'variance_scaling', shape: [256, 512], seed: 1, params: { scale: 2, mode: 'fan_avg' } });
  const th = c.theory();
  t.ok(Math.abs(th.std! - sq(2 / 384)) < 1e-12, 'theory std = sqrt(scale/n) after truncation');
  t.ok(Math.abs(th.max! - 2 * sq(2 / 384) / TN_CORR) < 1e-12, 'theory max = 2 sigma');
});

t.test('Caffe and Caffe2 xavier / msra variants', async (t) => {
  // caffe fans: fan_in = numel/shape[0], fan_out = numel/shape[1]
  checkDist(t, { scheme: 'msra', shape: [128, 64, 3, 3], seed: 1 }, N(sq(2 / 576)));
  checkDist(t, { scheme: 'msra', shape: [128, 64, 3, 3], seed: 2, params: { variance_norm: 'FAN_OUT' } }, N(sq(2 / 1152)));
  checkDist(t, { scheme: 'xavier_caffe', shape: [400, 300], seed: 3 }, U(sq(3 / 300)), 'default FAN_IN = LeCun uniform');
  checkDist(t, { scheme: 'xavier_caffe', shape: [400, 300], seed: 4, params: { variance_norm: 'average' } }, U(sq(3 / 350)), 'AVERAGE = Glorot');
  // Caffe2 newer MSRAFill on an NHWC weight (out=128, 3, 3, in=64): fan_out = numel/shape[1] = 128*3*64
  checkDist(t, { scheme: 'msra_caffe2', shape: [128, 3, 3, 64], seed: 5 }, N(sq(2 / (128 * 3 * 64))));
  checkDist(t, { scheme: 'msra_caffe2_legacy', shape: [128, 64, 3, 3], seed: 6 }, U(sq(2 / 576)));
});

t.test('scale multiplier and determinism', async (t) => {
  const a = sample({ scheme: 'kaiming_normal', shape: [64, 64], seed: 9 });
  const b = sample({ scheme: 'kaiming_normal', shape: [64, 64], seed: 9, multiplier: 0.5 });
  let same = true;
  for (let i = 0; i < a.length; i++) if (b[i] !== Math.fround(a[i]! * 0.5)) same = false;
  t.ok(same, 'scale multiplies every value after sampling');
  const c = sample({ scheme: 'kaiming_normal', shape: [64, 64], seed: 9 });
  t.same(Array.from(c), Array.from(a), 'same recipe, same values');
  // fans come from the full shape: a chunked fill equals the whole
  const r = compileRecipe({ scheme: 'xavier_uniform', shape: [50, 70], seed: 3 });
  const part = new Float32Array(100); r.field.fill(1234, 100, part);
  const whole = sample({ scheme: 'xavier_uniform', shape: [50, 70], seed: 3 });
  t.same(Array.from(part), Array.from(whole.subarray(1234, 1334)), 'slice of the field = same region of the whole');
});

t.test('bad parameters raise RecipeError naming the param and the rule', async (t) => {
  throwsRecipe(t, () => compileRecipe({ scheme: 'kaiming_uniform', shape: [4, 4], params: { nonlinearity: 'swish' } }), 'invalid', 'params.nonlinearity', 'unknown nonlinearity');
  throwsRecipe(t, () => compileRecipe({ scheme: 'variance_scaling', shape: [4, 4], params: { mode: 'fan_max' } }), 'invalid', 'params.mode', 'unknown mode');
  throwsRecipe(t, () => compileRecipe({ scheme: 'variance_scaling', shape: [4, 4], params: { distribution: 'cauchy' } }), 'invalid', 'params.distribution', 'unknown distribution');
  throwsRecipe(t, () => compileRecipe({ scheme: 'variance_scaling', shape: [4, 4], params: { scale: -1 } }), 'impossible', 'params.scale', 'negative scale');
  throwsRecipe(t, () => compileRecipe({ scheme: 'xavier_uniform', shape: [4, 4], params: { gain: -1 } }), 'impossible', 'params.gain', 'negative gain');
  throwsRecipe(t, () => compileRecipe({ scheme: 'xavier_uniform', shape: [16] }), 'impossible', 'shape', 'rank 1 under torch');
  throwsRecipe(t, () => compileRecipe({ scheme: 'variance_scaling', shape: [4, 4], params: { in_axes: [5], out_axes: [0] } }), 'impossible', 'params.in_axis', 'axis out of range');
  throwsRecipe(t, () => compileRecipe({ scheme: 'msra_caffe2', shape: [16] }), 'impossible', 'shape', 'MSRAFill needs rank 2');
  // rank 1 is fine with explicit fans or the keras convention
  checkDist(t, { scheme: 'xavier_uniform', shape: [20000], layout: 'keras', seed: 1 }, U(sq(6 / 40000)), 'keras rank 1: fan_in = fan_out = n');
  checkDist(t, { scheme: 'kaiming_normal', shape: [20000], fan_in: 100, fan_out: 100, seed: 2 }, N(sq(2 / 100)), 'rank 1 with explicit fans');
});
