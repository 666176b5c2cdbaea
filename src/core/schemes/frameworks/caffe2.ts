/**
 * caffe2.* : the Caffe2 filler operators (caffe2/operators/filler_op.h, given_tensor_fill_op.cc). The
 * op's shape arguments (shape / extra_shape / input_as_shape) are the recipe's shape. Fans: dim 0 is the
 * output axis, fan_in = numel/shape[0], fan_out = numel/shape[1]. XavierFill is LeCun-uniform, and
 * MSRAFill changed meaning between revisions: both versions are served under distinct names.
 * Source: ../shared/reference/schemes.md section 5.
 */
import { namespace, delegate, delegateTheory, constantTheory } from './common.ts';
import type { SchemeContext } from '../registry.ts';
import { constField, normalField, uniformField } from '../../fields.ts';
import { RecipeError } from '../../errors.ts';

const def = namespace('caffe2');
const REF = 'pytorch/pytorch caffe2/operators/filler_op.h';
const GIVEN_REF = 'pytorch/pytorch caffe2/operators/given_tensor_fill_op.cc';
const via = (target: string, pick: (p: Record<string, any>) => Record<string, unknown> = () => ({})) => ({
  compile: (ctx: SchemeContext) => delegate(ctx, target, pick(ctx.params)),
  theory: (ctx: SchemeContext) => delegateTheory(ctx, target, pick(ctx.params)),
});

def({
  name: 'ConstantFill', family: 'constant', description: 'ConstantFill: every element = value (float output; dtype argument not modelled, the recipe dtype applies).',
  formula: 'w = value', references: [REF], params: { value: { type: 'number', description: 'the value', default: 0 } },
  compile: (ctx) => constField(ctx, ctx.params.value), theory: (ctx) => constantTheory(ctx.params.value),
});
def({
  name: 'UniformFill', family: 'random', description: 'UniformFill (float): U[min, max]; min < max is enforced.',
  formula: 'U[min, max]', references: [REF],
  notes: 'The docs call both bounds inclusive; we draw [min, max) (the difference has probability ~2^-24).',
  params: { min: { type: 'number', description: 'lower bound', default: 0 }, max: { type: 'number', description: 'upper bound', default: 1 } },
  compile: (ctx) => {
    if (!(ctx.params.max > ctx.params.min)) throw new RecipeError('impossible', 'params.max', 'must be > params.min (Caffe2 enforces min < max)', ctx.params.max);
    return uniformField(ctx, ctx.params.min, ctx.params.max);
  },
  theory: ({ params: { min, max } }) => ({ mean: (min + max) / 2, std: (max - min) / Math.sqrt(12), min, max, density: 'uniform' }),
});
def({
  name: 'UniformIntFill', family: 'random', description: 'UniformIntFill: integers uniform on [min, max], both inclusive (stored in the float dtype).',
  formula: 'w ~ U{min, ..., max}', references: [REF],
  params: { min: { type: 'integer', description: 'smallest value', default: 0 }, max: { type: 'integer', description: 'largest value', default: 1 } },
  compile: (ctx) => {
    if (!(ctx.params.max > ctx.params.min)) throw new RecipeError('impossible', 'params.max', 'must be > params.min (Caffe2 enforces min < max)', ctx.params.max);
    return delegate(ctx, 'uniform_int', { low: ctx.params.min, high: ctx.params.max });
  },
  theory: (ctx) => delegateTheory(ctx, 'uniform_int', { low: ctx.params.min, high: ctx.params.max }),
});
def({
  name: 'UniqueUniformFill', family: 'random', description: 'UniqueUniformFill: distinct integers drawn uniformly from [min, max] (inclusive); `avoid` values are excluded.',
  formula: 'distinct w_i ~ U{min..max} \\ avoid', references: [REF],
  params: {
    min: { type: 'integer', description: 'smallest value (required)', required: true },
    max: { type: 'integer', description: 'largest value (required)', required: true },
    avoid: { type: 'integer[]', description: 'values to exclude (the op\'s optional input 1)', default: [] },
  },
  ...via('unique_uniform_int', (p) => ({ min: p.min, max: p.max, avoid: p.avoid })),
});
def({
  name: 'GaussianFill', family: 'random', description: 'GaussianFill: N(mean, std^2).', formula: 'N(mean, std^2)', references: [REF],
  params: { mean: { type: 'number', description: 'mean', default: 0 }, std: { type: 'number', description: 'standard deviation (> 0, DCHECK)', default: 1, exclusiveMinimum: 0 } },
  compile: (ctx) => normalField(ctx, ctx.params.mean, ctx.params.std),
  theory: ({ params: { mean, std } }) => ({ mean, std, density: 'normal' }),
});
def({
  name: 'XavierFill', family: 'variance_scaling', layout: 'caffe',
  description: 'XavierFill: U(+-sqrt(3/fan_in)), fan_in = numel/shape[0]. LeCun-uniform (Var = 1/fan_in), NOT Glorot.',
  formula: 'U(-b, b), b = sqrt(3 / fan_in), fan_in = numel / shape[0]', references: [REF], minRank: 1,
  ...via('xavier_caffe', () => ({ variance_norm: 'fan_in' })),
});
def({
  name: 'MSRAFill', family: 'variance_scaling', layout: 'caffe',
  description: 'MSRAFill as in the newer code (filler_op.h@b45d8e55): N(0, 2/fan_out), fan_out = numel/shape[1] (out*k*k for NCHW weights). For the older uniform version use caffe2.MSRAFill_legacy.',
  formula: 'N(0, 2 / fan_out), fan_out = numel / shape[1]', references: [`${REF}@b45d8e55`], minRank: 2,
  notes: 'MSRAFill changed meaning: older revisions (05512d1e) drew U(+-sqrt(2/fan_in)). The version you have matters.',
  ...via('msra_caffe2'),
});
def({
  name: 'MSRAFill_legacy', aliases: ['MSRAFill_05512d1e', 'MSRAFill_old'], family: 'variance_scaling', layout: 'caffe',
  description: 'MSRAFill as in the older code (filler_op.h@05512d1e): U(+-sqrt(2/fan_in)), fan_in = numel/shape[0] (Var = 2/(3 fan_in)).',
  formula: 'U(-b, b), b = sqrt(2 / fan_in), fan_in = numel / shape[0]', references: [`${REF}@05512d1e`], minRank: 1,
  ...via('msra_caffe2_legacy'),
});
def({
  name: 'RangeFill', family: 'structured', description: 'RangeFill (float): w[i] = i over the flat index (debugging).',
  formula: 'w[i] = i', references: [REF], ...via('range'),
});
def({
  name: 'LengthsRangeFill', family: 'structured', description: 'LengthsRangeFill: concatenation of range(0, len) for each length, e.g. [2,4,1] -> [0,1,0,1,2,3,0]; the shape must be (sum(lengths),).',
  formula: 'w = concat(range(l) for l in lengths)', references: [REF], minRank: 1, maxRank: 1,
  params: { lengths: { type: 'integer[]', description: 'the lengths (the op\'s 1-D int32 input)', required: true } },
  ...via('lengths_range', (p) => ({ lengths: p.lengths })),
});
def({
  name: 'DiagonalFill', family: 'structured', description: 'DiagonalFill: zeros with `value` on the diagonal (>= 2-D; for > 2-D all dims equal).',
  formula: 'w[i, i, ..., i] = value, else 0', references: [REF], minRank: 2,
  params: { value: { type: 'number', description: 'diagonal value', default: 0 } },
  ...via('diagonal', (p) => ({ value: p.value })),
});
const GIVEN = ['GivenTensorFill', 'GivenTensorDoubleFill', 'GivenTensorBoolFill', 'GivenTensorIntFill', 'GivenTensorInt64Fill', 'GivenTensorInt16Fill'];
def({
  name: 'GivenTensorFill', aliases: GIVEN.slice(1), family: 'given',
  description: 'GivenTensor*Fill: copies `values`; numel must equal len(values). Bool/Int/Int64 variants are served as float values of the recipe dtype.',
  formula: 'w[i] = values[i]', references: [GIVEN_REF],
  params: { values: { type: 'number[]', description: 'the values, row-major (required)', required: true } },
  ...via('given', (p) => ({ values: p.values })),
});
def({
  name: 'GivenTensorStringFill', family: 'given', description: 'GivenTensorStringFill fills a string tensor: not representable as weights; always refused.',
  formula: 'n/a', references: [GIVEN_REF],
  compile: () => { throw new RecipeError('unsupported', 'scheme', 'caffe2.GivenTensorStringFill produces strings; weightinit serves numeric tensors only (use caffe2.GivenTensorFill)', 'caffe2.GivenTensorStringFill'); },
});
