/**
 * Keras 3 and TF.js Layers presets. Both store kernels channels-last, (*k, in, out), and use the
 * same weight names (kernel, bias, embeddings, gamma, beta, moving_mean, moving_variance,
 * recurrent_kernel). They differ in defaults (schemes.md 2.5 and 4.6):
 * - Dense/Conv kernel: Keras glorot_uniform; TF.js glorotNormal = truncated at +-2 sigma, uncorrected.
 * - LSTM: Keras unit_forget_bias=True; TF.js unitForgetBias unset (false).
 * - GRU: Keras reset_after=True (bias (2, 3u)); TF.js has no reset_after (bias (3u)).
 * - TF.js has no GroupNormalization and no MultiHeadAttention layer.
 */
import { RecipeError } from '../../errors.ts';
import type { ModuleArgs } from '../module-args.ts';
import type { PresetContext, TensorSpec } from '../types.ts';
import { glorotUniform, ones, orthogonal, tfjsTruncated, uniformSym, zeros } from '../inits.ts';
import { convDims, divisible, normShape } from './common.ts';

function glorot(c: PresetContext, fi: number, fo: number) {
  return c.framework === 'tfjs'
    ? tfjsTruncated(1, (fi + fo) / 2, 'tfjs glorotNormal: TN(0, 2/(fan_in+fan_out)) at +-2 sigma, no correction')
    : glorotUniform(fi, fo, 'keras glorot_uniform');
}

export function dense(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const inF = a.int(['in', 'in_features', 'input_dim']), units = a.int(['out', 'units', 'out_features', 'features']);
  const out: TensorSpec[] = [{ name: c.join('kernel'), shape: [inF, units], ...glorot(c, inF, units) }];
  if (a.bool(['bias', 'use_bias'], true)) out.push({ name: c.join('bias'), shape: [units], ...zeros() });
  return out;
}

export function conv(a: ModuleArgs, c: PresetContext, rank: number, transposed: boolean): TensorSpec[] {
  const { inC, outC, kernel, groups } = convDims(a, rank);
  if (transposed && groups !== 1) throw new RecipeError('unsupported', `${a.path}.groups`, `${c.framework} transposed convolutions have no groups`, groups);
  const rf = kernel.reduce((x, y) => x * y, 1);
  // Conv kernel (*k, in/groups, filters); ConvTranspose kernel (*k, filters, in).
  const shape = transposed ? [...kernel, outC, inC] : [...kernel, inC / groups, outC];
  const fi = shape[rank]! * rf, fo = shape[rank + 1]! * rf;
  const out: TensorSpec[] = [{ name: c.join('kernel'), shape, ...glorot(c, fi, fo) }];
  if (a.bool(['bias', 'use_bias'], true)) out.push({ name: c.join('bias'), shape: [outC], ...zeros() });
  return out;
}

export function embedding(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const num = a.int(['num', 'input_dim', 'num_embeddings']), dim = a.int(['dim', 'output_dim', 'embedding_dim']);
  return [{ name: c.join('embeddings'), shape: [num, dim], ...uniformSym(0.05, `${c.framework === 'tfjs' ? 'randomUniform' : 'uniform'}: U(-0.05, 0.05)`) }];
}

export function layerNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const shape = normShape(a);
  const out: TensorSpec[] = [];
  if (a.bool(['scale'], true)) out.push({ name: c.join('gamma'), shape, ...ones() });
  if (a.bool(['center', 'bias'], true)) out.push({ name: c.join('beta'), shape, ...zeros() });
  return out;
}

export function batchNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const n = a.int(['features', 'num_features', 'channels']);
  const out: TensorSpec[] = [];
  if (a.bool(['scale'], true)) out.push({ name: c.join('gamma'), shape: [n], ...ones() });
  if (a.bool(['center'], true)) out.push({ name: c.join('beta'), shape: [n], ...zeros() });
  out.push({ name: c.join('moving_mean'), shape: [n], ...zeros(), role: 'buffer' }, { name: c.join('moving_variance'), shape: [n], ...ones(), role: 'buffer' });
  return out;
}

export function groupNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  if (c.framework === 'tfjs') throw new RecipeError('unsupported', `${a.path}.type`, 'TF.js Layers has no GroupNormalization layer', 'group_norm');
  const groups = a.int(['groups', 'num_groups']), ch = a.int(['channels', 'num_channels']);
  divisible(a, 'channels', ch, groups, 'groups');
  const out: TensorSpec[] = [];
  if (a.bool(['scale'], true)) out.push({ name: c.join('gamma'), shape: [ch], ...ones() });
  if (a.bool(['center'], true)) out.push({ name: c.join('beta'), shape: [ch], ...zeros() });
  return out;
}

/** Keras LSTM (gates i, f, c, o) / GRU (gates z, r, h); one layer, one direction. */
export function rnn(a: ModuleArgs, c: PresetContext, gates: 3 | 4): TensorSpec[] {
  const input = a.int(['input', 'input_size', 'input_dim']), u = a.int(['hidden', 'units', 'hidden_size']);
  if (a.int(['layers', 'num_layers'], { default: 1 }) !== 1) throw new RecipeError('unsupported', `${a.path}.layers`, `a ${c.framework} recurrent layer has one layer; list one module per layer`, a.spec.layers);
  if (a.bool(['bidirectional'], false)) throw new RecipeError('unsupported', `${a.path}.bidirectional`, `${c.framework} wraps bidirectional layers in a Bidirectional layer; list forward and backward modules`, true);
  const out: TensorSpec[] = [
    { name: c.join('kernel'), shape: [input, gates * u], ...glorot(c, input, gates * u) },
    { name: c.join('recurrent_kernel'), shape: [u, gates * u], ...orthogonal(c.framework) },
  ];
  if (!a.bool(['bias', 'use_bias'], true)) return out;
  if (gates === 4) {
    if (a.bool(['unit_forget_bias'], c.framework === 'keras')) {
      out.push({ name: c.join('bias'), shape: [4 * u], scheme: 'segments', params: { values: [0, 1, 0], lengths: [u, u, 2 * u] }, init: 'zeros, forget-gate slice [units, 2 units) ones (unit_forget_bias)' });
    } else out.push({ name: c.join('bias'), shape: [4 * u], ...zeros() });
  } else {
    const resetAfter = a.bool(['reset_after'], c.framework === 'keras');
    if (resetAfter && c.framework === 'tfjs') throw new RecipeError('unsupported', `${a.path}.reset_after`, 'TF.js GRU has no reset_after', true);
    out.push({ name: c.join('bias'), shape: resetAfter ? [2, 3 * u] : [3 * u], ...zeros() });
  }
  return out;
}

/**
 * Keras MultiHeadAttention: EinsumDense query/key/value kernels (dim, heads, key_dim), output
 * (heads, value_dim, out). Keras compute_fans on these rank-3 kernels treats the leading axis as
 * receptive field: kernel (d0, d1, d2) has fan_in = d1*d0 and fan_out = d2*d0.
 */
export function multiheadAttention(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  if (c.framework === 'tfjs') throw new RecipeError('unsupported', `${a.path}.type`, 'TF.js Layers has no MultiHeadAttention layer', 'multihead_attention');
  const E = a.int(['embed', 'embed_dim', 'query_dim']), H = a.int(['heads', 'num_heads']);
  const keyDim = a.int(['key_dim'], { default: Math.floor(E / H) || 1 }), valueDim = a.int(['value_dim'], { default: keyDim });
  const kIn = a.int(['kdim', 'key_input_dim'], { default: E }), vIn = a.int(['vdim', 'value_input_dim'], { default: E });
  const outDim = a.int(['output_dim', 'output_shape'], { default: E });
  const bias = a.bool(['bias', 'use_bias'], true);
  const k3 = (s: number[]) => glorot(c, s[1]! * s[0]!, s[2]! * s[0]!);
  const out: TensorSpec[] = [];
  for (const [part, inDim, d] of [['query', E, keyDim], ['key', kIn, keyDim], ['value', vIn, valueDim]] as const) {
    const shape = [inDim, H, d];
    out.push({ name: c.join(part, 'kernel'), shape, ...k3(shape) });
    if (bias) out.push({ name: c.join(part, 'bias'), shape: [H, d], ...zeros() });
  }
  const oShape = [H, valueDim, outDim];
  out.push({ name: c.join('attention_output', 'kernel'), shape: oShape, ...k3(oShape) });
  if (bias) out.push({ name: c.join('attention_output', 'bias'), shape: [outDim], ...zeros() });
  return out;
}
