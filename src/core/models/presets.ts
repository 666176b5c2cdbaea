/**
 * Module presets: `{type: "linear", name: "encoder.0", in: 768, out: 3072}` expands to the
 * parameters (and buffers) the chosen framework's module has, with their names, shapes and that
 * framework's default initialization. Per-module `overrides` replace the scheme/params/dtype/multiplier
 * of individual tensors, keyed by the parameter's local name ("weight", "out_proj.weight", ...).
 */
import { RecipeError } from '../errors.ts';
import { ModuleArgs } from './module-args.ts';
import type { ModelFramework, ModuleSpec, PresetContext, TensorSpec } from './types.ts';
import * as torch from './presets/torch.ts';
import * as keras from './presets/keras.ts';
import * as flax from './presets/flax.ts';

type Expand = (a: ModuleArgs, c: PresetContext) => TensorSpec[];

const CONV: Record<string, [number, boolean]> = {
  conv1d: [1, false], conv2d: [2, false], conv3d: [3, false],
  conv_transpose1d: [1, true], conv_transpose2d: [2, true], conv_transpose3d: [3, true],
};

/** Module type aliases -> canonical type. */
export const MODULE_TYPES: Record<string, string> = {
  linear: 'linear', dense: 'linear',
  conv1d: 'conv1d', conv2d: 'conv2d', conv3d: 'conv3d',
  conv_transpose1d: 'conv_transpose1d', conv_transpose2d: 'conv_transpose2d', conv_transpose3d: 'conv_transpose3d',
  convtranspose1d: 'conv_transpose1d', convtranspose2d: 'conv_transpose2d', convtranspose3d: 'conv_transpose3d',
  embedding: 'embedding', embed: 'embedding',
  layer_norm: 'layer_norm', layernorm: 'layer_norm',
  batch_norm: 'batch_norm', batchnorm: 'batch_norm', batch_norm1d: 'batch_norm', batch_norm2d: 'batch_norm', batch_norm3d: 'batch_norm',
  group_norm: 'group_norm', groupnorm: 'group_norm',
  lstm: 'lstm', gru: 'gru',
  multihead_attention: 'multihead_attention', multiheadattention: 'multihead_attention', mha: 'multihead_attention',
};

function expander(framework: ModelFramework, type: string): Expand {
  const conv = CONV[type];
  if (framework === 'torch') {
    if (conv) return (a, c) => torch.conv(a, c, conv[0], conv[1]);
    return ({ linear: torch.linear, embedding: torch.embedding, layer_norm: torch.layerNorm, batch_norm: torch.batchNorm,
      group_norm: torch.groupNorm, lstm: (a, c) => torch.rnn(a, c, 4), gru: (a, c) => torch.rnn(a, c, 3),
      multihead_attention: torch.multiheadAttention } as Record<string, Expand>)[type]!;
  }
  if (framework === 'flax') {
    if (conv) return (a, c) => flax.conv(a, c, conv[0], conv[1]);
    return ({ linear: flax.dense, embedding: flax.embedding, layer_norm: flax.layerNorm, batch_norm: flax.batchNorm,
      group_norm: flax.groupNorm, lstm: flax.lstm, gru: flax.gru, multihead_attention: flax.multiheadAttention } as Record<string, Expand>)[type]!;
  }
  if (conv) return (a, c) => keras.conv(a, c, conv[0], conv[1]);
  return ({ linear: keras.dense, embedding: keras.embedding, layer_norm: keras.layerNorm, batch_norm: keras.batchNorm,
    group_norm: keras.groupNorm, lstm: (a, c) => keras.rnn(a, c, 4), gru: (a, c) => keras.rnn(a, c, 3),
    multihead_attention: keras.multiheadAttention } as Record<string, Expand>)[type]!;
}

export const LAYOUT_OF: Record<ModelFramework, string> = { torch: 'torch', keras: 'keras', flax: 'keras', tfjs: 'keras' };

export interface ExpandOptions { framework: ModelFramework; separator: string; path: string }

/** Expands one module into tensor specs (names fully qualified), applying its overrides. */
export function expandModule(spec: ModuleSpec, opts: ExpandOptions): TensorSpec[] {
  const { path } = opts;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw new RecipeError('invalid', path, 'must be an object {type, name, ...}', spec);
  const typeIn = spec.type;
  const type = typeof typeIn === 'string' ? MODULE_TYPES[typeIn.toLowerCase()] : undefined;
  if (!type) throw new RecipeError('unknown', `${path}.type`, `must be one of ${[...new Set(Object.values(MODULE_TYPES))].join(', ')}`, typeIn);
  if (typeof spec.name !== 'string') throw new RecipeError('invalid', `${path}.name`, 'must be a string (the module path, e.g. "encoder.0"; may be empty)', spec.name);
  const prefix = spec.name;
  const ctx: PresetContext = {
    framework: opts.framework,
    join: (...parts) => [prefix, ...parts].filter((p) => p !== '').join(opts.separator),
  };
  const args = new ModuleArgs(spec, path);
  const tensors = expander(opts.framework, type)(args, ctx);
  args.finish();
  const layout = LAYOUT_OF[opts.framework];
  for (const t of tensors) t.layout = layout;
  if (spec.dtype !== undefined) for (const t of tensors) if (t.dtype !== 'int64') t.dtype = spec.dtype as string;
  applyOverrides(spec, tensors, ctx, path);
  return tensors;
}

const OVERRIDE_KEYS = new Set(['scheme', 'params', 'dtype', 'multiplier', 'fan_in', 'fan_out', 'layout']);

function applyOverrides(spec: ModuleSpec, tensors: TensorSpec[], ctx: PresetContext, path: string): void {
  const ov = spec.overrides;
  if (ov === undefined || ov === null) return;
  if (typeof ov !== 'object' || Array.isArray(ov)) throw new RecipeError('invalid', `${path}.overrides`, 'must be an object keyed by parameter name, e.g. {"weight": {"scheme": "orthogonal"}}', ov);
  for (const [local, o] of Object.entries(ov as Record<string, unknown>)) {
    const field = `${path}.overrides.${local}`;
    const t = tensors.find((x) => x.name === ctx.join(local));
    if (!t) throw new RecipeError('invalid', field, `is not a parameter of this module; it has ${tensors.map((x) => x.name).join(', ')}`, local);
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new RecipeError('invalid', field, 'must be an object {scheme?, params?, dtype?, multiplier?}', o);
    const r = o as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!OVERRIDE_KEYS.has(k)) throw new RecipeError('invalid', `${field}.${k}`, `is not overridable; use ${[...OVERRIDE_KEYS].join(', ')}`, r[k]);
    if (t.dtype === 'int64' && (r.dtype !== undefined || r.scheme !== undefined)) throw new RecipeError('invalid', field, 'integer buffers keep their dtype and constant scheme', o);
    if (r.params !== undefined && (typeof r.params !== 'object' || r.params === null || Array.isArray(r.params))) throw new RecipeError('invalid', `${field}.params`, 'must be an object', r.params);
    if (typeof r.scheme === 'string') {
      // A new scheme starts from its own defaults; only the given params apply.
      t.scheme = r.scheme; t.params = { ...(r.params as Record<string, unknown> | undefined) };
      t.init = `override: ${r.scheme}`;
    } else if (r.scheme !== undefined) throw new RecipeError('invalid', `${field}.scheme`, 'must be a scheme name', r.scheme);
    else if (r.params !== undefined) { t.params = { ...t.params, ...(r.params as Record<string, unknown>) }; t.init = `${t.init ?? t.scheme} (params overridden)`; }
    if (r.dtype !== undefined) t.dtype = r.dtype as string;
    if (r.layout !== undefined) t.layout = r.layout as string;
    for (const k of ['multiplier', 'fan_in', 'fan_out'] as const) if (r[k] !== undefined) (t as unknown as Record<string, unknown>)[k] = r[k];
  }
}
