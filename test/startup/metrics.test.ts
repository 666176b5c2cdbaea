import t from 'tap';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createPool } from '../../src/pool/index.ts';
import { InitRegistry, registerStandardPhases } from '../../src/startup/index.ts';
import { baseEnv, captureLogger, fakePool } from './helpers.ts';

/** Value of one sample in Prometheus text format; undefined when absent. Labels match exactly (order-free). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) got[k!] = v!;
    if (Object.keys(got).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

t.test('/metrics exposes the listed series and they change after requests', async (t) => {
  // Startup state for phase durations and feature gauges (fake pool in the registry, real pool serving).
  const registry = registerStandardPhases(new InitRegistry(captureLogger().log));
  await registry.globalInit({ env: baseEnv(), createPool: fakePool().createPool });
  const config = loadConfig({ LOG_LEVEL: 'info', WEIGHTINIT_WORKERS: '2', WEIGHTINIT_MAIN_THREAD_MAX_BYTES: '4096', WEIGHTINIT_CHUNK_BYTES: '65536' });
  const pool = createPool(config);
  const { log, lines } = captureLogger('info');
  const app = await buildApp(config, { pool, readiness: registry, fastify: { logger: undefined, loggerInstance: log } });
  t.teardown(async () => { await app.close(); await pool.close(); });

  const before = (await app.inject('/metrics')).body;
  t.equal(sample(before, 'weightinit_http_requests_total', { route: '/v1/tensors', method: 'GET', status: '200' }), undefined, 'no tensor requests yet');
  t.equal(sample(before, 'weightinit_pool_threads'), 2);
  t.equal(sample(before, 'weightinit_pool_queue_depth'), 0);
  t.ok((sample(before, 'weightinit_pool_utilization') ?? -1) >= 0);
  t.equal(sample(before, 'weightinit_inflight_bytes'), 0);
  t.equal(sample(before, 'weightinit_inflight_budget_bytes'), config.inflightBytes);
  t.equal(sample(before, 'weightinit_ready'), 1);
  t.equal(sample(before, 'weightinit_feature', { feature: 'simd' }), 0, 'SIMD simulated missing in this registry');
  t.equal(sample(before, 'weightinit_feature', { feature: 'workerThreads' }), 1);
  t.equal(sample(before, 'weightinit_feature', { feature: 'littleEndian' }), 1);
  t.equal(sample(before, 'weightinit_kernels_simd'), 0);
  for (const p of ['configuration', 'features', 'selftest', 'pool']) {
    const v = sample(before, 'weightinit_startup_phase_duration_seconds', { phase: p, status: 'ok' });
    t.ok(v !== undefined && v >= 0 && v < 60, `phase ${p} duration ${v}`);
  }
  t.ok((sample(before, 'weightinit_process_resident_memory_bytes') ?? 0) > 0, 'process metrics');

  // One small (main thread) and one pooled (chunked) tensor, plus a 404.
  const small = await app.inject('/v1/tensors?scheme=normal&shape=16,16&seed=1&format=raw');
  t.equal(small.statusCode, 200);
  const big = await app.inject('/v1/tensors?scheme=uniform&shape=256,256&seed=2&format=npy');
  t.equal(big.statusCode, 200);
  t.equal((await app.inject('/nope')).statusCode, 404);

  const after = (await app.inject('/metrics')).body;
  t.equal(after.split('\n')[0]!.startsWith('# HELP'), true);
  t.equal(sample(after, 'weightinit_http_requests_total', { route: '/v1/tensors', method: 'GET', status: '200' }), 2);
  t.equal(sample(after, 'weightinit_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }), 1);
  t.equal(sample(after, 'weightinit_bytes_served_total', { format: 'raw' }), 16 * 16 * 4);
  t.equal(sample(after, 'weightinit_bytes_served_total', { format: 'npy' }), big.rawPayload.length, 'npy bytes include the header');
  t.equal(sample(after, 'weightinit_generation_seconds_count', { scheme: 'normal' }), 1);
  t.equal(sample(after, 'weightinit_generation_seconds_count', { scheme: 'uniform' }), 1);
  t.ok((sample(after, 'weightinit_generation_seconds_sum', { scheme: 'uniform' }) ?? 0) > 0);
  t.equal(sample(after, 'weightinit_http_request_duration_seconds_count', { route: '/v1/tensors', method: 'GET' }), 2);
  t.equal(sample(after, 'weightinit_inflight_bytes'), 0, 'reservations released after the responses');

  // The request log: one line per request with id, route, recipe id, bytes, duration and status.
  const done = lines.filter((l) => l.msg === 'request done' && l.route === '/v1/tensors');
  t.equal(done.length, 2);
  const l = done[1]!;
  t.equal(l.status, 200);
  t.equal(l.bytes, big.rawPayload.length);
  t.equal(l.recipeId, big.headers['weightinit-recipe']);
  t.equal(l.format, 'npy');
  t.equal(l.scheme, 'uniform');
  t.type(l.reqId, 'string');
  t.ok(typeof l.durationMs === 'number' && (l.durationMs as number) >= 0);
});

t.test('pool gauges read the pool at scrape time', async (t) => {
  const gauges = { utilization: 0.5, queueSize: 7, threads: 3 };
  const fp = fakePool([], gauges);
  const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '2' });
  const app = await buildApp(config, { pool: fp.pool });
  t.teardown(() => app.close());
  let text = (await app.inject('/metrics')).body;
  t.equal(sample(text, 'weightinit_pool_utilization'), 0.5);
  t.equal(sample(text, 'weightinit_pool_queue_depth'), 7);
  gauges.queueSize = 11;
  text = (await app.inject('/metrics')).body;
  t.equal(sample(text, 'weightinit_pool_queue_depth'), 11);
  t.equal(sample(text, 'weightinit_pool_threads'), 3);
});
