/**
 * The service process: globalInit (every startup phase; the last one builds the app and listens),
 * then graceful shutdown on SIGTERM/SIGINT:
 *   1. readiness turns false at once (/readyz 503, "shutdown" check failed);
 *   2. the server stops accepting connections; requests arriving on open keep-alive connections get
 *      503 (Fastify's return503OnClosing);
 *   3. in-flight responses (large streams included) get WEIGHTINIT_SHUTDOWN_GRACE_MS to finish; after
 *      that the remaining connections are cut;
 *   4. the pool and server close and the process exits 0.
 * A second signal exits at once (close-with-grace), as does an error during shutdown (exit 1).
 */
import closeWithGrace from 'close-with-grace';
import pino, { type Logger } from 'pino';
import { LogController, type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { startup as defaultRegistry, type InitContext, type InitRegistry, type InitReport, type PhaseRecord } from './startup/index.ts';
import type { WorkerPool } from './pool/index.ts';
import type { AppDeps } from './http/app.ts';

export type BuildApp = (config: Config, deps: AppDeps) => Promise<FastifyInstance>;

export interface ServerOptions {
  env?: NodeJS.ProcessEnv;
  argv?: string[];
  registry?: InitRegistry;
  logger?: Logger;
  /** Defaults to src/http/app.ts buildApp (tests may wrap it). */
  buildApp?: BuildApp;
  /** Install SIGTERM/SIGINT handling (default true; tests that embed the server pass false). */
  installSignals?: boolean;
}

export interface ServerHandle {
  app: FastifyInstance;
  registry: InitRegistry;
  report: InitReport;
  /** Milliseconds from process start to ready. */
  readyAtMs: number;
  shutdown(reason?: string): Promise<void>;
}

export async function startServer(opts: ServerOptions = {}): Promise<ServerHandle> {
  const registry = opts.registry ?? defaultRegistry;
  const log = opts.logger ?? pino({ name: 'weightinit' });
  let app: FastifyInstance | undefined;
  let pool: WorkerPool | undefined;
  let config: Config | undefined;
  let closing: Promise<void> | undefined;
  let appBuild: Promise<FastifyInstance> | undefined;

  const shutdown = (reason = 'shutdown'): Promise<void> => {
    closing ??= (async () => {
      registry.beginShutdown();
      const graceMs = config?.shutdownGraceMs ?? 30_000;
      log.info({ reason, graceMs }, 'shutdown: readiness false, no new connections, waiting for in-flight requests');
      const t0 = performance.now();
      app ??= await appBuild?.catch(() => undefined); // built during startup but not listening yet
      if (app) {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), graceMs); });
        const closed = app.close().then(() => 'closed' as const);
        if ((await Promise.race([closed, graceOver])) === 'timeout') {
          log.warn({ graceMs }, 'shutdown: grace period over, closing remaining connections');
          app.server.closeAllConnections();
          await closed;
        }
        clearTimeout(timer);
      }
      await pool?.close();
      log.info({ ms: Math.round(performance.now() - t0) }, 'shutdown complete');
    })();
    return closing;
  };

  if (opts.installSignals !== false) {
    // delay: a safety net above our own grace handling (connections are cut at graceMs).
    const env = opts.env ?? process.env;
    const grace = Number(env.WEIGHTINIT_SHUTDOWN_GRACE_MS);
    const delay = (Number.isFinite(grace) && grace >= 0 ? grace : 30_000) + 10_000;
    closeWithGrace({ delay, logger: { error: (m: unknown) => log.error(String(m)) } }, async ({ signal, err }) => {
      if (err) log.error({ err }, 'fatal error, shutting down');
      await shutdown(signal ?? (err ? 'error' : 'exit'));
    });
  }

  // Building the app (importing the HTTP layer, compiling route schemas, OpenAPI) is the longest
  // part of startup. It starts as soon as the configuration phase has passed and runs while the
  // later phases do (the pool's workers boot on their own threads meanwhile); the listen phase then
  // only awaits it and listens. Routes reach the pool through a forwarder, because the pool object
  // exists only once the pool phase has run; no request can arrive before listen.
  const poolForwarder = new Proxy({} as WorkerPool, {
    get(_t, key) {
      if (!pool) throw new Error('the worker pool has not been started (startup phase "pool")');
      const v = (pool as unknown as Record<PropertyKey, unknown>)[key];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(pool) : v;
    },
  });
  const startBuild = (ctx: InitContext) => {
    config = ctx.config;
    appBuild = (async () => {
      const t0 = performance.now();
      const buildApp = opts.buildApp ?? (await import('./http/app.ts')).buildApp;
      const built = await buildApp(ctx.config, {
        pool: poolForwarder,
        readiness: registry,
        // One logger for startup and requests; the metrics plugin writes the one log line per request.
        fastify: {
          logger: undefined, loggerInstance: ctx.log, logController: new LogController({ disableRequestLogging: true }),
          requestIdHeader: 'x-request-id', // a proxy's or client's id, so log lines correlate across hops
        },
      });
      await built.ready(); // plugins booted and onReady hooks run now, not on the critical path of listen
      ctx.log.debug({ ms: Math.round(performance.now() - t0), atMs: Math.round(performance.now()) }, 'http app built');
      return built;
    })();
    appBuild.catch(() => undefined); // a failure surfaces in the listen phase, by name
  };
  const onPhase = (rec: PhaseRecord, ctx: InitContext) => { if (rec.name === 'configuration' && rec.status === 'ok') startBuild(ctx); };

  const listen = async (ctx: InitContext): Promise<string> => {
    pool = ctx.services.pool as WorkerPool | undefined;
    if (!pool) throw new Error('no worker pool was started');
    if (registry.isShuttingDown()) throw new Error('shutdown began during startup: not listening');
    if (!appBuild) startBuild(ctx);
    app = await appBuild!;
    const address = await app.listen({ port: ctx.config.port, host: ctx.config.host });
    return `listening on ${address}`;
  };

  try {
    const report = await registry.globalInit({ env: opts.env, argv: opts.argv, logger: log, listen, onPhase });
    const readyAtMs = performance.now();
    log.info({ readyAtMs: Math.round(readyAtMs), initMs: Math.round(report.totalMs) }, `ready ${Math.round(readyAtMs)} ms after process start`);
    return { app: app!, registry, report, readyAtMs, shutdown };
  } catch (e) {
    // Startup failed: release what the phases started before reporting.
    pool ??= registry.context?.services.pool as WorkerPool | undefined;
    await Promise.race([shutdown('startup failed'), new Promise((r) => setTimeout(r, 3000).unref())]);
    throw e;
  }
}
