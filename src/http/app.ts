/**
 * buildApp(config, deps): the Fastify application, ready for inject() or listen() (never listens
 * itself). Everything is a plugin; the order below matters only where noted.
 *
 * deps.pool: a started worker pool (the startup "pool" phase makes one and closes it); without it
 * buildApp starts its own and closes it with the app.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { unpack } from 'msgpackr';
import type { Config } from '../config.ts';
import { createPool, type WorkerPool } from '../pool/index.ts';
import { docsPlugin } from './routes/docs.ts';
import { schemeRoutes } from './routes/schemes.ts';
import { tensorRoutes } from './routes/tensors.ts';
import { modelRoutes } from './routes/models.ts';
import { pretrainedRoutes } from './routes/pretrained.ts';
import { explorerRoutes } from './routes/explorer.ts';
import { registerProblemHandlers } from './problems.ts';
import { healthPlugin, type ReadinessSource } from './plugins/health.ts';
import { metricsPlugin, type MetricsOptions } from './plugins/metrics.ts';
import { overloadPlugin } from './plugins/overload.ts';
import { securityPlugin, securityServerOptions } from './plugins/security.ts';

export interface AppDeps {
  pool?: WorkerPool;
  /** Startup readiness source for the health plugin (issue 5). */
  readiness?: unknown;
  /** Metrics options for the metrics plugin (issue 5). */
  metrics?: unknown;
  /** Extra Fastify options (logger, ...). */
  fastify?: FastifyServerOptions;
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    // A caller's logger instance (the server's pino) replaces the default one; Fastify refuses both.
    ...(deps.fastify && ('loggerInstance' in deps.fastify || 'logger' in deps.fastify) ? {} : { logger: { level: config.logLevel } }),
    bodyLimit: config.maxBodyBytes,
    // Query strings: plain key=value; repeated keys become arrays, which the schemas reject by name.
    ...securityServerOptions(config), // issue 8: size limits, proto poisoning, request timeout, router errors
    ...deps.fastify,
  });

  const ownPool = !deps.pool;
  const pool = deps.pool ?? createPool(config);
  if (ownPool) app.addHook('onClose', async () => { await pool.close(); });

  app.decorateRequest('weightinit', null);
  registerProblemHandlers(app);
  registerMsgpackBodies(app, config);

  // --- cross-cutting plugins (issue 5: health, metrics, overload) go here, before the routes ---
  await app.register(securityPlugin, { config }); // issue 8: input caps, CORS, rate limit, auth, slow readers
  await app.register(healthPlugin, { startup: deps.readiness as ReadinessSource | undefined });
  await app.register(metricsPlugin, { pool, startup: deps.readiness as MetricsOptions['startup'], ...(deps.metrics as MetricsOptions | undefined) });
  await app.register(overloadPlugin, { config, maxEventLoopDelayMs: config.maxEventLoopDelayMs });

  await app.register(docsPlugin); // before the routes, so it sees them all
  await app.register(schemeRoutes);
  await app.register(tensorRoutes, { config, pool });
  await app.register(modelRoutes, { config, pool });
  await app.register(pretrainedRoutes);
  await app.register(explorerRoutes); // the explorer page at / (src/http/public)
  return app;
}

/**
 * application/msgpack request bodies: decoded with msgpackr (plain MessagePack), size-limited like
 * JSON bodies, then validated by the same route schema. 64-bit integers arrive as BigInt: a seed
 * becomes its decimal string (exact), other integers a Number when exact.
 */
function registerMsgpackBodies(app: FastifyInstance, config: Config): void {
  app.removeContentTypeParser('text/plain'); // recipes are JSON or msgpack; anything else is a 415
  app.addContentTypeParser(['application/msgpack', 'application/x-msgpack', 'application/vnd.msgpack'],
    { parseAs: 'buffer', bodyLimit: config.maxBodyBytes },
    (_req, body, done) => {
      let value: unknown;
      try { value = unpack(body as Buffer); } catch (e) {
        const err = new Error(`body is not valid MessagePack: ${(e as Error).message}`) as Error & { statusCode: number };
        err.statusCode = 400;
        return done(err, undefined);
      }
      if (!value || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) {
        const err = new Error('body must be a MessagePack map (the recipe object)') as Error & { statusCode: number };
        err.statusCode = 400;
        return done(err, undefined);
      }
      done(null, plainBigInts(value, 0));
    });
}

function plainBigInts(v: unknown, depth: number): unknown {
  if (depth > 32) return v;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map((x) => plainBigInts(x, depth + 1));
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = k === 'seed' && typeof o[k] === 'bigint' ? (o[k] as bigint).toString() : plainBigInts(o[k], depth + 1);
  }
  return v;
}
