import t from 'tap';
import Fastify from 'fastify';
import { InitRegistry, registerStandardPhases } from '../../src/startup/index.ts';
import { healthPlugin } from '../../src/http/plugins/health.ts';
import { SIMD_FALLBACK_WARNING } from '../../src/startup/phases/features.ts';
import { scalarKernels, setKernels } from '../../src/core/kernels/index.ts';
import { baseEnv, captureLogger, fakePool } from './helpers.ts';

async function appFor(r: InitRegistry) {
  const app = Fastify();
  await app.register(healthPlugin, { startup: r });
  return app;
}

t.afterEach(() => setKernels('scalar', scalarKernels));

t.test('/readyz is 503 while a slow phase runs and 200 after; /livez answers throughout', async (t) => {
  const r = new InitRegistry(captureLogger().log);
  let release!: () => void;
  r.register({ name: 'quick', description: 'quick', run: () => 'done' });
  r.register({ name: 'slow', description: 'slow', run: () => new Promise<void>((res) => { release = res; }) });
  r.register({ name: 'after', description: 'after', run: () => undefined });
  const app = await appFor(r);
  t.teardown(() => app.close());

  const before = await app.inject('/readyz');
  t.equal(before.statusCode, 503, 'before init');
  const init = r.globalInit({ env: {} });
  await new Promise((res) => setImmediate(res));
  const during = await app.inject('/readyz');
  t.equal(during.statusCode, 503);
  t.equal(during.headers['content-type'], 'text/plain; charset=utf-8');
  t.equal(during.body, [
    '[+]quick ok',
    '[-]slow failed: still running',
    '[-]after failed: not run yet',
    '[+]shutdown ok',
    'readyz check failed',
    '',
  ].join('\n'), 'failures always answer verbosely');
  t.equal((await app.inject('/livez')).statusCode, 200, 'live while booting');
  t.equal((await app.inject('/readyz/quick')).statusCode, 200);
  t.equal((await app.inject('/readyz/slow')).statusCode, 503);

  release();
  await init;
  const after = await app.inject('/readyz');
  t.equal(after.statusCode, 200);
  t.equal(after.body, 'ok');
  t.equal(after.headers['x-content-type-options'], 'nosniff');
  t.equal(after.headers['cache-control'], 'no-store');
});

t.test('?verbose lists every check kube-apiserver style, with the SIMD fallback warning', async (t) => {
  const r = registerStandardPhases(new InitRegistry(captureLogger().log));
  await r.globalInit({ env: baseEnv({ WEIGHTINIT_SIMULATE_NO_SIMD: '1' }), createPool: fakePool().createPool });
  const app = await appFor(r);
  t.teardown(() => app.close());
  const res = await app.inject('/readyz?verbose');
  t.equal(res.statusCode, 200);
  const lines = res.body.trimEnd().split('\n');
  t.same(lines.map((l) => l.replace(/ .*/, '')), ['[+]configuration', '[+]features', '[+]selftest', '[+]pool', '[+]store', '[+]listen', '[+]shutdown', 'readyz']);
  t.equal(lines[0], '[+]configuration ok');
  t.equal(lines[1], `[+]features ok (warning: ${SIMD_FALLBACK_WARNING})`);
  t.match(lines[4], /^\[\+\]store ok/);
  t.equal(lines[5], '[+]listen ok (skipped: not listening (check mode))');
  t.equal(lines[6], '[+]shutdown ok');
  t.equal(lines.at(-1), 'readyz check passed');
  for (const l of lines.slice(0, -1)) t.match(l, /^\[[+-]\][a-z][a-z0-9_.\/-]* (ok|failed: .+)/, l);

  const one = await app.inject('/readyz/features');
  t.equal(one.statusCode, 200);
  t.equal(one.body, `ok (warning: ${SIMD_FALLBACK_WARNING})`);
  const unknown = await app.inject('/readyz/nope');
  t.equal(unknown.statusCode, 404);
  t.match(unknown.body, /no such check: nope \(checks: configuration, features, selftest, pool, store, listen, shutdown\)/);

  const ex = await app.inject('/readyz?verbose&exclude=store&exclude=bogus');
  t.match(ex.body, /\[\+\]store excluded: ok\n/);
  t.match(ex.body, /warn: some health checks cannot be excluded: no matches for "bogus"\n/);

  const live = await app.inject('/livez?verbose');
  t.equal(live.body, '[+]ping ok\nlivez check passed\n');
});

t.test('a failed phase shows its reason; /readyz/{check} names it', async (t) => {
  const r = new InitRegistry(captureLogger().log);
  r.register({ name: 'pool', description: 'pool', run: () => { throw new Error('worker 2 failed the self-test'); } });
  r.register({ name: 'listen', description: 'listen', run: () => undefined });
  await r.globalInit({ env: {} }).catch(() => undefined);
  const app = await appFor(r);
  t.teardown(() => app.close());
  const res = await app.inject('/readyz');
  t.equal(res.statusCode, 503);
  t.equal(res.body, '[-]pool failed: worker 2 failed the self-test\n[-]listen failed: not run yet\n[+]shutdown ok\nreadyz check failed\n');
  const one = await app.inject('/readyz/pool');
  t.equal(one.statusCode, 503);
  t.equal(one.body, 'failed: worker 2 failed the self-test\n');
});

t.test('readiness turns 503 the moment shutdown begins', async (t) => {
  const r = new InitRegistry(captureLogger().log);
  r.register({ name: 'a', description: 'a', run: () => undefined });
  await r.globalInit({ env: {} });
  const app = await appFor(r);
  t.teardown(() => app.close());
  t.equal((await app.inject('/readyz')).statusCode, 200);
  r.beginShutdown();
  const res = await app.inject('/readyz?verbose');
  t.equal(res.statusCode, 503);
  t.equal(res.body, '[+]a ok\n[-]shutdown failed: process is shutting down\nreadyz check failed\n');
  t.equal((await app.inject('/readyz/shutdown')).statusCode, 503);
  t.equal((await app.inject('/livez')).statusCode, 200, 'still live while draining');
});
