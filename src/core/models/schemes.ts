/**
 * Two small schemes that module presets need and the plain catalogue does not express:
 * - embedding_normal: torch nn.Embedding's N(mean, std^2) table with row `padding_idx` zeroed
 *   (a post-op on the rows); every other element equals scheme `normal` with the same key, bit
 *   for bit, because it is the same field with some rows replaced.
 * - segments: piecewise-constant along the flat index (Keras LSTM bias with unit_forget_bias:
 *   zeros, ones on the forget-gate slice, zeros).
 * Registered from src/core/schemes/index.ts so pool workers know them too.
 */
import { define } from '../schemes/registry.ts';
import { normalField } from '../fields.ts';
import { RecipeError } from '../errors.ts';
import type { Field } from '../field.ts';

define({
  name: 'embedding_normal', framework: 'weightinit', family: 'preset',
  description: 'N(mean, std^2) embedding table (num_embeddings, dim) whose row padding_idx is all zeros, as torch.nn.Embedding(padding_idx=...) initializes it. Without padding_idx it equals scheme normal.',
  formula: 'w[r, :] ~ N(mean, std^2); w[padding_idx, :] = 0',
  references: ['torch.nn.Embedding.reset_parameters (normal_ then weight[padding_idx].fill_(0))'],
  params: {
    mean: { type: 'number', description: 'mean', default: 0 },
    std: { type: 'number', description: 'standard deviation', default: 1, minimum: 0 },
    padding_idx: { type: 'integer', description: 'row set to zero (negative counts from the end, like torch); null for none', nullable: true },
  },
  minRank: 2, maxRank: 2,
  compile: (ctx) => {
    const [rows, dim] = ctx.shape as [number, number];
    const base = normalField(ctx, ctx.params.mean, ctx.params.std);
    let pad = ctx.params.padding_idx as number | null | undefined;
    if (pad === undefined || pad === null) return base;
    if (pad < -rows || pad >= rows) throw new RecipeError('impossible', 'params.padding_idx', `must be within num_embeddings (shape[0] = ${rows})`, pad);
    if (pad < 0) pad += rows;
    const z0 = pad * dim, z1 = z0 + dim;
    const field: Field = {
      precision: base.precision,
      fill(s, n, out) {
        base.fill(s, n, out);
        const a = Math.max(s, z0), b = Math.min(s + n, z1);
        if (a < b) out.fill(0, a - s, b - s);
      },
    };
    return field;
  },
  theory: ({ params: { mean, std } }) => ({ mean, std, density: 'normal' }),
});

define({
  name: 'segments', aliases: ['piecewise_constant'], framework: 'weightinit', family: 'preset',
  description: 'Piecewise-constant along the flat (row-major) index: the first lengths[0] elements are values[0], the next lengths[1] are values[1], ... The lengths must add up to the number of elements.',
  formula: 'w[i] = values[k] for sum(lengths[0..k)) <= i < sum(lengths[0..k])',
  references: ['keras.layers.LSTMCell(unit_forget_bias=True) bias initializer'],
  params: {
    values: { type: 'number[]', description: 'value of each segment', required: true },
    lengths: { type: 'integer[]', description: 'element count of each segment', required: true, minimum: 0 },
  },
  compile: (ctx) => {
    const values = ctx.params.values as number[], lengths = ctx.params.lengths as number[];
    if (values.length !== lengths.length) throw new RecipeError('invalid', 'params.lengths', `must have as many entries as params.values (${values.length})`, lengths);
    const total = lengths.reduce((a, b) => a + b, 0);
    const n = ctx.shape.reduce((a, b) => a * b, 1);
    if (total !== n) throw new RecipeError('impossible', 'params.lengths', `must add up to the number of elements (${n}), they add up to ${total}`, lengths);
    const ends: number[] = [];
    lengths.reduce((acc, l) => { ends.push(acc + l); return acc + l; }, 0);
    return {
      precision: ctx.precision,
      fill(s, count, out) {
        let k = 0;
        for (let j = 0; j < count; j++) {
          const i = s + j;
          while (i >= ends[k]!) k++;
          out[j] = values[k]!;
        }
      },
    };
  },
  theory: () => ({ density: 'discrete' }),
});
