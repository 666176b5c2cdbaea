/** `weightinit check` as CI and container tooling run it: a real process, exit codes, the report. */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/weightinit.js', import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    env: { ...process.env, NODE_OPTIONS: '', WEIGHTINIT_WORKERS: '2', ...env },
    encoding: 'utf8', timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('weightinit check exits 0 on this machine and prints every phase', async (t) => {
  const r = run(['check']);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  for (const p of ['configuration', 'features', 'selftest', 'pool', 'store', 'listen']) {
    t.ok(lines.some((l) => l.startsWith(`[+]${p} ok`)), `${p} passed`);
  }
  t.match(r.stdout, /\[\+\]pool ok \([\d.]+ ms\): 2 workers passed the self-test/);
  t.match(r.stdout, /\[\+\]listen ok \(skipped: not listening \(check mode\)\)/);
  t.match(lines.at(-1)!, /^check passed in \d+ ms$/);
});

t.test('weightinit check exits non-zero naming the phase when one is forced to fail', async (t) => {
  for (const phase of ['features', 'selftest', 'pool']) {
    const r = run(['check'], { WEIGHTINIT_FAIL_PHASE: phase });
    t.equal(r.code, 1, phase);
    t.match(r.stdout, new RegExp(`\\[-\\]${phase} failed: forced failure`), phase);
    t.match(r.stdout, new RegExp(`check failed: startup phase "${phase}" failed`), phase);
    t.match(r.stderr, new RegExp(`weightinit check: startup phase "${phase}" failed: forced failure \\(WEIGHTINIT_FAIL_PHASE=${phase}\\)`));
  }
});

t.test('weightinit check with a real failure: bad flag, and SIMD required but missing', async (t) => {
  const bad = run(['check', '--workers=zero']);
  t.equal(bad.code, 1);
  t.match(bad.stderr, /startup phase "configuration" failed: WEIGHTINIT_WORKERS="zero": must be an integer/);
  const simd = run(['check'], { WEIGHTINIT_SIMULATE_NO_SIMD: '1', WEIGHTINIT_REQUIRE_SIMD: '1' });
  t.equal(simd.code, 1);
  t.match(simd.stdout, /\[-\]features failed: WebAssembly SIMD is not supported on this host and WEIGHTINIT_REQUIRE_SIMD=1/);
  const fallback = run(['check', '--json'], { WEIGHTINIT_SIMULATE_NO_SIMD: '1' });
  t.equal(fallback.code, 0);
  const report = JSON.parse(fallback.stdout) as { ok: boolean; phases: { name: string; warnings: string[] }[] };
  t.equal(report.ok, true);
  t.match(report.phases.find((p) => p.name === 'features')!.warnings[0], /WebAssembly SIMD unavailable: using scalar kernels/);
});

t.test('unknown commands and help', async (t) => {
  const r = run(['frobnicate']);
  t.equal(r.code, 2);
  t.match(r.stderr, /unknown command "frobnicate"/);
  const h = run(['help']);
  t.equal(h.code, 0);
  t.match(h.stdout, /--require-simd +WEIGHTINIT_REQUIRE_SIMD/);
});

t.test('weightinit serve exits 1 naming the phase when startup fails (nothing left listening)', async (t) => {
  const r = run(['serve'], { PORT: '0', HOST: '127.0.0.1', WEIGHTINIT_FAIL_PHASE: 'store', LOG_LEVEL: 'warn' });
  t.equal(r.code, 1);
  t.match(r.stderr, /weightinit: startup phase "store" failed: forced failure/);
});
