/**
 * Load shedding: answer 503 + Retry-After (application/problem+json) instead of growing memory.
 *
 * 1. In-flight byte budget (WEIGHTINIT_INFLIGHT_BYTES). Each tensor response reserves the bytes it can
 *    hold in memory at once: the whole body when it is a Buffer, at most (windowChunks + 3) x chunkBytes
 *    when it is a stream (its window of chunks in flight plus pushed chunks not yet flushed: maxHeldChunks). A response whose reservation would take
 *    the total over the budget is refused before any generation starts (streams are lazy, so
 *    destroying one in onSend cancels it before its first chunk). The reservation is released when the
 *    response ends or the client goes away. Routes mark tensor responses by setting
 *    `request.weightinit = { bytes, ... }` before returning the body; a route that wants to refuse
 *    earlier (before compiling a recipe) can call `request.reserveInflight(bytes)` itself.
 * 2. Live memory of the main thread: V8 heap used + ArrayBuffer memory (chunk buffers, the pool's
 *    slot slab, whole-tensor arrays), sampled every sampleIntervalMs; over maxLiveBytes (default 3/4
 *    of WEIGHTINIT_MEMORY_BUDGET_BYTES) new requests get 503 until it is back under. Live memory
 *    falls when responses end and the GC runs, so this never latches.
 * 3. @fastify/under-pressure for event-loop delay and the heap limit, with the same problem body.
 *    RSS is deliberately not a default trigger: it rarely comes back down once the allocator and the
 *    slot slab have grown (glibc arenas per thread keep freed pages, touched shared slots stay
 *    resident), so shedding on it latched: the service once answered 503 to everything for 25 s at a
 *    steady, harmless RSS. maxRssBytes remains available as an explicit option.
 * Probes (routes with config.probe) are exempt: they must keep answering under load.
 */
import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import v8 from 'node:v8';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import type { Config } from '../../config.ts';
import { maxHeldChunks } from '../../pool/plan.ts';

export interface InflightBudget {
  readonly budget: number;
  /** Bytes reserved right now. */
  readonly used: number;
  /** Highest `used` seen. */
  readonly peak: number;
  /** Responses refused for the budget since start. */
  readonly refused: number;
}

export interface OverloadOptions {
  config: Pick<Config, 'inflightBytes' | 'chunkBytes' | 'windowChunks' | 'memoryBudgetBytes'>;
  /** Seconds clients are told to wait (Retry-After). */
  retryAfterSeconds?: number;
  /** Event-loop delay limit in ms (0: off). */
  maxEventLoopDelayMs?: number;
  /** Heap-used limit in bytes (0: off; default 90% of V8's heap limit). */
  maxHeapUsedBytes?: number;
  /** Main-thread live memory limit, heap used + ArrayBuffers, in bytes (0: off; default 3/4 of WEIGHTINIT_MEMORY_BUDGET_BYTES). */
  maxLiveBytes?: number;
  /** RSS limit in bytes (0, the default: off; see point 3 above for why). */
  maxRssBytes?: number;
  /** Sampling interval of under-pressure in ms. */
  sampleIntervalMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance { inflight: InflightBudget }
  interface FastifyRequest {
    /** Reserves bytes of the in-flight budget until the response ends; false (nothing reserved) when over budget. */
    reserveInflight(bytes: number): boolean;
    inflightReserved?: number;
  }
  interface FastifyReply {
    /** Sends 503 + Retry-After as application/problem+json. */
    overloaded(detail: string): FastifyReply;
  }
}

const PROBLEM_TYPE = 'urn:weightinit:problem:overloaded'; // same type namespace as src/http/problems.ts

export function overloadProblem(detail: string, retryAfter: number) {
  return { type: PROBLEM_TYPE, title: 'Service Unavailable', status: 503, detail, retry_after: retryAfter };
}

async function overload(app: FastifyInstance, opts: OverloadOptions) {
  const { config } = opts;
  const retryAfter = opts.retryAfterSeconds ?? 2;
  const state = { budget: config.inflightBytes, used: 0, peak: 0, refused: 0 };
  app.decorate('inflight', {
    get budget() { return state.budget; },
    get used() { return state.used; },
    get peak() { return state.peak; },
    get refused() { return state.refused; },
  } satisfies InflightBudget);

  // The response of each request, so a reservation made through the request can follow its end.
  const responses = new WeakMap<FastifyRequest, ServerResponse>();
  app.addHook('onRequest', async (req, reply) => { responses.set(req, reply.raw); });

  function reserve(req: FastifyRequest, bytes: number): boolean {
    const n = Math.max(0, Math.ceil(bytes));
    if (n === 0) return true;
    if (state.used + n > state.budget) { state.refused++; return false; }
    state.used += n;
    state.peak = Math.max(state.peak, state.used);
    req.inflightReserved = (req.inflightReserved ?? 0) + n;
    let released = false;
    const release = () => { if (released) return; released = true; state.used -= n; };
    // A response's 'close' fires both when it finished and when the client went away.
    const res = responses.get(req);
    if (!res || res.closed) release();
    else res.once('close', release);
    return true;
  }

  app.decorateRequest('inflightReserved', undefined);
  app.decorateRequest('reserveInflight', function (this: FastifyRequest, bytes: number) { return reserve(this, bytes); });
  app.decorateReply('overloaded', function (this: FastifyReply, detail: string) {
    return this.code(503).header('retry-after', String(retryAfter)).type('application/problem+json').send(overloadProblem(detail, retryAfter));
  });

  // Automatic reservation for tensor responses the route did not reserve itself.
  app.addHook('onSend', async (req, reply, payload) => {
    const w = (req as unknown as { weightinit?: { bytes?: number } | null }).weightinit;
    if (!w || req.inflightReserved !== undefined || reply.statusCode >= 300) return payload;
    const isStream = payload instanceof Readable;
    const held = isStream ? Math.min(w.bytes ?? Infinity, config.chunkBytes * maxHeldChunks(config.windowChunks))
      : Buffer.isBuffer(payload) ? payload.length : typeof payload === 'string' ? Buffer.byteLength(payload) : 0;
    if (!Number.isFinite(held) || reserve(req, held)) return payload;
    if (isStream) payload.destroy();
    for (const h of Object.keys(reply.getHeaders())) reply.removeHeader(h);
    reply.code(503).header('retry-after', String(retryAfter)).header('content-type', 'application/problem+json; charset=utf-8');
    return JSON.stringify(overloadProblem(
      `in-flight byte budget exhausted: ${state.used} of ${state.budget} bytes (WEIGHTINIT_INFLIGHT_BYTES) are reserved and this response needs ${held}; retry later`, retryAfter));
  });

  const maxLive = opts.maxLiveBytes ?? Math.floor(config.memoryBudgetBytes * 0.75);
  if (maxLive > 0) {
    const liveBytes = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
    let live = liveBytes();
    const sampler = setInterval(() => { live = liveBytes(); }, opts.sampleIntervalMs ?? 1000);
    sampler.unref();
    app.addHook('onClose', async () => { clearInterval(sampler); });
    app.addHook('onRequest', async (req, reply) => {
      if (live <= maxLive || (req.routeOptions.config as { probe?: boolean } | undefined)?.probe) return;
      return reply.overloaded(`server under pressure (live memory ${Math.round(live / 2 ** 20)} MiB of heap and buffers is over ${Math.round(maxLive / 2 ** 20)} MiB, 3/4 of WEIGHTINIT_MEMORY_BUDGET_BYTES); retry later`);
    });
  }

  const heapLimit = v8.getHeapStatistics().heap_size_limit;
  await app.register(underPressure, {
    maxEventLoopDelay: opts.maxEventLoopDelayMs ?? 1000,
    maxHeapUsedBytes: opts.maxHeapUsedBytes ?? Math.floor(heapLimit * 0.9),
    maxRssBytes: opts.maxRssBytes ?? 0,
    sampleInterval: opts.sampleIntervalMs ?? 1000,
    retryAfter,
    pressureHandler: (req, reply, type, value) => {
      if ((req.routeOptions.config as { probe?: boolean } | undefined)?.probe) return undefined;
      reply.code(503).header('retry-after', String(retryAfter)).type('application/problem+json');
      // under-pressure sends a non-null return value as the reply (its typings say void).
      return overloadProblem(`server under pressure (${type}${value !== undefined ? ` = ${Math.round(Number(value))}` : ''}); retry later`, retryAfter) as unknown as void;
    },
  });
}

export const overloadPlugin = fp(overload, { name: 'weightinit-overload', fastify: '5.x' });
export default overloadPlugin;
