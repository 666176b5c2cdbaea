/**
 * Real-process tests of `weightinit serve` (bin/weightinit.js): readiness, graceful shutdown on
 * SIGTERM during a large stream, the grace period, and the second signal.
 */
import t from 'tap';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/weightinit.js', import.meta.url));
const MiB = 1024 * 1024;

interface Server { proc: ChildProcess; port: number; logs: Record<string, unknown>[]; exit: Promise<{ code: number | null; signal: string | null }> }

async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: '0', HOST: '127.0.0.1', WEIGHTINIT_WORKERS: '2', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const exit = new Promise<{ code: number | null; signal: string | null }>((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  let buf = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i); buf = buf.slice(i + 1);
        try { logs.push(JSON.parse(line) as Record<string, unknown>); } catch { continue; }
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(String(logs.at(-1)!.detail ?? ''));
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
    void exit.then(() => reject(new Error('server exited during startup')));
  });
  return { proc, port, logs, exit };
}

function get(port: number, path: string, agent?: http.Agent): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: agent ?? false }, resolve).on('error', reject);
  });
}

async function body(res: http.IncomingMessage): Promise<string> {
  let s = '';
  for await (const d of res) s += d;
  return s;
}

t.test('SIGTERM during a large stream: readiness false, new work refused, the stream completes, exit 0', async (t) => {
  const s = await startServer({ WEIGHTINIT_SHUTDOWN_GRACE_MS: '30000' });
  t.teardown(() => { s.proc.kill('SIGKILL'); });
  const ready = await get(s.port, '/readyz');
  t.equal(ready.statusCode, 200);
  t.equal(await body(ready), 'ok');
  const line = s.logs.find((l) => /^ready \d+ ms after process start$/.test(String(l.msg)));
  t.ok(line, 'ready line logged');
  t.comment(`startup to ready: ${String(line?.readyAtMs)} ms after process start (2 workers)`);

  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  (await get(s.port, '/livez', keepAlive)).resume(); // an idle keep-alive connection opened before the signal

  const n = 64 * MiB; // float32 elements: a 256 MiB body
  const res = await get(s.port, `/v1/tensors?scheme=uniform&shape=${n}&seed=5&format=raw`);
  t.equal(res.statusCode, 200);
  const total = Number(res.headers['content-length']);
  t.equal(total, n * 4);
  res.pause();
  let received = 0;
  // Take the first bytes, then send SIGTERM while the rest is still to come.
  await new Promise<void>((resolve) => { res.once('data', (d: Buffer) => { received += d.length; res.pause(); resolve(); }); res.resume(); });
  s.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));

  const refused = await get(s.port, '/readyz').then((r) => `status ${r.statusCode}`, (e: NodeJS.ErrnoException) => e.code);
  t.equal(refused, 'ECONNREFUSED', 'new connections are refused');
  t.ok(received < total, 'the stream was in flight when the signal came');

  const done = new Promise<void>((resolve, reject) => { res.on('data', (d: Buffer) => { received += d.length; }); res.on('end', resolve); res.on('error', reject); });
  res.resume();
  await done;
  t.equal(received, total, 'the in-flight stream completed in full');
  const { code } = await s.exit;
  t.equal(code, 0, 'exit 0');
  t.ok(s.logs.some((l) => l.msg === 'shutdown complete'));
  keepAlive.destroy();
});

t.test('after the grace period remaining streams are cut; exit 0', async (t) => {
  const s = await startServer({ WEIGHTINIT_SHUTDOWN_GRACE_MS: '300' });
  t.teardown(() => { s.proc.kill('SIGKILL'); });
  const res = await get(s.port, `/v1/tensors?scheme=normal&shape=${64 * MiB}&seed=1&format=raw`);
  t.equal(res.statusCode, 200);
  res.pause(); // a client that stops reading
  const t0 = Date.now();
  s.proc.kill('SIGTERM');
  const { code } = await s.exit;
  const ms = Date.now() - t0;
  t.equal(code, 0);
  t.ok(ms >= 250 && ms < 10_000, `exited ${ms} ms after SIGTERM (grace 300 ms)`);
  t.ok(s.logs.some((l) => l.msg === 'shutdown: grace period over, closing remaining connections'));
  res.destroy();
});

t.test('a second signal exits at once', async (t) => {
  const s = await startServer({ WEIGHTINIT_SHUTDOWN_GRACE_MS: '60000' });
  t.teardown(() => { s.proc.kill('SIGKILL'); });
  const res = await get(s.port, `/v1/tensors?scheme=normal&shape=${64 * MiB}&seed=2&format=raw`);
  res.pause();
  s.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(s.proc.exitCode, null, 'still draining after the first signal');
  const t0 = Date.now();
  s.proc.kill('SIGINT');
  const { code } = await s.exit;
  t.ok(Date.now() - t0 < 5000, 'exited promptly');
  t.equal(code, 1, 'second signal: close-with-grace exits 1');
  res.destroy();
});
