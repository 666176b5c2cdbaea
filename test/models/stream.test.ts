/**
 * A 2 GiB model over a real socket: the body streams with bounded memory (RSS growth of this
 * process, server and pool threads included, stays under 256 MiB while the client reads it all),
 * the byte count matches Content-Length, and the last bytes equal the single-tensor generation of
 * the same elements. A client that disconnects mid-stream leaves the server serving.
 */
import t from 'tap';
import http from 'node:http';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { compileRecipe } from '../../src/core/recipe.ts';
import { generateFlat } from '../../src/core/generate.ts';

const config = loadConfig({ LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: '2' });
const app = await buildApp(config);
await app.listen({ port: 0, host: '127.0.0.1' });
t.teardown(() => app.close());
const port = (app.server.address() as { port: number }).port;

const N = 16384;
const manifest = {
  seed: 99,
  modules: [{ type: 'linear', name: 'small', in: 8, out: 4 }],
  tensors: [
    { name: 'a', shape: [N, N], scheme: 'zeros' },
    { name: 'b', shape: [N, N], scheme: 'uniform', params: { low: -1, high: 1 } },
  ],
};

function post(body: unknown, onData: (c: Buffer, req: http.ClientRequest) => void): Promise<{ status: number; length: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/models', headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', (c: Buffer) => onData(c, req));
      res.on('end', () => resolve({ status: res.statusCode!, length: Number(res.headers['content-length']) }));
      res.on('error', reject);
      res.on('close', () => resolve({ status: res.statusCode!, length: Number(res.headers['content-length']) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

t.test('2 GiB model streams with bounded memory', async (tt) => {
  // Both pool workers booted and warm before the baseline: their start-up memory is not the stream's.
  for (const r of await Promise.all(Array.from({ length: 4 }, (_, i) => fetch(`http://127.0.0.1:${port}/v1/tensors?scheme=normal&shape=262144&seed=${i}`)))) await r.arrayBuffer();
  globalThis.gc?.();
  const rss0 = process.memoryUsage().rss;
  let peak = rss0, got = 0;
  const tail = Buffer.alloc(4096);
  const iv = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 25);
  const t0 = performance.now();
  const r = await post(manifest, (c) => {
    // keep the last 4096 bytes
    if (c.length >= 4096) c.copy(tail, 0, c.length - 4096); else { tail.copyWithin(0, c.length); c.copy(tail, 4096 - c.length); }
    got += c.length;
  });
  clearInterval(iv);
  const secs = (performance.now() - t0) / 1000;
  tt.equal(r.status, 200);
  tt.equal(got, r.length, 'received exactly Content-Length bytes');
  tt.ok(got > 2 * 1024 ** 3, `${got} bytes`);
  const growth = (peak - rss0) / 1024 ** 2;
  tt.comment(`2 GiB model: ${secs.toFixed(1)} s, ${(got / 1024 ** 2 / secs).toFixed(0)} MiB/s, RSS ${(rss0 / 1024 ** 2).toFixed(0)} MiB -> peak ${(peak / 1024 ** 2).toFixed(0)} MiB (growth ${growth.toFixed(0)} MiB)`);
  tt.ok(growth < 256, `RSS growth ${growth.toFixed(0)} MiB < 256 MiB`);
  // The last 1024 elements of tensor b, generated independently of the model route.
  const c = compileRecipe({ scheme: 'uniform', shape: [N, N], seed: 99, name: 'b', params: { low: -1, high: 1 } });
  const want = new Uint8Array(4096);
  generateFlat(c.field, 'float32', N * N - 1024, N * N, want, 0);
  tt.ok(Buffer.compare(tail, Buffer.from(want)) === 0, 'last bytes equal the single-tensor generation');
});

t.test('a client that disconnects mid-stream does not hurt the server', async (tt) => {
  let got = 0;
  await post(manifest, (c, req) => { got += c.length; if (got > 64 * 1024 * 1024) req.destroy(); }).catch(() => undefined);
  tt.ok(got < 1024 ** 3, `stopped after ${(got / 1024 ** 2).toFixed(0)} MiB`);
  const r = await app.inject({ method: 'POST', url: '/v1/models?dry_run=1', payload: manifest });
  tt.equal(r.statusCode, 200, 'still serving');
});
