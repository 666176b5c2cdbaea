/**
 * Core generation throughput on one thread, beside peers measured in the same run.
 *
 * For each distribution (uniform, normal, truncated normal) and storage dtype, with the SIMD and the
 * scalar kernels: M elements/s of generateFlat into a byte buffer (the honest number: kernel +
 * dtype encoding + copies, what a worker does), and the raw kernel rate (Field.fill into a
 * Float32Array/Float64Array in generateFlat's chunk size). Then runs
 * `python3 ../shared/tools/baselines.py --json` (numpy; torch when installed, one thread) and prints
 * the target ratios. A benchmark, not a test: nothing here asserts speed.
 * On a shared machine the load varies during the run, so every rate is a best-of-REPEAT and the SIMD
 * table is measured twice, before and after the peers, keeping the better value of each cell.
 *
 *   npm run bench:core [-- --n 4194304] [--repeat 5] [--no-scalar] [--no-peers] [--json]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scalarKernels, setKernels, type Kernels } from '../src/core/kernels/index.ts';
import { simdKernels } from '../src/core/kernels/simd.ts';
import { normalField, truncNormalField, uniformField } from '../src/core/fields.ts';
import { generateFlat, SCRATCH_ELEMENTS } from '../src/core/generate.ts';
import { BYTES_PER_ELEMENT, precisionOf, type DType } from '../src/core/dtypes.ts';
import { deriveKey } from '../src/core/rng/keys.ts';
import type { Field } from '../src/core/field.ts';

const arg = (name: string) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1] : undefined; };
const N = Number(arg('--n') ?? 1 << 22);
const REPEAT = Number(arg('--repeat') ?? 9);
const SCALAR_N = Math.min(N, 1 << 19); // the scalar path is ~30x slower: fewer elements, same chunking
const json = process.argv.includes('--json');
const log = (s: string) => { if (!json) console.log(s); };

const DISTS = ['uniform', 'normal', 'trunc_normal'] as const;
type Dist = (typeof DISTS)[number];
const DTYPES: DType[] = ['float32', 'float64', 'bfloat16', 'float16', 'float8_e4m3fn', 'float8_e5m2'];

function field(dist: Dist, dtype: DType): Field {
  const ctx = { key: deriveKey(1234n, `bench/${dist}`), precision: precisionOf(dtype) };
  if (dist === 'uniform') return uniformField(ctx, -0.1, 0.1);            // kaiming_uniform_-like bounds
  if (dist === 'normal') return normalField(ctx, 0, 0.02);
  return truncNormalField(ctx, 0, 1, -2, 2);                               // torch trunc_normal_ defaults
}

/** Best-of-REPEAT wall-clock rate (M elements/s) of fn over n elements, after one warm-up run. */
function rate(n: number, fn: () => void): number {
  fn();
  let best = Infinity;
  for (let r = 0; r < REPEAT; r++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return n / best / 1e3;
}

/** generateFlat of the whole range into a byte buffer. */
function generateRate(f: Field, dtype: DType, n: number): number {
  const out = new Uint8Array(n * BYTES_PER_ELEMENT[dtype]);
  return rate(n, () => generateFlat(f, dtype, 0, n, out));
}

/** Field.fill alone, chunk by chunk as generateFlat does (no encoding). */
function kernelRate(f: Field, n: number): number {
  const scratch = f.precision === 'f64' ? new Float64Array(SCRATCH_ELEMENTS) : new Float32Array(SCRATCH_ELEMENTS);
  return rate(n, () => { for (let i = 0; i < n; i += SCRATCH_ELEMENTS) f.fill(i, Math.min(SCRATCH_ELEMENTS, n - i), scratch); });
}

interface Row { mode: 'simd' | 'scalar'; dist: Dist; dtype: DType | 'kernel-f32' | 'kernel-f64'; mps: number }
const rows: Row[] = [];

/** Measures every (distribution, dtype) cell; a cell measured again keeps its better rate. */
function measure(mode: 'simd' | 'scalar', k: Kernels, n: number): void {
  setKernels(mode, k);
  const record = (dist: Dist, dtype: Row['dtype'], mps: number) => {
    const r = rows.find((x) => x.mode === mode && x.dist === dist && x.dtype === dtype);
    if (r) r.mps = Math.max(r.mps, mps); else rows.push({ mode, dist, dtype, mps });
  };
  for (const dist of DISTS) {
    for (const p of ['f32', 'f64'] as const) record(dist, `kernel-${p}`, kernelRate(field(dist, p === 'f32' ? 'float32' : 'float64'), n));
    for (const dtype of DTYPES) record(dist, dtype, generateRate(field(dist, dtype), dtype, n));
  }
}

function printTable(mode: 'simd' | 'scalar', n: number): void {
  log(`\n${mode} kernels, one thread, ${n} elements, best of ${REPEAT}${mode === 'simd' ? ' x 2 passes' : ''} (M elements/s;`
    + ' kernel = Field.fill alone, dtype columns = generateFlat into bytes)');
  log(`  ${'distribution'.padEnd(14)}${['kernel f32', 'kernel f64', ...DTYPES].map((d) => d.padStart(14)).join('')}`);
  for (const dist of DISTS) {
    const cells = rows.filter((r) => r.mode === mode && r.dist === dist).map((r) => r.mps);
    log(`  ${dist.padEnd(14)}${cells.map((c) => c.toFixed(1).padStart(14)).join('')}`);
  }
}

if (simdKernels) measure('simd', simdKernels, N);
else log('\nWebAssembly SIMD unavailable: SIMD rows skipped');
if (!process.argv.includes('--no-scalar')) measure('scalar', scalarKernels, SCALAR_N);

// ---- peers, same run ----
let peers: Record<string, number | string> = {};
if (!process.argv.includes('--no-peers')) {
  const script = fileURLToPath(new URL('../../shared/tools/baselines.py', import.meta.url));
  log(`\npeers: python3 ${script} --json --n ${N} --repeat ${REPEAT} ...`);
  const r = spawnSync('python3', [script, '--json', '--n', String(N), '--repeat', String(REPEAT)],
    { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' } });
  if (r.status === 0) peers = JSON.parse(r.stdout) as Record<string, number | string>;
  else log(`  baselines.py failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  for (const [name, v] of Object.entries(peers)) {
    if (typeof v === 'number' && !name.includes('seconds')) log(`  ${name.padEnd(42)} ${v.toFixed(1).padStart(8)} M elements/s`);
    else if (typeof v === 'string') log(`  ${name.padEnd(42)} ${v}`);
  }
}

if (simdKernels) { measure('simd', simdKernels, N); printTable('simd', N); }
if (!process.argv.includes('--no-scalar')) printTable('scalar', SCALAR_N);

// ---- target ratios (weightinit float32 generateFlat / peer; raw kernel in brackets) ----
const ours = (dist: Dist, dtype: Row['dtype']) => rows.find((r) => r.mode === 'simd' && r.dist === dist && r.dtype === dtype)?.mps;
const TARGETS = [
  { label: 'normal float32 vs torch.normal_', dist: 'normal', peer: 'torch.normal_', target: 1.2 },
  { label: 'uniform float32 vs numpy PCG64', dist: 'uniform', peer: 'numpy.PCG64.uniform_f32', target: 1.0 },
  { label: 'trunc normal float32 vs torch.trunc_normal_', dist: 'trunc_normal', peer: 'torch.trunc_normal_', target: 5 },
] as const;
const ratios: Record<string, { ratio?: number; kernelRatio?: number; target: number; peer?: number | string }> = {};
log('\ntargets (generateFlat float32 / peer, [raw kernel / peer]):');
for (const t of TARGETS) {
  const peer = peers[t.peer], g = ours(t.dist, 'float32'), kr = ours(t.dist, 'kernel-f32');
  if (typeof peer !== 'number' || g === undefined || kr === undefined) {
    ratios[t.label] = { target: t.target, peer: typeof peer === 'string' ? peer : 'not measured' };
    log(`  ${t.label.padEnd(46)} ${typeof peer === 'string' ? peer : 'not measured'}`);
    continue;
  }
  ratios[t.label] = { ratio: g / peer, kernelRatio: kr / peer, target: t.target, peer };
  log(`  ${t.label.padEnd(46)} ${(g / peer).toFixed(2)}x  [${(kr / peer).toFixed(2)}x]  (target >= ${t.target}x; ${g.toFixed(1)} vs ${peer.toFixed(1)} M/s) ${g / peer >= t.target ? 'met' : 'NOT met'}`);
}
if (json) console.log(JSON.stringify({ n: N, repeat: REPEAT, rows, peers, ratios }, null, 1));
