/**
 * The explorer page at / : three static files (src/http/public) read once at registration and served
 * from memory with an ETag, so the page needs no build step, no CDN and no static-file dependency.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const PUBLIC_DIR = new URL('../public/', import.meta.url);

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/explorer.js': { file: 'explorer.js', type: 'text/javascript; charset=utf-8' },
  '/explorer.css': { file: 'explorer.css', type: 'text/css; charset=utf-8' },
};

// Same-origin only: the page fetches /v1/* from where it was served.
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

export async function explorerRoutes(app: FastifyInstance): Promise<void> {
  for (const [url, { file, type }] of Object.entries(FILES)) {
    const body = readFileSync(new URL(file, PUBLIC_DIR));
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 20)}"`;
    app.get(url, { schema: { hide: true } }, (request, reply) => {
      reply.header('etag', etag).header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
      if (url === '/') reply.header('content-security-policy', CSP);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type(type).send(body);
    });
  }
}

export default explorerRoutes;
