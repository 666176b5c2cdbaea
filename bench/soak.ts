/**
 * npm run soak: a bounded soak of the real service (bin/weightinit.js serve on loopback) with a mix
 * of small, medium and large tensors, slices, formats, GET and POST. Every body is checked: its
 * SHA-256 against /v1/tensors/digest (fetched once per URL before the run) and, for slices, against
 * the region cut here from the full tensor. Reports statuses, latency percentiles per class,
 * throughput, and the server's RSS over time. Stops by itself after SOAK_SECONDS (default 60).
 * Exit 1 on any 5xx, transport error or corrupted body.
 *
 *   SOAK_SECONDS=60 SOAK_CONCURRENCY=16 WEIGHTINIT_WORKERS=2 npm run soak
 */
import http from 'node:http';
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const seconds = Number(process.env.SOAK_SECONDS ?? 60);
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 16);
const bin = fileURLToPath(new URL('../bin/weightinit.js', import.meta.url));

// ---------- the service ----------
const child = spawn(process.execPath, [bin, 'serve'], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', WEIGHTINIT_WORKERS: process.env.WEIGHTINIT_WORKERS ?? '2' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let log = '';
const port = await new Promise<number>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`service did not start:\n${log}`)), 30_000);
  const onData = (d: Buffer) => {
    log += d;
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
    if (!m) return;
    clearTimeout(timer);
    // The per-request log lines (info) are not kept: a soak must not measure its own buffering.
    child.stdout.off('data', onData);
    child.stdout.resume();
    log = '';
    resolve(Number(m[1]));
  };
  child.stdout.on('data', onData);
  child.on('exit', (c) => reject(new Error(`service exited with ${c}:\n${log}`)));
});

/** RSS of the service: the launcher and its descendants (bin/weightinit.js runs the service as a child). */
function rssMiB(): number {
  const kb = (pid: number): number => {
    let sum = 0;
    try { sum += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { return 0; }
    try {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) sum += kb(Number(c));
    } catch { /* no children file */ }
    return sum;
  };
  const total = kb(child.pid!);
  return total > 0 ? Math.round(total / 1024) : NaN;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
interface Answer { status: number; sha256: string; bytes: number; body?: Buffer; headers: http.IncomingHttpHeaders }
function request(method: string, path: string, body?: Buffer, contentType = 'application/json', keep = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent, headers: body ? { 'content-type': contentType, 'content-length': body.length } : {} }, (res) => {
      const h = createHash('sha256');
      const parts: Buffer[] = [];
      let bytes = 0;
      res.on('data', (d: Buffer) => { h.update(d); bytes += d.length; if (keep) parts.push(d); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, sha256: h.digest('hex'), bytes, headers: res.headers, ...(keep ? { body: Buffer.concat(parts) } : {}) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---------- the mix ----------
interface Case { cls: 'small' | 'medium' | 'large' | 'slice' | 'post' | 'stats'; weight: number; method: string; path: string; body?: Buffer; sha256?: string; bytes?: number }
const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
const cases: Case[] = [];
const smallSchemes = ['normal', 'uniform', 'kaiming_uniform', 'xavier_normal', 'truncated_normal', 'torch.nn.Linear.weight', 'orthogonal', 'eye'];
for (const [i, scheme] of smallSchemes.entries()) {
  for (const format of ['raw', 'npy', 'msgpack', 'json']) {
    cases.push({ cls: 'small', weight: 6, method: 'GET', path: `/v1/tensors?${q({ scheme, shape: '64,64', seed: String(100 + i), format, name: `layer${i}.weight` })}` });
  }
}
for (const dtype of ['float32', 'bfloat16', 'float16', 'float64']) {
  cases.push({ cls: 'medium', weight: 2, method: 'GET', path: `/v1/tensors?${q({ scheme: 'kaiming_normal', shape: '1024,1024', seed: '7', dtype, format: 'safetensors' })}` });
}
cases.push({ cls: 'large', weight: 1, method: 'GET', path: `/v1/tensors?${q({ scheme: 'normal', shape: '4096,4096', seed: '9' })}` }); // 64 MiB
cases.push({ cls: 'large', weight: 1, method: 'GET', path: `/v1/tensors?${q({ scheme: 'xavier_uniform', shape: '8192,2048', seed: '10', format: 'npy' })}` }); // 64 MiB
const FULL = { scheme: 'normal', shape: '2048,1024', seed: '5' }; // 8 MiB, sliced below
const slices: [string, [number, number][]][] = [['0:512,:', [[0, 512], [0, 1024]]], ['100:228,17:900', [[100, 228], [17, 900]]], [':,1000:1024', [[0, 2048], [1000, 1024]]], ['2047:2048,0:1', [[2047, 2048], [0, 1]]]];
for (const [s] of slices) cases.push({ cls: 'slice', weight: 2, method: 'GET', path: `/v1/tensors?${q({ ...FULL, slice: s })}` });
for (const [i, scheme] of ['normal', 'kaiming_uniform', 'truncated_normal'].entries()) {
  const body = Buffer.from(JSON.stringify({ scheme, shape: [256, 256], seed: 1000 + i, name: `post.${i}`, format: 'raw' }));
  cases.push({ cls: 'post', weight: 3, method: 'POST', path: '/v1/tensors', body });
}
cases.push({ cls: 'stats', weight: 1, method: 'GET', path: `/v1/tensors?${q({ scheme: 'normal', shape: '512,512', seed: '3', format: 'stats' })}` });

// Expected digests: the server's digest endpoint for each URL; slices additionally cut here.
for (const c of cases) {
  const digestPath = c.path.replace('/v1/tensors?', '/v1/tensors/digest?').replace(/^\/v1\/tensors$/, '/v1/tensors/digest');
  const d = c.method === 'POST' ? await request('POST', digestPath, c.body, 'application/json', true) : await request('GET', digestPath, undefined, 'application/json', true);
  if (d.status !== 200) throw new Error(`digest ${digestPath}: ${d.status} ${d.body?.toString()}`);
  const j = JSON.parse(d.body!.toString()) as { sha256: string; bytes: number };
  c.sha256 = j.sha256; c.bytes = j.bytes;
}
const full = await request('GET', `/v1/tensors?${q(FULL)}`, undefined, undefined, true);
for (const [s, ranges] of slices) {
  const c = cases.find((x) => x.path.includes(`slice=${encodeURIComponent(s)}`))!;
  const parts: Buffer[] = [];
  for (let r = ranges[0]![0]; r < ranges[0]![1]; r++) parts.push(full.body!.subarray((r * 1024 + ranges[1]![0]) * 4, (r * 1024 + ranges[1]![1]) * 4));
  const local = createHash('sha256').update(Buffer.concat(parts)).digest('hex');
  if (local !== c.sha256) throw new Error(`slice ${s}: the digest endpoint and the region cut locally disagree`);
}
const totalWeight = cases.reduce((a, c) => a + c.weight, 0);
function pick(): Case {
  let x = Math.random() * totalWeight;
  for (const c of cases) { x -= c.weight; if (x < 0) return c; }
  return cases[0]!;
}

// ---------- run ----------
const latencies = new Map<string, number[]>();
const counts = { requests: 0, s2xx: 0, s4xx: 0, s503: 0, s5xx: 0, transportErrors: 0, corrupted: 0, bytes: 0 };
const rss: [number, number][] = [];
const t0 = performance.now();
const sampler = setInterval(() => rss.push([(performance.now() - t0) / 1000, rssMiB()]), 1000);
rss.push([0, rssMiB()]);
const deadline = t0 + seconds * 1000;
const firstErrors: string[] = [];

await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < deadline) {
    const c = pick();
    const start = performance.now();
    try {
      const a = await request(c.method, c.path, c.body);
      const ms = performance.now() - start;
      counts.requests++;
      counts.bytes += a.bytes;
      if (a.status === 503) { counts.s503++; await new Promise((r) => setTimeout(r, 1000 * Number(a.headers['retry-after'] ?? 1))); continue; }
      if (a.status >= 500) { counts.s5xx++; if (firstErrors.length < 5) firstErrors.push(`${a.status} ${c.path}`); continue; }
      if (a.status >= 400) { counts.s4xx++; if (firstErrors.length < 5) firstErrors.push(`${a.status} ${c.path}`); continue; }
      counts.s2xx++;
      if (a.sha256 !== c.sha256 || a.bytes !== c.bytes) { counts.corrupted++; if (firstErrors.length < 5) firstErrors.push(`corrupted ${c.path}`); }
      if (!latencies.has(c.cls)) latencies.set(c.cls, []);
      latencies.get(c.cls)!.push(ms);
    } catch (e) {
      counts.transportErrors++;
      if (firstErrors.length < 5) firstErrors.push(`${(e as Error).message} ${c.path}`);
    }
  }
}));
clearInterval(sampler);
const elapsed = (performance.now() - t0) / 1000;
rss.push([elapsed, rssMiB()]);

// ---------- report ----------
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(p / 100 * xs.length))]!;
console.log(`\nsoak: ${elapsed.toFixed(0)} s, concurrency ${concurrency}, workers ${process.env.WEIGHTINIT_WORKERS ?? 2}, ${cases.length} distinct requests (GET/POST; raw, npy, msgpack, json, safetensors, stats; slices; 16 KiB .. 64 MiB)`);
console.log(`requests ${counts.requests} (${(counts.requests / elapsed).toFixed(0)}/s), ${(counts.bytes / 2 ** 30).toFixed(2)} GiB (${(counts.bytes / 2 ** 20 / elapsed).toFixed(0)} MiB/s)`);
console.log(`2xx ${counts.s2xx}, 4xx ${counts.s4xx}, 503 shed ${counts.s503}, 5xx ${counts.s5xx}, transport errors ${counts.transportErrors}, corrupted bodies ${counts.corrupted} (every 2xx body SHA-256 checked)`);
console.log('latency ms      count     p50     p90     p99     max');
for (const [cls, xs] of [...latencies.entries()].sort()) {
  xs.sort((a, b) => a - b);
  console.log(`  ${cls.padEnd(8)} ${String(xs.length).padStart(8)} ${pct(xs, 50).toFixed(1).padStart(7)} ${pct(xs, 90).toFixed(1).padStart(7)} ${pct(xs, 99).toFixed(1).padStart(7)} ${xs[xs.length - 1]!.toFixed(1).padStart(8)}`);
}
const rssValues = rss.map(([, v]) => v).filter(Number.isFinite);
const step = Math.max(1, Math.round(rss.length / 12));
console.log(`server RSS MiB over time: ${rss.filter((_, i) => i % step === 0 || i === rss.length - 1).map(([s, v]) => `${s.toFixed(0)}s:${v}`).join(' ')}`);
console.log(`server RSS: start ${rssValues[0]} MiB, max ${Math.max(...rssValues)} MiB, end ${rssValues[rssValues.length - 1]} MiB`);
if (firstErrors.length) console.log(`first problems:\n  ${firstErrors.join('\n  ')}`);

// Where the memory is: the service's main-thread V8 heap and external (ArrayBuffer) memory, from /metrics.
const metrics = (await request('GET', '/metrics', undefined, undefined, true)).body!.toString();
const gauge = (name: string) => { const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(metrics); return m ? Math.round(Number(m[1]) / 2 ** 20) : NaN; };
console.log(`service main thread at the end: heap used ${gauge('weightinit_nodejs_heap_size_used_bytes')} MiB, external ${gauge('weightinit_nodejs_external_memory_bytes')} MiB, ` +
  `RSS ${gauge('weightinit_process_resident_memory_bytes')} MiB (the rest of the tree's RSS is worker heaps and allocator slack)`);

agent.destroy();
child.kill('SIGTERM');
const code = await new Promise<number | null>((r) => child.on('exit', r));
console.log(`service stopped with SIGTERM: exit ${code}`);
process.exit(counts.s5xx || counts.transportErrors || counts.corrupted || counts.s4xx || code !== 0 ? 1 : 0);
