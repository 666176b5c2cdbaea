/**
 * /v1/tensors: GET (query), POST (JSON or msgpack body), HEAD (headers only, nothing generated) and
 * /v1/tensors/digest (SHA-256 of the exact body, for integrity checks: trailers would need chunked
 * encoding, and every binary response here carries Content-Length instead).
 */
import { createHash } from 'node:crypto';
import { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config.ts';
import { checkRecipe, collectBytes, OrderedChunkStream, prepareJob, tensorBody, tensorStats, type GenerationLimits, type TensorJob, type WorkerPool } from '../../pool/index.ts';
import type { Theory } from '../../core/schemes/registry.ts';
import { CONTENT_TYPE, FILE_EXTENSION, isBinary, type BinaryFormat } from '../formats/index.ts';
import { jsonBody } from '../formats/json.ts';
import { statsBody } from '../formats/stats.ts';
import { Binary, Problem, TensorBody, TensorDigest, TensorJson, TensorQuery, TensorStats } from '../schemas.ts';
import { typeboxValidator } from '../validation.ts';
import { fromBody, fromQuery, matchesIfNoneMatch, PlanCache, planTensor, type TensorPlan, type TensorRequest } from './tensor-plan.ts';
import { tensorExamples } from './examples.ts';
import { mainThreadLimits, mainThreadRunner, needsMainThread } from './stored-tensors.ts';

/**
 * Per-request facts for logs, metrics and the in-flight budget (request.weightinit), set once the
 * recipe is planned and before the body is returned. `bytes` is the planned body length.
 */
export interface TensorRequestInfo { recipeId: string; bytes: number; format: string; scheme: string }

declare module 'fastify' {
  interface FastifyRequest { weightinit: TensorRequestInfo | null }
}

export interface TensorRoutesOptions { config: Config; pool: WorkerPool }

const problems = {
  400: Problem, 404: Problem, 406: Problem, 413: Problem, 415: Problem, 422: Problem,
};
const problemResponses = Object.fromEntries(Object.entries(problems).map(([k, s]) => [k, { description: s.description, content: { 'application/problem+json': { schema: s } } }]));

const tensorResponses = {
  200: {
    description: 'The tensor. Binary formats carry Content-Length; ETag and Weightinit-* headers describe the recipe.',
    content: {
      'application/octet-stream': { schema: Binary },
      'application/msgpack': { schema: Binary },
      'application/x-npy': { schema: Binary },
      'application/x-safetensors': { schema: Binary },
      'application/json': { schema: { oneOf: [TensorJson, TensorStats] } },
    },
  },
  304: { description: 'Not modified (If-None-Match matched the ETag)', type: 'null' },
  ...problemResponses,
};

export async function tensorRoutes(app: FastifyInstance, opts: TensorRoutesOptions): Promise<void> {
  const { config, pool } = opts;
  const limits: GenerationLimits = { chunkBytes: config.chunkBytes, windowChunks: config.windowChunks, mainThreadMaxBytes: config.mainThreadMaxBytes };
  const plans = new PlanCache(config);
  app.setValidatorCompiler(typeboxValidator);
  // Stored (pretrained) tensors run on the main thread, chunk by chunk: workers have no store index.
  const mainThread = { pool: mainThreadRunner(), limits: mainThreadLimits(limits) };
  app.addHook('onClose', async () => { await mainThread.pool.close(); });
  const engineFor = (plan: TensorPlan) => (needsMainThread(plan.meta.recipe) ? mainThread : { pool, limits });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/v1/tensors',
    schema: {
      tags: ['tensors'],
      summary: 'Generate a tensor from a recipe in the query',
      description: "The recipe's own keys plus the scheme's parameters as further query keys, e.g. `?scheme=kaiming_uniform&shape=256,128&seed=1&mode=fan_out&nonlinearity=relu`. HEAD answers the same headers without generating.",
      querystring: TensorQuery,
      response: tensorResponses,
    },
    handler: (request, reply) => serve(request, reply, plans.plan(request.url, request.headers.accept, () => fromQuery(request.query as TensorQuery))),
  });

  app.route({
    method: 'POST',
    url: '/v1/tensors',
    bodyLimit: config.maxBodyBytes,
    schema: {
      tags: ['tensors'],
      summary: 'Generate a tensor from a recipe in the body (JSON or msgpack)',
      description: 'Same recipe as the query form, as `{scheme, shape, seed, dtype, name, layout, params: {...}, slice, format}`; also accepted as `Content-Type: application/msgpack`.',
      body: { content: { 'application/json': { schema: { ...TensorBody, examples: tensorExamples } }, 'application/msgpack': { schema: TensorBody } } },
      response: tensorResponses,
    },
    handler: (request, reply) => serve(request, reply, planTensor(fromBody(request.body as TensorBody), request.headers.accept, config)),
  });

  const digestResponses = { 200: { description: 'Digest of the body GET /v1/tensors would send', content: { 'application/json': { schema: TensorDigest } } }, ...problemResponses };
  app.get('/v1/tensors/digest', {
    schema: {
      tags: ['tensors'],
      summary: 'SHA-256 of the exact body GET /v1/tensors sends for the same query',
      description: 'For integrity checks: computed by streaming the same bytes through SHA-256 on the server, never holding the tensor. Same parameters (format and Accept included) as GET /v1/tensors.',
      querystring: TensorQuery,
      response: digestResponses,
    },
  }, (request, reply) => digest(request, reply, plans.plan(request.url, request.headers.accept, () => fromQuery(request.query as TensorQuery))));
  app.post('/v1/tensors/digest', {
    bodyLimit: config.maxBodyBytes,
    schema: {
      tags: ['tensors'],
      summary: 'SHA-256 of the exact body POST /v1/tensors sends for the same body',
      body: { content: { 'application/json': { schema: TensorBody }, 'application/msgpack': { schema: TensorBody } } },
      response: digestResponses,
    },
  }, (request, reply) => digest(request, reply, planTensor(fromBody(request.body as TensorBody), request.headers.accept, config)));

  /** An AbortSignal that fires when the client goes away before the response is complete. */
  function clientGone(reply: FastifyReply): AbortSignal {
    const ac = new AbortController();
    reply.raw.once('close', () => { if (!reply.raw.writableFinished) ac.abort(new Error('client disconnected')); });
    // Made lazily: the client may already be gone (its 'close' then came before this listener).
    if (reply.raw.destroyed || reply.raw.socket?.destroyed) ac.abort(new Error('client disconnected'));
    return ac.signal;
  }

  /** Response headers of a plan, built once per plan (plans are cached and reused). */
  const headerCache = new WeakMap<TensorPlan, { recipe: Record<string, string>; body: Record<string, string> }>();
  function headersOf(plan: TensorPlan): { recipe: Record<string, string>; body: Record<string, string> } {
    let c = headerCache.get(plan);
    if (c) return c;
    const m = plan.meta;
    const h: Record<string, string> = {
      etag: plan.etag, vary: 'Accept', 'cache-control': 'public, max-age=3600',
      'weightinit-recipe': m.recipeId, 'weightinit-algorithm': m.algorithm, 'weightinit-shape': m.shape.join(','), 'weightinit-dtype': m.dtype,
    };
    if (m.slice !== undefined) h['weightinit-slice'] = m.slice;
    // Body headers only once the recipe compiled: an error answer must not carry the tensor's length.
    const body: Record<string, string> = plan.framing ? {
      'content-type': plan.framing.contentType,
      'content-length': String(plan.framing.length),
      'content-disposition': `inline; filename="${fileName(plan)}.${FILE_EXTENSION[plan.format as BinaryFormat]}"`,
    } : { 'content-type': CONTENT_TYPE[plan.format] + '; charset=utf-8' };
    c = { recipe: h, body };
    headerCache.set(plan, c);
    return c;
  }

  async function serve(request: FastifyRequest, reply: FastifyReply, plan: TensorPlan) {
    const m = plan.meta;
    request.weightinit = { recipeId: m.recipeId, scheme: m.recipe.scheme, format: plan.format, bytes: plan.framing?.length ?? 0 };
    const headers = headersOf(plan);
    reply.headers(headers.recipe);
    if (matchesIfNoneMatch(request.headers['if-none-match'], plan.etag)) return reply.code(304).send();
    // HEAD: the recipe must compile (same 4xx as GET) but nothing is generated, not even a whole tensor.
    if (request.method === 'HEAD') { checkRecipe(plan.job); return reply.headers(headers.body).send(); } // json/stats lengths are only known after generating
    let signal: AbortSignal | undefined;
    const gone = () => (signal ??= clientGone(reply)); // an AbortController only where something can wait
    const { pool, limits } = engineFor(plan);
    const { theory, job } = await prepareJob(pool, plan.job, limits, gone);
    reply.headers(headers.body);
    if (plan.framing) {
      const body = tensorBody(pool, job, limits, plan.framing);
      // Streamed straight to a real socket (not inject's in-memory response): chunk buffers are reused.
      if (body instanceof OrderedChunkStream && reply.raw.socket instanceof Socket) body.recycleInto(reply.raw);
      return reply.send(body);
    }
    const body = await jsonOrStats(plan, job, theory, gone());
    request.weightinit.bytes = Buffer.byteLength(body);
    return reply.send(body);
  }

  async function jsonOrStats(plan: TensorPlan, job: TensorJob, theory: Theory, signal: AbortSignal): Promise<string> {
    const { pool, limits } = engineFor(plan);
    if (plan.format === 'json') return jsonBody(plan.meta, await collectBytes(pool, job, limits, signal));
    return statsBody(plan.meta, await tensorStats(pool, job, limits, signal), theory);
  }

  async function digest(request: FastifyRequest, reply: FastifyReply, plan: TensorPlan) {
    const signal = clientGone(reply);
    const { pool, limits } = engineFor(plan);
    const { theory, job } = await prepareJob(pool, plan.job, limits, signal);
    const hash = createHash('sha256');
    let bytes = 0;
    if (plan.framing) {
      const body = tensorBody(pool, job, limits, plan.framing);
      if (Buffer.isBuffer(body)) { hash.update(body); bytes = body.length; } else {
        signal.addEventListener('abort', () => body.destroy(), { once: true });
        for await (const chunk of body) { hash.update(chunk as Buffer); bytes += (chunk as Buffer).length; }
      }
    } else {
      const body = Buffer.from(await jsonOrStats(plan, job, theory, signal));
      hash.update(body); bytes = body.length;
    }
    return reply.type('application/json; charset=utf-8').send({
      algorithm: 'sha-256', sha256: hash.digest('hex'), bytes, format: plan.format, etag: plan.etag, recipe_id: plan.meta.recipeId,
    });
  }
}

function fileName(plan: TensorPlan): string {
  const base = plan.meta.recipe.name || plan.meta.recipe.scheme;
  return base.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 100) || 'tensor';
}
