/**
 * PyTorch module presets: parameter and buffer names exactly as in the module's state_dict,
 * shapes per torch.nn docs, default init per reset_parameters (schemes.md section 1.4).
 */
import { RecipeError } from '../../errors.ts';
import type { ModuleArgs } from '../module-args.ts';
import type { PresetContext, TensorSpec } from '../types.ts';
import { glorotUniform, normal, ones, torchFanInUniform, uniformSym, zeros } from '../inits.ts';
import { convDims, divisible, normShape } from './common.ts';

export function linear(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const inF = a.int(['in', 'in_features'], { min: 0 }), outF = a.int(['out', 'out_features'], { min: 0 });
  const out: TensorSpec[] = [{ name: c.join('weight'), shape: [outF, inF], ...torchFanInUniform(inF) }];
  if (a.bool(['bias'], true)) out.push({ name: c.join('bias'), shape: [outF], ...torchFanInUniform(inF, 'U(+-1/sqrt(fan_in))') });
  return out;
}

export function conv(a: ModuleArgs, c: PresetContext, rank: number, transposed: boolean): TensorSpec[] {
  const { inC, outC, kernel, groups } = convDims(a, rank);
  const rf = kernel.reduce((x, y) => x * y, 1);
  // Conv weight (out, in/g, *k); ConvTranspose weight (in, out/g, *k). torch fan_in = size(1) * rf.
  const shape = transposed ? [inC, outC / groups, ...kernel] : [outC, inC / groups, ...kernel];
  const fanIn = shape[1]! * rf;
  const out: TensorSpec[] = [{ name: c.join('weight'), shape, ...torchFanInUniform(fanIn) }];
  if (a.bool(['bias'], true)) out.push({ name: c.join('bias'), shape: [outC], ...torchFanInUniform(fanIn, 'U(+-1/sqrt(fan_in of weight))') });
  return out;
}

export function embedding(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const num = a.int(['num', 'num_embeddings'], { min: 0 }), dim = a.int(['dim', 'embedding_dim'], { min: 0 });
  const pad = a.optInt(['padding_idx'], { min: -num, max: num - 1 });
  return [{
    name: c.join('weight'), shape: [num, dim], scheme: 'embedding_normal',
    params: { mean: 0, std: 1, padding_idx: pad ?? null }, init: pad === undefined ? 'normal_(0, 1)' : `normal_(0, 1), row ${pad} zeroed (padding_idx)`,
  }];
}

export function layerNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const shape = normShape(a);
  if (!a.bool(['elementwise_affine', 'affine'], true)) return [];
  const out: TensorSpec[] = [{ name: c.join('weight'), shape, ...ones() }];
  if (a.bool(['bias'], true)) out.push({ name: c.join('bias'), shape, ...zeros() });
  return out;
}

export function batchNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const n = a.int(['features', 'num_features', 'channels'], { min: 0 });
  const out: TensorSpec[] = [];
  if (a.bool(['affine'], true)) out.push({ name: c.join('weight'), shape: [n], ...ones() }, { name: c.join('bias'), shape: [n], ...zeros() });
  if (a.bool(['track_running_stats'], true)) {
    out.push(
      { name: c.join('running_mean'), shape: [n], ...zeros(), role: 'buffer' },
      { name: c.join('running_var'), shape: [n], ...ones(), role: 'buffer' },
      { name: c.join('num_batches_tracked'), shape: [], ...zeros(), dtype: 'int64', role: 'buffer', init: 'torch.tensor(0, dtype=torch.long)' },
    );
  }
  return out;
}

export function groupNorm(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const groups = a.int(['groups', 'num_groups']), ch = a.int(['channels', 'num_channels']);
  divisible(a, 'channels', ch, groups, 'groups');
  if (!a.bool(['affine'], true)) return [];
  return [{ name: c.join('weight'), shape: [ch], ...ones() }, { name: c.join('bias'), shape: [ch], ...zeros() }];
}

/** nn.LSTM / nn.GRU: gates*hidden rows; every parameter U(+-1/sqrt(hidden)). */
export function rnn(a: ModuleArgs, c: PresetContext, gates: number): TensorSpec[] {
  const input = a.int(['input', 'input_size'], { min: 0 }), hidden = a.int(['hidden', 'hidden_size']);
  const layers = a.int(['layers', 'num_layers'], { default: 1, max: 1024 });
  const bias = a.bool(['bias'], true), bidir = a.bool(['bidirectional'], false);
  const proj = gates === 4 ? a.int(['proj_size'], { default: 0, min: 0 }) : 0;
  if (proj >= hidden && proj > 0) throw new RecipeError('impossible', `${a.path}.proj_size`, 'must be smaller than hidden_size', proj);
  const hOut = proj > 0 ? proj : hidden, dirs = bidir ? 2 : 1;
  const init = uniformSym(1 / Math.sqrt(hidden), 'U(+-1/sqrt(hidden_size))');
  const out: TensorSpec[] = [];
  for (let l = 0; l < layers; l++) {
    for (let d = 0; d < dirs; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const inL = l === 0 ? input : hOut * dirs;
      out.push({ name: c.join(`weight_ih${sfx}`), shape: [gates * hidden, inL], ...init });
      out.push({ name: c.join(`weight_hh${sfx}`), shape: [gates * hidden, hOut], ...init });
      if (bias) {
        out.push({ name: c.join(`bias_ih${sfx}`), shape: [gates * hidden], ...init });
        out.push({ name: c.join(`bias_hh${sfx}`), shape: [gates * hidden], ...init });
      }
      if (proj > 0) out.push({ name: c.join(`weight_hr${sfx}`), shape: [proj, hidden], ...init });
    }
  }
  return out;
}

/** nn.MultiheadAttention (_reset_parameters): xavier_uniform_ in-projections, zero biases, Linear out_proj. */
export function multiheadAttention(a: ModuleArgs, c: PresetContext): TensorSpec[] {
  const E = a.int(['embed', 'embed_dim']), heads = a.int(['heads', 'num_heads']);
  divisible(a, 'embed_dim', E, heads, 'num_heads');
  const kdim = a.int(['kdim'], { default: E }), vdim = a.int(['vdim'], { default: E });
  const bias = a.bool(['bias'], true), biasKv = a.bool(['add_bias_kv'], false);
  const out: TensorSpec[] = [];
  if (kdim === E && vdim === E) {
    out.push({ name: c.join('in_proj_weight'), shape: [3 * E, E], ...glorotUniform(E, 3 * E, 'xavier_uniform_') });
  } else {
    out.push({ name: c.join('q_proj_weight'), shape: [E, E], ...glorotUniform(E, E, 'xavier_uniform_') });
    out.push({ name: c.join('k_proj_weight'), shape: [E, kdim], ...glorotUniform(kdim, E, 'xavier_uniform_') });
    out.push({ name: c.join('v_proj_weight'), shape: [E, vdim], ...glorotUniform(vdim, E, 'xavier_uniform_') });
  }
  if (bias) out.push({ name: c.join('in_proj_bias'), shape: [3 * E], ...zeros() });
  if (biasKv) {
    // xavier_normal_ on (1, 1, E): fan_in = fan_out = E, std = sqrt(2/(2E)).
    out.push({ name: c.join('bias_k'), shape: [1, 1, E], ...normal(Math.sqrt(1 / E), 'xavier_normal_') });
    out.push({ name: c.join('bias_v'), shape: [1, 1, E], ...normal(Math.sqrt(1 / E), 'xavier_normal_') });
  }
  out.push({ name: c.join('out_proj', 'weight'), shape: [E, E], ...torchFanInUniform(E) });
  if (bias) out.push({ name: c.join('out_proj', 'bias'), shape: [E], ...zeros() });
  return out;
}
