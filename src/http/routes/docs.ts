/**
 * OpenAPI document (@fastify/swagger, generated from the route schemas) at /openapi.json and
 * Swagger UI at /docs. Must be registered before the routes it documents.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

export const OPENAPI_INFO = {
  title: 'weightinit',
  version: '1',
  description: [
    'Deterministic neural-network initial weights from recipes. Each element is a pure function of (algorithm version, seed, name, scheme, params, full shape, dtype, element index):',
    'the same recipe gives the same bytes in every endpoint, format, slice and replica.',
    '',
    'Formats (by `format=` or Accept): raw (application/octet-stream, little-endian row-major), msgpack (application/msgpack: map with shape, dtype, recipe, data as one bin),',
    'npy (application/x-npy; float16/32/64 only, bfloat16 and float8 answer 406), safetensors (application/x-safetensors, one tensor named by `name` or "tensor"),',
    'json (small tensors: flat row-major data), stats (mean/std/min/max/histogram and the scheme\'s theory).',
    '',
    'Integrity: binary responses carry Content-Length; `GET /v1/tensors/digest` (same parameters) returns the SHA-256 of the exact body, computed by streaming.',
    'Caching: `ETag` identifies recipe + algorithm version + format + slice; send `If-None-Match` for 304.',
    'Errors are application/problem+json (RFC 9457) with `field`, `rule` and `value` members.',
  ].join('\n'),
};

export const docsPlugin = fp(async function docs(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: OPENAPI_INFO,
      tags: [
        { name: 'tensors', description: 'Generate tensors from recipes' },
        { name: 'schemes', description: 'The initializer catalogue' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { tryItOutEnabled: true, docExpansion: 'list' } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}, { name: 'weightinit-docs' });
