/**
 * Cross-check against PyTorch itself: bench/torch_crosscheck.py runs torch.nn.init.* and the nn module
 * constructors on the same shapes; we compare mean, std and bounds of weightinit's torch.* schemes with
 * torch's samples (two independent samples: tolerances combine both standard errors), and exact values
 * for the deterministic ones. Runs only when `/usr/bin/python3 -c "import torch"` works.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sample } from './variance-check.ts';
import { moments } from '../helpers/stats.ts';
import type { RecipeInput } from '../../src/core/recipe.ts';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../bench/torch_crosscheck.py', import.meta.url));
const probe = spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' });

interface Case {
  torch: Record<string, unknown>;
  ours: RecipeInput;
  /** kurtosis of the distribution (std tolerance); 'exact' compares every value */
  kind: 'uniform' | 'normal' | 'exact' | 'other';
}
const S = (shape: number[]) => shape;
const CASES: Case[] = [
  { kind: 'uniform', torch: { fn: 'uniform_', shape: S([400, 300]) }, ours: { scheme: 'torch.uniform_', shape: [400, 300] } },
  { kind: 'uniform', torch: { fn: 'uniform_', shape: S([400, 300]), kwargs: { a: -2, b: 3 } }, ours: { scheme: 'torch.uniform_', shape: [400, 300], params: { a: -2, b: 3 } } },
  { kind: 'normal', torch: { fn: 'normal_', shape: S([400, 300]), kwargs: { mean: 1, std: 2 } }, ours: { scheme: 'torch.normal_', shape: [400, 300], params: { mean: 1, std: 2 } } },
  { kind: 'other', torch: { fn: 'trunc_normal_', shape: S([400, 300]), kwargs: { std: 3 } }, ours: { scheme: 'torch.trunc_normal_', shape: [400, 300], params: { std: 3 } } },
  { kind: 'other', torch: { fn: 'trunc_normal_', shape: S([400, 300]), kwargs: { mean: 0.5, std: 0.2, a: 0, b: 1 } }, ours: { scheme: 'torch.trunc_normal_', shape: [400, 300], params: { mean: 0.5, std: 0.2, a: 0, b: 1 } } },
  { kind: 'uniform', torch: { fn: 'xavier_uniform_', shape: S([128, 64, 3, 3]) }, ours: { scheme: 'torch.xavier_uniform_', shape: [128, 64, 3, 3] } },
  { kind: 'uniform', torch: { fn: 'xavier_uniform_', shape: S([300, 200]), kwargs: { gain: 2 } }, ours: { scheme: 'torch.xavier_uniform_', shape: [300, 200], params: { gain: 2 } } },
  { kind: 'normal', torch: { fn: 'xavier_normal_', shape: S([256, 384]) }, ours: { scheme: 'torch.xavier_normal_', shape: [256, 384] } },
  { kind: 'uniform', torch: { fn: 'kaiming_uniform_', shape: S([128, 64, 3, 3]) }, ours: { scheme: 'torch.kaiming_uniform_', shape: [128, 64, 3, 3] } },
  { kind: 'uniform', torch: { fn: 'kaiming_uniform_', shape: S([128, 64, 3, 3]), kwargs: { mode: 'fan_out', nonlinearity: 'relu' } }, ours: { scheme: 'torch.kaiming_uniform_', shape: [128, 64, 3, 3], params: { mode: 'fan_out', nonlinearity: 'relu' } } },
  { kind: 'uniform', torch: { fn: 'kaiming_uniform_', shape: S([300, 200]), kwargs: { a: 2.23606797749979 } }, ours: { scheme: 'torch.kaiming_uniform_', shape: [300, 200], params: { a: 2.23606797749979 } } },
  { kind: 'normal', torch: { fn: 'kaiming_normal_', shape: S([300, 200]), kwargs: { nonlinearity: 'tanh' } }, ours: { scheme: 'torch.kaiming_normal_', shape: [300, 200], params: { nonlinearity: 'tanh' } } },
  { kind: 'normal', torch: { fn: 'kaiming_normal_', shape: S([64, 32, 7]), kwargs: { a: 0.1, mode: 'fan_out' } }, ours: { scheme: 'torch.kaiming_normal_', shape: [64, 32, 7], params: { a: 0.1, mode: 'fan_out' } } },
  { kind: 'normal', torch: { fn: 'kaiming_normal_', shape: S([300, 200]), kwargs: { nonlinearity: 'selu' } }, ours: { scheme: 'torch.kaiming_normal_', shape: [300, 200], params: { nonlinearity: 'selu' } } },
  { kind: 'other', torch: { fn: 'orthogonal_', shape: S([256, 128]) }, ours: { scheme: 'torch.orthogonal_', shape: [256, 128] } },
  { kind: 'other', torch: { fn: 'orthogonal_', shape: S([64, 32, 3, 3]), kwargs: { gain: 2 } }, ours: { scheme: 'torch.orthogonal_', shape: [64, 32, 3, 3], params: { gain: 2 } } },
  { kind: 'other', torch: { fn: 'sparse_', shape: S([400, 300]), kwargs: { sparsity: 0.3 } }, ours: { scheme: 'torch.sparse_', shape: [400, 300], params: { sparsity: 0.3 } } },
  { kind: 'exact', torch: { fn: 'eye_', shape: S([4, 6]), values: true }, ours: { scheme: 'torch.eye_', shape: [4, 6] } },
  { kind: 'exact', torch: { fn: 'dirac_', shape: S([6, 4, 3, 3]), kwargs: { groups: 2 }, values: true }, ours: { scheme: 'torch.dirac_', shape: [6, 4, 3, 3], params: { groups: 2 } } },
  { kind: 'exact', torch: { fn: 'dirac_', shape: S([4, 4, 4]), values: true }, ours: { scheme: 'torch.dirac_', shape: [4, 4, 4] } },
  // module defaults
  { kind: 'uniform', torch: { module: 'Linear', args: [200, 300], param: 'weight' }, ours: { scheme: 'torch.nn.Linear.weight', shape: [300, 200] } },
  { kind: 'uniform', torch: { module: 'Linear', args: [20, 30000], param: 'bias' }, ours: { scheme: 'torch.nn.Linear.bias', shape: [30000], fan_in: 20 } },
  { kind: 'uniform', torch: { module: 'Conv2d', args: [16, 64, 5], param: 'weight' }, ours: { scheme: 'torch.nn.Conv2d.weight', shape: [64, 16, 5, 5] } },
  { kind: 'uniform', torch: { module: 'Conv2d', args: [32, 64, 3], kwargs: { groups: 4 }, param: 'weight' }, ours: { scheme: 'torch.nn.Conv2d.weight', shape: [64, 8, 3, 3] } },
  { kind: 'uniform', torch: { module: 'ConvTranspose2d', args: [16, 32, 3], param: 'weight' }, ours: { scheme: 'torch.nn.ConvTranspose2d.weight', shape: [16, 32, 3, 3] } },
  { kind: 'uniform', torch: { module: 'Bilinear', args: [50, 60, 40], param: 'weight' }, ours: { scheme: 'torch.nn.Bilinear.weight', shape: [40, 50, 60] } },
  { kind: 'uniform', torch: { module: 'LSTM', args: [100, 256], param: 'weight_ih_l0' }, ours: { scheme: 'torch.nn.LSTM', shape: [1024, 100], params: { hidden_size: 256 } } },
  { kind: 'uniform', torch: { module: 'GRU', args: [100, 256], param: 'weight_hh_l0' }, ours: { scheme: 'torch.nn.GRU', shape: [768, 256], params: { hidden_size: 256 } } },
  { kind: 'normal', torch: { module: 'Embedding', args: [1000, 64], param: 'weight' }, ours: { scheme: 'torch.nn.Embedding.weight', shape: [1000, 64] } },
  { kind: 'uniform', torch: { module: 'MultiheadAttention', args: [256, 4], param: 'in_proj_weight' }, ours: { scheme: 'torch.nn.MultiheadAttention.in_proj_weight', shape: [768, 256] } },
  { kind: 'uniform', torch: { module: 'MultiheadAttention', args: [256, 4], param: 'out_proj.weight' }, ours: { scheme: 'torch.nn.MultiheadAttention.out_proj.weight', shape: [256, 256] } },
  { kind: 'normal', torch: { module: 'MultiheadAttention', args: [4096, 4], kwargs: { add_bias_kv: true }, param: 'bias_k' }, ours: { scheme: 'torch.nn.MultiheadAttention.bias_k', shape: [1, 1, 4096] } },
  { kind: 'exact', torch: { module: 'BatchNorm2d', args: [5], param: 'running_var', values: true }, ours: { scheme: 'torch.nn.BatchNorm2d.running_var', shape: [5] } },
  { kind: 'exact', torch: { module: 'LayerNorm', args: [5], param: 'bias', values: true }, ours: { scheme: 'torch.nn.LayerNorm.bias', shape: [5] } },
];

if (probe.status !== 0) {
  t.plan(0, `torch cross-check skipped: ${PY} -c "import torch" failed (${(probe.stderr || '').trim().split('\n').pop()}); install python3-torch to run it`);
} else {
  t.test('weightinit torch.* vs PyTorch', async (t) => {
    const input = JSON.stringify(CASES.map((c, i) => ({ id: i, ...c.torch })));
    const r = spawnSync(PY, [SCRIPT], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
    t.equal(r.status, 0, `torch_crosscheck.py ran (${r.stderr.slice(-300)})`);
    const { torch: version, results } = JSON.parse(r.stdout) as { torch: string; results: any[] };
    t.comment(`torch ${version}`);
    for (const [i, c] of CASES.entries()) {
      const ref = results[i];
      const xs = sample({ seed: 12345, ...c.ours });
      const label = `${c.ours.scheme} ${JSON.stringify(c.ours.shape)} ${JSON.stringify(c.ours.params ?? {})}`;
      t.same(ref.shape, c.ours.shape, `${label}: torch made the same shape`);
      if (c.kind === 'exact') { t.same(Array.from(xs), ref.values, `${label}: identical values`); continue; }
      const m = moments(xs);
      const kurt = c.kind === 'uniform' ? 1.8 : 3;
      const sd = ref.std;
      const se = Math.sqrt(1 / m.n + 1 / ref.n);
      const tolMean = 5 * sd * se + 1e-9, tolStd = 5 * sd * Math.sqrt((c.kind === 'other' ? 4 : kurt - 1) / 4) * se + 1e-9;
      t.ok(Math.abs(m.mean - ref.mean) <= tolMean, `${label}: mean ${m.mean.toPrecision(5)} vs torch ${ref.mean.toPrecision(5)}`);
      t.ok(Math.abs(m.std - ref.std) <= tolStd, `${label}: std ${m.std.toPrecision(6)} vs torch ${ref.std.toPrecision(6)} (ratio ${(m.std / ref.std).toFixed(4)})`);
      t.comment(`${label}: std ours/torch = ${(m.std / ref.std).toFixed(4)}, min ${m.min.toPrecision(5)}/${ref.min.toPrecision(5)}, max ${m.max.toPrecision(5)}/${ref.max.toPrecision(5)}`);
      if (c.kind === 'uniform') {
        // both samples come close to the same bound b: |min|, |max| within 1% of each other's
        const b = Math.max(Math.abs(ref.min), Math.abs(ref.max), Math.abs(m.min), Math.abs(m.max));
        for (const [k, ours, theirs] of [['min', m.min, ref.min], ['max', m.max, ref.max]] as const) {
          t.ok(Math.abs(ours - theirs) <= 0.01 * b, `${label}: ${k} ${ours.toPrecision(6)} vs torch ${theirs.toPrecision(6)}`);
        }
      } else if (c.ours.scheme === 'torch.trunc_normal_') {
        const { a, b } = { a: -2, b: 2, ...(c.ours.params as any) };
        t.ok(m.min >= a && m.max <= b && ref.min >= a && ref.max <= b, `${label}: both within the absolute bounds [${a}, ${b}]`);
      }
    }
  });
}
