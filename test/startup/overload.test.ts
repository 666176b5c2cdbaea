import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { Readable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createPool } from '../../src/pool/index.ts';
import { overloadPlugin } from '../../src/http/plugins/overload.ts';

const MiB = 1024 * 1024;

interface Answer { status: number; headers: http.IncomingHttpHeaders; body?: string; req: http.ClientRequest; res: http.IncomingMessage }

/** GET that reads error bodies but leaves 200 bodies unread (a paused client holding its stream open). */
function getPaused(port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      if (res.statusCode === 200) { res.pause(); resolve({ status: 200, headers: res.headers, req, res }); return; }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, req, res }));
    });
    req.on('error', reject);
  });
}

t.test('over-budget concurrent tensor streams get 503 + Retry-After and RSS stays bounded', async (t) => {
  // 1 MiB chunks, 8 ahead per stream: each stream reserves (8 + 3) MiB (window + pushed, not yet flushed);
  // a 44 MiB budget admits 4.
  const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '2', WEIGHTINIT_CHUNK_BYTES: String(MiB), WEIGHTINIT_WINDOW_CHUNKS: '8', WEIGHTINIT_INFLIGHT_BYTES: String(44 * MiB) });
  const pool = createPool(config);
  const app = await buildApp(config, { pool });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  t.teardown(async () => { await app.close(); await pool.close(); });

  // Baseline after the workers have booted and one stream has run (thread and JIT memory are not the point).
  await pool.selfTest();
  const warm = await getPaused(port, '/v1/tensors?scheme=uniform&shape=4194304&seed=99&format=raw');
  await new Promise<void>((res) => { warm.res.on('end', res); warm.res.resume(); });
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);

  const N = 40; // without the budget: 40 x 11 MiB = 440 MiB of chunks held for paused clients
  const answers = await Promise.all(Array.from({ length: N }, (_, i) => getPaused(port, `/v1/tensors?scheme=uniform&shape=67108864&seed=${i}&format=raw`)));
  await new Promise((r) => setTimeout(r, 500)); // let the admitted streams fill their windows
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);

  const growth = (peak - rss0) / MiB;
  t.ok(growth < 128, `RSS grew ${growth.toFixed(1)} MiB for ${N} concurrent 256 MiB requests`);
  const ok = answers.filter((a) => a.status === 200);
  const refused = answers.filter((a) => a.status === 503);
  t.equal(ok.length + refused.length, N, 'every request got 200 or 503');
  t.ok(ok.length >= 1 && ok.length <= 4, `admitted ${ok.length} (budget fits 4)`);
  t.ok(app.inflight.used <= app.inflight.budget, `reserved ${app.inflight.used} <= budget`);
  const r = refused[0];
  if (!r) return;
  t.equal(r.headers['retry-after'], '2');
  t.match(r.headers['content-type'], /^application\/problem\+json/);
  const problem = JSON.parse(r.body!) as { status: number; title: string; detail: string; type: string };
  t.equal(problem.status, 503);
  t.match(problem.detail, /^in-flight byte budget exhausted: .*WEIGHTINIT_INFLIGHT_BYTES/);
  t.equal(r.headers['content-length'], String(Buffer.byteLength(r.body!)), 'the tensor Content-Length was replaced');
  t.notOk(r.headers.etag, 'no tensor headers on the problem');

  // Clients going away release their reservations; then a new request is admitted again.
  for (const a of ok) a.req.destroy();
  const t0 = Date.now();
  while (app.inflight.used > 0 && Date.now() - t0 < 5000) await new Promise((res) => setTimeout(res, 20));
  t.equal(app.inflight.used, 0, 'all reservations released');
  const again = await getPaused(port, '/v1/tensors?scheme=uniform&shape=4194304&seed=9&format=raw');
  t.equal(again.status, 200);
  again.req.destroy();
});

t.test('reserveInflight: explicit reservations, release on response end, overloaded() helper', async (t) => {
  const app = Fastify();
  await app.register(overloadPlugin, { config: { inflightBytes: 100, chunkBytes: 10, windowChunks: 2, memoryBudgetBytes: 0 }, maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0 });
  app.get('/take/:n', async (req, reply) => {
    const n = Number((req.params as { n: string }).n);
    if (!req.reserveInflight(n)) return reply.overloaded(`need ${n}`);
    return { reserved: app.inflight.used };
  });
  app.get('/stream', async (req, reply) => {
    (req as unknown as { weightinit: { bytes: number } }).weightinit = { bytes: 1000 };
    return reply.send(Readable.from([Buffer.alloc(10)]));
  });
  t.teardown(() => app.close());
  const a = await app.inject('/take/60');
  t.equal(a.statusCode, 200);
  t.same(a.json(), { reserved: 60 });
  t.equal(app.inflight.used, 0, 'released when the response ended');
  const b = await app.inject('/take/101');
  t.equal(b.statusCode, 503);
  t.equal(b.headers['retry-after'], '2');
  t.equal(b.json().detail, 'need 101');
  t.equal(app.inflight.refused, 1);
  const s = await app.inject('/stream');
  t.equal(s.statusCode, 200, 'a stream reserves only what it can hold ((2 + 3) x 10 bytes), not its 1000 bytes');
  t.equal(app.inflight.peak, 60);
});

t.test('under-pressure answers 503 + Retry-After problem+json but probes stay open', async (t) => {
  const app = Fastify();
  // A 1-byte heap limit: always "under pressure" after the first sample.
  await app.register(overloadPlugin, { config: { inflightBytes: 100, chunkBytes: 10, windowChunks: 2, memoryBudgetBytes: 0 }, maxHeapUsedBytes: 1, maxEventLoopDelayMs: 0, sampleIntervalMs: 5 });
  app.get('/work', async () => 'done');
  app.get('/livez', { config: { probe: true } }, async () => 'ok');
  t.teardown(() => app.close());
  await new Promise((r) => setTimeout(r, 50));
  const w = await app.inject('/work');
  t.equal(w.statusCode, 503);
  t.equal(w.headers['retry-after'], '2');
  t.match(w.headers['content-type'], /application\/problem\+json/);
  t.match(w.json().detail, /server under pressure \(heapUsedBytes/);
  t.equal((await app.inject('/livez')).statusCode, 200);
});
