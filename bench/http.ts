/**
 * `npm run bench:http`: the service against the serving limit of this machine, measured in one run.
 *
 *   throughput: GB/s for a 256 MiB float32 normal tensor from the real service (`weightinit serve`,
 *     all startup phases, its kernels and pool) vs a bare node:http server sending a prefilled 256 MiB
 *     Buffer. Target: >= 60%.
 *   small: requests/s and p50/p99 latency (autocannon) for a 4096-element float32 tensor vs a Fastify
 *     route returning the same 16 KiB from memory. Target: >= 50%.
 *
 * Each server runs in its own child process; the client runs here. Both sides of a comparison are
 * measured the same way, interleaved, best of N. Like with like: the in-memory route runs on Fastify
 * with the service's server options (securityServerOptions) and the same pino logger setup at the same
 * level (LOG_LEVEL, default warn here: per-request info logs would be measured otherwise; say so when
 * quoting figures), and answers the same bytes with the same content type. The 1-minute load average
 * is printed beside every figure: on a shared machine, quote it with the ratio.
 *
 * The throughput client is Node's http (as a Node training client would be); it is itself a limit
 * (~1 GB/s here). When curl is installed, both servers are also measured with it (a native client,
 * closer to the machine's real serving limit) and that ratio is printed too: quote both.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger } from 'fastify';

// autocannon ships no types; only what this bench uses.
type Cannon = (o: { url: string; connections: number; duration: number; pipelining: number }) => Promise<{
  requests: { average: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }>;
const autocannonModule = 'autocannon';
const autocannon = ((await import(autocannonModule)) as { default: Cannon }).default;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIG_ELEMENTS = 64 * 1024 * 1024; // 256 MiB of float32
const BIG_PATH = `/v1/tensors?scheme=normal&shape=${BIG_ELEMENTS}&seed=1`;
const SMALL_PATH = '/v1/tensors?scheme=normal&shape=4096&seed=1&format=raw';
const LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
const load = () => `load ${os.loadavg()[0]!.toFixed(2)}`;
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

// ---- child roles -------------------------------------------------------------------------------
const role = process.argv[2];
if (role === '--bare') {
  const body = Buffer.alloc(BIG_ELEMENTS * 4, 7);
  const server = http.createServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }); res.end(body); });
  server.listen(0, '127.0.0.1', () => console.log(`PORT ${(server.address() as { port: number }).port}`));
} else if (role === '--memory') {
  const { default: Fastify, LogController } = await import('fastify');
  const { default: pino } = await import('pino');
  const { loadConfig } = await import('../src/config.ts');
  const { securityServerOptions } = await import('../src/http/plugins/security.ts');
  const bytes = Buffer.from(process.argv[3]!, 'base64');
  // The service's server options and logger setup (src/server.ts), at the same level.
  const app = Fastify({
    ...securityServerOptions(loadConfig(process.env)),
    loggerInstance: pino({ name: 'weightinit', level: LOG_LEVEL }) as unknown as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/v1/tensors', async (_req, reply) => reply.type('application/octet-stream').send(bytes));
  await app.listen({ host: '127.0.0.1', port: 0 });
  console.log(`PORT ${(app.server.address() as { port: number }).port}`);
} else if (role === '--crossover') {
  await crossover();
} else {
  await main();
}

/**
 * `npm run bench:http -- --crossover`: latency of one request generated on the main thread vs on the
 * pool, by tensor size (in-process, app.inject, sequential), to place WEIGHTINIT_MAIN_THREAD_MAX_BYTES.
 */
async function crossover() {
  const { loadConfig } = await import('../src/config.ts');
  const { buildApp } = await import('../src/http/app.ts');
  const base = { LOG_LEVEL: 'silent', WEIGHTINIT_WORKERS: process.env.WEIGHTINIT_WORKERS ?? '2' };
  const inline = await buildApp(loadConfig(base, { mainThreadMaxBytes: 2 ** 40 }));
  const pooled = await buildApp(loadConfig(base, { mainThreadMaxBytes: 0 }));
  console.log('bytes      main-thread ms   pool ms   (median of sequential requests, float32 normal)');
  for (const bytes of [1024, 4096, 16384, 65536, 262144, 1048576, 4194304]) {
    const url = `/v1/tensors?scheme=normal&shape=${bytes / 4}&seed=3`;
    const med = async (app: typeof inline) => {
      const n = Math.max(5, Math.min(200, Math.round(2e6 / bytes)));
      for (let i = 0; i < 3; i++) await app.inject({ url });
      const ts: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        const r = await app.inject({ url });
        ts.push(performance.now() - t0);
        if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.payload.slice(0, 200)}`);
      }
      await new Promise((r) => setTimeout(r, 1500)); // let the event-loop-delay sampler (under-pressure) settle
      return ts.sort((a, b) => a - b)[Math.floor(n / 2)]!;
    };
    const b = await med(pooled), a = await med(inline);
    console.log(`${String(bytes).padEnd(10)} ${a.toFixed(3).padStart(10)}   ${b.toFixed(3).padStart(10)}   ${a < b ? 'main thread faster' : 'pool faster'}`);
  }
  await inline.close(); await pooled.close();
}

// ---- parent ------------------------------------------------------------------------------------
/** Starts a child; resolves with its port (printed as "PORT n", or the `knownPort` once it is set). */
function startChild(args: string[], env: NodeJS.ProcessEnv = {}, knownPort?: number): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    if (knownPort !== undefined) resolve({ child, port: knownPort });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}: ${out.slice(-2000)}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); });
  });
}

async function waitReady(port: number, path: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => http.get({ port, host: '127.0.0.1', path }, (res) => { res.resume(); r(res.statusCode === 200); }).on('error', () => r(false)));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} never answered ${path}`);
}

function fetchAll(port: number, path: string): Promise<{ bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http.get({ port, host: '127.0.0.1', path }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => { bytes += c.length; });
      res.on('end', () => resolve({ bytes, seconds: (performance.now() - t0) / 1000 }));
    }).on('error', reject);
  });
}

function fetchBody(port: number, path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path }, (res) => { const parts: Buffer[] = []; res.on('data', (c: Buffer) => parts.push(c)); res.on('end', () => resolve(Buffer.concat(parts))); }).on('error', reject);
  });
}

/** GB/s of one download with curl (native client), or undefined when curl is missing. */
function curlGbps(port: number, path: string): number | undefined {
  const r = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{speed_download} %{size_download}', `http://127.0.0.1:${port}${path}`], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return undefined;
  const [speed, size] = r.stdout.trim().split(' ').map(Number);
  if (size !== BIG_ELEMENTS * 4) throw new Error(`curl: short body (${size} bytes)`);
  return speed! / 1e9;
}

async function cannon(port: number, path: string) {
  const r = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: CONNECTIONS, duration: SECONDS, pipelining: 1 });
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`autocannon: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 };
}

async function main() {
  console.log(`bench:http on ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), node ${process.version}`);
  const servicePort = await freePort();
  const service = await startChild(['src/cli.ts', 'serve'], { PORT: String(servicePort), HOST: '127.0.0.1', LOG_LEVEL }, servicePort);
  await waitReady(service.port, SMALL_PATH);
  const bare = await startChild(['bench/http.ts', '--bare']);
  const small = await fetchBody(service.port, SMALL_PATH);
  const memory = await startChild(['bench/http.ts', '--memory', small.toString('base64')], { LOG_LEVEL });
  const children = [service.child, bare.child, memory.child];
  try {
    // Throughput: interleave service and bare, best of REPS each.
    let bestService = 0, bestBare = 0;
    for (let i = 0; i < REPS; i++) {
      const s = await fetchAll(service.port, BIG_PATH);
      const b = await fetchAll(bare.port, '/');
      if (s.bytes !== BIG_ELEMENTS * 4 || b.bytes !== BIG_ELEMENTS * 4) throw new Error('short body');
      bestService = Math.max(bestService, s.bytes / s.seconds / 1e9);
      bestBare = Math.max(bestBare, b.bytes / b.seconds / 1e9);
      console.log(`  rep ${i + 1}: service ${(s.bytes / s.seconds / 1e9).toFixed(3)} GB/s, bare ${(b.bytes / b.seconds / 1e9).toFixed(3)} GB/s (${load()})`);
    }
    // Small tensors.
    // The same with a native client, when there is one.
    let curlService = 0, curlBare = 0;
    for (let i = 0; i < REPS; i++) {
      const s = curlGbps(service.port, BIG_PATH), b = curlGbps(bare.port, '/');
      if (s === undefined || b === undefined) break;
      curlService = Math.max(curlService, s); curlBare = Math.max(curlBare, b);
      console.log(`  curl rep ${i + 1}: service ${s.toFixed(3)} GB/s, bare ${b.toFixed(3)} GB/s (${load()})`);
    }
    // Small tensors: both warmed up, then interleaved, best of REPS each.
    await cannon(service.port, SMALL_PATH); await cannon(memory.port, '/v1/tensors');
    let svc = { rps: 0, p50: 0, p99: 0 }, mem = { rps: 0, p50: 0, p99: 0 };
    for (let i = 0; i < REPS; i++) {
      const a = await cannon(service.port, SMALL_PATH);
      const b = await cannon(memory.port, '/v1/tensors');
      console.log(`  rep ${i + 1}: service ${a.rps.toFixed(0)} req/s, in-memory ${b.rps.toFixed(0)} req/s (${load()})`);
      if (a.rps > svc.rps) svc = a;
      if (b.rps > mem.rps) mem = b;
    }
    const gbRatio = bestService / bestBare, rpsRatio = svc.rps / mem.rps;
    console.log('');
    console.log(`${load()} (1-minute average) at the end; ${os.cpus().length} CPUs`);
    console.log(`256 MiB float32 normal: service ${bestService.toFixed(3)} GB/s vs bare node:http ${bestBare.toFixed(3)} GB/s -> ${(100 * gbRatio).toFixed(1)}% (target >= 60%)`);
    if (curlBare > 0) console.log(`256 MiB with curl:      service ${curlService.toFixed(3)} GB/s vs bare node:http ${curlBare.toFixed(3)} GB/s -> ${(100 * curlService / curlBare).toFixed(1)}% (native client)`);
    console.log(`4096-element float32:   service ${svc.rps.toFixed(0)} req/s (p50 ${svc.p50} ms, p99 ${svc.p99} ms) vs in-memory Fastify ${mem.rps.toFixed(0)} req/s (p50 ${mem.p50} ms, p99 ${mem.p99} ms) -> ${(100 * rpsRatio).toFixed(1)}% (target >= 50%)`);
    console.log(JSON.stringify({ bench: 'http', gbps: { service: bestService, bare: bestBare, ratio: gbRatio }, small: { service: svc, memory: mem, ratio: rpsRatio }, curl: curlBare > 0 ? { service: curlService, bare: curlBare, ratio: curlService / curlBare } : null, connections: CONNECTIONS, seconds: SECONDS, loadavg: os.loadavg(), logLevel: LOG_LEVEL }));
  } finally {
    for (const c of children) c?.kill('SIGTERM');
  }
}
