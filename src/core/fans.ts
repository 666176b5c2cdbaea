/**
 * Fan conventions, always computed from the FULL logical shape (never from a slice):
 * - torch (default): shape (out, in, *k): fan_in = in * prod(k), fan_out = out * prod(k); rank < 2 is an error.
 * - keras (aliases tf, jax, hwio, flax): shape (*k, in, out): fan_in = in * prod(k), fan_out = out * prod(k);
 *   rank 1: fan_in = fan_out = n; rank 0: 1.
 * - caffe: fan_in = numel / shape[0], fan_out = numel / shape[1] (rank 1: fan_out = numel, as in filler.hpp).
 * Explicit fan_in / fan_out override any layout.
 *
 * Framework schemes (torch.*, keras.*, jax.*, tfjs.*, caffe*.*) use their framework's own fan function,
 * quirks included (frameworkFans), when the recipe's layout is that framework's native one; see schemeFans.
 */
import { RecipeError } from './errors.ts';

export const LAYOUTS = ['torch', 'oihw', 'keras', 'tf', 'jax', 'hwio', 'flax', 'caffe'] as const;
export type Layout = 'torch' | 'keras' | 'caffe';
export function canonicalLayout(l: string): Layout | undefined {
  if (l === 'torch' || l === 'oihw') return 'torch';
  if (l === 'keras' || l === 'tf' || l === 'jax' || l === 'hwio' || l === 'flax') return 'keras';
  if (l === 'caffe') return 'caffe';
  return undefined;
}

export interface Fans { fanIn: number; fanOut: number }
const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

export function computeFans(shape: readonly number[], layout: Layout, explicit: { fanIn?: number; fanOut?: number } = {}): Fans {
  let fanIn = explicit.fanIn, fanOut = explicit.fanOut;
  if (fanIn === undefined || fanOut === undefined) {
    const f = layout === 'torch' ? frameworkFans(shape, 'torch') : layout === 'keras' ? frameworkFans(shape, 'keras') : frameworkFans(shape, 'caffe');
    fanIn ??= f.fanIn; fanOut ??= f.fanOut;
  }
  return { fanIn, fanOut };
}

/** The fan functions of each framework, as their code computes them. */
export type FanRule = 'torch' | 'keras' | 'jax' | 'tfjs' | 'caffe';
export const NATIVE_LAYOUT: Record<FanRule, Layout> = { torch: 'torch', keras: 'keras', jax: 'keras', tfjs: 'keras', caffe: 'caffe' };

/** Axis-based fans: keras input_axes/output_axes (products only) or jax in_axis/out_axis/batch_axis (other axes are receptive field). */
export interface FanAxes { inAxes?: readonly number[] | null; outAxes?: readonly number[] | null; batchAxes?: readonly number[] | null }

export function frameworkFans(shape: readonly number[], rule: FanRule, axes: FanAxes = {}): Fans {
  const rank = shape.length;
  switch (rule) {
    case 'torch': { // torch.nn.init._calculate_fan_in_and_fan_out
      if (rank < 2) throw new RecipeError('impossible', 'shape', 'fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions under the torch convention (give fan_in/fan_out or use layout keras)', shape);
      const rf = prod(shape.slice(2));
      return { fanIn: shape[1]! * rf, fanOut: shape[0]! * rf };
    }
    case 'keras': { // keras.src.initializers.random_initializers.compute_fans
      if (axes.inAxes && axes.outAxes) {
        return { fanIn: prod(normAxes(shape, axes.inAxes, 'params.input_axes').map((a) => shape[a]!)), fanOut: prod(normAxes(shape, axes.outAxes, 'params.output_axes').map((a) => shape[a]!)) };
      }
      if (rank === 0) return { fanIn: 1, fanOut: 1 };
      if (rank === 1) return { fanIn: shape[0]!, fanOut: shape[0]! };
      const rf = prod(shape.slice(0, -2));
      return { fanIn: shape[rank - 2]! * rf, fanOut: shape[rank - 1]! * rf };
    }
    case 'jax': { // jax._src.nn.initializers._compute_fans: every axis not named is receptive field (a float)
      const ia = normAxes(shape, axes.inAxes ?? [-2], 'params.in_axis');
      const oa = normAxes(shape, axes.outAxes ?? [-1], 'params.out_axis');
      const ba = normAxes(shape, axes.batchAxes ?? [], 'params.batch_axis');
      const inSize = prod(ia.map((a) => shape[a]!)), outSize = prod(oa.map((a) => shape[a]!)), batch = prod(ba.map((a) => shape[a]!));
      const total = prod(shape);
      const rf = total === 0 ? 0 : total / inSize / outSize / batch;
      return { fanIn: inSize * rf, fanOut: outSize * rf };
    }
    case 'tfjs': { // tfjs-layers computeFans(shape, 'channelsLast')
      if (rank === 2) return { fanIn: shape[0]!, fanOut: shape[1]! };
      if (rank >= 3 && rank <= 5) {
        const rf = prod(shape.slice(0, rank - 2));
        return { fanIn: shape[rank - 2]! * rf, fanOut: shape[rank - 1]! * rf };
      }
      const s = Math.sqrt(prod(shape));
      return { fanIn: s, fanOut: s };
    }
    case 'caffe': { // caffe filler.hpp / caffe2 filler_op.h: dim 0 is the output axis
      if (rank < 1) throw new RecipeError('impossible', 'shape', 'the caffe convention needs at least 1 dimension (fan_in = numel/shape[0], fan_out = numel/shape[1])', shape);
      const n = prod(shape);
      return { fanIn: shape[0] ? n / shape[0] : 0, fanOut: rank > 1 ? (shape[1] ? n / shape[1] : 0) : n };
    }
  }
}

function normAxes(shape: readonly number[], axes: readonly number[], field: string): number[] {
  const r = shape.length;
  return axes.map((a) => {
    const b = a < 0 ? a + r : a;
    if (!Number.isInteger(b) || b < 0 || b >= r) throw new RecipeError('impossible', field, `axis ${a} is out of range for a rank-${r} shape`, axes);
    return b;
  });
}

/**
 * Fans for a scheme whose framework computes them with `rule`. Precedence: explicit fan_in/fan_out
 * from the recipe, then axis parameters, then the framework's own function when the recipe layout is
 * its native one, else the recipe layout's convention.
 */
export function schemeFans(
  ctx: { shape: readonly number[]; layout: Layout; fans(): Fans; explicitFans?: { fanIn?: number; fanOut?: number } },
  rule: FanRule, axes: FanAxes = {},
): Fans {
  const ex = ctx.explicitFans ?? {};
  if (ex.fanIn !== undefined && ex.fanOut !== undefined) return { fanIn: ex.fanIn, fanOut: ex.fanOut };
  const hasAxes = !!(axes.inAxes || axes.outAxes || axes.batchAxes);
  let f: Fans;
  if (hasAxes) f = frameworkFans(ctx.shape, rule === 'keras' ? 'keras' : 'jax', axes);
  else if (NATIVE_LAYOUT[rule] === ctx.layout) f = frameworkFans(ctx.shape, rule);
  else return ctx.fans();
  return { fanIn: ex.fanIn ?? f.fanIn, fanOut: ex.fanOut ?? f.fanOut };
}

export const FAN_MODES = ['fan_in', 'fan_out', 'fan_avg', 'fan_geo_avg'] as const;
export type FanMode = (typeof FAN_MODES)[number];

/** The fan a mode denotes: fan_in, fan_out, (fan_in+fan_out)/2 or sqrt(fan_in*fan_out). */
export function fanOf(f: Fans, mode: FanMode): number {
  switch (mode) {
    case 'fan_in': return f.fanIn;
    case 'fan_out': return f.fanOut;
    case 'fan_avg': return (f.fanIn + f.fanOut) / 2;
    case 'fan_geo_avg': return Math.sqrt(f.fanIn * f.fanOut);
  }
}

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: string, param?: number | null): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': {
      // torch: param None -> slope 0.01; kaiming_* passes its `a` (default 0) as the param.
      const s = param ?? 0.01;
      if (typeof s !== 'number' || !Number.isFinite(s)) throw new RecipeError('invalid', 'params.a', 'negative slope must be a finite number', s);
      return Math.sqrt(2 / (1 + s * s));
    }
    case 'selu': return 3 / 4;
    default: throw new RecipeError('invalid', 'params.nonlinearity', `must be one of ${NONLINEARITIES.join(', ')}`, nonlinearity);
  }
}
export const NONLINEARITIES = ['linear', 'identity', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'] as const;
