/**
 * /v1/models: a whole model in one request. POST a manifest, get one safetensors (or msgpack)
 * stream: the header is computed up front (Content-Length known), then each tensor's bytes in
 * manifest order, generated chunk by chunk and pulled by socket backpressure, so memory stays
 * bounded whatever the model size; when the client goes away the stream is destroyed and
 * generation stops. Large generated tensors run on the worker pool (bounded window per tensor);
 * small ones, int64 buffers and pretrained tensors are written on the main thread.
 * POST /v1/models/expand (or ?dry_run=true, or GET /v1/models/expand?manifest=<json>) answers the
 * expanded manifest with shapes, schemes, byte ranges and total bytes without generating.
 */
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Config } from '../../config.ts';
import { RecipeError } from '../../core/errors.ts';
import { stableJson } from '../../core/recipe.ts';
import { canonicalizeManifest, describeModel, expandedModel, type CanonicalModel, type ManifestInput, type ModelTensor } from '../../core/models/manifest.ts';
import { tensorWriter } from '../../core/models/bytes.ts';
import { tensorBody, type GenerationLimits, type WorkerPool } from '../../pool/index.ts';
import { modelMsgpack, modelSafetensors, type ModelFraming } from '../formats/safetensors-model.ts';
import { Binary, Problem } from '../schemas.ts';
import { typeboxValidator } from '../validation.ts';

export interface ModelRoutesOptions { config: Config; pool?: WorkerPool }

const TensorEntry = Type.Object({
  name: Type.String({ description: 'parameter name; also the stream name keying its values' }),
  shape: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { description: 'optional for scheme pretrained (the stored shape)' })),
  scheme: Type.String(),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  dtype: Type.Optional(Type.String()),
  layout: Type.Optional(Type.String()),
  multiplier: Type.Optional(Type.Number({ description: 'recipe-level multiplier after sampling (a scheme\'s own `scale` goes in params)' })),
  fan_in: Type.Optional(Type.Number()),
  fan_out: Type.Optional(Type.Number()),
}, { additionalProperties: false });

const ModuleEntry = Type.Object({
  type: Type.String({ description: 'linear (dense), conv1d/2d/3d, conv_transpose1d/2d/3d, embedding, layer_norm, batch_norm, group_norm, lstm, gru, multihead_attention' }),
  name: Type.String({ description: 'module path, e.g. "encoder.0"; parameter names are name + separator + parameter' }),
  overrides: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), { description: 'per parameter (local name, e.g. "weight"): {scheme, params, dtype, multiplier, fan_in, fan_out, layout}' })),
  dtype: Type.Optional(Type.String()),
}, { additionalProperties: true, description: "module dimensions by the framework's own names (in/out, in_channels/out_channels/kernel_size/groups, num_embeddings/embedding_dim/padding_idx, hidden_size/num_layers/bidirectional, embed_dim/num_heads, ...)" });

export const ManifestBody = Type.Object({
  seed: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\s*\\d{1,20}\\s*$' })])),
  defaults: Type.Optional(Type.Object({
    dtype: Type.Optional(Type.String({ default: 'float32' })),
    layout: Type.Optional(Type.String({ description: 'fan layout of listed tensors (default: the framework\'s)' })),
    framework: Type.Optional(Type.String({ enum: ['torch', 'keras', 'flax', 'tfjs'], default: 'torch' })),
    separator: Type.Optional(Type.String({ enum: ['.', '/'], default: '.' })),
  }, { additionalProperties: false })),
  modules: Type.Optional(Type.Array(ModuleEntry)),
  tensors: Type.Optional(Type.Array(TensorEntry)),
  algorithm: Type.Optional(Type.String({ description: 'when given (as in a described manifest) it must be this server\'s algorithm' })),
  total_bytes: Type.Optional(Type.Integer({ description: 'when given it must equal the computed total' })),
}, { additionalProperties: false });
export type ManifestBody = Static<typeof ManifestBody>;

const ModelQuery = Type.Object({
  format: Type.Optional(Type.String({ enum: ['safetensors', 'msgpack'], default: 'safetensors' })),
  dry_run: Type.Optional(Type.Union([Type.Boolean(), Type.String({ enum: ['true', 'false', '1', '0'] })], { description: 'answer the expanded manifest instead of the model' })),
}, { additionalProperties: false });
type ModelQuery = Static<typeof ModelQuery>;

const ExpandQuery = Type.Object({ manifest: Type.String({ description: 'the manifest as JSON text' }) }, { additionalProperties: false });

const Expanded = Type.Object({
  algorithm: Type.String(), seed: Type.String(), defaults: Type.Record(Type.String(), Type.Unknown()),
  total_bytes: Type.Integer(), format: Type.String(), content_length: Type.Integer(), model_id: Type.String(),
  tensors: Type.Array(Type.Record(Type.String(), Type.Unknown())),
}, { description: 'the canonical manifest plus per-tensor bytes, data_offsets, recipe_id, module, role and the framework init in words' });

const problemResponses = Object.fromEntries([400, 404, 406, 413, 415, 422].map((k) => [k, { description: Problem.description, content: { 'application/problem+json': { schema: Problem } } }]));

const manifestExample = {
  seed: 42, defaults: { framework: 'torch', dtype: 'float32' },
  modules: [{ type: 'linear', name: '0', in: 784, out: 256 }, { type: 'linear', name: '2', in: 256, out: 10 }],
};

/** Stable id of a model file: the canonical manifest and the format. */
export function modelId(m: CanonicalModel, format: string): string {
  return createHash('sha256').update(stableJson(describeModel(m))).update('\n' + format).digest('hex').slice(0, 32);
}

export async function modelRoutes(app: FastifyInstance, opts: ModelRoutesOptions): Promise<void> {
  const { config, pool } = opts;
  const limits: GenerationLimits = { chunkBytes: config.chunkBytes, windowChunks: config.windowChunks, mainThreadMaxBytes: config.mainThreadMaxBytes };
  app.setValidatorCompiler(typeboxValidator);

  function plan(body: unknown, format: string): { model: CanonicalModel; framing: ModelFraming } {
    const model = canonicalizeManifest(body as ManifestInput);
    const framing = format === 'msgpack' ? modelMsgpack(model) : modelSafetensors(model);
    if (framing.length > config.maxBytes) {
      throw new RecipeError('too_large', 'tensors', `the model would be ${framing.length} bytes; responses are limited to ${config.maxBytes} (WEIGHTINIT_MAX_BYTES)`, model.tensors.length, { limit: config.maxBytes, bytes: framing.length });
    }
    return { model, framing };
  }

  function expandedBody(model: CanonicalModel, framing: ModelFraming, format: string) {
    return { ...expandedModel(model), format, content_length: framing.length, model_id: modelId(model, format) };
  }

  app.post('/v1/models', {
    bodyLimit: config.maxBodyBytes,
    schema: {
      tags: ['models'],
      summary: 'A whole model (every parameter) as one safetensors or msgpack stream',
      description: 'Module presets expand to the parameters and default initialization of the chosen framework (torch, keras, flax, tfjs); listed tensors take any scheme, including `pretrained` {source, tensor}. Each tensor equals GET /v1/tensors with the same seed, name and recipe, byte for byte. `__metadata__` carries the canonical manifest (weightinit_manifest) and algorithm.',
      querystring: ModelQuery,
      body: { content: { 'application/json': { schema: { ...ManifestBody, examples: [manifestExample] } }, 'application/msgpack': { schema: ManifestBody } } },
      response: {
        200: { description: 'The model file (Content-Length set), or the expanded manifest with dry_run', content: { 'application/x-safetensors': { schema: Binary }, 'application/msgpack': { schema: Binary }, 'application/json': { schema: Expanded } } },
        ...problemResponses,
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const q = request.query as ModelQuery;
    const format = q.format ?? 'safetensors';
    const { model, framing } = plan(request.body, format);
    if (q.dry_run === true || q.dry_run === 'true' || q.dry_run === '1') return reply.type('application/json; charset=utf-8').send(expandedBody(model, framing, format));
    const id = modelId(model, format);
    const w = (request as unknown as { weightinit?: unknown });
    w.weightinit = { recipeId: id, scheme: 'model', format, bytes: framing.length };
    reply.header('content-type', framing.contentType);
    reply.header('content-length', String(framing.length));
    reply.header('content-disposition', `attachment; filename="model.${framing.extension}"`);
    reply.header('etag', `"${id}"`);
    reply.header('weightinit-model', id);
    reply.header('weightinit-algorithm', model.algorithm);
    reply.header('weightinit-tensors', String(model.tensors.length));
    return reply.send(modelStream(model, framing));
  });

  app.post('/v1/models/expand', {
    bodyLimit: config.maxBodyBytes,
    schema: {
      tags: ['models'],
      summary: 'The expanded manifest: every tensor with shape, scheme, params, byte range; nothing generated',
      querystring: Type.Object({ format: Type.Optional(Type.String({ enum: ['safetensors', 'msgpack'], default: 'safetensors' })) }, { additionalProperties: false }),
      body: { content: { 'application/json': { schema: { ...ManifestBody, examples: [manifestExample] } }, 'application/msgpack': { schema: ManifestBody } } },
      response: { 200: { description: 'expanded manifest', content: { 'application/json': { schema: Expanded } } }, ...problemResponses },
    },
  }, async (request, reply) => {
    const format = (request.query as { format?: string }).format ?? 'safetensors';
    const { model, framing } = plan(request.body, format);
    return reply.type('application/json; charset=utf-8').send(expandedBody(model, framing, format));
  });

  app.get('/v1/models/expand', {
    schema: {
      tags: ['models'],
      summary: 'Same as POST /v1/models/expand with the manifest as URL-encoded JSON in ?manifest=',
      querystring: ExpandQuery,
      response: { 200: { description: 'expanded manifest', content: { 'application/json': { schema: Expanded } } }, ...problemResponses },
    },
  }, async (request, reply) => {
    let body: unknown;
    try { body = JSON.parse((request.query as { manifest: string }).manifest); } catch (e) {
      throw new RecipeError('invalid', 'manifest', `must be JSON: ${(e as Error).message}`, (request.query as { manifest: string }).manifest);
    }
    const { model, framing } = plan(body, 'safetensors');
    return reply.type('application/json; charset=utf-8').send(expandedBody(model, framing, 'safetensors'));
  });

  /** Runs on the pool: large generated tensors; the rest is written here. */
  function onPool(t: ModelTensor): boolean {
    return pool !== undefined && t.dtype !== 'int64' && t.recipe.scheme !== 'pretrained' && t.bytes > limits.mainThreadMaxBytes;
  }

  function modelStream(model: CanonicalModel, framing: ModelFraming): Readable {
    const chunkBytes = config.chunkBytes;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield framing.prefix;
      for (let i = 0; i < model.tensors.length; i++) {
        const t = model.tensors[i]!;
        const before = framing.before(i);
        if (before) yield before;
        if (t.bytes === 0) continue;
        if (onPool(t)) {
          const s = tensorBody(pool!, { recipe: t.recipe, numel: t.numel }, limits);
          if (Buffer.isBuffer(s)) { yield s; continue; }
          try { for await (const chunk of s) yield chunk as Buffer; } finally { s.destroy(); }
          continue;
        }
        const write = tensorWriter(t);
        const width = t.bytes / t.numel;
        const per = Math.max(1, Math.floor(chunkBytes / width));
        for (let e = 0; e < t.numel; e += per) {
          const e1 = Math.min(t.numel, e + per);
          const buf = Buffer.allocUnsafe((e1 - e) * width);
          write(e, e1, buf, 0);
          yield buf;
        }
      }
    }
    return Readable.from(body(), { objectMode: false, highWaterMark: chunkBytes });
  }
}
