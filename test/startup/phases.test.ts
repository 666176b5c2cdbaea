import t from 'tap';
import { execFileSync } from 'node:child_process';
import { InitFailure, InitRegistry, registerStandardPhases, STANDARD_PHASES } from '../../src/startup/index.ts';
import { SIMD_FALLBACK_WARNING } from '../../src/startup/phases/features.ts';
import { flagsToEnv } from '../../src/startup/phases/configuration.ts';
import { compareKernels, GOLDEN_RECIPES, runSelfTest } from '../../src/startup/selftest.ts';
import { kernelMode, scalarKernels, setKernels, type Kernels } from '../../src/core/kernels/index.ts';
import { baseEnv, captureLogger, fakePool } from './helpers.ts';

/** tap's rejects() typing wants an Error-like pattern; InitFailure patterns add phase/reason. */
const failure = (pattern: Record<string, unknown>) => pattern as unknown as Error;

function standard() {
  const { log, lines } = captureLogger();
  return { r: registerStandardPhases(new InitRegistry(log)), lines };
}

t.afterEach(() => setKernels('scalar', scalarKernels));

t.test('the standard phases run in order and all pass with a healthy (fake) pool', async (t) => {
  const { r, lines } = standard();
  const fp = fakePool();
  const rep = await r.globalInit({ env: baseEnv(), createPool: fp.createPool });
  t.same(rep.phases.map((p) => p.name), ['configuration', 'features', 'selftest', 'pool', 'store', 'listen']);
  t.same(rep.phases.map((p) => p.status), ['ok', 'ok', 'ok', 'ok', 'skipped', 'skipped']);
  t.equal(r.context!.services.pool, fp.pool, 'the pool is handed on to the server');
  t.equal(lines.filter((l) => l.msg === 'effective configuration').length, 1, 'configuration logged once');
});

t.test('a forced failure of each standard phase stops startup with that phase named', async (t) => {
  for (const phase of STANDARD_PHASES.map((p) => p.name)) {
    const { r } = standard();
    const fp = fakePool();
    const err = await r.globalInit({ env: baseEnv({ WEIGHTINIT_FAIL_PHASE: phase }), createPool: fp.createPool }).catch((e: unknown) => e);
    t.type(err, InitFailure, phase);
    t.equal((err as InitFailure).phase, phase);
    t.match((err as InitFailure).message, new RegExp(`^startup phase "${phase}" failed: forced failure`));
    const recs = r.records();
    const i = recs.findIndex((p) => p.name === phase);
    t.ok(recs.slice(i + 1).every((p) => p.status === 'pending'), `nothing after ${phase} ran`);
  }
});

t.test('real failures name their phase and reason', async (t) => {
  const cases: [string, Record<string, string>, Record<string, unknown>, string, RegExp][] = [
    ['bad env value', { PORT: 'eighty' }, {}, 'configuration', /PORT="eighty": must be an integer/],
    ['memory budget above host memory', { WEIGHTINIT_MEMORY_BUDGET_BYTES: String(2 ** 50) }, {}, 'features', /host memory .* is below WEIGHTINIT_MEMORY_BUDGET_BYTES=1125899906842624/],
    ['old node', {}, { probes: { nodeVersion: () => '18.19.0' } }, 'features', /Node 18.19.0 is too old: need >= 20/],
    ['big-endian host', {}, { probes: { littleEndian: () => false } }, 'features', /big-endian/],
    ['no worker_threads', {}, { probes: { workerThreads: () => false } }, 'features', /worker_threads is not available/],
    ['no SharedArrayBuffer', {}, { probes: { sharedArrayBuffer: () => false } }, 'features', /SharedArrayBuffer/],
    ['a worker failing the self-test', {}, { createPool: fakePool([{}, { ok: false, threadId: 7, message: 'digest abc differs' }]).createPool }, 'pool', /worker thread 7 failed the self-test: digest abc differs/],
  ];
  for (const [what, env, input, phase, reason] of cases) {
    const { r } = standard();
    const err = await r.globalInit({ env: baseEnv(env), createPool: fakePool().createPool, ...input }).catch((e: unknown) => e) as InitFailure;
    t.equal(err.phase, phase, what);
    t.match(err.reason, reason, what);
  }
});

t.test('a failed pool is closed and not handed on', async (t) => {
  const fp = fakePool([{ ok: false, message: 'bad bits' }]);
  const { r } = standard();
  await t.rejects(r.globalInit({ env: baseEnv(), createPool: fp.createPool }), failure({ phase: 'pool' }));
  t.equal(fp.state.closed, 1);
  t.equal(r.context!.services.pool, undefined);
});

t.test('CLI flags map onto configuration; unknown flags fail the configuration phase', async (t) => {
  t.same(flagsToEnv(['--port=9001', '--workers', '3', '--require-simd', '--log-level', 'warn']),
    { PORT: '9001', WEIGHTINIT_WORKERS: '3', WEIGHTINIT_REQUIRE_SIMD: '1', LOG_LEVEL: 'warn' });
  const { r } = standard();
  await r.globalInit({ env: baseEnv(), argv: ['--port=9001', '--workers', '3'], createPool: fakePool([{}, {}, {}]).createPool });
  t.equal(r.context!.config.port, 9001);
  t.equal(r.context!.config.workers, 3);
  const { r: r2 } = standard();
  await t.rejects(r2.globalInit({ env: baseEnv(), argv: ['--prot=1'] }), failure({ phase: 'configuration', reason: /unknown flag --prot/ }));
});

t.test('the effective configuration is logged once with secrets masked', async (t) => {
  const { r, lines } = standard();
  await r.globalInit({ env: baseEnv({ WEIGHTINIT_API_TOKEN: 'hunter2-secret' }), createPool: fakePool().createPool });
  const cfg = lines.filter((l) => l.msg === 'effective configuration');
  t.equal(cfg.length, 1);
  t.equal((cfg[0]!.config as Record<string, unknown>).WEIGHTINIT_API_TOKEN, '***');
  t.notOk(JSON.stringify(lines).includes('hunter2-secret'), 'the secret appears in no log line');
});

t.test('missing SIMD (simulated) falls back to scalar kernels with a warning; fatal under WEIGHTINIT_REQUIRE_SIMD=1', async (t) => {
  for (const how of ['env', 'probe'] as const) {
    const { r, lines } = standard();
    setKernels('simd', { ...scalarKernels }); // pretend SIMD was active before
    const input = how === 'env' ? { env: baseEnv({ WEIGHTINIT_SIMULATE_NO_SIMD: '1' }) } : { env: baseEnv({ WEIGHTINIT_SIMULATE_NO_SIMD: '0' }), probes: { simd: () => false } };
    await r.globalInit({ ...input, createPool: fakePool().createPool });
    const features = r.record('features')!;
    t.equal(features.status, 'ok', how);
    t.same(features.warnings, [SIMD_FALLBACK_WARNING], how);
    t.equal(kernelMode(), 'scalar', `${how}: scalar kernels active`);
    t.ok(lines.some((l) => l.level === 40 && l.msg === SIMD_FALLBACK_WARNING), `${how}: warning logged`);
    t.equal(r.ready(), true, 'still ready: the scalar path gives the same bits');
  }
  const { r } = standard();
  const err = await r.globalInit({ env: baseEnv({ WEIGHTINIT_REQUIRE_SIMD: '1' }), createPool: fakePool().createPool }).catch((e: unknown) => e) as InitFailure;
  t.equal(err.phase, 'features');
  t.equal(err.reason, 'WebAssembly SIMD is not supported on this host and WEIGHTINIT_REQUIRE_SIMD=1');
});

t.test('the SIMD probe answers true on this host (Node 20 has WebAssembly SIMD)', async (t) => {
  const { probeFeatures } = await import('../../src/startup/features.ts');
  const f = await probeFeatures({}, {});
  t.equal(f.simd, true);
  t.equal(f.littleEndian, true);
  t.ok(f.memoryBytes > 0);
});

t.test('kernel self-test: Philox KATs and golden recipes pass with the scalar kernels', async (t) => {
  setKernels('scalar', scalarKernels);
  const r = runSelfTest();
  t.equal(r.ok, true, r.failed?.detail ?? '');
  t.equal(r.checks.filter((c) => c.name.startsWith('philox-kat')).length, 8);
  t.equal(r.checks.filter((c) => c.name.startsWith('golden-')).length, GOLDEN_RECIPES.length);
});

t.test('golden recipe hashes are reproduced by an independent numpy implementation', async (t) => {
  let out: string;
  try {
    out = execFileSync('python3', [new URL('./selftest_golden.py', import.meta.url).pathname], { encoding: 'utf8' });
  } catch (e) {
    t.fail(`python3 with numpy is needed to check the golden hashes: ${(e as Error).message}`);
    return;
  }
  const hashes = JSON.parse(out) as Record<string, string>;
  for (const g of GOLDEN_RECIPES) t.equal(g.sha256, hashes[g.name], g.name);
});

t.test('the self-test catches kernels that differ from the scalar reference by one bit', async (t) => {
  const broken: Kernels = {
    ...scalarKernels,
    normalF32(key, stream, start, count, mean, std, out) {
      scalarKernels.normalF32(key, stream, start, count, mean, std, out);
      if (count > 2) { const u = new Uint32Array(out.buffer, out.byteOffset, count); u[2] = u[2]! ^ 1; }
    },
  };
  const checks = compareKernels(broken);
  const bad = checks.filter((c) => !c.ok);
  t.equal(bad.length, 1);
  t.match(bad[0]!.detail, /SIMD normalF32 differs from scalar at element 2/);
  t.ok(compareKernels(scalarKernels).every((c) => c.ok));

  setKernels('simd', broken);
  const r = runSelfTest();
  t.equal(r.ok, false);
  t.equal(r.failed!.name, 'simd-normalF32');
  const { r: reg } = standard();
  // A SIMD path that disagrees with the scalar reference must stop startup in the selftest phase.
  const err = await reg.runPhase('selftest').then((rec) => rec);
  t.equal(err.status, 'failed');
  t.match(err.message, /SIMD normalF32 differs from scalar/);
});

t.test('a golden mismatch fails the self-test (kernels that produce wrong values)', async (t) => {
  const wrong: Kernels = { ...scalarKernels, uniformF32: (k, s, st, n, lo, hi, out) => { scalarKernels.uniformF32(k, s, st, n, lo, hi, out); out[0] = 0.5; } };
  setKernels('scalar', wrong);
  const r = runSelfTest();
  t.equal(r.ok, false);
  t.equal(r.failed!.name, 'golden-uniform-f32');
});
