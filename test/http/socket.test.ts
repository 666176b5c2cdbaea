/**
 * Over a real socket: a 1 GiB tensor streams with flat memory (process RSS grows < 256 MiB), a paused
 * client stops generation (bounded window ahead of the socket), and a disconnecting client stops all
 * further chunk work.
 */
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { createPool, type WorkerPool } from '../../src/pool/index.ts';

const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '2' });
const inner = createPool(config);
let chunkTasks = 0;
// The pool the app uses, counting chunk tasks submitted (the work the server commits to).
const pool: WorkerPool = {
  run(task, signal) { if (task.kind === 'chunk') chunkTasks++; return inner.run(task, signal); },
  get utilization() { return inner.utilization; }, get queueSize() { return inner.queueSize; }, get threads() { return inner.threads; },
  selfTest: () => inner.selfTest(), close: () => inner.close(),
};
const app = await buildApp(config, { pool });
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as AddressInfo).port;
t.teardown(async () => { await app.close(); await inner.close(); });

const GiB = 1024 ** 3;
const ELEMENTS = GiB / 4;
const url = `/v1/tensors?scheme=uniform&shape=${ELEMENTS}&seed=11&low=-1&high=1`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('1 GiB streams with RSS growth < 256 MiB, bytes correct at both ends', async (t) => {
  await app.inject({ url: '/v1/tensors?scheme=uniform&shape=1000000' }); // warm up workers and code
  (globalThis as { gc?: () => void }).gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const started = performance.now();
  const { length, head, tail, contentLength } = await new Promise<{ length: number; head: Buffer; tail: Buffer; contentLength: string | undefined }>((resolve, reject) => {
    http.get({ port, path: url }, (res) => {
      let length = 0;
      const headParts: Buffer[] = [];
      let tail = Buffer.alloc(0);
      res.on('data', (c: Buffer) => {
        if (length < 4096) headParts.push(c.subarray(0, 4096 - length));
        length += c.length;
        tail = Buffer.concat([tail, c]).subarray(-4096);
      });
      res.on('end', () => resolve({ length, head: Buffer.concat(headParts), tail, contentLength: res.headers['content-length'] }));
      res.on('error', reject);
    }).on('error', reject);
  });
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const growth = peak - rss0;
  t.comment(`1 GiB in ${seconds.toFixed(1)} s (${(GiB / seconds / 1e6).toFixed(0)} MB/s); RSS before ${(rss0 / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB, growth ${(growth / 2 ** 20).toFixed(0)} MiB`);
  t.equal(contentLength, String(GiB));
  t.equal(length, GiB);
  t.ok(growth < 256 * 2 ** 20, `RSS growth ${(growth / 2 ** 20).toFixed(0)} MiB < 256 MiB`);
  const first = await app.inject({ url: `${url}&slice=0:1024` });
  const last = await app.inject({ url: `${url}&slice=${ELEMENTS - 1024}:` });
  t.ok(head.equals(first.rawPayload), 'first 4 KiB equal the slice 0:1024');
  t.ok(tail.equals(last.rawPayload), 'last 4 KiB equal the last 1024 elements');
});

t.test('a paused client holds generation to the window; a disconnect stops it', async (t) => {
  const before = chunkTasks;
  const req = http.get({ port, path: url.replace('seed=11', 'seed=12') });
  const res = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
  let received = 0;
  await new Promise<void>((resolve) => {
    res.on('data', (c: Buffer) => { received += c.length; if (received >= 2 * 2 ** 20) { res.pause(); resolve(); } });
  });
  await sleep(1500);
  const whilePaused = chunkTasks - before;
  await sleep(500);
  t.equal(chunkTasks - before, whilePaused, 'no new chunks while the client does not read');
  // Unbounded generation would have produced hundreds of 1 MiB chunks by now.
  t.ok(whilePaused <= config.windowChunks + 40, `${whilePaused} chunks submitted while paused (window ${config.windowChunks} + socket buffers)`);
  req.destroy();
  await sleep(500);
  const afterClose = chunkTasks - before;
  await sleep(500);
  t.equal(chunkTasks - before, afterClose, 'no chunk is submitted after the client went away');
  t.equal(inner.queueSize, 0, 'nothing left queued on the pool');
  t.ok(afterClose < ELEMENTS * 4 / config.chunkBytes / 4, `${afterClose} of ${ELEMENTS * 4 / config.chunkBytes} chunks generated`);
});
