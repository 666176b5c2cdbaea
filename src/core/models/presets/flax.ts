/**
 * Flax (linen) presets: kernels (*k, in, out) with lecun_normal (variance_scaling(1, fan_in,
 * truncated_normal) = TN at +-2 sigma, sigma = sqrt(1/fan_in)/0.8796...), zero biases; Embed
 * N(0, 1/features); norm layers scale/bias (+ batch_stats mean/var); LSTMCell/GRUCell as
 * separate Dense gates; MultiHeadDotProductAttention as DenseGeneral query/key/value/out
 * (DenseGeneral flattens its kernel to 2-D before kernel_init, so fan_in = contracted size).
 * Schemes.md sections 3.2-3.4.
 */
import { RecipeError } from '../../errors.ts';
import type { ModuleArgs } from '../module-args.ts';
import type { PresetContext, TensorSpec } from '../types.ts';
import { normal, ones, orthogonal, varianceScalingTruncated, zeros } from '../inits.ts';
import { convDims, divisible, normShape } from './common.ts';

const lecun = (fanIn: number) => varianceScalingTruncated(1, fanIn, 'lecun_normal: TN(0, 1/fan_in) at +-2 sigma, corrected');

export function dense(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const inF = a.int(['in', 'in_features']), feats = a.int(['out', 'features', 'out_features']);
  const out: TensorSpec[] = [{ name: c.join('kernel'), shape: [inF, feats], ...lecun(inF) }];
  if (a.bool(['bias', 'use_bias'], true)) out.push({ name: c.join('bias'), shape: [feats], ...zeros() });
  return out;
}

export function conv(a: ModuleArgs, c: PresetContext, rank: number, transposed: boolean): TensorSpec[] {
  const { inC, outC, kernel, groups } = convDims(a, rank);
  if (transposed && groups !== 1) throw new RecipeError('unsupported', `${a.path}.groups`, 'flax ConvTranspose has no feature_group_count', groups);
  const rf = kernel.reduce((x, y) => x * y, 1);
  // Conv kernel (*k, in/groups, features); ConvTranspose kernel (*k, in, features). jax fan_in = shape[-2] * rf.
  const shape = [...kernel, inC / groups, outC];
  const out: TensorSpec[] = [{ name: c.join('kernel'), shape, ...lecun(shape[rank]! * rf) }];
  if (a.bool(['bias', 'use_bias'], true)) out.push({ name: c.join('bias'), shape: [outC], ...zeros() });
  return out;
}

export function embedding(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const num = a.int(['num', 'num_embeddings']), dim = a.int(['dim', 'features', 'embedding_dim']);
  return [{ name: c.join('embedding'), shape: [num, dim], ...normal(1 / Math.sqrt(dim), "variance_scaling(1, 'fan_in', 'normal', out_axis=0): N(0, 1/features)") }];
}

export function layerNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const shape = normShape(a);
  const out: TensorSpec[] = [];
  if (a.bool(['use_scale', 'scale'], true)) out.push({ name: c.join('scale'), shape, ...ones() });
  if (a.bool(['use_bias', 'bias'], true)) out.push({ name: c.join('bias'), shape, ...zeros() });
  return out;
}

export function batchNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const n = a.int(['features', 'num_features', 'channels']);
  const out = layerNormLike(a, c, n);
  out.push({ name: c.join('mean'), shape: [n], ...zeros(), role: 'buffer', init: 'batch_stats: zeros' }, { name: c.join('var'), shape: [n], ...ones(), role: 'buffer', init: 'batch_stats: ones' });
  return out;
}

export function groupNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const groups = a.int(['groups', 'num_groups']), ch = a.int(['channels', 'num_channels', 'features']);
  divisible(a, 'channels', ch, groups, 'groups');
  return layerNormLike(a, c, ch);
}

function layerNormLike(a: ModuleArgs, c: PresetContext, n: number): TensorSpec[] {
  const out: TensorSpec[] = [];
  if (a.bool(['use_scale', 'scale'], true)) out.push({ name: c.join('scale'), shape: [n], ...ones() });
  if (a.bool(['use_bias', 'bias'], true)) out.push({ name: c.join('bias'), shape: [n], ...zeros() });
  return out;
}

/** LSTMCell: ii/if/ig/io input kernels (no bias), hi/hf/hg/ho recurrent kernels (orthogonal) with biases. */
export function lstm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const [input, H] = cellDims(a, c);
  const out: TensorSpec[] = [];
  for (const g of ['i', 'f', 'g', 'o']) out.push({ name: c.join(`i${g}`, 'kernel'), shape: [input, H], ...lecun(input) });
  for (const g of ['i', 'f', 'g', 'o']) {
    out.push({ name: c.join(`h${g}`, 'kernel'), shape: [H, H], ...orthogonal('flax') });
    out.push({ name: c.join(`h${g}`, 'bias'), shape: [H], ...zeros() });
  }
  return out;
}

/** GRUCell: ir/iz/in input kernels with biases, hr/hz recurrent kernels without, hn with a bias. */
export function gru(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const [input, H] = cellDims(a, c);
  const out: TensorSpec[] = [];
  for (const g of ['r', 'z', 'n']) {
    out.push({ name: c.join(`i${g}`, 'kernel'), shape: [input, H], ...lecun(input) });
    out.push({ name: c.join(`i${g}`, 'bias'), shape: [H], ...zeros() });
  }
  for (const g of ['r', 'z', 'n']) {
    out.push({ name: c.join(`h${g}`, 'kernel'), shape: [H, H], ...orthogonal('flax') });
    if (g === 'n') out.push({ name: c.join('hn', 'bias'), shape: [H], ...zeros() });
  }
  return out;
}

function cellDims(a: ModuleArgs, c: PresetContext): [number, number] {
  const input = a.int(['input', 'input_size', 'in']), H = a.int(['hidden', 'features', 'hidden_size', 'units']);
  if (a.int(['layers', 'num_layers'], { default: 1 }) !== 1) throw new RecipeError('unsupported', `${a.path}.layers`, `a ${c.framework} cell has one layer; list one module per layer`, a.spec.layers);
  if (a.bool(['bidirectional'], false)) throw new RecipeError('unsupported', `${a.path}.bidirectional`, 'flax nn.Bidirectional wraps two RNNs; list forward and backward modules', true);
  return [input, H];
}

export function multiheadAttention(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const E = a.int(['embed', 'embed_dim', 'in_features']), H = a.int(['heads', 'num_heads']);
  const qkv = a.int(['qkv_features'], { default: E }), outF = a.int(['out_features'], { default: E });
  divisible(a, 'qkv_features', qkv, H, 'num_heads');
  const kIn = a.int(['kdim'], { default: E }), vIn = a.int(['vdim'], { default: E });
  const bias = a.bool(['bias', 'use_bias'], true), D = qkv / H;
  const out: TensorSpec[] = [];
  for (const [part, inDim] of [['query', E], ['key', kIn], ['value', vIn]] as const) {
    out.push({ name: c.join(part, 'kernel'), shape: [inDim, H, D], ...lecun(inDim) });
    if (bias) out.push({ name: c.join(part, 'bias'), shape: [H, D], ...zeros() });
  }
  out.push({ name: c.join('out', 'kernel'), shape: [H, D, outF], ...lecun(H * D) });
  if (bias) out.push({ name: c.join('out', 'bias'), shape: [outF], ...zeros() });
  return out;
}
