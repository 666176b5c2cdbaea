/**
 * Scale-out check: starts N replicas (node bin/weightinit.js serve on 127.0.0.1 ports) behind a
 * round-robin proxy (nginx from Debian if installed, else a small Node proxy), verifies that every
 * replica returns identical bytes for a set of recipes, and measures aggregate throughput through
 * the proxy against one replica. Usage: npm run bench:scaleout [-- --replicas 3 --seconds 8]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import os from 'node:os';
import autocannon from 'autocannon';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => { const i = args.indexOf(`--${name}`); return i >= 0 ? Number(args[i + 1]) : dflt; };
const REPLICAS = opt('replicas', 3);
const SECONDS = opt('seconds', 8);
const BASE_PORT = opt('port', 18080);

const RECIPES = [
  '/v1/tensors?scheme=normal&shape=256,256&seed=1&format=raw',
  '/v1/tensors?scheme=uniform&shape=1000,7&seed=2&dtype=bfloat16&format=raw',
  '/v1/tensors?scheme=truncated_normal&shape=333,3&seed=3&name=layer.0.weight&format=npy',
  '/v1/tensors?scheme=torch.kaiming_uniform_&shape=64,32,3,3&seed=4&format=safetensors',
  '/v1/tensors?scheme=orthogonal&shape=128,64&seed=5&format=raw',
  '/v1/tensors?scheme=normal&shape=4096&seed=6&slice=100:200&format=msgpack',
];

function startReplica(port: number): ChildProcess {
  return spawn(process.execPath, ['bin/weightinit.js', 'serve'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WEIGHTINIT_WORKERS: '1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitReady(port: number, timeoutMs = 20000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    try { const r = await fetch(`http://127.0.0.1:${port}/readyz`); if (r.ok) return; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`replica on ${port} not ready after ${timeoutMs} ms`);
}

/** Minimal round-robin HTTP proxy (used when nginx is not installed). */
function startProxy(port: number, upstreams: number[]): Promise<http.Server> {
  let next = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const server = http.createServer((req, res) => {
    const target = upstreams[next++ % upstreams.length]!;
    const up = http.request({ host: '127.0.0.1', port: target, path: req.url, method: req.method, headers: req.headers, agent }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

async function sha(port: number, path: string): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  if (!r.ok) throw new Error(`${path} on ${port}: HTTP ${r.status} ${await r.text()}`);
  return createHash('sha256').update(Buffer.from(await r.arrayBuffer())).digest('hex');
}

async function load(port: number, path: string): Promise<{ rps: number; gbps: number; p50: number; p99: number; errors: number }> {
  const r = await autocannon({ url: `http://127.0.0.1:${port}${path}`, connections: 16, duration: SECONDS, pipelining: 1 });
  return { rps: r.requests.average, gbps: (r.throughput.average * 8) / 1e9, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

async function main(): Promise<void> {
  const ports = Array.from({ length: REPLICAS }, (_, i) => BASE_PORT + 1 + i);
  const procs = ports.map(startReplica);
  const stop = () => procs.forEach((p) => p.kill('SIGTERM'));
  process.on('exit', stop);
  try {
    await Promise.all(ports.map((p) => waitReady(p)));
    console.log(`${REPLICAS} replicas ready on ${ports.join(', ')} (${os.cpus().length} cores: ${os.cpus()[0]?.model})`);
    let identical = true;
    for (const path of RECIPES) {
      const hashes = await Promise.all(ports.map((p) => sha(p, path)));
      const same = hashes.every((h) => h === hashes[0]);
      identical &&= same;
      console.log(`${same ? 'identical' : 'DIFFERENT'} ${hashes[0]!.slice(0, 16)}  ${path}`);
    }
    const proxy = await startProxy(BASE_PORT, ports);
    const path = '/v1/tensors?scheme=normal&shape=65536&seed=7&format=raw';
    const one = await load(ports[0]!, path);
    const all = await load(BASE_PORT, path);
    console.log(`one replica : ${one.rps.toFixed(0)} req/s, ${one.gbps.toFixed(2)} Gbit/s, p50 ${one.p50} ms, p99 ${one.p99} ms, errors ${one.errors}`);
    console.log(`${REPLICAS} replicas  : ${all.rps.toFixed(0)} req/s, ${all.gbps.toFixed(2)} Gbit/s, p50 ${all.p50} ms, p99 ${all.p99} ms, errors ${all.errors} (through a Node round-robin proxy)`);
    console.log(`aggregate / one = ${(all.rps / one.rps).toFixed(2)}x; all replicas byte-identical: ${identical}`);
    proxy.close();
    if (!identical) process.exitCode = 1;
  } finally {
    stop();
    await Promise.all(procs.map((p) => (p.exitCode === null ? once(p, 'exit') : undefined)));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
