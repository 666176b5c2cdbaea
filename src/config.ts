/**
 * Configuration from environment variables (and CLI flags mapped onto them). One table describes
 * every setting: name, default, parser, description; the README's configuration table and the
 * startup log come from it. Invalid values fail the "configuration" startup phase by name.
 */
import os from 'node:os';

export interface Config {
  port: number;
  host: string;
  workers: number;
  maxBytes: number;
  logLevel: string;
  requireSimd: boolean;
  shutdownGraceMs: number;
  inflightBytes: number;
  jsonMaxElements: number;
  chunkBytes: number;
  windowChunks: number;
  mainThreadMaxBytes: number;
  maxWholeElements: number;
  maxBodyBytes: number;
  store: string;
  apiToken: string;
  authProbes: boolean;
  corsOrigins: string[];
  rateLimitPerMinute: number;
  idleTimeoutMs: number;
  memoryBudgetBytes: number;
  workerHeapMb: number;
  maxEventLoopDelayMs: number;
}

type Spec = { env: string; key: keyof Config; default: string; description: string; secret?: boolean; parse: (v: string) => unknown };

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new Error(`must be an integer in [${min}, ${max}]`);
  return n;
};
const bool = (v: string) => {
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off|)$/i.test(v)) return false;
  throw new Error('must be a boolean (1/0, true/false)');
};
const str = (v: string) => v;

export const CONFIG_SPECS: Spec[] = [
  { env: 'PORT', key: 'port', default: '8080', description: 'TCP port to listen on', parse: int(0, 65535) },
  { env: 'HOST', key: 'host', default: '0.0.0.0', description: 'address to bind', parse: str },
  { env: 'WEIGHTINIT_WORKERS', key: 'workers', default: String(os.availableParallelism?.() ?? os.cpus().length), description: 'worker threads generating tensors (default: available cores)', parse: int(1, 256) },
  { env: 'WEIGHTINIT_MAX_BYTES', key: 'maxBytes', default: String(4 * 1024 ** 3), description: 'largest response body in bytes (413 above)', parse: int(1) },
  { env: 'LOG_LEVEL', key: 'logLevel', default: 'info', description: 'pino log level (fatal, error, warn, info, debug, trace, silent)', parse: (v) => { if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v)) throw new Error('must be a pino level'); return v; } },
  { env: 'WEIGHTINIT_REQUIRE_SIMD', key: 'requireSimd', default: '0', description: 'fail startup when WebAssembly SIMD is missing (default: fall back to scalar kernels with a warning)', parse: bool },
  { env: 'WEIGHTINIT_SHUTDOWN_GRACE_MS', key: 'shutdownGraceMs', default: '30000', description: 'time in-flight requests get to finish after SIGTERM', parse: int(0) },
  { env: 'WEIGHTINIT_INFLIGHT_BYTES', key: 'inflightBytes', default: String(512 * 1024 ** 2), description: 'budget of buffered response bytes across requests; over it new requests get 503 + Retry-After', parse: int(1) },
  { env: 'WEIGHTINIT_JSON_MAX_ELEMENTS', key: 'jsonMaxElements', default: '65536', description: 'largest tensor served as format=json', parse: int(0) },
  { env: 'WEIGHTINIT_CHUNK_BYTES', key: 'chunkBytes', default: String(1024 * 1024), description: 'bytes per generation chunk sent to a worker', parse: int(4096) },
  { env: 'WEIGHTINIT_WINDOW_CHUNKS', key: 'windowChunks', default: '8', description: 'chunks generated ahead of the socket per request', parse: int(1, 1024) },
  { env: 'WEIGHTINIT_MAIN_THREAD_MAX_BYTES', key: 'mainThreadMaxBytes', default: String(64 * 1024), description: 'tensors up to this size are generated on the main thread (no pool round trip)', parse: int(0) },
  { env: 'WEIGHTINIT_MAX_WHOLE_ELEMENTS', key: 'maxWholeElements', default: String(64 * 1024 * 1024), description: 'largest tensor for whole-tensor schemes (orthogonal, spectral norm, dirichlet, sparse) that are computed at once', parse: int(1) },
  { env: 'WEIGHTINIT_MAX_BODY_BYTES', key: 'maxBodyBytes', default: String(1024 * 1024), description: 'largest request body', parse: int(1) },
  { env: 'WEIGHTINIT_STORE', key: 'store', default: './weights', description: 'folder of pretrained .safetensors/.npy files (optional)', parse: str },
  { env: 'WEIGHTINIT_API_TOKEN', key: 'apiToken', default: '', description: 'bearer token required on /v1 routes when set', secret: true, parse: str },
  { env: 'WEIGHTINIT_AUTH_PROBES', key: 'authProbes', default: '0', description: 'also require the token on /metrics (probes stay open)', parse: bool },
  { env: 'WEIGHTINIT_CORS_ORIGINS', key: 'corsOrigins', default: '', description: 'comma-separated allowed CORS origins (empty: CORS off)', parse: (v) => v.split(',').map((s) => s.trim()).filter(Boolean) },
  { env: 'WEIGHTINIT_RATE_LIMIT', key: 'rateLimitPerMinute', default: '0', description: 'requests per minute per client IP (0: off)', parse: int(0) },
  { env: 'WEIGHTINIT_IDLE_TIMEOUT_MS', key: 'idleTimeoutMs', default: '60000', description: 'close a response whose client has not read for this long', parse: int(0) },
  { env: 'WEIGHTINIT_MAX_EVENT_LOOP_DELAY_MS', key: 'maxEventLoopDelayMs', default: '1000', description: 'answer 503 + Retry-After while the event loop lags more than this (0: off)', parse: int(0) },
  { env: 'WEIGHTINIT_MEMORY_BUDGET_BYTES', key: 'memoryBudgetBytes', default: String(1024 ** 3), description: 'memory the service expects to have; startup checks the host has it, and new requests get 503 + Retry-After while the main thread\'s live memory (V8 heap used + buffers) is over 3/4 of it (RSS is not used: it does not shrink back)', parse: int(0) },
  { env: 'WEIGHTINIT_WORKER_HEAP_MB', key: 'workerHeapMb', default: '1024', description: 'JS heap limit of each worker thread (MB); a worker over it is replaced and only its request fails (0: no limit)', parse: int(0) },
];

export class ConfigError extends Error {}

/** Parses configuration from an environment; throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const cfg: Record<string, unknown> = {};
  for (const s of CONFIG_SPECS) {
    const raw = env[s.env];
    const v = raw === undefined ? s.default : raw;
    try { cfg[s.key] = s.parse(v); } catch (e) {
      throw new ConfigError(`${s.env}=${s.secret ? '***' : JSON.stringify(v)}: ${(e as Error).message}`);
    }
  }
  return { ...(cfg as unknown as Config), ...overrides };
}

/** The effective configuration with secrets masked, for the startup log. */
export function describeConfig(cfg: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of CONFIG_SPECS) out[s.env] = s.secret && cfg[s.key] ? '***' : cfg[s.key];
  return out;
}
