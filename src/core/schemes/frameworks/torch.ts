/**
 * torch.* : every function of torch.nn.init (with the deprecated un-suffixed aliases and nn.init.* paths)
 * and the default initialization of nn.Linear / Bilinear / Conv / Embedding / norm layers / RNN /
 * MultiheadAttention parameters. Fans: torch._calculate_fan_in_and_fan_out on (out, in, *k), rank >= 2.
 * Source: ../shared/reference/schemes.md section 1.
 */
import { namespace, delegate, delegateTheory, varianceEntry, constantTheory } from './common.ts';
import type { ParamSpec, SchemeContext } from '../registry.ts';
import type { Field } from '../../field.ts';
import { calculateGain, schemeFans } from '../../fans.ts';
import { constField, normalField, uniformField, truncNormalField } from '../../fields.ts';
import { RecipeError } from '../../errors.ts';
import { ratio, truncNormalMoments } from '../variance.ts';

const def = namespace('torch');
const REF = 'pytorch/pytorch torch/nn/init.py';
const TORCH_NONLIN = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'] as const;
const fans = (ctx: SchemeContext) => schemeFans(ctx, 'torch');
/** `name_` plus its deprecated un-suffixed alias and the nn.init.* spellings. */
const initNames = (base: string, deprecated = true): { name: string; aliases: string[] } => ({
  name: `${base}_`, aliases: [`nn.init.${base}_`, ...(deprecated ? [base, `nn.init.${base}`] : [])],
});

// ---------------- torch.nn.init ----------------
def({
  ...initNames('uniform'), family: 'random', description: 'torch.nn.init.uniform_: U(a, b).', formula: 'U[a, b)', references: [REF],
  params: { a: { type: 'number', description: 'lower bound', default: 0 }, b: { type: 'number', description: 'upper bound', default: 1 } },
  compile: (ctx) => {
    if (!(ctx.params.b >= ctx.params.a)) throw new RecipeError('impossible', 'params.b', 'must be >= params.a (torch: uniform_ expects a [from, to) range)', ctx.params.b);
    return uniformField(ctx, ctx.params.a, ctx.params.b);
  },
  theory: ({ params: { a, b } }) => ({ mean: (a + b) / 2, std: (b - a) / Math.sqrt(12), min: a, max: b, density: 'uniform' }),
});
def({
  ...initNames('normal'), family: 'random', description: 'torch.nn.init.normal_: N(mean, std^2).', formula: 'N(mean, std^2)', references: [REF],
  params: { mean: { type: 'number', description: 'mean', default: 0 }, std: { type: 'number', description: 'standard deviation (torch: normal expects std >= 0.0)', default: 1, minimum: 0 } },
  compile: (ctx) => normalField(ctx, ctx.params.mean, ctx.params.std),
  theory: ({ params: { mean, std } }) => ({ mean, std, density: 'normal' }),
});
def({
  ...initNames('trunc_normal', false), family: 'random',
  description: 'torch.nn.init.trunc_normal_: N(mean, std^2) truncated to the ABSOLUTE interval [a, b] (not multiples of std).',
  formula: 'TN(mean, std; [a, b]) by inverse CDF',
  notes: 'The docs say values are "redrawn until within bounds"; the code uses inverse CDF + clamp, which gives the same distribution. We follow the code (inverse CDF).',
  references: [REF],
  params: {
    mean: { type: 'number', description: 'mean of the parent normal', default: 0 },
    std: { type: 'number', description: 'std of the parent normal', default: 1, minimum: 0 },
    a: { type: 'number', description: 'minimum cutoff value (absolute)', default: -2 },
    b: { type: 'number', description: 'maximum cutoff value (absolute)', default: 2 },
  },
  compile: (ctx) => {
    const { mean, std, a, b } = ctx.params;
    if (!(b > a)) throw new RecipeError('impossible', 'params.b', 'must be > params.a', b);
    return truncNormalField(ctx, mean, std, a, b);
  },
  theory: ({ params: { mean, std, a, b } }) => ({ ...truncNormalMoments(mean, std, a, b), min: a, max: b, density: 'truncated_normal' }),
});
def({
  ...initNames('constant'), family: 'constant', description: 'torch.nn.init.constant_: fill with val.', formula: 'w = val', references: [REF],
  params: { val: { type: 'number', description: 'the value (required, as in torch)', required: true } },
  compile: (ctx) => constField(ctx, ctx.params.val), theory: (ctx) => constantTheory(ctx.params.val),
});
def({ ...initNames('ones', false), family: 'constant', description: 'torch.nn.init.ones_', formula: 'w = 1', references: [REF], compile: (ctx) => constField(ctx, 1), theory: () => constantTheory(1) });
def({ ...initNames('zeros', false), family: 'constant', description: 'torch.nn.init.zeros_', formula: 'w = 0', references: [REF], compile: (ctx) => constField(ctx, 0), theory: () => constantTheory(0) });
def({
  ...initNames('eye'), family: 'structured', description: 'torch.nn.init.eye_: the 2-D identity torch.eye(rows, cols); non-square allowed, no gain.',
  formula: 'w[i][j] = (i == j)', references: [REF], minRank: 2, maxRank: 2,
  compile: (ctx) => delegate(ctx, 'eye'),
  theory: (ctx) => delegateTheory(ctx, 'eye'),
});
def({
  ...initNames('dirac'), family: 'structured',
  description: 'torch.nn.init.dirac_: 3/4/5-D conv weight preserving the input identity per group; centre at k//2.',
  formula: 'w[g*out_per_group + d, d, k//2...] = 1 for d < min(out/groups, in)', references: [REF], minRank: 3, maxRank: 5,
  params: { groups: { type: 'integer', description: 'number of groups; must divide shape[0]', default: 1, minimum: 1 } },
  compile: (ctx) => delegate(ctx, 'dirac', { groups: ctx.params.groups }),
  theory: (ctx) => delegateTheory(ctx, 'dirac', { groups: ctx.params.groups }),
});

const gainP: ParamSpec = { type: 'number', description: 'scaling factor of the std', default: 1, minimum: 0 };
const xavierVar = (ctx: SchemeContext) => { const f = fans(ctx); return ctx.params.gain ** 2 * ratio(2, f.fanIn + f.fanOut); };
def({
  ...initNames('xavier_uniform'), family: 'variance_scaling', description: 'torch.nn.init.xavier_uniform_', references: [REF, 'Glorot & Bengio 2010'],
  formula: 'U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out))', params: { gain: gainP }, minRank: 2,
  ...varianceEntry(xavierVar, () => 'uniform'),
});
def({
  ...initNames('xavier_normal'), family: 'variance_scaling', description: 'torch.nn.init.xavier_normal_ (untruncated)', references: [REF, 'Glorot & Bengio 2010'],
  formula: 'N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))', params: { gain: gainP }, minRank: 2,
  ...varianceEntry(xavierVar, () => 'normal'),
});
const kaimingParams: Record<string, ParamSpec> = {
  a: { type: 'number', description: 'negative slope of the rectifier after this layer (only used with leaky_relu)', default: 0 },
  mode: { type: 'string', description: 'fan_in or fan_out', default: 'fan_in', enum: ['fan_in', 'fan_out'] },
  nonlinearity: { type: 'string', description: 'the non-linear function (calculate_gain name)', default: 'leaky_relu', enum: TORCH_NONLIN },
};
const kaimingVar = (ctx: SchemeContext) => {
  const g = calculateGain(ctx.params.nonlinearity, ctx.params.a);
  const f = fans(ctx);
  return g * g * ratio(1, ctx.params.mode === 'fan_in' ? f.fanIn : f.fanOut);
};
def({
  ...initNames('kaiming_uniform'), family: 'variance_scaling', description: 'torch.nn.init.kaiming_uniform_; defaults give gain sqrt(2) (leaky_relu with a=0), bound sqrt(6/fan_in).',
  references: [REF, 'He et al. 2015'], formula: 'U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)', params: kaimingParams, minRank: 2,
  ...varianceEntry(kaimingVar, () => 'uniform'),
});
def({
  ...initNames('kaiming_normal'), family: 'variance_scaling', description: 'torch.nn.init.kaiming_normal_ (untruncated)',
  references: [REF, 'He et al. 2015'], formula: 'N(0, std^2), std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a)', params: kaimingParams, minRank: 2,
  ...varianceEntry(kaimingVar, () => 'normal'),
});
def({
  ...initNames('orthogonal'), family: 'orthogonal',
  description: 'torch.nn.init.orthogonal_: rows = shape[0], cols = numel/rows; QR of a Gaussian with the sign(diag R) fix, times gain.',
  formula: 'W = gain * Q, Q from QR of N(0,1)^(rows x cols) (transposed if rows < cols), Q *= sign(diag R)', references: [REF, 'Saxe et al. 2013'], minRank: 2,
  params: { gain: { type: 'number', description: 'multiplier', default: 1 } },
  compile: (ctx) => delegate(ctx, 'orthogonal', { gain: ctx.params.gain }),
  theory: (ctx) => delegateTheory(ctx, 'orthogonal', { gain: ctx.params.gain }),
});
def({
  ...initNames('sparse'), family: 'sparse',
  description: 'torch.nn.init.sparse_: 2-D only; N(0, std^2), then in each column exactly ceil(sparsity * rows) entries are zero.',
  formula: 'w ~ N(0, std^2); per column, ceil(sparsity*rows) rows set to 0', references: [REF, 'Martens 2010'], minRank: 2, maxRank: 2,
  params: {
    sparsity: { type: 'number', description: 'fraction of each column set to zero (required)', required: true, minimum: 0, exclusiveMaximum: 1 },
    std: { type: 'number', description: 'std of the normal for the non-zero values', default: 0.01, minimum: 0 },
  },
  compile: (ctx) => delegate(ctx, 'sparse', { sparsity: ctx.params.sparsity, std: ctx.params.std }),
  theory: (ctx) => delegateTheory(ctx, 'sparse', { sparsity: ctx.params.sparsity, std: ctx.params.std }),
});

// ---------------- module default inits ----------------
const LINEAR_REF = 'pytorch/pytorch torch/nn/modules/linear.py reset_parameters';
const CONV_REF = 'pytorch/pytorch torch/nn/modules/conv.py _ConvNd.reset_parameters';
const uniformBound = (ctx: SchemeContext, bound: number): Field => uniformField(ctx, -bound, bound);
const uniformBoundTheory = (bound: number) => ({ mean: 0, std: bound / Math.sqrt(3), min: -bound, max: bound, density: 'uniform' as const });
/** kaiming_uniform_(a=sqrt(5)): gain^2 = 2/(1+5) = 1/3, so bound = gain*sqrt(3/fan_in) = 1/sqrt(fan_in). */
const defaultWeightBound = (ctx: SchemeContext) => { const fi = fans(ctx).fanIn; const g = calculateGain('leaky_relu', Math.sqrt(5)); return fi > 0 ? g * Math.sqrt(3 / fi) : 0; };
/** Biases need the fan_in of their weight, which the bias shape does not carry. */
const biasBound = (ctx: SchemeContext, what: string) => {
  const fi = ctx.explicitFans?.fanIn;
  if (fi === undefined) throw new RecipeError('invalid', 'fan_in', `is required: the fan_in of the weight this bias belongs to (${what})`);
  return fi > 0 ? 1 / Math.sqrt(fi) : 0;
};
const mods = (names: string[], suffix: string) => names.flatMap((n) => [`nn.${n}.${suffix}`, `${n}.${suffix}`]);

def({
  name: 'nn.Linear.weight', aliases: ['Linear.weight'], family: 'framework_default',
  description: 'nn.Linear weight default: kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(in_features)), Var = 1/(3 in).',
  formula: 'U(-b, b), b = 1/sqrt(fan_in) (torch fans of the weight (out, in))', references: [LINEAR_REF], minRank: 2,
  compile: (ctx) => uniformBound(ctx, defaultWeightBound(ctx)), theory: (ctx) => uniformBoundTheory(defaultWeightBound(ctx)),
});
def({
  name: 'nn.Linear.bias', aliases: ['Linear.bias', 'nn.Bilinear.bias', 'Bilinear.bias'], family: 'framework_default',
  description: 'nn.Linear / nn.Bilinear bias default: U(+-1/sqrt(fan_in)), fan_in of the weight (in_features; in1_features for Bilinear) given as the recipe fan_in.',
  formula: 'U(-b, b), b = 1/sqrt(fan_in) (0 if fan_in == 0)', references: [LINEAR_REF],
  compile: (ctx) => uniformBound(ctx, biasBound(ctx, 'in_features')), theory: (ctx) => uniformBoundTheory(biasBound(ctx, 'in_features')),
});
const bilinearBound = (ctx: SchemeContext) => (ctx.shape[1]! > 0 ? 1 / Math.sqrt(ctx.shape[1]!) : 0);
def({
  name: 'nn.Bilinear.weight', aliases: ['Bilinear.weight'], family: 'framework_default',
  description: 'nn.Bilinear weight (out, in1, in2) default: U(+-1/sqrt(in1)), bound = 1/sqrt(weight.size(1)).',
  formula: 'U(-b, b), b = 1/sqrt(shape[1])', references: [LINEAR_REF], minRank: 3, maxRank: 3,
  compile: (ctx) => uniformBound(ctx, bilinearBound(ctx)), theory: (ctx) => uniformBoundTheory(bilinearBound(ctx)),
});
const CONVS = ['Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d', 'LazyConv1d', 'LazyConv2d', 'LazyConv3d'];
def({
  name: 'nn.Conv.weight', aliases: ['Conv.weight', ...mods(CONVS, 'weight')], family: 'framework_default',
  description: 'nn.ConvNd / ConvTransposeNd weight default: kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(shape[1] * prod(kernel))). Conv weight is (out, in/groups, *k); ConvTranspose weight is (in, out/groups, *k), so its fan_in counts output channels.',
  formula: 'U(-b, b), b = 1/sqrt(fan_in), fan_in = shape[1] * prod(shape[2:])', references: [CONV_REF], minRank: 3,
  notes: 'The docs give k = groups/(C_in * prod(kernel)); the code uses the weight\'s fan_in, which is the same for Conv. The 2017 code (no /groups) is not reproduced.',
  compile: (ctx) => uniformBound(ctx, defaultWeightBound(ctx)), theory: (ctx) => uniformBoundTheory(defaultWeightBound(ctx)),
});
def({
  name: 'nn.Conv.bias', aliases: ['Conv.bias', ...mods(CONVS, 'bias')], family: 'framework_default',
  description: 'nn.ConvNd bias default: U(+-1/sqrt(fan_in)) with the weight\'s fan_in (in/groups * prod(kernel)) given as the recipe fan_in.',
  formula: 'U(-b, b), b = 1/sqrt(fan_in)', references: [CONV_REF], maxRank: 1,
  compile: (ctx) => uniformBound(ctx, biasBound(ctx, 'in/groups * prod(kernel)')), theory: (ctx) => uniformBoundTheory(biasBound(ctx, 'in/groups * prod(kernel)')),
});
def({
  name: 'nn.Embedding.weight', aliases: ['Embedding.weight', 'nn.EmbeddingBag.weight', 'EmbeddingBag.weight'], family: 'framework_default',
  description: 'nn.Embedding weight default: N(0, 1); the row padding_idx (if given; negative counts from the end) is 0.',
  formula: 'N(0, 1), w[padding_idx, :] = 0', references: ['pytorch/pytorch torch/nn/modules/sparse.py'], minRank: 2, maxRank: 2,
  params: { padding_idx: { type: 'integer', description: 'row filled with zeros', default: null, nullable: true } },
  compile: (ctx) => {
    const base = normalField(ctx, 0, 1);
    const pi = ctx.params.padding_idx;
    if (pi === null || pi === undefined) return base;
    const [rows, cols] = ctx.shape as [number, number];
    if (pi >= rows || pi < -rows) throw new RecipeError('impossible', 'params.padding_idx', `must be within [-${rows}, ${rows})`, pi);
    const r = pi < 0 ? pi + rows : pi, lo = r * cols, hi = lo + cols;
    return {
      precision: base.precision,
      fill: (s, n, out) => { base.fill(s, n, out); for (let i = Math.max(s, lo); i < Math.min(s + n, hi); i++) out[i - s] = 0; },
    };
  },
  theory: () => ({ mean: 0, std: 1, density: 'normal' }),
});
const NORMS = ['BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'SyncBatchNorm', 'InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d', 'LayerNorm', 'GroupNorm', 'RMSNorm', 'LocalResponseNorm'];
const BNS = NORMS.filter((n) => n.includes('BatchNorm') || n.includes('InstanceNorm'));
const NORM_REF = 'pytorch/pytorch torch/nn/modules/batchnorm.py, normalization.py';
const constEntry = (name: string, aliases: string[], v: number, what: string) => def({
  name, aliases, family: 'norm', description: what, formula: `w = ${v}`, references: [NORM_REF],
  compile: (ctx) => constField(ctx, v), theory: () => constantTheory(v),
});
constEntry('nn.BatchNorm.weight', ['BatchNorm.weight', ...mods(NORMS.filter((n) => n !== 'LocalResponseNorm'), 'weight')], 1, 'Norm-layer affine weight (gamma) default: ones.');
constEntry('nn.BatchNorm.bias', ['BatchNorm.bias', ...mods(NORMS.filter((n) => n !== 'LocalResponseNorm' && n !== 'RMSNorm'), 'bias')], 0, 'Norm-layer affine bias (beta) default: zeros.');
constEntry('nn.BatchNorm.running_mean', ['BatchNorm.running_mean', ...mods(BNS, 'running_mean')], 0, 'BatchNorm/InstanceNorm running_mean buffer: zeros.');
constEntry('nn.BatchNorm.running_var', ['BatchNorm.running_var', ...mods(BNS, 'running_var')], 1, 'BatchNorm/InstanceNorm running_var buffer: ones.');
constEntry('nn.BatchNorm.num_batches_tracked', ['BatchNorm.num_batches_tracked', ...mods(BNS, 'num_batches_tracked')], 0, 'BatchNorm num_batches_tracked buffer: 0 (an int64 scalar in torch).');

const RNNS = ['RNN', 'LSTM', 'GRU', 'RNNCell', 'LSTMCell', 'GRUCell'];
const rnnBound = (ctx: SchemeContext) => (ctx.params.hidden_size > 0 ? 1 / Math.sqrt(ctx.params.hidden_size) : 0);
def({
  name: 'nn.RNN', aliases: [...RNNS.filter((n) => n !== 'RNN').map((n) => `nn.${n}`), ...RNNS, ...['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].flatMap((p) => mods(RNNS, p))],
  family: 'framework_default',
  description: 'nn.RNN / LSTM / GRU (and *Cell) default: EVERY parameter, biases included, U(+-1/sqrt(hidden_size)). No forget-gate bias.',
  formula: 'U(-b, b), b = 1/sqrt(hidden_size) (0 if hidden_size == 0)', references: ['pytorch/pytorch torch/nn/modules/rnn.py reset_parameters'],
  params: { hidden_size: { type: 'integer', description: 'the module\'s hidden_size (required)', required: true, minimum: 0 } },
  compile: (ctx) => uniformBound(ctx, rnnBound(ctx)), theory: (ctx) => uniformBoundTheory(rnnBound(ctx)),
});
const MHA_REF = 'pytorch/pytorch torch/nn/modules/activation.py MultiheadAttention._reset_parameters';
const mhaXavierU = (ctx: SchemeContext) => { const f = fans(ctx); return ratio(2, f.fanIn + f.fanOut); };
def({
  name: 'nn.MultiheadAttention.in_proj_weight', aliases: ['MultiheadAttention.in_proj_weight', ...['q', 'k', 'v'].flatMap((p) => [`nn.MultiheadAttention.${p}_proj_weight`, `MultiheadAttention.${p}_proj_weight`])],
  family: 'framework_default', description: 'MultiheadAttention in_proj_weight (3E, E) (or q/k/v_proj_weight separately): xavier_uniform_ with torch fans of that tensor.',
  formula: 'U(-b, b), b = sqrt(6 / (fan_in + fan_out))', references: [MHA_REF], minRank: 2,
  ...varianceEntry(mhaXavierU, () => 'uniform'),
});
constEntry('nn.MultiheadAttention.in_proj_bias', ['MultiheadAttention.in_proj_bias', 'nn.MultiheadAttention.out_proj.bias', 'MultiheadAttention.out_proj.bias'], 0, 'MultiheadAttention in_proj_bias and out_proj.bias: zeros.');
def({
  name: 'nn.MultiheadAttention.out_proj.weight', aliases: ['MultiheadAttention.out_proj.weight'], family: 'framework_default',
  description: 'MultiheadAttention out_proj.weight: the default nn.Linear init, U(+-1/sqrt(embed_dim)).',
  formula: 'U(-b, b), b = 1/sqrt(fan_in)', references: [MHA_REF, LINEAR_REF], minRank: 2,
  compile: (ctx) => uniformBound(ctx, defaultWeightBound(ctx)), theory: (ctx) => uniformBoundTheory(defaultWeightBound(ctx)),
});
def({
  name: 'nn.MultiheadAttention.bias_k', aliases: ['MultiheadAttention.bias_k', 'nn.MultiheadAttention.bias_v', 'MultiheadAttention.bias_v'], family: 'framework_default',
  description: 'MultiheadAttention bias_k / bias_v (1, 1, E): xavier_normal_, which with torch fans (fan_in = fan_out = E) is N(0, 1/E).',
  formula: 'N(0, 2 / (fan_in + fan_out))', references: [MHA_REF], minRank: 2,
  ...varianceEntry(mhaXavierU, () => 'normal'),
});
