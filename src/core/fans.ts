/**
 * Fan conventions, always computed from the FULL logical shape:
 * - torch (default): shape (out, in, *k): fan_in = in * prod(k), fan_out = out * prod(k); rank < 2 is an error.
 * - keras (aliases tf, jax, hwio): shape (*k, in, out): fan_in = in * prod(k), fan_out = out * prod(k);
 *   rank 1: fan_in = fan_out = n; rank 0: 1.
 * - caffe: fan_in = numel / shape[0], fan_out = numel / shape[1] (rank >= 2).
 * Explicit fan_in / fan_out override any layout.
 */
import { RecipeError } from './errors.ts';

export const LAYOUTS = ['torch', 'keras', 'tf', 'jax', 'hwio', 'caffe'] as const;
export type Layout = 'torch' | 'keras' | 'caffe';
export function canonicalLayout(l: string): Layout | undefined {
  if (l === 'torch' || l === 'oihw') return 'torch';
  if (l === 'keras' || l === 'tf' || l === 'jax' || l === 'hwio' || l === 'flax') return 'keras';
  if (l === 'caffe') return 'caffe';
  return undefined;
}

export function computeFans(shape: readonly number[], layout: Layout, explicit: { fanIn?: number; fanOut?: number } = {}): { fanIn: number; fanOut: number } {
  let fanIn = explicit.fanIn, fanOut = explicit.fanOut;
  if (fanIn === undefined || fanOut === undefined) {
    const rank = shape.length;
    let fi: number, fo: number;
    if (layout === 'torch') {
      if (rank < 2) throw new RecipeError('impossible', 'shape', 'fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions under layout torch (give fan_in/fan_out or use layout keras)', shape);
      const rf = shape.slice(2).reduce((a, b) => a * b, 1);
      fi = shape[1]! * rf; fo = shape[0]! * rf;
    } else if (layout === 'keras') {
      if (rank === 0) { fi = 1; fo = 1; } else if (rank === 1) { fi = shape[0]!; fo = shape[0]!; } else {
        const rf = shape.slice(0, -2).reduce((a, b) => a * b, 1);
        fi = shape[rank - 2]! * rf; fo = shape[rank - 1]! * rf;
      }
    } else {
      if (rank < 2) throw new RecipeError('impossible', 'shape', 'layout caffe needs at least 2 dimensions (fan_in = numel/shape[0], fan_out = numel/shape[1])', shape);
      const n = shape.reduce((a, b) => a * b, 1);
      fi = shape[0] ? n / shape[0] : 0; fo = shape[1] ? n / shape[1] : 0;
    }
    fanIn ??= fi; fanOut ??= fo;
  }
  return { fanIn, fanOut };
}

/** torch.nn.init.calculate_gain. */
export function calculateGain(nonlinearity: string, param?: number | null): number {
  switch (nonlinearity) {
    case 'linear': case 'identity': case 'conv1d': case 'conv2d': case 'conv3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': { const s = param ?? 0.01; return Math.sqrt(2 / (1 + s * s)); }
    case 'selu': return 3 / 4;
    default: throw new RecipeError('invalid', 'params.nonlinearity', 'must be one of linear, identity, conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu', nonlinearity);
  }
}
export const NONLINEARITIES = ['linear', 'identity', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d', 'conv_transpose3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu'] as const;
