/**
 * caffe.* : the BVLC Caffe fillers (include/caffe/filler.hpp, FillerParameter defaults from caffe.proto).
 * A layer that omits a filler gets constant 0. Fans: fan_in = numel/shape[0], fan_out = numel/shape[1]
 * (numel for 1-D). "xavier" is LeCun-uniform unless variance_norm is AVERAGE.
 * Source: ../shared/reference/schemes.md section 6.
 */
import { namespace, delegate, delegateTheory, constantTheory } from './common.ts';
import type { SchemeContext } from '../registry.ts';
import { constField, normalField, uniformField } from '../../fields.ts';
import { RecipeError } from '../../errors.ts';
import { CAFFE_VARIANCE_NORMS } from '../variance.ts';

const def = namespace('caffe');
const REF = 'BVLC/caffe include/caffe/filler.hpp';
const via = (target: string, pick: (p: Record<string, any>) => Record<string, unknown> = () => ({})) => ({
  compile: (ctx: SchemeContext) => delegate(ctx, target, pick(ctx.params)),
  theory: (ctx: SchemeContext) => delegateTheory(ctx, target, pick(ctx.params)),
});
const varianceNorm = { type: 'string' as const, description: 'FillerParameter.variance_norm: FAN_IN, FAN_OUT or AVERAGE', default: 'FAN_IN', enum: CAFFE_VARIANCE_NORMS };

def({
  name: 'constant', family: 'constant', description: 'Caffe "constant" filler (the default filler when a layer gives none, with value 0).',
  formula: 'w = value', references: [REF], params: { value: { type: 'number', description: 'the value', default: 0 } },
  compile: (ctx) => constField(ctx, ctx.params.value), theory: (ctx) => constantTheory(ctx.params.value),
});
def({
  name: 'uniform', family: 'random', description: 'Caffe "uniform" filler: U(min, max).', formula: 'U[min, max)', references: [REF],
  params: { min: { type: 'number', description: 'lower bound', default: 0 }, max: { type: 'number', description: 'upper bound', default: 1 } },
  compile: (ctx) => {
    if (!(ctx.params.max >= ctx.params.min)) throw new RecipeError('impossible', 'params.max', 'must be >= params.min', ctx.params.max);
    return uniformField(ctx, ctx.params.min, ctx.params.max);
  },
  theory: ({ params: { min, max } }) => ({ mean: (min + max) / 2, std: (max - min) / Math.sqrt(12), min, max, density: 'uniform' }),
});
def({
  name: 'gaussian', family: 'random',
  description: 'Caffe "gaussian" filler: N(mean, std^2). With sparse >= 0 each element is kept with probability p = sparse / shape[0] (Bernoulli mask), i.e. about `sparse` non-zero weights per input.',
  formula: 'N(mean, std^2) [* Bernoulli(sparse / shape[0])]', references: [REF],
  params: {
    mean: { type: 'number', description: 'mean', default: 0 },
    std: { type: 'number', description: 'standard deviation', default: 1, minimum: 0 },
    sparse: { type: 'integer', description: 'expected number of non-zero output weights per input; -1 = dense', default: -1, minimum: -1 },
  },
  compile: (ctx) => ctx.params.sparse < 0
    ? normalField(ctx, ctx.params.mean, ctx.params.std)
    : delegate(ctx, 'sparse_bernoulli', { mean: ctx.params.mean, std: ctx.params.std, sparse: ctx.params.sparse }),
  theory: (ctx) => ctx.params.sparse < 0
    ? { mean: ctx.params.mean, std: ctx.params.std, density: 'normal' }
    : delegateTheory(ctx, 'sparse_bernoulli', { mean: ctx.params.mean, std: ctx.params.std, sparse: ctx.params.sparse }),
});
def({
  name: 'positive_unitball', family: 'structured', description: 'Caffe "positive_unitball": U(0,1), then each of the shape[0] rows divided by its sum (rows sum to 1).',
  formula: 'w[r, :] = u[r, :] / sum(u[r, :]), u ~ U(0, 1)', references: [REF], minRank: 1,
  ...via('positive_unitball'),
});
def({
  name: 'xavier', family: 'variance_scaling', layout: 'caffe',
  description: 'Caffe "xavier": U(+-sqrt(3/n)); default n = fan_in = numel/shape[0], i.e. LeCun-uniform. Only variance_norm AVERAGE gives Glorot.',
  formula: 'U(-b, b), b = sqrt(3 / n)', references: [REF], minRank: 1, params: { variance_norm: varianceNorm },
  ...via('xavier_caffe', (p) => ({ variance_norm: p.variance_norm })),
});
def({
  name: 'msra', family: 'variance_scaling', layout: 'caffe',
  description: 'Caffe "msra": N(0, 2/n), default n = fan_in = numel/shape[0] (He normal, untruncated).',
  formula: 'N(0, 2 / n)', references: [REF], minRank: 1, params: { variance_norm: varianceNorm },
  ...via('msra', (p) => ({ variance_norm: p.variance_norm })),
});
def({
  name: 'bilinear', family: 'structured',
  description: 'Caffe "bilinear": 4-D blob with width == height; the same KxK bilinear upsampling kernel in every (out, in) slice (use with Deconvolution, group = channels).',
  formula: 'f = ceil(K/2), c = (K-1)/(2f); w = (1 - |x/f - c|) (1 - |y/f - c|)', references: [REF], minRank: 4, maxRank: 4,
  ...via('bilinear'),
});
