/**
 * Probes in the style of kube-apiserver (../shared/reference/startup.md B2):
 *  - /livez: the process answers (no dependency on init, so a slow boot is not restarted);
 *  - /readyz: 200 `ok` once every startup phase passed; 503 before that and again from the moment
 *    shutdown starts. `?verbose` lists `[+]name ok` / `[-]name failed: reason` lines and a final
 *    `readyz check passed|failed` line; failures always answer verbosely. `?exclude=name` skips a check;
 *  - /readyz/{check}: one check alone.
 * Machines should read the status code; the text is for humans. Unlike kube-apiserver, reasons are
 * shown (they are operational facts such as "WebAssembly SIMD unavailable"), never secrets.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { PhaseRecord } from '../../startup/registry.ts';

/** What the probes read: the startup registry (src/startup) satisfies it. */
export interface ReadinessSource {
  records(): PhaseRecord[];
  isShuttingDown(): boolean;
}

/** Without a startup registry (an app built outside the server, e.g. in route tests) only the shutdown check exists. */
export interface HealthOptions { startup?: ReadinessSource | undefined }

const NO_STARTUP: ReadinessSource = { records: () => [], isShuttingDown: () => false };

interface Check { name: string; ok: boolean; text: string }

function phaseCheck(r: PhaseRecord): Check {
  const warn = r.warnings.length ? ` (warning: ${r.warnings.join('; ')})` : '';
  switch (r.status) {
    case 'ok': return { name: r.name, ok: true, text: `ok${warn}` };
    case 'skipped': return { name: r.name, ok: true, text: `ok (skipped: ${r.message})${warn}` };
    case 'failed': return { name: r.name, ok: false, text: `failed: ${r.message}` };
    case 'running': return { name: r.name, ok: false, text: 'failed: still running' };
    default: return { name: r.name, ok: false, text: 'failed: not run yet' };
  }
}

function checks(src: ReadinessSource): Check[] {
  const shutdown: Check = src.isShuttingDown()
    ? { name: 'shutdown', ok: false, text: 'failed: process is shutting down' }
    : { name: 'shutdown', ok: true, text: 'ok' };
  return [...src.records().map(phaseCheck), shutdown];
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

function text(reply: FastifyReply, status: number, body: string) {
  return reply.code(status).header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store').send(body);
}

const probeQuery = {
  type: 'object',
  properties: {
    verbose: { type: 'string', description: 'present: list every check' },
    exclude: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], description: 'check name to skip (repeatable)' },
  },
} as const;

// Probes must answer under load: @fastify/under-pressure lets a route opt out with a handler returning nothing.
const probeConfig = { pressureHandler: () => undefined, probe: true };

async function health(app: FastifyInstance, opts: HealthOptions) {
  const src = opts.startup ?? NO_STARTUP;

  app.get('/livez', {
    schema: { tags: ['probes'], summary: 'Liveness: the process answers', querystring: probeQuery },
    config: probeConfig,
  }, async (req, reply) => {
    const q = req.query as { verbose?: string };
    return text(reply, 200, q.verbose !== undefined ? '[+]ping ok\nlivez check passed\n' : 'ok');
  });

  app.get('/readyz', {
    schema: { tags: ['probes'], summary: 'Readiness: every startup phase passed and no shutdown in progress', querystring: probeQuery },
    config: probeConfig,
  }, async (req, reply) => {
    const q = req.query as { verbose?: string; exclude?: string | string[] };
    const excluded = new Set(asList(q.exclude));
    const all = checks(src);
    const lines: string[] = [];
    let ok = true;
    for (const c of all) {
      if (excluded.has(c.name)) { lines.push(`[+]${c.name} excluded: ok`); continue; }
      ok &&= c.ok;
      lines.push(`[${c.ok ? '+' : '-'}]${c.name} ${c.text}`);
    }
    const unknown = [...excluded].filter((n) => !all.some((c) => c.name === n));
    if (unknown.length) lines.push(`warn: some health checks cannot be excluded: no matches for ${unknown.map((n) => JSON.stringify(n)).join(',')}`);
    lines.push(`readyz check ${ok ? 'passed' : 'failed'}`);
    if (ok && q.verbose === undefined) return text(reply, 200, 'ok');
    return text(reply, ok ? 200 : 503, lines.join('\n') + '\n');
  });

  app.get('/readyz/:check', {
    schema: { tags: ['probes'], summary: 'One readiness check', params: { type: 'object', properties: { check: { type: 'string' } }, required: ['check'] } },
    config: probeConfig,
  }, async (req, reply) => {
    const name = (req.params as { check: string }).check;
    const c = checks(src).find((x) => x.name === name);
    if (!c) return text(reply, 404, `no such check: ${name} (checks: ${checks(src).map((x) => x.name).join(', ')})\n`);
    return text(reply, c.ok ? 200 : 503, c.ok ? c.text : `${c.text}\n`);
  });
}

export const healthPlugin = fp(health, { name: 'weightinit-health', fastify: '5.x' });
export default healthPlugin;
