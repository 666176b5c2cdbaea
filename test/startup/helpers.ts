/** Shared helpers for startup tests: a log-capturing pino logger and a fake worker pool. */
import pino, { type Logger } from 'pino';
import type { WorkerPool } from '../../src/pool/index.ts';
import type { SelfTestResult } from '../../src/pool/tasks.ts';

export interface LogLine { level: number; msg: string; [k: string]: unknown }

export function captureLogger(level = 'debug'): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level }, { write(s: string) { lines.push(JSON.parse(s) as LogLine); } });
  return { log, lines };
}

/** A pool that answers the self-test with the given per-worker results and records close(). */
export function fakePool(results: Partial<SelfTestResult>[] = [{}, {}], gauges = { utilization: 0.25, queueSize: 3, threads: 2 }) {
  const state = { closed: 0 };
  const pool: WorkerPool = {
    run: async () => { throw new Error('fake pool runs nothing'); },
    get utilization() { return gauges.utilization; },
    get queueSize() { return gauges.queueSize; },
    get threads() { return gauges.threads; },
    selfTest: async () => results.map((r, i) => ({ ok: true, sha256: 'x', kernelMode: 'scalar', threadId: i + 1, ...r })),
    close: async () => { state.closed++; },
  };
  return { pool, state, createPool: () => pool };
}

/** Env for a healthy run on this machine: no SIMD surprises from work in progress, 2 workers. */
export const baseEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  WEIGHTINIT_WORKERS: '2', LOG_LEVEL: 'debug', WEIGHTINIT_SIMULATE_NO_SIMD: '1', ...extra,
});
