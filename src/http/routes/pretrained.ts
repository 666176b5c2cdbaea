/**
 * GET /v1/pretrained: the pretrained store's index (sources, tensors with dtype/shape/bytes, each
 * file's SHA-256) and the files that could not be indexed, by name. Importing this module registers
 * scheme `pretrained`. Filesystem paths are never shown (names are relative to the store).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { getStore } from '../../store/index.ts';
import '../../store/scheme.ts';
import { typeboxValidator } from '../validation.ts';

const StoredTensorInfo = Type.Object({ name: Type.String(), dtype: Type.String(), shape: Type.Array(Type.Integer()), bytes: Type.Integer() });
const SourceInfo = Type.Object({
  source: Type.String({ description: 'the name to pass as params.source' }),
  format: Type.String(), bytes: Type.Integer(), sha256: Type.String(),
  metadata: Type.Optional(Type.Record(Type.String(), Type.String())),
  tensors: Type.Array(StoredTensorInfo),
});
const PretrainedList = Type.Object({
  configured: Type.Boolean(),
  count: Type.Integer(),
  sources: Type.Array(SourceInfo),
  problems: Type.Array(Type.Object({ file: Type.String(), reason: Type.String() })),
});

export async function pretrainedRoutes(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(typeboxValidator);
  app.get('/v1/pretrained', {
    schema: {
      tags: ['pretrained'],
      summary: 'Sources and tensors in the pretrained store (WEIGHTINIT_STORE)',
      description: 'Use a tensor with scheme `pretrained` and params {source, tensor}, in GET /v1/tensors or in a model manifest.',
      querystring: Type.Object({ source: Type.Optional(Type.String({ description: 'only this source' })) }, { additionalProperties: false }),
      response: { 200: { description: 'the store index', content: { 'application/json': { schema: PretrainedList } } } },
    },
  }, async (request, reply) => {
    const store = getStore();
    const only = (request.query as { source?: string }).source;
    const sources = [...store.sources.values()].filter((s) => only === undefined || s.name === only).map((s) => {
      const o: Record<string, unknown> = {
        source: s.name, format: s.format, bytes: s.size, sha256: s.sha256,
        tensors: [...s.tensors.values()].map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, bytes: t.bytes })),
      };
      if (s.metadata) o.metadata = s.metadata;
      return o;
    });
    return reply.type('application/json; charset=utf-8').send({ configured: store.root !== undefined, count: sources.length, sources, problems: store.problems });
  });
}
