/** /v1/schemes: the catalogue, and one scheme by name or alias (404 with close matches). */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { RecipeError } from '../../core/errors.ts';
import { closeMatches, listSchemes, lookup, type SchemeDef } from '../../core/schemes/registry.ts';
import '../../core/schemes/index.ts';
import { Problem, SchemeInfo, SchemeList } from '../schemas.ts';
import { typeboxValidator } from '../validation.ts';

export function schemeInfo(def: SchemeDef): Static<typeof SchemeInfo> {
  const info: Static<typeof SchemeInfo> = {
    name: def.name, aliases: def.aliases ?? [], framework: def.framework, family: def.family,
    description: def.description, formula: def.formula, references: def.references,
    params: Object.fromEntries(Object.entries(def.params).map(([k, p]) => [k, { ...p, enum: p.enum ? [...p.enum] : undefined }])),
  };
  if (def.notes !== undefined) info.notes = def.notes;
  if (def.minRank !== undefined) info.min_rank = def.minRank;
  if (def.maxRank !== undefined) info.max_rank = def.maxRank;
  return info;
}

const ListQuery = Type.Object({
  framework: Type.Optional(Type.String({ description: 'only schemes of this framework (weightinit, torch, keras, jax, tfjs, caffe, caffe2)' })),
  family: Type.Optional(Type.String({ description: 'only schemes of this family' })),
});
const NameParams = Type.Object({ name: Type.String({ description: 'scheme name or alias (case-insensitive)', examples: ['normal'] }) });

export async function schemeRoutes(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(typeboxValidator);
  app.get('/v1/schemes', {
    schema: {
      tags: ['schemes'], summary: 'List initializer schemes', querystring: ListQuery,
      response: { 200: SchemeList, 400: { content: { 'application/problem+json': { schema: Problem } } } },
    },
  }, async (request) => {
    const q = request.query as Static<typeof ListQuery>;
    const schemes = listSchemes()
      .filter((d) => !q.framework || d.framework === q.framework.toLowerCase())
      .filter((d) => !q.family || d.family === q.family.toLowerCase())
      .map(schemeInfo);
    return { count: schemes.length, schemes };
  });
  app.get('/v1/schemes/:name', {
    schema: {
      tags: ['schemes'], summary: 'Describe one scheme: parameters with defaults, formula, references', params: NameParams,
      response: { 200: SchemeInfo, 404: { description: 'Unknown scheme, with close matches', content: { 'application/problem+json': { schema: Problem } } } },
    },
  }, async (request) => {
    const { name } = request.params as Static<typeof NameParams>;
    const def = lookup(name);
    if (!def) throw new RecipeError('unknown', 'name', 'is not a known scheme (see GET /v1/schemes)', name, { suggestions: closeMatches(name) });
    return schemeInfo(def);
  });
}
