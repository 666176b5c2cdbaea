/**
 * SIGTERM during heavy load, on the real process (`node bin/weightinit.js serve`): in-flight large
 * streams finish with the right bytes, new connections are refused, a client that cannot finish
 * within WEIGHTINIT_SHUTDOWN_GRACE_MS is cut at the grace period, and the process exits 0 in time.
 *
 * Sized to hold under a loaded machine (the full suite runs test files in parallel on 2 cores): the
 * streams are 16 MiB and the grace 8 s, so draining needs ~12 MiB/s; each streaming client holds its
 * reading from its first bytes until the signal is sent, so every stream is provably mid-body at
 * SIGTERM however fast the machine is (it is then backpressured at window + socket buffers).
 */
import t from 'tap';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const GRACE_MS = 8000;
const bin = fileURLToPath(new URL('../../bin/weightinit.js', import.meta.url));
const BIG = '/v1/tensors?scheme=normal&shape=4096,1024&seed=11'; // 16 MiB
const STUCK = '/v1/tensors?scheme=normal&shape=4096,4096&seed=12'; // 64 MiB: far beyond loopback socket buffers

t.test('SIGTERM under load drains in-flight streams and exits 0 within the grace period', async (t) => {
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', WEIGHTINIT_WORKERS: '2', LOG_LEVEL: 'info', WEIGHTINIT_SHUTDOWN_GRACE_MS: String(GRACE_MS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((r) => child.on('exit', (code, signal) => r({ code, signal, at: performance.now() })));
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" within 30 s:\n${out}`)), 30_000);
    const look = () => { const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out); if (m) { clearTimeout(timer); resolve(Number(m[1])); } };
    child.stdout.on('data', look);
    look();
  });
  const agent = new http.Agent({ keepAlive: false });
  const get = (path: string) => new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject);
  });
  const digest = JSON.parse((await get(BIG.replace('/v1/tensors?', '/v1/tensors/digest?'))).body.toString()) as { sha256: string; bytes: number };

  // Heavy load: 6 large streams (held from their first bytes until the signal, then read at full
  // speed), one client that never reads, small requests in a loop.
  let firstBytes = 0;
  const held: http.IncomingMessage[] = [];
  const bytesAtSignal: number[] = [];
  let signalled = false;
  const streams = Array.from({ length: 6 }, (_, i) => new Promise<{ status: number; sha256: string; bytes: number }>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: BIG, agent }, (res) => {
      const h = createHash('sha256');
      let bytes = 0;
      res.on('data', (d: Buffer) => {
        if (bytes === 0) { firstBytes++; if (!signalled) { res.pause(); held.push(res); } }
        h.update(d); bytes += d.length; bytesAtSignal[i] = signalled ? bytesAtSignal[i]! : bytes;
      });
      res.on('close', () => resolve({ status: res.statusCode ?? 0, sha256: h.digest('hex'), bytes }));
    }).on('error', reject);
  }));
  // A client that does not read until the server has exited: it cannot finish within the grace period.
  let stuckRes: http.IncomingMessage | undefined;
  const stuckReq = http.get({ host: '127.0.0.1', port, path: STUCK, agent }, (r) => { stuckRes = r; r.pause(); });
  stuckReq.on('error', () => { /* the cut may show as a reset */ });
  const stuck = (async () => {
    await exited;
    // Now read what the kernel kept: the body ends short of its Content-Length.
    return new Promise<{ status: number; cut: boolean }>((resolve) => {
      if (!stuckRes) { resolve({ status: 0, cut: true }); return; }
      stuckRes.on('error', () => { /* reset */ });
      stuckRes.on('close', () => resolve({ status: stuckRes!.statusCode ?? 0, cut: !stuckRes!.complete }));
      stuckRes.resume();
    });
  })();
  let smallOk = 0, smallRefused = 0, smallOther = 0, loading = true;
  const small = (async () => {
    while (loading) {
      try {
        const r = await get('/v1/tensors?scheme=uniform&shape=64,64&seed=3');
        if (r.status === 200) smallOk++; else if (r.status === 503) smallRefused++; else smallOther++;
      } catch { smallRefused++; await new Promise((r) => setTimeout(r, 5)); } // ECONNREFUSED / reset once the listener is closed
    }
  })();

  const started = await new Promise<boolean>((resolve) => { const end = Date.now() + 20_000; const poll = () => (firstBytes >= 6 ? resolve(true) : Date.now() > end ? resolve(false) : setTimeout(poll, 5)); poll(); });
  t.ok(started, 'all six streams are flowing before the signal');
  const termAt = performance.now();
  child.kill('SIGTERM');
  signalled = true;
  await new Promise((r) => setTimeout(r, 200));
  const refusedNew = await get('/livez').then((r) => `status ${r.status}`, (e: NodeJS.ErrnoException) => e.code ?? 'error');
  for (const r of held) r.resume(); // now drain at full speed, during the grace period
  const results = await Promise.all(streams);
  const drainedMs = Math.round(performance.now() - termAt);
  const exit = await exited;
  loading = false;
  await small;
  const stuckResult = await stuck;
  const exitMs = Math.round(exit.at - termAt);
  t.comment(`SIGTERM drain: 6 x 16 MiB streams ${results.map((r) => r.status).join(',')}, all complete ${drainedMs} ms after SIGTERM; exit code ${exit.code} ${exitMs} ms after SIGTERM (grace ${GRACE_MS} ms); new connection after the signal: ${refusedNew}; small requests ${smallOk} ok / ${smallRefused} refused / ${smallOther} other`);
  t.ok(bytesAtSignal.every((b) => b > 0 && b < digest.bytes) && bytesAtSignal.length === 6,
    `every stream was mid-body at SIGTERM (${bytesAtSignal.map((b) => `${(b / 2 ** 20).toFixed(1)} MiB`).join(', ')} of ${(digest.bytes / 2 ** 20).toFixed(0)})`);
  t.ok(drainedMs < GRACE_MS, `the in-flight streams completed within the grace period (${drainedMs} ms)`);
  for (const r of results) {
    t.equal(r.status, 200);
    t.equal(r.bytes, digest.bytes, 'complete body');
    t.equal(r.sha256, digest.sha256, 'right bytes (digest from /v1/tensors/digest)');
  }
  t.ok(/ECONNREFUSED|ECONNRESET|status 503/.test(refusedNew), `a new connection after SIGTERM is refused (${refusedNew})`);
  t.ok(stuckResult.cut, 'the client that never reads is cut at the grace period');
  t.equal(exit.code, 0, 'exit code 0');
  // The non-reading client holds the shutdown until the grace is over, not longer.
  t.ok(exitMs >= GRACE_MS - 250, `waited for the grace period before cutting (${exitMs} ms)`);
  t.ok(exitMs < GRACE_MS + 3000, `exited ${exitMs} ms after SIGTERM (grace ${GRACE_MS} ms + 3 s margin)`);
  t.equal(smallOther, 0, 'no small request got anything but 200, 503 or a refused connection');
  t.match(out, /shutdown complete/, 'logged the shutdown');
});
