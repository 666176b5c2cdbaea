import t from 'tap';
import { InitFailure, InitRegistry, type InitPhase } from '../../src/startup/registry.ts';
import { captureLogger } from './helpers.ts';

/** tap's rejects() typing wants an Error-like pattern; InitFailure patterns add phase/reason. */
const failure = (pattern: Record<string, unknown>) => pattern as unknown as Error;

function tracked(order: string[], name: string, extra: Partial<InitPhase> = {}): InitPhase {
  return { name, description: `phase ${name}`, run: () => { order.push(name); }, ...extra };
}

t.test('early phases run before normal ones, each in registration order', async (t) => {
  const order: string[] = [];
  const { log } = captureLogger();
  const r = new InitRegistry(log);
  r.register(tracked(order, 'a'));
  r.register(tracked(order, 'e1', { early: true }));
  r.register(tracked(order, 'b'));
  r.register(tracked(order, 'e2', { early: true }));
  r.register(tracked(order, 'c'));
  const report = await r.globalInit({ env: {} });
  t.same(order, ['e1', 'e2', 'a', 'b', 'c']);
  t.equal(report.ok, true);
  t.same(report.phases.map((p) => p.status), ['ok', 'ok', 'ok', 'ok', 'ok']);
  t.equal(r.state, 'initialized');
  t.equal(r.ready(), true);
});

t.test('dependsOn moves a dependency before its dependent; unknown dependency and cycles fail by name', async (t) => {
  const order: string[] = [];
  const r = new InitRegistry(captureLogger().log);
  r.register(tracked(order, 'listen', { dependsOn: ['pool'] }));
  r.register(tracked(order, 'pool', { dependsOn: ['config'] }));
  r.register(tracked(order, 'config'));
  await r.globalInit({ env: {} });
  t.same(order, ['config', 'pool', 'listen']);

  const r2 = new InitRegistry(captureLogger().log);
  r2.register(tracked([], 'x', { dependsOn: ['nope'] }));
  await t.rejects(r2.globalInit({ env: {} }), failure({ name: 'InitFailure', phase: 'x', message: /startup phase "x" failed: depends on unknown phase "nope"/ }));

  const r3 = new InitRegistry(captureLogger().log);
  r3.register(tracked([], 'p', { dependsOn: ['q'] }));
  r3.register(tracked([], 'q', { dependsOn: ['p'] }));
  await t.rejects(r3.globalInit({ env: {} }), { message: /dependency cycle: p -> q -> p/ });
});

t.test('a second globalInit does not re-run phases; concurrent calls share the one run', async (t) => {
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((res) => { release = res; });
  const r = new InitRegistry(captureLogger().log);
  r.register({ name: 'slow', description: 'slow', run: async () => { runs++; await gate; } });
  const p1 = r.globalInit({ env: {} });
  const p2 = r.globalInit({ env: {} });
  t.equal(r.state, 'initializing');
  release();
  const [a, b] = await Promise.all([p1, p2]);
  t.equal(a, b, 'same report object');
  t.equal(runs, 1);
  await r.globalInit({ env: {} });
  t.equal(runs, 1, 'third call did not re-run');
});

t.test('a phase registered after init runs at once with a warning; a late early phase throws', async (t) => {
  const { log, lines } = captureLogger();
  const r = new InitRegistry(log);
  r.register(tracked([], 'first'));
  await r.globalInit({ env: {} });
  const order: string[] = [];
  const late = r.register(tracked(order, 'late'));
  t.ok(late, 'returns a promise for the immediate run');
  const rec = await late!;
  t.same(order, ['late']);
  t.equal(rec.status, 'ok');
  t.ok(lines.some((l) => l.level === 40 && l.msg === 'Running init phase after globalInit: phase late'), 'warning logged');
  t.throws(() => r.register(tracked([], 'late-early', { early: true })), /cannot register early init phase "late-early" after globalInit/);
  await t.rejects(r.register({ name: 'late-bad', description: 'bad', run: () => { throw new Error('boom'); } })!, { name: 'InitFailure', phase: 'late-bad', reason: 'boom' });
  t.throws(() => r.register(tracked([], 'first')), /already registered/);
});

t.test('a phase registered while init runs (from inside a phase) runs in the same init', async (t) => {
  const order: string[] = [];
  const r = new InitRegistry(captureLogger().log);
  r.register({ name: 'a', description: 'a', run: () => { order.push('a'); r.register(tracked(order, 'added')); } });
  r.register(tracked(order, 'b'));
  await r.globalInit({ env: {} });
  t.same(order, ['a', 'b', 'added']);
});

t.test('the first failure stops startup, names the phase and reason; later calls report the same failure', async (t) => {
  const order: string[] = [];
  const { log, lines } = captureLogger();
  const r = new InitRegistry(log);
  r.register(tracked(order, 'one'));
  r.register({ name: 'two', description: 'two', run: () => { order.push('two'); throw new Error('disk on fire'); } });
  r.register(tracked(order, 'three'));
  const err = await r.globalInit({ env: {} }).catch((e: unknown) => e);
  t.type(err, InitFailure);
  const f = err as InitFailure;
  t.equal(f.phase, 'two');
  t.equal(f.reason, 'disk on fire');
  t.equal(f.message, 'startup phase "two" failed: disk on fire');
  t.same(order, ['one', 'two'], 'three never ran');
  t.same(f.report!.phases.map((p) => [p.name, p.status]), [['one', 'ok'], ['two', 'failed'], ['three', 'pending']]);
  t.equal(r.state, 'failed');
  t.equal(r.ready(), false);
  t.ok(lines.some((l) => l.level === 50 && /startup failed in phase two: disk on fire/.test(l.msg)));
  await t.rejects(r.globalInit({ env: {} }), failure({ phase: 'two' }));
  t.same(order, ['one', 'two'], 'no retry');
});

t.test('an early failure stops before any normal phase', async (t) => {
  const order: string[] = [];
  const r = new InitRegistry(captureLogger().log);
  r.register(tracked(order, 'normal'));
  r.register({ name: 'early', description: 'e', early: true, run: () => { throw new Error('no'); } });
  await t.rejects(r.globalInit({ env: {} }), failure({ phase: 'early' }));
  t.same(order, []);
});

t.test('runPhase runs one phase alone, before or after init, and records it', async (t) => {
  let runs = 0;
  const r = new InitRegistry(captureLogger().log);
  r.register({ name: 'a', description: 'a', run: () => { runs++; return 'did a'; } });
  r.register({ name: 'b', description: 'b', run: () => { throw new Error('b is broken'); } });
  const rec = await r.runPhase('a');
  t.equal(rec.status, 'ok');
  t.equal(rec.message, 'did a');
  t.equal(runs, 1);
  t.equal(r.state, 'uninitialized', 'runPhase does not initialize');
  const bad = await r.runPhase('b');
  t.equal(bad.status, 'failed');
  t.equal(bad.message, 'b is broken');
  await t.rejects(r.runPhase('zzz'), /unknown init phase "zzz"/);
});

t.test('status, duration, message, warnings and skips are recorded and logged one line per phase', async (t) => {
  const { log, lines } = captureLogger();
  const r = new InitRegistry(log);
  r.register({ name: 'wait', description: 'waits', run: async () => { await new Promise((res) => setTimeout(res, 30)); return 'waited'; } });
  r.register({ name: 'warns', description: 'warns', run: () => ({ message: 'fine', warnings: ['careful'] }) });
  r.register({ name: 'skips', description: 'skips', run: () => ({ skipped: true, message: 'nothing to do' }) });
  const rep = await r.globalInit({ env: {} });
  const [wait, warns, skips] = rep.phases;
  t.ok(wait!.durationMs >= 25, `duration ${wait!.durationMs}`);
  t.equal(wait!.message, 'waited');
  t.same(warns!.warnings, ['careful']);
  t.equal(skips!.status, 'skipped');
  t.equal(r.ready(), true, 'skipped phases do not block readiness');
  t.equal(lines.filter((l) => typeof l.phase === 'string' && /^init phase /.test(l.msg)).length, 3, 'one line per phase');
  t.ok(lines.some((l) => l.msg === 'careful' && l.level === 40));
  const summary = lines.find((l) => /^startup complete in \d+ ms$/.test(l.msg));
  t.ok(summary, 'summary line with total time');
  t.ok((summary!.totalMs as number) >= 25);
});

t.test('WEIGHTINIT_FAIL_PHASE forces a named phase to fail', async (t) => {
  const r = new InitRegistry(captureLogger().log);
  r.register(tracked([], 'a'));
  r.register(tracked([], 'b'));
  await t.rejects(r.globalInit({ env: { WEIGHTINIT_FAIL_PHASE: 'b' } }), failure({ phase: 'b', reason: /forced failure \(WEIGHTINIT_FAIL_PHASE=b\)/ }));
});

t.test('shutdown turns readiness false', async (t) => {
  const r = new InitRegistry(captureLogger().log);
  r.register(tracked([], 'a'));
  await r.globalInit({ env: {} });
  t.equal(r.ready(), true);
  r.beginShutdown();
  t.equal(r.ready(), false);
  t.equal(r.isShuttingDown(), true);
});
