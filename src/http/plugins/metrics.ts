/**
 * Prometheus metrics (prom-client, one registry per app so tests and multiple apps never share
 * series) on GET /metrics, plus the per-request log line. Routes that serve tensors set
 * `request.weightinit = { recipeId, bytes, format, scheme }`; an onResponse hook turns that into
 * the bytes-served counter, the generation-time histogram and the request log.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PhaseRecord } from '../../startup/registry.ts';

/** Tensor facts a route attaches to its request (set by the HTTP routes). */
export interface TensorRequestInfo { recipeId?: string; bytes?: number; format?: string; scheme?: string }

declare module 'fastify' {
  interface FastifyInstance { metrics: { registry: Registry } }
}

const tensorInfo = (req: FastifyRequest) => (req as unknown as { weightinit?: TensorRequestInfo | null }).weightinit ?? undefined;

/** Read lazily at scrape time, so the pool can appear after the app is built. */
export interface PoolGauges { readonly utilization: number; readonly queueSize: number; readonly threads: number }

export interface MetricsOptions {
  /** The startup registry (records) and its shared services (features, kernelMode, pool). */
  startup?: { records(): PhaseRecord[]; ready(): boolean; context?: { services: Record<string, unknown> } | undefined };
  pool?: PoolGauges | (() => PoolGauges | undefined);
  /** Collect Node process metrics (RSS, heap, event loop lag, ...). Default true. */
  processMetrics?: boolean;
}

const FEATURES = ['simd', 'workerThreads', 'sharedArrayBuffer', 'littleEndian'] as const;

function routeOf(req: FastifyRequest): string {
  return req.routeOptions.url ?? 'unmatched';
}

async function metrics(app: FastifyInstance, opts: MetricsOptions) {
  const registry = new Registry();
  app.decorate('metrics', { registry });
  const poolOf = () => (typeof opts.pool === 'function' ? opts.pool() : opts.pool) ?? (opts.startup?.context?.services.pool as PoolGauges | undefined);
  const inflight = () => (app as unknown as { inflight?: { used: number; budget: number } }).inflight;

  const requests = new Counter({ name: 'weightinit_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const duration = new Histogram({ name: 'weightinit_http_request_duration_seconds', help: 'HTTP request duration by route', labelNames: ['route', 'method'], registers: [registry],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120] });
  const bytesServed = new Counter({ name: 'weightinit_bytes_served_total', help: 'Tensor bytes sent in completed responses, by format', labelNames: ['format'], registers: [registry] });
  const aborted = new Counter({ name: 'weightinit_responses_aborted_total', help: 'Tensor responses whose client went away before the end', labelNames: ['format'], registers: [registry] });
  const generation = new Histogram({ name: 'weightinit_generation_seconds', help: 'Time to generate and send a tensor response, by scheme', labelNames: ['scheme'], registers: [registry],
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120] });

  new Gauge({ name: 'weightinit_pool_utilization', help: 'Fraction of worker time spent on tasks (0..1)', registers: [registry],
    collect() { this.set(poolOf()?.utilization ?? 0); } });
  new Gauge({ name: 'weightinit_pool_queue_depth', help: 'Tasks waiting for a worker', registers: [registry],
    collect() { this.set(poolOf()?.queueSize ?? 0); } });
  new Gauge({ name: 'weightinit_pool_threads', help: 'Worker threads running', registers: [registry],
    collect() { this.set(poolOf()?.threads ?? 0); } });
  new Gauge({ name: 'weightinit_inflight_bytes', help: 'Response bytes reserved by in-flight requests', registers: [registry],
    collect() { this.set(inflight()?.used ?? 0); } });
  new Gauge({ name: 'weightinit_inflight_budget_bytes', help: 'In-flight byte budget (WEIGHTINIT_INFLIGHT_BYTES)', registers: [registry],
    collect() { this.set(inflight()?.budget ?? 0); } });
  new Gauge({ name: 'weightinit_startup_phase_duration_seconds', help: 'Duration of each startup phase', labelNames: ['phase', 'status'], registers: [registry],
    collect() {
      this.reset();
      for (const r of opts.startup?.records() ?? []) this.set({ phase: r.name, status: r.status }, r.durationMs / 1000);
    } });
  new Gauge({ name: 'weightinit_ready', help: '1 when every startup phase passed and no shutdown is in progress', registers: [registry],
    collect() { this.set(opts.startup?.ready() ? 1 : 0); } });
  new Gauge({ name: 'weightinit_feature', help: 'Host features found by the startup checks (1 present, 0 missing)', labelNames: ['feature'], registers: [registry],
    collect() {
      const f = opts.startup?.context?.services.features as Record<string, unknown> | undefined;
      if (!f) return;
      for (const k of FEATURES) this.set({ feature: k }, f[k] ? 1 : 0);
    } });
  new Gauge({ name: 'weightinit_kernels_simd', help: '1 when the WebAssembly SIMD kernels are active, 0 for the scalar fallback', registers: [registry],
    collect() { this.set(opts.startup?.context?.services.kernelMode === 'simd' ? 1 : 0); } });
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'weightinit_' });

  const logLine = (req: FastifyRequest, status: number, durationMs: number, extra: Record<string, unknown> = {}) => {
    const w = tensorInfo(req);
    return {
      // reqId comes from Fastify's request logger bindings.
      method: req.method, route: routeOf(req), url: req.url, status, durationMs: Math.round(durationMs * 100) / 100,
      ...(w ? { recipeId: w.recipeId, bytes: w.bytes, format: w.format, scheme: w.scheme } : {}), ...extra,
    };
  };

  // Fastify runs onResponse only when a response finished; a client that goes away mid-stream is
  // seen here, from the response's 'close' without 'finish'.
  app.addHook('onRequest', async (req, reply) => {
    const res = reply.raw;
    let finished = false;
    res.once('finish', () => { finished = true; });
    res.once('close', () => {
      if (finished) return;
      const w = tensorInfo(req);
      if (w) aborted.inc({ format: w.format ?? 'unknown' });
      req.log.info(logLine(req, reply.statusCode, reply.elapsedTime, { aborted: true }), 'request aborted by the client');
    });
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = routeOf(req);
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    requests.inc({ route, method: req.method, status: String(status) });
    duration.observe({ route, method: req.method }, seconds);
    const w = tensorInfo(req);
    if (w && status < 300 && req.method !== 'HEAD') {
      bytesServed.inc({ format: w.format ?? 'unknown' }, w.bytes ?? 0);
      generation.observe({ scheme: w.scheme ?? 'unknown' }, seconds);
    }
    // The request log: one JSON line per request with what an operator greps for.
    req.log.info(logLine(req, status, reply.elapsedTime), 'request done');
  });

  app.get('/metrics', {
    schema: { tags: ['probes'], summary: 'Prometheus metrics' } as Record<string, unknown>,
    config: { pressureHandler: () => undefined, probe: true },
  }, async (_req, reply) => {
    reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
}

export const metricsPlugin = fp(metrics, { name: 'weightinit-metrics', fastify: '5.x' });
export default metricsPlugin;
