/** Helpers for the fault tests: a pool that counts its tasks, process resource readings, sockets. */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { FastifyInstance } from 'fastify';
import type { WorkerPool } from '../../src/pool/index.ts';
import type { PoolTask } from '../../src/pool/tasks.ts';

export interface CountingPool extends WorkerPool {
  readonly counts: { submitted: Record<string, number>; settled: number; pending: number; rejected: number };
}

/** Wraps a real pool: counts tasks by kind, and those not yet settled (work still owed). */
export function countingPool(inner: WorkerPool): CountingPool {
  const counts = { submitted: {} as Record<string, number>, settled: 0, pending: 0, rejected: 0 };
  return {
    counts,
    run<T>(task: PoolTask, signal?: AbortSignal): Promise<T> {
      counts.submitted[task.kind] = (counts.submitted[task.kind] ?? 0) + 1;
      counts.pending++;
      const p = inner.run<T>(task, signal);
      p.then(() => { counts.pending--; counts.settled++; }, () => { counts.pending--; counts.settled++; counts.rejected++; });
      return p;
    },
    get utilization() { return inner.utilization; },
    get queueSize() { return inner.queueSize; },
    get threads() { return inner.threads; },
    selfTest: () => inner.selfTest(),
    close: () => inner.close(),
  };
}

export interface ResourceReading { rssMiB: number; heapMiB: number; arrayBuffersMiB: number; fds: number; handles: number }

// A full GC on demand, so memory readings compare live data rather than uncollected garbage.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** RSS, heap, ArrayBuffer memory (after a full GC), open file descriptors (/proc/self/fd), active libuv handles. */
export function resources(): ResourceReading {
  gc();
  let fds = -1;
  try { fds = fs.readdirSync('/proc/self/fd').length; } catch { /* not Linux */ }
  const handles = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'Immediate').length;
  const m = process.memoryUsage();
  const mib = (n: number) => Math.round(n / 2 ** 20 * 10) / 10;
  return { rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), arrayBuffersMiB: mib(m.arrayBuffers), fds, handles };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, stepMs = 20): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}

export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

export function openConnections(app: FastifyInstance): Promise<number> {
  return new Promise((resolve) => app.server.getConnections((_e, n) => resolve(n)));
}

/** GET that resolves with the response once headers arrive (the body is left unread). */
export function getHeaders(port: number, path: string, agent: http.Agent | false = false): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, resolve);
    req.on('error', reject);
  });
}
