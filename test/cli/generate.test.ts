/**
 * `weightinit generate` (run as a user would: node bin/weightinit.js generate ... from another
 * directory) writes files equal, byte for byte, to the HTTP response for the same recipe; the .npy
 * loads in numpy with the expected statistics.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testApp } from '../http/helpers.ts';

const BIN = fileURLToPath(new URL('../../bin/weightinit.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'weightinit-generate-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

/** Async, so the app under test keeps its event loop free (a blocked loop trips the overload guard). */
function generate(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'generate', ...args, '--quiet'], {
      cwd: dir, env: { ...process.env, WEIGHTINIT_WORKERS: '2', LOG_LEVEL: 'silent' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const CASES: { args: string[]; query: string }[] = [
  { args: ['--scheme', 'torch.kaiming_uniform_', '--shape', '256,200', '--seed', '42', '--name', 'fc1.weight', '--out', 'a.npy'],
    query: 'scheme=torch.kaiming_uniform_&shape=256,200&seed=42&name=fc1.weight&format=npy' },
  { args: ['--scheme', 'normal', '--shape', '1000,600', '--seed', '7', '--param', 'std=0.02', '--dtype', 'bfloat16', '--out', 'b.safetensors'],
    query: 'scheme=normal&shape=1000,600&seed=7&std=0.02&dtype=bfloat16&format=safetensors' },
  { args: ['--scheme', 'truncated_normal', '--shape', '512,300', '--seed', '18446744073709551615', '--slice', '100:356,:', '--out', 'c.bin'],
    query: 'scheme=truncated_normal&shape=512,300&seed=18446744073709551615&slice=100:356,:&format=raw' },
  { args: ['--scheme', 'orthogonal', '--shape', '64,32', '--seed', '3', '--format', 'msgpack', '--out', 'd.out'],
    query: 'scheme=orthogonal&shape=64,32&seed=3&format=msgpack' },
];

t.test('generate equals the HTTP response byte for byte', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  for (const c of CASES) {
    const r = await generate(c.args);
    t.equal(r.status, 0, `exit 0: ${c.args.join(' ')} ${r.stderr}`);
    const file = readFileSync(join(dir, c.args[c.args.indexOf('--out') + 1]!));
    const res = await app.inject({ method: 'GET', url: `/v1/tensors?${c.query}` });
    t.equal(res.statusCode, 200, c.query);
    t.equal(file.length, res.rawPayload.length, `${c.query}: same length`);
    t.ok(file.equals(res.rawPayload), `${c.query}: same bytes`);
  }
});

t.test('the .npy loads in numpy with kaiming_uniform_ bounds and std', async (t) => {
  const py = spawnSync('python3', ['-c', `import numpy as np, json
w = np.load(${JSON.stringify(join(dir, 'a.npy'))})
print(json.dumps({"shape": list(w.shape), "dtype": str(w.dtype), "max": float(abs(w).max()), "std": float(w.std())}))`], { encoding: 'utf8' });
  if (py.status !== 0) { t.comment(`skipped: python3 with numpy not available: ${py.stderr.slice(0, 200)}`); return; }
  const s = JSON.parse(py.stdout);
  t.same(s.shape, [256, 200]);
  t.equal(s.dtype, 'float32');
  // torch.nn.init.kaiming_uniform_ defaults: a = 0, nonlinearity leaky_relu -> gain = sqrt(2 / (1 + 0^2));
  // bound = gain * sqrt(3 / fan_in), fan_in = shape[1] = 200.
  const bound = Math.SQRT2 * Math.sqrt(3 / 200);
  t.ok(s.max <= bound && s.max > bound * 0.99, `max |w| ${s.max} just under bound ${bound}`);
  t.ok(Math.abs(s.std - bound / Math.sqrt(3)) < 0.01 * bound, `std ${s.std} ~ ${bound / Math.sqrt(3)}`);
});

t.test('bad recipes exit 2 naming the field', async (t) => {
  const r = await generate(['--scheme', 'normal', '--shape', '4,-1', '--out', 'x.npy']);
  t.equal(r.status, 2);
  t.match(r.stderr, /shape\[1\]/);
  const u = await generate(['--scheme', 'nope', '--shape', '4', '--out', 'x.npy']);
  t.equal(u.status, 2);
  t.match(u.stderr, /scheme/);
  const j = await generate(['--scheme', 'normal', '--shape', '4', '--format', 'json', '--out', 'x.json']);
  t.equal(j.status, 2);
  t.match(j.stderr, /format/);
});
