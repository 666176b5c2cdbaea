/**
 * Faults on real sockets (issue 8): client aborts mid-stream, slow readers, over-budget concurrent
 * large requests, workers that crash or run out of heap. Each measures the resource it protects.
 */
import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { loadConfig, type Config } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createPool } from '../../src/pool/index.ts';
import Fastify from 'fastify';
import { countingPool, getHeaders, listen, openConnections, resources, waitFor } from './helpers.ts';
import { overloadPlugin } from '../../src/http/plugins/overload.ts';

const KiB = 1024, MiB = 1024 * 1024;

async function appWith(overrides: Partial<Config>, poolOptions: Parameters<typeof createPool>[1] = {}) {
  const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '2' }, overrides);
  const pool = countingPool(createPool(config, poolOptions));
  const app = await buildApp(config, { pool });
  const port = await listen(app);
  return { app, pool, port, config, close: async () => { await app.close(); await pool.close(); } };
}

t.test('1000 client aborts mid-stream: no leaked work, memory, sockets or file handles', async (t) => {
  const chunkBytes = 64 * KiB, windowChunks = 4;
  const s = await appWith({ chunkBytes, windowChunks });
  t.teardown(s.close);
  const path = '/v1/tensors?scheme=normal&shape=8192,1024&seed=1'; // 32 MiB: 512 chunks
  const chunksPerTensor = (8192 * 1024 * 4) / chunkBytes;

  const abortOne = () => new Promise<number>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: s.port, path, agent: false }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`status ${res.statusCode}`)); return; }
      res.once('data', (d: Buffer) => { req.destroy(); resolve(d.length); });
    });
    req.on('error', (e) => { if (!req.destroyed) reject(e); });
  });
  const run = async (n: number, concurrency: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => { while (next++ < n) await abortOne(); }));
  };
  const settled = () => waitFor(async () => s.pool.counts.pending === 0 && s.pool.queueSize === 0 && s.app.inflight.used === 0 && (await openConnections(s.app)) === 0, 10_000);

  await run(50, 10); // warm up (JIT, pool, allocator) before the baseline
  t.ok(await settled(), 'warm-up settled');
  const before = resources();
  const submittedBefore = s.pool.counts.submitted.chunk ?? 0;
  const t0 = performance.now();
  await run(1000, 20);
  const abortSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  t.ok(await settled(), 'after 1000 aborts: no pool task pending, pool queue 0, in-flight budget 0, no open connection');
  const settleMs = Math.round(performance.now() - t1);
  await waitFor(() => resources().fds <= before.fds + 2 && resources().handles <= before.handles + 2, 3000);
  const after = resources();
  const chunks = (s.pool.counts.submitted.chunk ?? 0) - submittedBefore;
  t.comment(`aborts: 1000 in ${abortSeconds.toFixed(1)} s; settled ${settleMs} ms later; chunk tasks ${chunks} (${(chunks / 1000).toFixed(1)} per abort of ${chunksPerTensor}); ` +
    `RSS ${before.rssMiB} -> ${after.rssMiB} MiB; heap ${before.heapMiB} -> ${after.heapMiB} MiB; ArrayBuffers ${before.arrayBuffersMiB} -> ${after.arrayBuffersMiB} MiB; ` +
    `fds ${before.fds} -> ${after.fds}; handles ${before.handles} -> ${after.handles}`);
  t.ok(chunks / 1000 < chunksPerTensor / 8, `work stops when the client goes away: ${(chunks / 1000).toFixed(1)} chunks per aborted request, of ${chunksPerTensor}`);
  t.ok(after.heapMiB - before.heapMiB < 16, `live heap grew ${(after.heapMiB - before.heapMiB).toFixed(1)} MiB (< 16)`);
  t.ok(after.arrayBuffersMiB - before.arrayBuffersMiB < 16, `live ArrayBuffer memory grew ${(after.arrayBuffersMiB - before.arrayBuffersMiB).toFixed(1)} MiB (< 16)`);
  t.ok(after.rssMiB - before.rssMiB < 160, `RSS grew ${(after.rssMiB - before.rssMiB).toFixed(0)} MiB (< 160: allocator slack, not live data)`);
  t.ok(after.fds <= before.fds + 2, `open fds ${before.fds} -> ${after.fds}`);
  t.ok(after.handles <= before.handles + 2, `active handles ${before.handles} -> ${after.handles}`);
  t.equal(s.pool.threads, 2, 'no worker lost');

  // Still serving correct bytes.
  const ok = await s.app.inject('/v1/tensors/digest?scheme=normal&shape=64,64&seed=1');
  t.equal(ok.statusCode, 200);
});

t.test('slow reader (1 KiB/s): memory bounded by the window, closed after WEIGHTINIT_IDLE_TIMEOUT_MS', async (t) => {
  const chunkBytes = 256 * KiB, windowChunks = 4, idleTimeoutMs = 1500;
  const s = await appWith({ chunkBytes, windowChunks, idleTimeoutMs });
  t.teardown(s.close);
  const sock = net.connect(s.port, '127.0.0.1');
  sock.setNoDelay(true);
  await new Promise((r) => sock.once('connect', r));
  sock.write('GET /v1/tensors?scheme=normal&shape=65536,1024&seed=2 HTTP/1.1\r\nHost: x\r\n\r\n'); // 256 MiB
  let received = 0, closedAt = 0;
  sock.on('readable', () => { /* paused mode: data is taken only by the timer below */ });
  sock.on('close', () => { closedAt = performance.now(); });
  sock.on('error', () => { closedAt ||= performance.now(); });
  const reader = setInterval(() => { const b = sock.read(KiB) as Buffer | null; if (b) received += b.length; }, 1000);
  const t0 = performance.now();
  const closedByServer = await waitFor(async () => (await openConnections(s.app)) === 0, 15_000, 100);
  clearInterval(reader);
  const seconds = (performance.now() - t0) / 1000;
  const chunks = s.pool.counts.submitted.chunk ?? 0;
  t.comment(`slow reader: closed by the server after ${seconds.toFixed(1)} s (idle timeout ${idleTimeoutMs} ms); read ${received} B; chunk tasks ${chunks} of ${256 * MiB / chunkBytes}; peak in-flight ${s.app.inflight.peak} B`);
  t.ok(closedByServer, `the server closed the connection within 15 s (${seconds.toFixed(1)} s)`);
  t.ok(chunks * chunkBytes <= 32 * MiB, `generated ${chunks} chunks (${(chunks * chunkBytes / MiB).toFixed(1)} MiB) of a 256 MiB tensor: bounded by socket buffers + window`);
  t.ok(await waitFor(() => s.pool.counts.pending === 0 && s.app.inflight.used === 0, 3000), 'its work and reservation are released');
  sock.destroy();
  t.ok(closedAt > 0 || sock.destroyed, 'client socket closed');
});

t.test('concurrent large requests over the in-flight budget: 503 + Retry-After, RSS bounded', async (t) => {
  const chunkBytes = 1 * MiB, windowChunks = 4; // each stream reserves (4 + 3) MiB: window + pushed, not yet flushed
  const s = await appWith({ chunkBytes, windowChunks, inflightBytes: 3 * 7 * MiB });
  t.teardown(s.close);
  // Both workers booted and warm before the baseline: their start-up memory is not the budget's business.
  for (const r of await Promise.all(Array.from({ length: 4 }, (_, i) => fetch(`http://127.0.0.1:${s.port}/v1/tensors?scheme=normal&shape=262144&seed=${i}`)))) await r.arrayBuffer();
  const rss0 = resources().rssMiB;
  const path = (i: number) => `/v1/tensors?scheme=normal&shape=16384,4096&seed=${i}`; // 256 MiB each, 2 GiB asked in all
  const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => getHeaders(s.port, path(i))));
  const codes = responses.map((r) => r.statusCode);
  const refused = responses.filter((r) => r.statusCode === 503);
  const rssPeak = resources().rssMiB;
  t.comment(`8 x 256 MiB at once with a 21 MiB budget: statuses ${codes.join(',')}; RSS ${rss0} -> ${rssPeak} MiB; peak in-flight ${s.app.inflight.peak} B`);
  t.equal(codes.filter((c) => c === 200).length, 3, 'three fit the budget');
  t.equal(refused.length, 5, 'five refused');
  for (const r of refused) {
    t.ok(Number(r.headers['retry-after']) > 0, `Retry-After: ${r.headers['retry-after']}`);
    t.match(String(r.headers['content-type']), /^application\/problem\+json/);
  }
  t.ok(rssPeak - rss0 < 256, `RSS grew ${rssPeak - rss0} MiB while 2 GiB was asked for`);
  for (const r of responses) r.destroy();
  t.ok(await waitFor(() => s.app.inflight.used === 0 && s.pool.counts.pending === 0, 5000), 'budget released when the clients go away');
  const again = await getHeaders(s.port, path(0));
  t.equal(again.statusCode, 200, 'and new requests are served');
  again.destroy();
});

t.test('a worker that crashes or runs out of heap fails only its request; it is replaced', async (t) => {
  const s = await appWith({ workerHeapMb: 64 }, { workerFile: new URL('./fixtures/crashing-worker.ts', import.meta.url).href });
  t.teardown(s.close);
  const url = (name: string, seed = 1) => `/v1/tensors?scheme=normal&shape=256,256&seed=${seed}&name=${name}`; // 256 KiB: pool path
  const expected = async (seed: number) => createHash('sha256').update((await s.app.inject(url('ok', seed))).rawPayload).digest('hex');
  const want = await Promise.all([1, 2, 3, 4, 5, 6].map(expected));

  for (const kind of ['crash-worker', 'oom-worker']) {
    const rss0 = process.memoryUsage().rss;
    let rssPeak = rss0;
    const sampler = setInterval(() => { rssPeak = Math.max(rssPeak, process.memoryUsage().rss); }, 20);
    const [bad, ...good] = await Promise.all([s.app.inject(url(kind)), ...[1, 2, 3, 4, 5, 6].map((seed) => s.app.inject(url('ok', seed)))]);
    clearInterval(sampler);
    // The worker's heap limit (WEIGHTINIT_WORKER_HEAP_MB, 64 here) bounds what a runaway task can take;
    // without it V8's default worker heap (GBs) fills first.
    t.ok(rssPeak - rss0 < 512 * MiB, `${kind}: process RSS grew at most ${Math.round((rssPeak - rss0) / MiB)} MiB while it failed`);
    t.equal(bad!.statusCode, 500, `${kind}: its request fails with 500`);
    t.match(String(bad!.headers['content-type']), /^application\/problem\+json/, `${kind}: as problem+json`);
    t.notMatch(bad!.body, /worker|exit|memory|\.ts/i, `${kind}: without internals: ${bad!.body}`);
    t.same(good.map((r) => r.statusCode), [200, 200, 200, 200, 200, 200], `${kind}: concurrent requests on the other worker are served`);
    t.same(good.map((r) => createHash('sha256').update(r.rawPayload).digest('hex')), want, `${kind}: with the right bytes`);
    t.ok(await waitFor(() => s.pool.threads === 2, 10_000), `${kind}: pool back to 2 threads`);
    const st = await s.pool.selfTest();
    t.same(st.map((r) => r.ok), [true, true], `${kind}: every worker passes the startup self-test again`);
    t.equal((await s.app.inject('/readyz')).statusCode, 200, `${kind}: readiness stays green`);
  }
  const after = await Promise.all([1, 2, 3, 4, 5, 6].map(expected));
  t.same(after, want, 'replacement workers generate the same bytes');
});

t.test('live memory over its limit sheds new requests with 503, and serving resumes once it is freed (no latch)', async (t) => {
  const app = Fastify();
  const live0 = resources().heapMiB + resources().arrayBuffersMiB; // after a full GC
  const maxLiveBytes = Math.round((live0 + 96) * MiB);
  await app.register(overloadPlugin, { config: { inflightBytes: 1 << 30, chunkBytes: MiB, windowChunks: 4, memoryBudgetBytes: 1 << 30 }, maxLiveBytes, maxEventLoopDelayMs: 0, maxHeapUsedBytes: 0, sampleIntervalMs: 5 });
  app.get('/work', async () => 'done');
  app.get('/livez', { config: { probe: true } }, async () => 'ok');
  t.teardown(() => app.close());
  t.equal((await app.inject('/work')).statusCode, 200, 'served under the limit');
  let hog: Uint8Array | undefined = new Uint8Array(192 * MiB).fill(1); // live buffers well over the limit
  await new Promise((r) => setTimeout(r, 50));
  const shed = await app.inject('/work');
  t.equal(shed.statusCode, 503, 'shed while live memory is over the limit');
  t.equal(shed.headers['retry-after'], '2');
  t.match(shed.json().detail, /live memory \d+ MiB/);
  t.equal((await app.inject('/livez')).statusCode, 200, 'probes stay open');
  t.equal(hog.length, 192 * MiB);
  hog = undefined;
  resources(); // full GC: the buffer is gone (RSS may well stay where it was)
  t.ok(await waitFor(async () => (await app.inject('/work')).statusCode === 200, 2000), 'served again once the memory is freed');
});
