/**
 * Startup-to-ready measurement (not a test: speed is never asserted). Starts `weightinit serve`
 * (bin/weightinit.js, WEIGHTINIT_WORKERS=2 by default) N times, polls /readyz every 5 ms, and prints
 * the wall time from spawn to the first 200, plus the service's own phase timings.
 *   npx tsx test/startup/measure-startup.ts [runs=5] [workers=2]
 */
import http from 'node:http';
import os from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/weightinit.js', import.meta.url));
const runs = Number(process.argv[2] ?? 5);
const workers = process.argv[3] ?? '2';

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0); })
      .on('error', () => resolve(0));
  });
}

async function once(port: number) {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, NODE_OPTIONS: '', PORT: String(port), HOST: '127.0.0.1', WEIGHTINIT_WORKERS: workers, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  while ((await readyz(port)) !== 200) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}:\n${out}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const wall = performance.now() - t0;
  proc.kill('SIGTERM');
  await new Promise((r) => proc.on('exit', r));
  const phases: Record<string, number> = {};
  let init = 0;
  for (const line of out.split('\n')) {
    try {
      const j = JSON.parse(line) as { phase?: string; durationMs?: number; totalMs?: number; msg?: string; detail?: string };
      if (j.phase && j.durationMs !== undefined && j.msg?.startsWith('init phase')) phases[j.phase] = Math.round(j.durationMs);
      if (j.msg?.startsWith('startup complete')) init = Math.round(j.totalMs ?? 0);
    } catch { /* not JSON */ }
  }
  return { wall: Math.round(wall), init, phases };
}

console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, workers=${workers}`);
const walls: number[] = [];
for (let i = 0; i < runs; i++) {
  const r = await once(20000 + Math.floor(Math.random() * 10000));
  walls.push(r.wall);
  console.log(`run ${i + 1}: ready ${r.wall} ms after spawn (globalInit ${r.init} ms: ${Object.entries(r.phases).map(([k, v]) => `${k} ${v}`).join(', ')})`);
}
walls.sort((a, b) => a - b);
console.log(`median ${walls[Math.floor(walls.length / 2)]} ms, best ${walls[0]} ms, load average now ${os.loadavg()[0]!.toFixed(2)}`);
