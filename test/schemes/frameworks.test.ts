/**
 * Framework namespaces. (1) Every initializer listed in ../shared/reference/schemes.md for the six
 * frameworks resolves by its own name (the lists below are written by hand from that reference).
 * (2) Each framework's defaults, fan convention and quirks, checked against expectations computed here.
 */
import t from 'tap';
import { lookup } from '../../src/core/schemes/registry.ts';
import { compileRecipe } from '../../src/core/recipe.ts';
import { checkDist, throwsRecipe, sample, TN_CORR } from './variance-check.ts';
import { chiSquare, moments } from '../helpers/stats.ts';

const sq = Math.sqrt;
const U = (b: number) => ({ kind: 'uniform' as const, low: -b, high: b });
const N = (sd: number, mean = 0) => ({ kind: 'normal' as const, sd, mean });
const TN = (sigma: number, mean = 0) => ({ kind: 'tn' as const, sigma, mean, a: mean - 2 * sigma, b: mean + 2 * sigma });

// ---------------------------------------------------------------- (1) names
const TORCH = [
  // torch.nn.init (section 1.3) with the deprecated un-suffixed aliases
  'uniform_', 'normal_', 'trunc_normal_', 'constant_', 'ones_', 'zeros_', 'eye_', 'dirac_', 'xavier_uniform_', 'xavier_normal_',
  'kaiming_uniform_', 'kaiming_normal_', 'orthogonal_', 'sparse_',
  'uniform', 'normal', 'constant', 'eye', 'dirac', 'xavier_uniform', 'xavier_normal', 'kaiming_uniform', 'kaiming_normal', 'orthogonal', 'sparse',
  // module defaults (section 1.4)
  'nn.Linear.weight', 'nn.Linear.bias', 'nn.Bilinear.weight', 'nn.Bilinear.bias',
  'nn.Conv1d.weight', 'nn.Conv2d.weight', 'nn.Conv3d.weight', 'nn.ConvTranspose1d.weight', 'nn.ConvTranspose2d.weight', 'nn.ConvTranspose3d.weight',
  'nn.Conv1d.bias', 'nn.Conv2d.bias', 'nn.Conv3d.bias', 'nn.ConvTranspose2d.bias',
  'nn.Embedding.weight',
  'nn.BatchNorm1d.weight', 'nn.BatchNorm2d.weight', 'nn.BatchNorm3d.weight', 'nn.BatchNorm2d.bias', 'nn.BatchNorm2d.running_mean', 'nn.BatchNorm2d.running_var', 'nn.BatchNorm2d.num_batches_tracked',
  'nn.LayerNorm.weight', 'nn.LayerNorm.bias', 'nn.GroupNorm.weight', 'nn.GroupNorm.bias',
  'nn.RNN', 'nn.LSTM', 'nn.GRU', 'nn.RNNCell', 'nn.LSTMCell', 'nn.GRUCell',
  'nn.MultiheadAttention.in_proj_weight', 'nn.MultiheadAttention.q_proj_weight', 'nn.MultiheadAttention.k_proj_weight', 'nn.MultiheadAttention.v_proj_weight',
  'nn.MultiheadAttention.in_proj_bias', 'nn.MultiheadAttention.out_proj.weight', 'nn.MultiheadAttention.out_proj.bias',
  'nn.MultiheadAttention.bias_k', 'nn.MultiheadAttention.bias_v',
];
const KERAS = [ // section 2.3: class names, snake_case ids and aliases
  'RandomNormal', 'random_normal', 'normal', 'RandomUniform', 'random_uniform', 'uniform', 'TruncatedNormal', 'truncated_normal',
  'VarianceScaling', 'variance_scaling', 'GlorotUniform', 'glorot_uniform', 'GlorotNormal', 'glorot_normal', 'HeUniform', 'he_uniform',
  'HeNormal', 'he_normal', 'LecunUniform', 'lecun_uniform', 'LecunNormal', 'lecun_normal', 'Orthogonal', 'orthogonal', 'OrthogonalInitializer',
  'Identity', 'identity', 'IdentityInitializer', 'Constant', 'constant', 'Zeros', 'zeros', 'zero', 'Ones', 'ones', 'one', 'STFT', 'stft', 'STFTInitializer',
];
const JAX = [ // section 3 public API
  'constant', 'delta_orthogonal', 'glorot_normal', 'glorot_uniform', 'he_normal', 'he_uniform', 'kaiming_normal', 'kaiming_uniform',
  'lecun_normal', 'lecun_uniform', 'normal', 'ones', 'orthogonal', 'truncated_normal', 'uniform', 'variance_scaling', 'xavier_normal', 'xavier_uniform', 'zeros',
];
const TFJS = [ // section 4.1 identifiers and class names
  'zeros', 'ones', 'constant', 'randomUniform', 'randomNormal', 'truncatedNormal', 'identity', 'varianceScaling', 'glorotNormal', 'glorotUniform',
  'heNormal', 'heUniform', 'leCunNormal', 'leCunUniform', 'orthogonal',
  'Zeros', 'Ones', 'Constant', 'RandomUniform', 'RandomNormal', 'TruncatedNormal', 'Identity', 'VarianceScaling', 'GlorotNormal', 'GlorotUniform',
  'HeNormal', 'HeUniform', 'LeCunNormal', 'LeCunUniform', 'Orthogonal',
];
const CAFFE2 = [ // section 5.2 (both MSRAFill revisions under distinct names)
  'ConstantFill', 'UniformFill', 'UniformIntFill', 'UniqueUniformFill', 'GaussianFill', 'XavierFill', 'MSRAFill', 'MSRAFill_legacy', 'RangeFill',
  'LengthsRangeFill', 'DiagonalFill', 'GivenTensorFill', 'GivenTensorBoolFill', 'GivenTensorIntFill', 'GivenTensorInt64Fill', 'GivenTensorStringFill',
];
const CAFFE = ['constant', 'gaussian', 'positive_unitball', 'uniform', 'xavier', 'msra', 'bilinear']; // section 6.1 GetFiller types

t.test('every framework initializer resolves by its own name', async (t) => {
  const lists: [string, string[]][] = [['torch', TORCH], ['keras', KERAS], ['jax', JAX], ['tfjs', TFJS], ['caffe2', CAFFE2], ['caffe', CAFFE]];
  for (const [fw, names] of lists) {
    const missing = names.map((n) => `${fw}.${n}`).filter((n) => !lookup(n));
    t.same(missing, [], `${fw}: all ${names.length} names resolve`);
    for (const n of names) { const d = lookup(`${fw}.${n}`); if (d) t.equal(d.framework, fw, `${fw}.${n} belongs to ${fw}`); }
  }
  t.ok(lookup('torch.nn.init.kaiming_uniform_'), 'torch nn.init.* path spelling');
  t.notOk(lookup('torch.xavier_avg'), 'unknown names do not resolve');
});

t.test('every framework entry describes itself', async (t) => {
  for (const fw of ['torch', 'keras', 'jax', 'tfjs', 'caffe2', 'caffe']) {
    for (const n of [...(fw === 'torch' ? TORCH : fw === 'keras' ? KERAS : fw === 'jax' ? JAX : fw === 'tfjs' ? TFJS : fw === 'caffe2' ? CAFFE2 : CAFFE)]) {
      const d = lookup(`${fw}.${n}`)!;
      if (!d) continue;
      if (!(d.description && d.formula && d.references.length && d.family)) t.fail(`${d.name} lacks description/formula/references/family`);
      for (const [k, p] of Object.entries(d.params)) if (!p.description) t.fail(`${d.name}.${k} lacks a description`);
      if (['random', 'variance_scaling', 'framework_default'].includes(d.family) && !d.theory) t.fail(`${d.name} is random but has no theory() for the stats format`);
    }
  }
  t.pass('checked');
});

// ---------------------------------------------------------------- (2) semantics
t.test('torch.nn.init', async (t) => {
  checkDist(t, { scheme: 'torch.uniform_', shape: [300, 300], seed: 1 }, { kind: 'uniform', low: 0, high: 1 }, 'uniform_ default U[0,1)');
  checkDist(t, { scheme: 'torch.normal_', shape: [300, 300], seed: 2 }, N(1), 'normal_ default N(0,1)');
  // trunc_normal_ bounds are ABSOLUTE: std 3 with a=-2, b=2 is a wide normal cut at +-2
  checkDist(t, { scheme: 'torch.trunc_normal_', shape: [300, 300], seed: 3, params: { std: 3 } }, { kind: 'tn', sigma: 3, a: -2, b: 2 }, 'trunc_normal_ absolute bounds');
  checkDist(t, { scheme: 'torch.trunc_normal_', shape: [300, 300], seed: 4, params: { mean: 1, std: 0.5, a: 0, b: 3 } }, { kind: 'tn', mean: 1, sigma: 0.5, a: 0, b: 3 });
  checkDist(t, { scheme: 'torch.xavier_uniform_', shape: [128, 64, 3, 3], seed: 5 }, U(sq(6 / (576 + 1152))));
  checkDist(t, { scheme: 'torch.kaiming_uniform_', shape: [128, 64, 3, 3], seed: 6 }, U(sq(6 / 576)));
  checkDist(t, { scheme: 'torch.kaiming_normal_', shape: [128, 64, 3, 3], seed: 7, params: { mode: 'fan_out', nonlinearity: 'relu' } }, N(sq(2) / sq(1152)));
  throwsRecipe(t, () => compileRecipe({ scheme: 'torch.kaiming_normal_', shape: [4, 4], params: { mode: 'fan_avg' } }), 'invalid', 'params.mode', 'torch has no fan_avg');
  throwsRecipe(t, () => compileRecipe({ scheme: 'torch.normal_', shape: [4, 4], params: { std: -1 } }), 'impossible', 'params.std', 'negative std');
  throwsRecipe(t, () => compileRecipe({ scheme: 'torch.xavier_normal_', shape: [10] }), 'impossible', 'shape', 'rank < 2');
  throwsRecipe(t, () => compileRecipe({ scheme: 'torch.constant_', shape: [4] }), 'invalid', 'params.val', 'val is required');
  const c = sample({ scheme: 'torch.constant_', shape: [5], params: { val: 0.25 } });
  t.same(Array.from(c), [0.25, 0.25, 0.25, 0.25, 0.25]);
});

t.test('torch module defaults', async (t) => {
  checkDist(t, { scheme: 'torch.nn.Linear.weight', shape: [300, 200], seed: 1 }, U(1 / sq(200)), 'Linear(200, 300).weight: U(+-1/sqrt(in))');
  checkDist(t, { scheme: 'torch.nn.Linear.bias', shape: [60000], fan_in: 200, seed: 2 }, U(1 / sq(200)), 'Linear bias with the weight fan_in');
  throwsRecipe(t, () => compileRecipe({ scheme: 'torch.nn.Linear.bias', shape: [300] }), 'invalid', 'fan_in', 'bias without fan_in');
  checkDist(t, { scheme: 'torch.nn.Conv2d.weight', shape: [64, 16, 5, 5], seed: 3 }, U(1 / sq(400)), 'Conv2d(16, 64, 5)');
  // ConvTranspose2d(in=16, out=32, 3): weight (16, 32, 3, 3), fan_in = 32*9
  checkDist(t, { scheme: 'torch.nn.ConvTranspose2d.weight', shape: [16, 32, 3, 3], seed: 4, multiplier: 1 }, U(1 / sq(288)));
  checkDist(t, { scheme: 'torch.nn.Bilinear.weight', shape: [40, 50, 60], seed: 5 }, U(1 / sq(50)));
  checkDist(t, { scheme: 'torch.nn.LSTM', shape: [1024, 256], seed: 6, params: { hidden_size: 256 } }, U(1 / 16), 'LSTM: U(+-1/sqrt(H)) for every param');
  // MHA embed 256: in_proj_weight (768, 256) xavier_uniform: fan_in 256, fan_out 768
  checkDist(t, { scheme: 'torch.nn.MultiheadAttention.in_proj_weight', shape: [768, 256], seed: 7 }, U(sq(6 / 1024)));
  // bias_k (1, 1, E): torch fans fan_in = E, fan_out = E -> N(0, 1/E)
  checkDist(t, { scheme: 'torch.nn.MultiheadAttention.bias_k', shape: [1, 1, 50000], seed: 8 }, N(sq(1 / 50000)));
  const emb = sample({ scheme: 'torch.nn.Embedding.weight', shape: [1000, 64], seed: 9, params: { padding_idx: -1 } });
  t.ok(emb.subarray(999 * 64).every((x) => x === 0), 'padding row (-1 -> 999) is zero');
  const m = moments(emb.subarray(0, 999 * 64));
  t.ok(Math.abs(m.std - 1) < 0.02 && Math.abs(m.mean) < 0.02, `other rows N(0,1): mean ${m.mean} std ${m.std}`);
  const bn = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => sample({ scheme: `torch.nn.BatchNorm2d.${p}`, shape: [3] })[0]);
  t.same(bn, [1, 0, 0, 1], 'BatchNorm weight 1, bias 0, running_mean 0, running_var 1');
});

t.test('keras', async (t) => {
  checkDist(t, { scheme: 'keras.RandomNormal', shape: [300, 300], seed: 1 }, N(0.05));
  checkDist(t, { scheme: 'keras.random_uniform', shape: [300, 300], seed: 2 }, U(0.05));
  checkDist(t, { scheme: 'keras.TruncatedNormal', shape: [300, 300], seed: 3 }, TN(0.05), 'TruncatedNormal: stddev is pre-truncation');
  // kernel (3, 3, in=32, out=64): fan_in 288, fan_out 576; "normal" = truncated, corrected
  checkDist(t, { scheme: 'keras.GlorotNormal', shape: [3, 3, 32, 64], seed: 4 }, TN(sq(2 / 864) / TN_CORR));
  checkDist(t, { scheme: 'keras.GlorotUniform', shape: [3, 3, 32, 64], seed: 5 }, U(sq(6 / 864)));
  checkDist(t, { scheme: 'keras.HeNormal', shape: [3, 3, 32, 64], seed: 6 }, TN(sq(2 / 288) / TN_CORR));
  checkDist(t, { scheme: 'keras.LecunUniform', shape: [300, 500], seed: 7 }, U(sq(3 / 300)), '2-D kernel is (in, out)');
  checkDist(t, { scheme: 'keras.VarianceScaling', shape: [300, 500], seed: 8, params: { distribution: 'normal' } }, TN(sq(1 / 300) / TN_CORR), '"normal" means truncated');
  checkDist(t, { scheme: 'keras.VarianceScaling', shape: [300, 500], seed: 9, params: { distribution: 'untruncated_normal', mode: 'fan_out', scale: 3 } }, N(sq(3 / 500)));
  checkDist(t, { scheme: 'keras.HeUniform', shape: [60000], seed: 10 }, U(sq(6 / 60000)), 'rank 1: fan_in = n');
  // the same kernel read with the torch convention on request: (2, 3, 16, 32) torch -> fan_in = 3*16*32
  checkDist(t, { scheme: 'keras.HeUniform', shape: [2, 3, 16, 32], seed: 11 }, U(sq(6 / (16 * 6))), 'native keras fans');
  checkDist(t, { scheme: 'keras.HeUniform', shape: [2, 3, 16, 32], layout: 'torch', seed: 11 }, U(sq(6 / (3 * 16 * 32))), 'explicit layout torch');
  checkDist(t, { scheme: 'keras.HeUniform', shape: [2, 3, 16, 32], fan_in: 10, seed: 11 }, U(sq(6 / 10)), 'explicit fan_in');
  checkDist(t, { scheme: 'keras.GlorotUniform', shape: [8, 16, 32, 4], seed: 12, params: { input_axes: [0, 1], output_axes: [2] } }, U(sq(6 / (128 + 32))), 'input_axes/output_axes: products only');
  throwsRecipe(t, () => compileRecipe({ scheme: 'keras.VarianceScaling', shape: [4, 4], params: { scale: 0 } }), 'impossible', 'params.scale', 'keras scale must be > 0');
  throwsRecipe(t, () => compileRecipe({ scheme: 'keras.VarianceScaling', shape: [4, 4], params: { mode: 'fan_geo_avg' } }), 'invalid', 'params.mode', 'keras has no fan_geo_avg');
  // STFT: hann(5, symmetric) = [0, .5, 1, .5, 0], density scaling sqrt(1.5); kernel[t, c, f] = cos(-2 pi t f / 8) w[t] / sqrt(1.5)
  const k = sample({ scheme: 'keras.STFT', shape: [5, 2, 5] });
  const w = [0, 0.5, 1, 0.5, 0], s = sq(1.5);
  let maxErr = 0;
  for (let tt = 0; tt < 5; tt++) for (let c = 0; c < 2; c++) for (let f = 0; f < 5; f++) maxErr = Math.max(maxErr, Math.abs(k[(tt * 2 + c) * 5 + f]! - Math.cos((-2 * Math.PI * tt * f) / 8) * w[tt]! / s));
  t.ok(maxErr < 1e-6, `STFT real/hann/density exact (max err ${maxErr})`);
  const ki = sample({ scheme: 'keras.STFT', shape: [4, 1, 3], params: { side: 'imag', window: 'hann', periodic: true, scaling: 'spectrum' } });
  // periodic hann(4) = [0, .5, 1, .5]; spectrum scaling sum = 2; sin(-2 pi t f / 4)
  const wp = [0, 0.5, 1, 0.5];
  let e2 = 0;
  for (let tt = 0; tt < 4; tt++) for (let f = 0; f < 3; f++) e2 = Math.max(e2, Math.abs(ki[tt * 3 + f]! - Math.sin((-2 * Math.PI * tt * f) / 4) * wp[tt]! / 2));
  t.ok(e2 < 1e-6, `STFT imag/periodic/spectrum exact (max err ${e2})`);
});

t.test('jax', async (t) => {
  checkDist(t, { scheme: 'jax.uniform', shape: [300, 300], seed: 1 }, { kind: 'uniform', low: 0, high: 0.01 }, 'one-sided U[0, 0.01)');
  checkDist(t, { scheme: 'jax.normal', shape: [300, 300], seed: 2 }, N(0.01));
  checkDist(t, { scheme: 'jax.truncated_normal', shape: [300, 300], seed: 3, params: { stddev: 2, lower: -1, upper: 3 } }, { kind: 'tn', sigma: 2, a: -2, b: 6 }, 'bounds in std units, no correction');
  checkDist(t, { scheme: 'jax.glorot_normal', shape: [3, 3, 32, 64], seed: 4 }, TN(sq(2 / 864) / TN_CORR), 'truncated + corrected');
  checkDist(t, { scheme: 'jax.variance_scaling', shape: [200, 800], seed: 5, params: { scale: 1, mode: 'fan_geo_avg', distribution: 'normal' } }, N(sq(1 / 400)), '"normal" is untruncated; fan_geo_avg');
  // (batch=5, in=8, 3, out=16) with in_axis=1, out_axis=3, batch_axis=0: rf = 3 -> fan_in = 24
  checkDist(t, { scheme: 'jax.variance_scaling', shape: [5, 8, 3, 16, 50], seed: 6, params: { scale: 2, mode: 'fan_in', distribution: 'uniform', in_axis: 1, out_axis: [3], batch_axis: [0] } }, U(sq(6 / (8 * 3 * 50))));
  checkDist(t, { scheme: 'jax.kaiming_uniform', shape: [3, 3, 64, 128], seed: 7 }, U(sq(6 / 576)));
  throwsRecipe(t, () => compileRecipe({ scheme: 'jax.variance_scaling', shape: [4, 4], params: { mode: 'fan_in', distribution: 'normal' } }), 'invalid', 'params.scale', 'no default scale');
  throwsRecipe(t, () => compileRecipe({ scheme: 'jax.lecun_normal', shape: [16] }), 'impossible', 'params.in_axis', 'rank 1 with in_axis -2');
});

t.test('tfjs', async (t) => {
  // glorotNormal: truncated at +-2 sigma with NO correction, sigma = sqrt(2/(fi+fo))
  checkDist(t, { scheme: 'tfjs.glorotNormal', shape: [3, 3, 32, 64], seed: 1 }, TN(sq(2 / 864)));
  checkDist(t, { scheme: 'tfjs.heUniform', shape: [3, 3, 32, 64], seed: 2 }, U(sq(6 / 288)));
  checkDist(t, { scheme: 'tfjs.varianceScaling', shape: [300, 500], seed: 3, params: { distribution: 'truncatedNormal' } }, U(sq(3 / 300)), 'truncatedNormal takes the uniform branch');
  checkDist(t, { scheme: 'tfjs.leCunUniform', shape: [90000], seed: 4 }, U(sq(3 / 300)), 'rank 1: fan = sqrt(numel)');
  checkDist(t, { scheme: 'tfjs.heUniform', shape: [2, 2, 5, 5, 9, 100], seed: 5 }, U(sq(6 / 300)), 'rank 6: fan = sqrt(numel)');
  checkDist(t, { scheme: 'tfjs.randomUniform', shape: [300, 300], seed: 6, params: { minval: 0, maxval: 0.2 } }, { kind: 'uniform', low: -0.05, high: 0.2 }, 'explicit minval 0 becomes -0.05');
  checkDist(t, { scheme: 'tfjs.truncatedNormal', shape: [300, 300], seed: 7 }, TN(0.05));
  throwsRecipe(t, () => compileRecipe({ scheme: 'tfjs.identity', shape: [3, 4] }), 'impossible', 'shape', 'identity must be square');
  throwsRecipe(t, () => compileRecipe({ scheme: 'tfjs.varianceScaling', shape: [4, 4], params: { scale: -1 } }), 'impossible', 'params.scale', 'negative scale');
});

t.test('caffe2 fillers', async (t) => {
  // NHWC weight (out=64, 3, 3, in=32): XavierFill fan_in = numel/shape[0] = 288 whatever the layout
  checkDist(t, { scheme: 'caffe2.XavierFill', shape: [64, 3, 3, 32], seed: 1 }, U(sq(3 / 288)), 'XavierFill = LeCun uniform');
  checkDist(t, { scheme: 'caffe2.MSRAFill', shape: [64, 32, 3, 3], seed: 2 }, N(sq(2 / 576)), 'newer MSRAFill: fan_out = numel/shape[1]');
  checkDist(t, { scheme: 'caffe2.MSRAFill_legacy', shape: [64, 32, 3, 3], seed: 3 }, U(sq(2 / 288)), 'older MSRAFill');
  checkDist(t, { scheme: 'caffe2.GaussianFill', shape: [300, 300], seed: 4, params: { mean: 2, std: 3 } }, N(3, 2));
  checkDist(t, { scheme: 'caffe2.UniformFill', shape: [300, 300], seed: 5, params: { min: -1, max: 3 } }, { kind: 'uniform', low: -1, high: 3 });
  throwsRecipe(t, () => compileRecipe({ scheme: 'caffe2.UniformFill', shape: [4], params: { min: 1, max: 1 } }), 'impossible', 'params.max', 'min < max enforced');
  const ints = sample({ scheme: 'caffe2.UniformIntFill', shape: [100000], seed: 6, params: { min: -3, max: 6 } });
  const counts = new Array(10).fill(0);
  let integral = true;
  for (const x of ints) { if (!Number.isInteger(x) || x < -3 || x > 6) integral = false; else counts[x + 3]++; }
  t.ok(integral, 'UniformIntFill: integers in [min, max] inclusive');
  const chi = chiSquare(counts, new Array(10).fill(10000));
  t.ok(chi.p > 1e-3, `UniformIntFill uniform over 10 values (chi2 p=${chi.p})`);
  throwsRecipe(t, () => compileRecipe({ scheme: 'caffe2.GivenTensorStringFill', shape: [2] }), 'unsupported', 'scheme', 'string tensors refused');
});

t.test('caffe fillers', async (t) => {
  checkDist(t, { scheme: 'caffe.xavier', shape: [400, 300], seed: 1 }, U(sq(3 / 300)), 'xavier default FAN_IN');
  checkDist(t, { scheme: 'caffe.xavier', shape: [400, 300], seed: 2, params: { variance_norm: 'AVERAGE' } }, U(sq(3 / 350)));
  checkDist(t, { scheme: 'caffe.xavier', shape: [90000], seed: 3, params: { variance_norm: 'FAN_OUT' } }, U(sq(3 / 90000)), '1-D: fan_out = count');
  checkDist(t, { scheme: 'caffe.msra', shape: [64, 32, 3, 3], seed: 4 }, N(sq(2 / 288)));
  checkDist(t, { scheme: 'caffe.gaussian', shape: [300, 300], seed: 5 }, N(1));
  checkDist(t, { scheme: 'caffe.uniform', shape: [300, 300], seed: 6 }, { kind: 'uniform', low: 0, high: 1 });
  const c = sample({ scheme: 'caffe.constant', shape: [3] });
  t.same(Array.from(c), [0, 0, 0], 'constant default 0 (the filler a layer gets when it names none)');
});
