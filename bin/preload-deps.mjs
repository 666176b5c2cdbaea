// Preloaded by bin/weightinit.js for `serve`, before tsx's loader is registered: the service's plain
// JavaScript dependencies load at native speed instead of through tsx's per-module ESM hooks
// (@sinclair/typebox alone is ~200 files: ~75 ms native vs ~340 ms hooked on this machine). Later
// imports of the same packages hit Node's module cache. Skipped in worker threads, which need none
// of them.
import { isMainThread } from 'node:worker_threads';

const DEPS = [
  'fastify', '@sinclair/typebox', '@sinclair/typebox/compiler', '@sinclair/typebox/value', '@fastify/type-provider-typebox',
  '@fastify/swagger', '@fastify/swagger-ui', '@fastify/under-pressure', '@fastify/cors', '@fastify/rate-limit', 'fastify-plugin',
  'pino', 'prom-client', 'piscina', 'msgpackr', 'close-with-grace',
];

// A dependency that fails to load here fails again, with its real error, where the code imports it.
if (isMainThread) await Promise.all(DEPS.map((d) => import(d).catch(() => undefined)));
