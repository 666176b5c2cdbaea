/**
 * `npm run openapi`: writes openapi/openapi.json from the route schemas (the app is built with the
 * default configuration and a stub pool, never listening). test/http/openapi.test.ts fails when the
 * committed file differs from what the code generates.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import type { WorkerPool } from '../src/pool/index.ts';

export const OPENAPI_PATH = fileURLToPath(new URL('../openapi/openapi.json', import.meta.url));

const stubPool: WorkerPool = {
  run: () => Promise.reject(new Error('stub pool: the OpenAPI generator never generates tensors')),
  utilization: 0, queueSize: 0, threads: 0,
  selfTest: async () => [],
  close: async () => {},
};

/** The OpenAPI document as the exact text written to openapi/openapi.json. */
export async function generateOpenApiText(): Promise<string> {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent' }), { pool: stubPool });
  try {
    await app.ready();
    return JSON.stringify(app.swagger(), null, 2) + '\n';
  } finally {
    await app.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await generateOpenApiText();
  writeFileSync(OPENAPI_PATH, text);
  console.log(`wrote ${OPENAPI_PATH} (${text.length} bytes)`);
}
