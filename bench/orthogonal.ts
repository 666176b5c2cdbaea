/**
 * Orthogonal init, square 512 / 1024 / 2048 float32, one thread, beside torch.nn.init.orthogonal_
 * measured in the same run (torch.set_num_threads(1), /usr/bin/python3). Prints seconds and the
 * ratio weightinit / torch; the target is <= 3x at 2048. Skips torch with a message when it is missing.
 *   npx tsx bench/orthogonal.ts [--sizes 512,1024,2048] [--json]
 */
import { spawnSync } from 'node:child_process';
import { compileRecipe } from '../src/core/recipe.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1] : undefined; };
const sizes = (arg('--sizes') ?? '512,1024,2048').split(',').map(Number);
const json = process.argv.includes('--json');

function ours(n: number): number {
  const repeats = n >= 2048 ? 1 : 3;
  let best = Infinity;
  for (let r = 0; r < repeats; r++) {
    const c = compileRecipe({ scheme: 'orthogonal', shape: [n, n], seed: 1000 + r, name: 'bench' });
    const out = new Float32Array(n * n);
    const t0 = performance.now();
    c.field.fill(0, n * n, out); // computes the whole tensor (Gaussian draw + blocked QR + rounding)
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

function torch(n: number): number | string {
  const py = `
import time, torch
torch.set_num_threads(1)
t = torch.empty(${n}, ${n})
torch.nn.init.orthogonal_(t)
best = 1e9
for _ in range(${n >= 2048 ? 1 : 3}):
    s = time.perf_counter(); torch.nn.init.orthogonal_(t); best = min(best, time.perf_counter() - s)
print(best)
`;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  if (r.status !== 0) return `torch unavailable (${(r.stderr || '').trim().split('\n').pop()})`;
  return Number(r.stdout.trim());
}

const rows: { n: number; weightinit_s: number; torch_s: number | null; ratio: number | null; note?: string }[] = [];
for (const n of sizes) {
  const tt = torch(n);
  const w = ours(n);
  if (typeof tt === 'string') rows.push({ n, weightinit_s: w, torch_s: null, ratio: null, note: tt });
  else rows.push({ n, weightinit_s: w, torch_s: tt, ratio: w / tt });
}
if (json) console.log(JSON.stringify({ bench: 'orthogonal', threads: 1, rows }));
else {
  console.log('orthogonal n x n float32, one thread (best of runs)');
  console.log('     n   weightinit s     torch s    ratio');
  for (const r of rows) {
    console.log(`${String(r.n).padStart(6)} ${r.weightinit_s.toFixed(3).padStart(14)} ${r.torch_s === null ? '         -' : r.torch_s.toFixed(3).padStart(11)} ${r.ratio === null ? `   - (${r.note})` : r.ratio.toFixed(2).padStart(8) + 'x'}`);
  }
  const big = rows.find((r) => r.n === 2048);
  if (big?.ratio != null) console.log(`target <= 3x torch at 2048: ${big.ratio <= 3 ? 'met' : 'NOT met'} (${big.ratio.toFixed(2)}x)`);
}
