/**
 * Security and hostile-input protections (issue 8). Two parts:
 *
 * 1. securityServerOptions(config): Fastify constructor options (they cannot be set by a plugin):
 *    body limit, path-parameter length, prototype-poisoning policy for JSON bodies (reject, never
 *    strip silently), the time a client gets to send its whole request (slow-loris), and
 *    problem+json answers for the router's own errors (bad URL, over-long parameter).
 * 2. securityPlugin: per-request protections, registered before the routes:
 *    - query-string length cap (414) and request-body nesting cap (400) before validation, so no
 *      recursive code further down (validation, canonicalization, error messages) meets a
 *      10 000-deep value;
 *    - CORS, only when WEIGHTINIT_CORS_ORIGINS is set (@fastify/cors);
 *    - per-client rate limit, only when WEIGHTINIT_RATE_LIMIT > 0 (@fastify/rate-limit), probes exempt;
 *    - bearer-token auth on every /v1 route when WEIGHTINIT_API_TOKEN is set, compared in constant
 *      time (SHA-256 of both sides, then crypto.timingSafeEqual: equal lengths whatever was sent);
 *      probes always open, /metrics protected when WEIGHTINIT_AUTH_PROBES=1;
 *    - slow readers: a streamed response whose client has not taken any data for
 *      WEIGHTINIT_IDLE_TIMEOUT_MS (the socket stays backpressured, no 'drain') is closed, which
 *      destroys the body stream and cancels its pool work; memory per slow reader is the stream's
 *      window, never more.
 * Prototype pollution in msgpack bodies: msgpackr renames a `__proto__` key to `__proto_` (the route
 * schema then rejects it as an unknown field) and builds plain objects, so no key reaches a prototype.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../../config.ts';

const TYPE_BASE = 'urn:weightinit:problem:'; // same namespace as src/http/problems.ts

/** Longest path parameter (a scheme name, a check name); longer answers 414. */
export const MAX_PARAM_LENGTH = 256;
/** Longest query string in bytes (recipes in the query are short; slices at most 512). */
export const MAX_QUERY_BYTES = 8 * 1024;
/** Deepest nesting of a request body (a recipe is ~4 levels; a model manifest ~10). */
export const MAX_BODY_DEPTH = 64;

export type SecurityConfig = Pick<Config, 'maxBodyBytes' | 'apiToken' | 'authProbes' | 'corsOrigins' | 'rateLimitPerMinute' | 'idleTimeoutMs'>;

interface Problem { type: string; title: string; status: number; detail: string; [k: string]: unknown }

function problem(status: number, type: string, title: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return { type: TYPE_BASE + type, title, status, detail, ...extra };
}

function send(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).header('content-type', 'application/problem+json; charset=utf-8').send(JSON.stringify(p));
}

/** Fastify constructor options; spread into Fastify({...}) by buildApp. */
export function securityServerOptions(config: SecurityConfig): Partial<FastifyServerOptions> {
  return {
    bodyLimit: config.maxBodyBytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // JSON bodies with "__proto__" or "constructor.prototype" keys are refused (400), not stripped:
    // a caller sending them is either broken or probing, and should be told.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Time a client gets to send a complete request (headers and body): a slow-loris client that
    // trickles bytes is cut. Responses are not covered (the slow-reader watchdog below is).
    requestTimeout: config.idleTimeoutMs,
    frameworkErrors: (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => {
      if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return send(reply, problem(414, 'too-long', 'URI too long', `a path segment is longer than ${MAX_PARAM_LENGTH} characters`, { limit: MAX_PARAM_LENGTH }));
      }
      if (err.code === 'FST_ERR_BAD_URL') return send(reply, problem(400, 'invalid-input', 'Invalid input', 'the request path is not a valid URL (bad percent-encoding)'));
      return send(reply, problem(err.statusCode && err.statusCode < 500 ? err.statusCode : 400, 'invalid-input', 'Invalid input', 'the request could not be routed'));
    },
  };
}

/** Depth of a parsed body, iteratively (a recursive walk would itself overflow on hostile input). */
export function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
    }
  }
  return false;
}

/** The path of a URL without its query, percent-decoded when possible, for access decisions. */
function pathOf(url: string): string {
  const raw = url.split('?', 1)[0] ?? '';
  try { return decodeURIComponent(raw); } catch { return raw; }
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time check of an Authorization header against the configured token. */
export function bearerMatches(header: string | undefined, expectedDigest: Buffer): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  // Hash even when the header is missing or malformed, so every path costs the same.
  const given = digest(m?.[1] ?? '');
  return timingSafeEqual(given, expectedDigest) && m !== null;
}

function isProbe(req: FastifyRequest): boolean {
  return (req.routeOptions?.config as { probe?: boolean } | undefined)?.probe === true;
}

async function security(app: FastifyInstance, opts: { config: SecurityConfig }) {
  const { config } = opts;

  // --- input shape caps (before parsing/validation) ---
  app.addHook('onRequest', async (req, reply) => {
    const q = req.url.indexOf('?');
    if (q >= 0 && Buffer.byteLength(req.url) - q - 1 > MAX_QUERY_BYTES) {
      return send(reply, problem(414, 'too-long', 'URI too long', `query strings are limited to ${MAX_QUERY_BYTES} bytes; send a long recipe as a POST body`, { field: 'query', rule: `must be at most ${MAX_QUERY_BYTES} bytes`, limit: MAX_QUERY_BYTES }));
    }
  });
  app.addHook('preValidation', async (req, reply) => {
    if (req.body !== null && typeof req.body === 'object' && depthExceeds(req.body, MAX_BODY_DEPTH)) {
      return send(reply, problem(400, 'invalid-input', 'Invalid input', `body: nested deeper than ${MAX_BODY_DEPTH} levels`, { field: 'body', rule: `must be nested at most ${MAX_BODY_DEPTH} levels deep`, limit: MAX_BODY_DEPTH }));
    }
  });

  // --- CORS (off unless origins are configured) ---
  if (config.corsOrigins.length > 0) {
    await app.register(cors, {
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST'],
      allowedHeaders: ['Content-Type', 'Authorization', 'Accept', 'If-None-Match'],
      exposedHeaders: ['ETag', 'Content-Length', 'Content-Disposition', 'Retry-After', 'Weightinit-Recipe', 'Weightinit-Algorithm', 'Weightinit-Shape', 'Weightinit-Dtype', 'Weightinit-Slice'],
      maxAge: 600,
    });
  }

  // --- rate limit per client (off unless configured); counts unauthenticated attempts too ---
  if (config.rateLimitPerMinute > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimitPerMinute,
      timeWindow: 60_000,
      allowList: (req) => isProbe(req),
      errorResponseBuilder: (_req, ctx) => Object.assign(
        new Error(`rate limit exceeded: ${ctx.max} requests per minute per client (WEIGHTINIT_RATE_LIMIT); retry in ${ctx.after}`),
        { statusCode: ctx.statusCode }),
    });
  }

  // --- bearer token (off unless configured) ---
  if (config.apiToken) {
    const expected = digest(config.apiToken);
    app.addHook('onRequest', async (req, reply) => {
      if (req.method === 'OPTIONS') return; // CORS preflights carry no credentials
      const path = pathOf(req.url);
      const route = req.routeOptions?.url ?? '';
      const isV1 = (p: string) => p === '/v1' || p.startsWith('/v1/');
      const guarded = isV1(path) || isV1(route) || (config.authProbes && (path === '/metrics' || route === '/metrics'));
      if (!guarded || bearerMatches(req.headers.authorization, expected)) return;
      const given = req.headers.authorization !== undefined;
      reply.header('www-authenticate', given ? 'Bearer realm="weightinit", error="invalid_token"' : 'Bearer realm="weightinit"');
      return send(reply, problem(401, 'unauthorized', 'Unauthorized',
        given ? 'the bearer token is not valid' : 'this route needs an Authorization: Bearer <token> header (WEIGHTINIT_API_TOKEN is set)',
        { field: 'authorization', rule: 'must be Bearer <token>' }));
    });
  }

  // --- slow readers ---
  if (config.idleTimeoutMs > 0) {
    app.addHook('onSend', async (req, reply, payload) => {
      if (payload instanceof Readable) watchSlowReader(reply.raw, config.idleTimeoutMs, req);
      return payload;
    });
  }
}

/**
 * Closes `res` when it has been backpressured (written data waiting for the client) with no
 * 'drain' for `idleMs`. Time spent generating (not backpressured) never counts against the client.
 */
export function watchSlowReader(res: ServerResponse, idleMs: number, req?: FastifyRequest): void {
  let lastProgress = Date.now();
  const onDrain = () => { lastProgress = Date.now(); };
  res.on('drain', onDrain);
  const timer = setInterval(() => {
    if (!res.writableNeedDrain) { lastProgress = Date.now(); return; }
    if (Date.now() - lastProgress < idleMs) return;
    req?.log.warn({ idleMs, bytesWritten: res.socket?.bytesWritten }, 'closing a response whose client stopped reading (WEIGHTINIT_IDLE_TIMEOUT_MS)');
    stop();
    res.destroy();
  }, Math.max(20, Math.min(1000, Math.floor(idleMs / 4))));
  timer.unref();
  const stop = () => { clearInterval(timer); res.off('drain', onDrain); };
  res.once('close', stop);
}

export const securityPlugin = fp(security, { name: 'weightinit-security', fastify: '5.x' });
export default securityPlugin;
