/** Constant and plain random schemes. */
import { define } from './registry.ts';
import { constField, normalField, truncNormalField, uniformField } from '../fields.ts';
import { RecipeError } from '../errors.ts';
import { rawWords } from '../kernels/scalar.ts';
import { STREAM } from '../rng/keys.ts';
import { truncNormalMoments } from './variance.ts';

define({
  name: 'zeros', aliases: ['zero'], framework: 'weightinit', family: 'constant',
  description: 'All elements 0.', formula: 'w = 0', references: ['torch.nn.init.zeros_'], params: {},
  compile: (ctx) => constField(ctx, 0), theory: () => ({ mean: 0, std: 0, min: 0, max: 0, density: 'discrete' }),
});
define({
  name: 'ones', aliases: ['one'], framework: 'weightinit', family: 'constant',
  description: 'All elements 1.', formula: 'w = 1', references: ['torch.nn.init.ones_'], params: {},
  compile: (ctx) => constField(ctx, 1), theory: () => ({ mean: 1, std: 0, min: 1, max: 1, density: 'discrete' }),
});
define({
  name: 'constant', aliases: ['const', 'fill'], framework: 'weightinit', family: 'constant',
  description: 'All elements equal to `value`.', formula: 'w = value', references: ['torch.nn.init.constant_'],
  params: { value: { type: 'number', description: 'the constant', default: 0 } },
  compile: (ctx) => constField(ctx, ctx.params.value), theory: (ctx) => ({ mean: ctx.params.value, std: 0, min: ctx.params.value, max: ctx.params.value, density: 'discrete' }),
});
define({
  name: 'uniform', framework: 'weightinit', family: 'random',
  description: 'Uniform on [low, high).', formula: 'w ~ U[low, high)', references: ['torch.nn.init.uniform_'],
  params: {
    low: { type: 'number', description: 'lower bound (inclusive)', default: 0 },
    high: { type: 'number', description: 'upper bound (exclusive)', default: 1 },
  },
  compile: (ctx) => {
    const { low, high } = ctx.params;
    if (!(high >= low)) throw new RecipeError('impossible', 'params.high', 'must be >= params.low', high);
    return uniformField(ctx, low, high);
  },
  theory: ({ params: { low, high } }) => ({ mean: (low + high) / 2, std: (high - low) / Math.sqrt(12), min: low, max: high, density: 'uniform' }),
});
define({
  name: 'normal', aliases: ['gaussian', 'randn'], framework: 'weightinit', family: 'random',
  description: 'Normal distribution N(mean, std^2).', formula: 'w ~ N(mean, std^2)', references: ['torch.nn.init.normal_'],
  params: {
    mean: { type: 'number', description: 'mean', default: 0 },
    std: { type: 'number', description: 'standard deviation', default: 1, minimum: 0 },
  },
  compile: (ctx) => normalField(ctx, ctx.params.mean, ctx.params.std),
  theory: ({ params: { mean, std } }) => ({ mean, std, density: 'normal' }),
});
define({
  name: 'truncated_normal', aliases: ['trunc_normal'], framework: 'weightinit', family: 'random',
  description: 'Normal(mean, std^2) truncated to [a, b] by inverse CDF (exact bounds, no rejection, no clamping pile-up). `bounds` says whether a and b are absolute values or multiples of std around the mean.',
  formula: 'w = mean + std * Phi^-1(Phi(alpha) + u (Phi(beta) - Phi(alpha))), alpha = (a-mean)/std, beta = (b-mean)/std',
  references: ['torch.nn.init.trunc_normal_'],
  params: {
    mean: { type: 'number', description: 'mean of the parent normal', default: 0 },
    std: { type: 'number', description: 'std of the parent normal', default: 1, minimum: 0 },
    a: { type: 'number', description: 'lower bound', default: -2 },
    b: { type: 'number', description: 'upper bound', default: 2 },
    bounds: { type: 'string', description: 'absolute: a, b are values; std: a, b are in units of std around mean', default: 'absolute', enum: ['absolute', 'std'] },
  },
  compile: (ctx) => {
    const { mean, std, bounds } = ctx.params;
    const a = bounds === 'std' ? mean + ctx.params.a * std : ctx.params.a;
    const b = bounds === 'std' ? mean + ctx.params.b * std : ctx.params.b;
    if (!(b > a)) throw new RecipeError('impossible', 'params.b', 'must be > params.a', ctx.params.b);
    return truncNormalField(ctx, mean, std, a, b);
  },
  theory: ({ params }) => {
    const { mean, std, bounds } = params;
    const a = bounds === 'std' ? mean + params.a * std : params.a;
    const b = bounds === 'std' ? mean + params.b * std : params.b;
    return { ...truncNormalMoments(mean, std, a, b), min: a, max: b, density: 'truncated_normal' };
  },
});
define({
  name: 'uniform_int', aliases: ['randint'], framework: 'weightinit', family: 'random',
  description: 'Integers uniform on [low, high], both inclusive (Caffe2 UniformIntFill), stored in the float dtype.',
  formula: 'w = low + floor(u32 * (high - low + 1) / 2^32), u32 the element\'s Philox word',
  references: ['caffe2/operators/filler_op.h UniformFillOp<int>'],
  params: {
    low: { type: 'integer', description: 'smallest value (inclusive)', default: 0 },
    high: { type: 'integer', description: 'largest value (inclusive)', default: 1 },
  },
  compile: (ctx) => {
    const { low, high } = ctx.params;
    if (!(high >= low)) throw new RecipeError('impossible', 'params.high', 'must be >= params.low', high);
    const n = high - low + 1;
    if (n > 2 ** 32) throw new RecipeError('impossible', 'params.high', 'high - low + 1 must be at most 2^32', high);
    const words = new Uint32Array(16384);
    return {
      precision: ctx.precision,
      fill: (s, count, out) => {
        for (let done = 0; done < count; done += words.length) {
          const m = Math.min(words.length, count - done);
          rawWords(ctx.key, STREAM.main, s + done, m, words);
          for (let j = 0; j < m; j++) out[done + j] = low + Math.floor((words[j]! * n) / 4294967296);
        }
      },
    };
  },
  theory: ({ params: { low, high } }) => {
    const n = high - low + 1;
    return { mean: (low + high) / 2, std: Math.sqrt((n * n - 1) / 12), min: low, max: high, density: 'discrete' };
  },
});
