/**
 * A real listening server for client/browser tests: buildApp + listen on an ephemeral port.
 * Returns null (with the reason) when src/http/app.ts cannot be loaded, so tests can skip with a message.
 */
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

export interface LiveServer { url: string; app: FastifyInstance; close(): Promise<void> }

export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer | { skip: string }> {
  const appPath = new URL('../../src/http/app.ts', import.meta.url);
  if (!existsSync(appPath)) return { skip: 'src/http/app.ts does not exist yet' };
  const { buildApp } = await import('../../src/http/app.ts');
  const { loadConfig } = await import('../../src/config.ts');
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'warn', WEIGHTINIT_WORKERS: '1', ...env });
  const app = await buildApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no TCP address');
  return { url: `http://127.0.0.1:${addr.port}`, app, close: () => app.close() };
}
