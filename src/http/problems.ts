/**
 * Errors -> application/problem+json (RFC 9457). Every client mistake gets a 4xx naming the field,
 * the rule it breaks and the value given: RecipeError kinds (core), slice errors, schema validation,
 * body parsing (415/413/400). Anything else is a 500 without internals (and is logged).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RecipeError, type RecipeErrorKind } from '../core/errors.ts';
import { SliceError } from '../core/slice.ts';

export const PROBLEM_TYPE = 'application/problem+json';
const TYPE_BASE = 'urn:weightinit:problem:';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  field?: string;
  rule?: string;
  value?: unknown;
  [extension: string]: unknown;
}

const KIND: Record<RecipeErrorKind, { status: number; title: string; type: string }> = {
  invalid: { status: 400, title: 'Invalid input', type: 'invalid-input' },
  unknown: { status: 404, title: 'Unknown scheme', type: 'unknown-scheme' },
  unsupported: { status: 406, title: 'Not acceptable', type: 'not-acceptable' },
  too_large: { status: 413, title: 'Response too large', type: 'too-large' },
  impossible: { status: 422, title: 'Impossible recipe', type: 'impossible-recipe' },
};

/**
 * 404s name what was not found: a scheme, a pretrained source or tensor, a module type. The field may
 * carry a manifest prefix (tensors[3].params.source), so it is matched by its last parts.
 */
const UNKNOWN_BY_FIELD: Array<[RegExp, { title: string; type: string }]> = [
  [/(^|\.)params\.source$/, { title: 'Unknown pretrained source', type: 'unknown-pretrained-source' }],
  [/(^|\.)params\.tensor$/, { title: 'Unknown pretrained tensor', type: 'unknown-pretrained-tensor' }],
  [/(^|\.)type$/, { title: 'Unknown module type', type: 'unknown-module-type' }],
];

function kindOf(e: RecipeError): { status: number; title: string; type: string } {
  const k = KIND[e.kind];
  if (e.kind !== 'unknown') return k;
  const hit = UNKNOWN_BY_FIELD.find(([re]) => re.test(e.field));
  return hit ? { status: k.status, ...hit[1] } : k;
}

export function problemFromRecipeError(e: RecipeError): Problem {
  const k = kindOf(e);
  const p: Problem = { type: TYPE_BASE + k.type, title: k.title, status: k.status, detail: e.message, field: e.field, rule: e.rule };
  if (e.value !== undefined) p.value = jsonSafe(e.value);
  for (const [key, v] of Object.entries(e.extra)) p[key] = jsonSafe(v);
  return p;
}

/** Values as given, made JSON-safe and short (a problem must never fail to serialize). */
function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return v.length > 256 ? v.slice(0, 256) + '...' : v;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  try {
    const s = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
    if (s === undefined) return String(v);
    return s.length > 1024 ? s.slice(0, 1024) + '...' : JSON.parse(s);
  } catch { return String(v); }
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  // A problem replaces whatever the route had prepared (ETag, Content-Length, trailers...).
  for (const h of Object.keys(reply.getHeaders())) {
    if (h === 'content-length' || h === 'etag' || h === 'content-disposition' || h.startsWith('weightinit-')) reply.removeHeader(h);
  }
  return reply.code(p.status).type(PROBLEM_TYPE).send(JSON.stringify(p));
}

interface ValidationItem { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> }

/** "/shape/1" -> "shape[1]", "/params/std" -> "params.std". */
function fieldOf(path: string, context: string | undefined): string {
  const parts = path.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : (out ? '.' : '') + p;
  return out || (context === 'body' ? 'body' : context ?? 'request');
}

export function problemFromValidation(err: FastifyError & { validation: ValidationItem[]; validationContext?: string }): Problem {
  const v = err.validation[0] ?? {};
  const missing = v.params?.missingProperty as string | undefined;
  const extra = v.params?.additionalProperty as string | undefined;
  const path = (v.instancePath ?? '') + (missing ? `/${missing}` : extra ? `/${extra}` : '');
  const field = fieldOf(path, err.validationContext);
  const rule = (v.params?.rule as string | undefined) ?? (missing ? 'is required' : extra ? 'is not an accepted field' : v.message ?? 'is invalid');
  const where = err.validationContext === 'querystring' ? 'query parameter' : err.validationContext === 'body' ? 'body field' : err.validationContext ?? 'input';
  const p: Problem = { type: TYPE_BASE + 'invalid-input', title: 'Invalid input', status: 400, detail: `${where} ${field}: ${rule}`, field, rule };
  const value = v.params && 'value' in v.params ? v.params.value : undefined;
  if (value !== undefined) p.value = jsonSafe(value);
  return p;
}

export function problemFromError(err: unknown, request: FastifyRequest): Problem {
  if (err instanceof RecipeError) return problemFromRecipeError(err);
  if (err instanceof SliceError) {
    return { type: TYPE_BASE + 'invalid-input', title: 'Invalid input', status: 400, detail: `slice: ${err.message}`, field: 'slice', rule: err.message, value: err.value };
  }
  const e = err as FastifyError & { validation?: ValidationItem[]; validationContext?: string };
  if (Array.isArray(e?.validation)) return problemFromValidation(e as FastifyError & { validation: ValidationItem[] });
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { type: TYPE_BASE + 'unsupported-media-type', title: 'Unsupported media type', status: 415, detail: `request bodies must be application/json or application/msgpack, got ${request.headers['content-type'] ?? 'none'}`, field: 'content-type', rule: 'must be application/json or application/msgpack', value: request.headers['content-type'] ?? null };
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = request.routeOptions.bodyLimit;
      return { type: TYPE_BASE + 'too-large', title: 'Request body too large', status: 413, detail: `request bodies are limited to ${limit} bytes (WEIGHTINIT_MAX_BODY_BYTES)`, field: 'body', rule: `must be at most ${limit} bytes`, limit, value: request.headers['content-length'] ?? null };
    }
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 600 && status !== 500) {
    const title = status === 400 ? 'Invalid input' : status < 500 ? 'Client error' : 'Service unavailable';
    const field = status === 400 ? 'body' : undefined;
    // A 4xx message describes the client's mistake; a 5xx one describes our internals (paths, causes): never sent.
    const detail = status < 500 ? e.message : `the service could not handle this request (${status}); it has been logged, retry later`;
    const p: Problem = { type: TYPE_BASE + (status === 400 ? 'invalid-input' : `http-${status}`), title, status, detail };
    if (field) { p.field = field; p.rule = e.message; }
    return p;
  }
  return { type: TYPE_BASE + 'internal', title: 'Internal error', status: 500, detail: 'the server failed to handle this request; it has been logged' };
}

/** Installs the error and not-found handlers on the root instance. */
export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const p = problemFromError(err, request);
    if (p.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ problem: { status: p.status, field: p.field, rule: p.rule } }, 'client error');
    if (reply.sent || reply.raw.headersSent) { reply.raw.destroy(); return; }
    return sendProblem(reply, p);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, {
    type: TYPE_BASE + 'not-found', title: 'Not found', status: 404,
    detail: `no route ${request.method} ${request.url.split('?')[0]}; the API is described at /docs and /openapi.json`,
  }));
}
