/**
 * Module presets: the parameter names and shapes each framework's modules have, written by hand
 * from the frameworks' documentation (torch.nn, keras.layers, flax.linen, tf.layers), and the
 * default distributions checked on generated samples (bounds, std) against formulas computed here.
 */
import t, { type Test } from 'tap';
import { expand, shapes, stats, values } from './helpers.ts';
import { RecipeError } from '../../src/core/errors.ts';
import type { CanonicalModel } from '../../src/core/models/manifest.ts';

const get = (m: CanonicalModel, name: string) => {
  const x = m.tensors.find((q) => q.name === name);
  if (!x) throw new Error(`no tensor ${name} in ${m.tensors.map((q) => q.name).join(',')}`);
  return x;
};

/**
 * U(-b, b): all within [-b, b]; the extremes within 12/n of b (P(miss) = e^-6 per side); sample
 * std within 5 standard errors of b/sqrt(3) (relative SE of a uniform sample std = sqrt(0.2/n));
 * mean within 5 SE (b/sqrt(3n)).
 */
function isUniform(tt: Test, v: Float64Array, b: number, what: string) {
  const s = stats(v), n = v.length;
  tt.ok(s.max < b * (1 + 1e-6) && s.min >= -b * (1 + 1e-6), `${what}: within +-${b.toFixed(5)} (got ${s.min.toFixed(5)}..${s.max.toFixed(5)})`);
  const edge = b * (1 - 12 / n);
  tt.ok(s.max > edge && s.min < -edge, `${what}: reaches near the bounds`);
  tt.ok(Math.abs(s.std / (b / Math.sqrt(3)) - 1) < 5 * Math.sqrt(0.2 / n), `${what}: std ${s.std.toFixed(5)} ~ ${(b / Math.sqrt(3)).toFixed(5)}`);
  tt.ok(Math.abs(s.mean) < 5 * b / Math.sqrt(3 * n), `${what}: mean ~ 0`);
}
/** Truncated normal at +-2 sigma (sigma the pre-truncation std): bounds and post-truncation std 0.8796 sigma. */
function isTrunc2(tt: Test, v: Float64Array, sigma: number, what: string) {
  const s = stats(v);
  tt.ok(s.max <= 2 * sigma * (1 + 1e-6) && s.min >= -2 * sigma * (1 + 1e-6), `${what}: within +-2 sigma`);
  tt.ok(s.max > 1.9 * sigma, `${what}: reaches near 2 sigma`);
  tt.ok(Math.abs(s.std / (0.8796256610342398 * sigma) - 1) < 5 * Math.sqrt(0.35 / v.length), `${what}: std ${s.std.toFixed(5)} ~ 0.8796 * ${sigma.toFixed(5)}`);
}
function isConst(tt: Test, v: Float64Array, c: number, what: string) {
  tt.ok(v.every((x) => x === c), `${what}: all ${c}`);
}

t.test('torch: names and shapes of nn modules (state_dict keys)', async (tt) => {
  const m = expand('torch', [
    { type: 'linear', name: 'fc', in: 784, out: 256 },
    { type: 'linear', name: 'nobias', in: 3, out: 2, bias: false },
    { type: 'conv1d', name: 'c1', in: 4, out: 6, kernel: 5 },
    { type: 'conv2d', name: 'c2', in_channels: 16, out_channels: 32, kernel_size: 3, groups: 2 },
    { type: 'conv3d', name: 'c3', in: 2, out: 4, kernel: [3, 2, 1] },
    { type: 'conv_transpose2d', name: 'ct', in: 16, out: 32, kernel: 4, groups: 2 },
    { type: 'embedding', name: 'emb', num_embeddings: 1000, embedding_dim: 64, padding_idx: 3 },
    { type: 'layer_norm', name: 'ln', normalized_shape: [8, 16] },
    { type: 'batch_norm', name: 'bn', num_features: 32 },
    { type: 'group_norm', name: 'gn', num_groups: 4, num_channels: 32 },
    { type: 'lstm', name: 'lstm', input_size: 10, hidden_size: 20, num_layers: 2, bidirectional: true },
    { type: 'lstm', name: 'plstm', input_size: 10, hidden_size: 20, proj_size: 5 },
    { type: 'gru', name: 'gru', input_size: 10, hidden_size: 20 },
    { type: 'multihead_attention', name: 'mha', embed_dim: 64, num_heads: 8 },
    { type: 'multihead_attention', name: 'xmha', embed_dim: 64, num_heads: 8, kdim: 32, vdim: 16, add_bias_kv: true },
  ]);
  tt.same(shapes(m), [
    ['fc.weight', [256, 784]], ['fc.bias', [256]],
    ['nobias.weight', [2, 3]],
    ['c1.weight', [6, 4, 5]], ['c1.bias', [6]],
    ['c2.weight', [32, 8, 3, 3]], ['c2.bias', [32]],
    ['c3.weight', [4, 2, 3, 2, 1]], ['c3.bias', [4]],
    ['ct.weight', [16, 16, 4, 4]], ['ct.bias', [32]], // ConvTranspose: (in, out/groups, *k)
    ['emb.weight', [1000, 64]],
    ['ln.weight', [8, 16]], ['ln.bias', [8, 16]],
    ['bn.weight', [32]], ['bn.bias', [32]], ['bn.running_mean', [32]], ['bn.running_var', [32]], ['bn.num_batches_tracked', []],
    ['gn.weight', [32]], ['gn.bias', [32]],
    ['lstm.weight_ih_l0', [80, 10]], ['lstm.weight_hh_l0', [80, 20]], ['lstm.bias_ih_l0', [80]], ['lstm.bias_hh_l0', [80]],
    ['lstm.weight_ih_l0_reverse', [80, 10]], ['lstm.weight_hh_l0_reverse', [80, 20]], ['lstm.bias_ih_l0_reverse', [80]], ['lstm.bias_hh_l0_reverse', [80]],
    ['lstm.weight_ih_l1', [80, 40]], ['lstm.weight_hh_l1', [80, 20]], ['lstm.bias_ih_l1', [80]], ['lstm.bias_hh_l1', [80]],
    ['lstm.weight_ih_l1_reverse', [80, 40]], ['lstm.weight_hh_l1_reverse', [80, 20]], ['lstm.bias_ih_l1_reverse', [80]], ['lstm.bias_hh_l1_reverse', [80]],
    ['plstm.weight_ih_l0', [80, 10]], ['plstm.weight_hh_l0', [80, 5]], ['plstm.bias_ih_l0', [80]], ['plstm.bias_hh_l0', [80]], ['plstm.weight_hr_l0', [5, 20]],
    ['gru.weight_ih_l0', [60, 10]], ['gru.weight_hh_l0', [60, 20]], ['gru.bias_ih_l0', [60]], ['gru.bias_hh_l0', [60]],
    ['mha.in_proj_weight', [192, 64]], ['mha.in_proj_bias', [192]], ['mha.out_proj.weight', [64, 64]], ['mha.out_proj.bias', [64]],
    ['xmha.q_proj_weight', [64, 64]], ['xmha.k_proj_weight', [64, 32]], ['xmha.v_proj_weight', [64, 16]], ['xmha.in_proj_bias', [192]],
    ['xmha.bias_k', [1, 1, 64]], ['xmha.bias_v', [1, 1, 64]], ['xmha.out_proj.weight', [64, 64]], ['xmha.out_proj.bias', [64]],
  ]);
  tt.equal(get(m, 'bn.num_batches_tracked').dtype, 'int64');
  tt.equal(get(m, 'bn.running_var').role, 'buffer');
});

t.test('torch: default distributions', async (tt) => {
  const m = expand('torch', [
    { type: 'linear', name: 'fc', in: 784, out: 256 },
    { type: 'conv2d', name: 'c2', in: 16, out: 32, kernel: 3, groups: 2 },
    { type: 'conv_transpose2d', name: 'ct', in: 16, out: 32, kernel: 4, groups: 2 },
    { type: 'embedding', name: 'emb', num: 1000, dim: 64, padding_idx: 3 },
    { type: 'batch_norm', name: 'bn', features: 32 },
    { type: 'lstm', name: 'lstm', input: 100, hidden: 64 },
    { type: 'multihead_attention', name: 'mha', embed: 64, heads: 8 },
  ]);
  // nn.Linear: kaiming_uniform_(a=sqrt(5)) => U(+-1/sqrt(in)); bias U(+-1/sqrt(in)).
  isUniform(tt, values(get(m, 'fc.weight')), 1 / Math.sqrt(784), 'fc.weight');
  isUniform(tt, values(get(m, 'fc.bias')), 1 / Math.sqrt(784), 'fc.bias');
  // Conv2d(16, 32, 3, groups=2): fan_in = 16/2 * 9 = 72.
  isUniform(tt, values(get(m, 'c2.weight')), 1 / Math.sqrt(72), 'c2.weight');
  // ConvTranspose2d(16, 32, 4, groups=2): weight (16, 16, 4, 4), torch fan_in = size(1)*16 = 256.
  isUniform(tt, values(get(m, 'ct.weight')), 1 / 16, 'ct.weight');
  // Embedding: N(0, 1), row padding_idx zero.
  const emb = values(get(m, 'emb.weight'));
  isConst(tt, emb.subarray(3 * 64, 4 * 64), 0, 'emb padding row');
  const rest = Float64Array.from([...emb.subarray(0, 3 * 64), ...emb.subarray(4 * 64)]);
  const se = stats(rest);
  tt.ok(Math.abs(se.std - 1) < 0.02 && Math.abs(se.mean) < 0.02, `emb N(0,1): mean ${se.mean.toFixed(4)} std ${se.std.toFixed(4)}`);
  isConst(tt, values(get(m, 'bn.weight')), 1, 'bn.weight');
  isConst(tt, values(get(m, 'bn.bias')), 0, 'bn.bias');
  isConst(tt, values(get(m, 'bn.running_mean')), 0, 'running_mean');
  isConst(tt, values(get(m, 'bn.running_var')), 1, 'running_var');
  isConst(tt, values(get(m, 'bn.num_batches_tracked')), 0, 'num_batches_tracked');
  // RNN: every parameter U(+-1/sqrt(hidden)).
  for (const n of ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']) isUniform(tt, values(get(m, `lstm.${n}`)), 1 / 8, `lstm.${n}`);
  // MHA: in_proj xavier_uniform on (192, 64): sqrt(6/(64+192)); out_proj Linear U(+-1/8); biases 0.
  isUniform(tt, values(get(m, 'mha.in_proj_weight')), Math.sqrt(6 / 256), 'in_proj_weight');
  isUniform(tt, values(get(m, 'mha.out_proj.weight')), 1 / 8, 'out_proj.weight');
  isConst(tt, values(get(m, 'mha.in_proj_bias')), 0, 'in_proj_bias');
  isConst(tt, values(get(m, 'mha.out_proj.bias')), 0, 'out_proj.bias');
});

t.test('keras: names, shapes and defaults', async (tt) => {
  const m = expand('keras', [
    { type: 'dense', name: 'd', in: 784, units: 256 },
    { type: 'conv2d', name: 'c', in: 16, filters: 32, kernel_size: 3, groups: 2 },
    { type: 'conv_transpose2d', name: 'ct', in: 16, filters: 32, kernel_size: 4 },
    { type: 'embedding', name: 'e', input_dim: 1000, output_dim: 64 },
    { type: 'layer_norm', name: 'ln', shape: 64 },
    { type: 'batch_norm', name: 'bn', features: 32 },
    { type: 'group_norm', name: 'gn', groups: 4, channels: 32 },
    { type: 'lstm', name: 'lstm', input: 10, units: 20 },
    { type: 'gru', name: 'gru', input: 10, units: 20 },
    { type: 'multihead_attention', name: 'mha', embed: 64, num_heads: 8, key_dim: 16 },
  ]);
  tt.same(shapes(m), [
    ['d.kernel', [784, 256]], ['d.bias', [256]],
    ['c.kernel', [3, 3, 8, 32]], ['c.bias', [32]],
    ['ct.kernel', [4, 4, 32, 16]], ['ct.bias', [32]], // Conv2DTranspose kernel (*k, filters, in)
    ['e.embeddings', [1000, 64]],
    ['ln.gamma', [64]], ['ln.beta', [64]],
    ['bn.gamma', [32]], ['bn.beta', [32]], ['bn.moving_mean', [32]], ['bn.moving_variance', [32]],
    ['gn.gamma', [32]], ['gn.beta', [32]],
    ['lstm.kernel', [10, 80]], ['lstm.recurrent_kernel', [20, 80]], ['lstm.bias', [80]],
    ['gru.kernel', [10, 60]], ['gru.recurrent_kernel', [20, 60]], ['gru.bias', [2, 60]], // reset_after=True
    ['mha.query.kernel', [64, 8, 16]], ['mha.query.bias', [8, 16]], ['mha.key.kernel', [64, 8, 16]], ['mha.key.bias', [8, 16]],
    ['mha.value.kernel', [64, 8, 16]], ['mha.value.bias', [8, 16]], ['mha.attention_output.kernel', [8, 16, 64]], ['mha.attention_output.bias', [64]],
  ]);
  // Dense: glorot_uniform sqrt(6/(784+256)); Conv: fans 8*9 and 32*9.
  isUniform(tt, values(get(m, 'd.kernel')), Math.sqrt(6 / 1040), 'dense kernel');
  isConst(tt, values(get(m, 'd.bias')), 0, 'dense bias');
  isUniform(tt, values(get(m, 'c.kernel')), Math.sqrt(6 / (72 + 288)), 'conv kernel');
  isUniform(tt, values(get(m, 'e.embeddings')), 0.05, 'embeddings');
  isConst(tt, values(get(m, 'bn.moving_variance')), 1, 'moving_variance');
  // LSTM: recurrent_kernel orthogonal (20 x 80: orthonormal rows), bias with unit_forget_bias.
  const r = values(get(m, 'lstm.recurrent_kernel'));
  let worst = 0;
  for (let i = 0; i < 20; i++) for (let j = 0; j < 20; j++) {
    let d = 0;
    for (let k = 0; k < 80; k++) d += r[i * 80 + k]! * r[j * 80 + k]!;
    worst = Math.max(worst, Math.abs(d - (i === j ? 1 : 0)));
  }
  tt.ok(worst < 1e-5, `recurrent_kernel rows orthonormal (max |RR^T - I| = ${worst.toExponential(2)})`);
  const b = values(get(m, 'lstm.bias'));
  tt.same([...b], [...new Array(20).fill(0), ...new Array(20).fill(1), ...new Array(40).fill(0)], 'LSTM bias: forget-gate slice ones');
  isUniform(tt, values(get(m, 'lstm.kernel')), Math.sqrt(6 / 90), 'lstm kernel');
});

t.test('tfjs: glorotNormal kernels, no forget bias, unsupported layers refused', async (tt) => {
  const m = expand('tfjs', [
    { type: 'dense', name: 'd', in: 784, units: 256 },
    { type: 'lstm', name: 'lstm', input: 10, units: 20 },
    { type: 'gru', name: 'gru', input: 10, units: 20 },
  ]);
  tt.same(shapes(m), [['d.kernel', [784, 256]], ['d.bias', [256]], ['lstm.kernel', [10, 80]], ['lstm.recurrent_kernel', [20, 80]], ['lstm.bias', [80]],
    ['gru.kernel', [10, 60]], ['gru.recurrent_kernel', [20, 60]], ['gru.bias', [60]]]);
  // glorotNormal: truncatedNormal(0, sqrt(2/(fi+fo))) at +-2 sigma, uncorrected.
  isTrunc2(tt, values(get(m, 'd.kernel')), Math.sqrt(2 / 1040), 'tfjs dense kernel');
  isConst(tt, values(get(m, 'lstm.bias')), 0, 'tfjs lstm bias');
  for (const type of ['group_norm', 'multihead_attention']) {
    let kind = '';
    try { expand('tfjs', [{ type, name: 'x', groups: 2, channels: 4, embed: 8, heads: 2 }]); } catch (e) { kind = (e as RecipeError).kind; }
    tt.equal(kind, 'unsupported', `tfjs ${type} refused`);
  }
});

t.test('flax: names, shapes and lecun_normal', async (tt) => {
  const m = expand('flax', [
    { type: 'dense', name: 'Dense_0', in: 784, features: 256 },
    { type: 'conv2d', name: 'Conv_0', in: 16, features: 32, kernel_size: [3, 3], feature_group_count: 2 },
    { type: 'embedding', name: 'Embed_0', num_embeddings: 1000, features: 64 },
    { type: 'layer_norm', name: 'LayerNorm_0', features: 64 },
    { type: 'batch_norm', name: 'BatchNorm_0', features: 32 },
    { type: 'group_norm', name: 'GroupNorm_0', num_groups: 4, features: 32 },
    { type: 'lstm', name: 'LSTMCell_0', input: 10, features: 20 },
    { type: 'gru', name: 'GRUCell_0', input: 10, features: 20 },
    { type: 'multihead_attention', name: 'MHA_0', embed: 64, num_heads: 8 },
  ]);
  tt.same(shapes(m), [
    ['Dense_0.kernel', [784, 256]], ['Dense_0.bias', [256]],
    ['Conv_0.kernel', [3, 3, 8, 32]], ['Conv_0.bias', [32]],
    ['Embed_0.embedding', [1000, 64]],
    ['LayerNorm_0.scale', [64]], ['LayerNorm_0.bias', [64]],
    ['BatchNorm_0.scale', [32]], ['BatchNorm_0.bias', [32]], ['BatchNorm_0.mean', [32]], ['BatchNorm_0.var', [32]],
    ['GroupNorm_0.scale', [32]], ['GroupNorm_0.bias', [32]],
    ['LSTMCell_0.ii.kernel', [10, 20]], ['LSTMCell_0.if.kernel', [10, 20]], ['LSTMCell_0.ig.kernel', [10, 20]], ['LSTMCell_0.io.kernel', [10, 20]],
    ['LSTMCell_0.hi.kernel', [20, 20]], ['LSTMCell_0.hi.bias', [20]], ['LSTMCell_0.hf.kernel', [20, 20]], ['LSTMCell_0.hf.bias', [20]],
    ['LSTMCell_0.hg.kernel', [20, 20]], ['LSTMCell_0.hg.bias', [20]], ['LSTMCell_0.ho.kernel', [20, 20]], ['LSTMCell_0.ho.bias', [20]],
    ['GRUCell_0.ir.kernel', [10, 20]], ['GRUCell_0.ir.bias', [20]], ['GRUCell_0.iz.kernel', [10, 20]], ['GRUCell_0.iz.bias', [20]],
    ['GRUCell_0.in.kernel', [10, 20]], ['GRUCell_0.in.bias', [20]],
    ['GRUCell_0.hr.kernel', [20, 20]], ['GRUCell_0.hz.kernel', [20, 20]], ['GRUCell_0.hn.kernel', [20, 20]], ['GRUCell_0.hn.bias', [20]],
    ['MHA_0.query.kernel', [64, 8, 8]], ['MHA_0.query.bias', [8, 8]], ['MHA_0.key.kernel', [64, 8, 8]], ['MHA_0.key.bias', [8, 8]],
    ['MHA_0.value.kernel', [64, 8, 8]], ['MHA_0.value.bias', [8, 8]], ['MHA_0.out.kernel', [8, 8, 64]], ['MHA_0.out.bias', [64]],
  ]);
  // lecun_normal: TN at +-2 sigma with sigma = sqrt(1/fan_in)/0.8796 (post-truncation std exactly sqrt(1/fan_in)).
  const c = 0.87962566103423978;
  isTrunc2(tt, values(get(m, 'Dense_0.kernel')), Math.sqrt(1 / 784) / c, 'Dense kernel');
  isTrunc2(tt, values(get(m, 'Conv_0.kernel')), Math.sqrt(1 / 72) / c, 'Conv kernel (fan_in 8*9)');
  isTrunc2(tt, values(get(m, 'MHA_0.out.kernel')), Math.sqrt(1 / 64) / c, 'MHA out kernel (fan_in heads*head_dim)');
  const se = stats(values(get(m, 'Embed_0.embedding')));
  tt.ok(Math.abs(se.std / (1 / 8) - 1) < 0.02, `Embed N(0, 1/features): std ${se.std.toFixed(4)} ~ 0.125`);
  isConst(tt, values(get(m, 'BatchNorm_0.var')), 1, 'batch_stats var');
});

t.test('overrides, module dtype and errors', async (tt) => {
  const m = expand('torch', [{ type: 'linear', name: 'head', in: 64, out: 10, dtype: 'bfloat16',
    overrides: { weight: { scheme: 'normal', params: { std: 0.02 } }, bias: { params: { low: -0.5, high: 0.5 }, dtype: 'float32' } } }]);
  tt.equal(get(m, 'head.weight').recipe.scheme, 'normal');
  tt.equal(get(m, 'head.weight').recipe.params.std, 0.02);
  tt.equal(get(m, 'head.weight').dtype, 'bfloat16');
  tt.equal(get(m, 'head.bias').dtype, 'float32', 'per-tensor override beats module dtype');
  tt.same([get(m, 'head.bias').recipe.params.low, get(m, 'head.bias').recipe.params.high], [-0.5, 0.5]);
  const bad = (mods: unknown[], field: string, kind = 'invalid') => {
    try { expand('torch', mods); tt.fail(`expected error for ${field}`); } catch (e) {
      tt.ok(e instanceof RecipeError, 'RecipeError');
      tt.equal((e as RecipeError).field, field, `field ${field}`);
      tt.equal((e as RecipeError).kind, kind);
    }
  };
  const withArgs = expand('torch', [{ type: 'conv2d', name: 'c', in: 3, out: 8, kernel: 3, stride: 2, padding: 1, padding_mode: 'zeros' }]);
  tt.same(shapes(withArgs), [['c.weight', [8, 3, 3, 3]], ['c.bias', [8]]], 'arguments that change no parameter are accepted');
  bad([{ type: 'linear', name: 'a', in: 2, out: 3, bais: false }], 'modules[0].bais');
  bad([{ type: 'linar', name: 'a' }], 'modules[0].type', 'unknown');
  bad([{ type: 'linear', name: 'a', in: 2 }], 'modules[0].out');
  bad([{ type: 'conv2d', name: 'a', in: 3, out: 4, kernel: 3, groups: 2 }], 'modules[0].in_channels', 'impossible');
  bad([{ type: 'linear', name: 'a', in: 2, out: 3, overrides: { weigth: { scheme: 'zeros' } } }], 'modules[0].overrides.weigth');
  bad([{ type: 'linear', name: 'a', in: 2, out: 3 }, { type: 'linear', name: 'a', in: 2, out: 3 }], 'modules[1].name');
  bad([{ type: 'multihead_attention', name: 'a', embed: 10, heads: 3 }], 'modules[0].embed_dim', 'impossible');
});
