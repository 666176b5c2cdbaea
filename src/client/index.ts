/**
 * weightinit TypeScript client (Node >= 20 and browsers: uses only global fetch, crypto.subtle,
 * TextDecoder). Fetches tensors by recipe as raw little-endian bytes and returns typed arrays.
 *
 *   import { getTensor, getShard, getModel } from 'weightinit';
 *   const w = await getTensor({ scheme: 'kaiming_uniform', shape: [512, 256], seed: 42, name: 'fc1.weight' },
 *                             { baseUrl: 'http://localhost:8080', verify: true });
 *   w.data // Float32Array of 131072 values
 *
 * Data conventions: float32 -> Float32Array, float64 -> Float64Array; float16 and bfloat16 -> Uint16Array
 * of the raw bit patterns; float8_e4m3fn / float8_e5m2 -> Uint8Array of the raw bits (decode with
 * decodeToFloat32 when you need numbers). Typed arrays are little-endian views, so the client assumes
 * a little-endian host (every mainstream platform).
 */

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'float8_e4m3fn' | 'float8_e5m2';
export type TensorData = Float32Array | Float64Array | Uint16Array | Uint8Array;

/** A recipe as the service accepts it (POST /v1/tensors body). */
export interface Recipe {
  scheme: string;
  shape: readonly number[];
  /** unsigned 64-bit; numbers above 2^53 must be given as string or bigint */
  seed?: number | string | bigint;
  dtype?: DType | string;
  name?: string;
  layout?: string;
  params?: Record<string, unknown>;
  /** numpy-style per-dimension 'start:stop' list, e.g. '0:128,:' */
  slice?: string;
  fan_in?: number;
  fan_out?: number;
  /** Recipe-level multiplier applied after sampling (default 1). A scheme's own `scale` goes in params. */
  multiplier?: number;
  /** Divide by the largest singular value before the multiplier: true / 'converged' or a power-iteration count (1..1000). */
  spectral_norm?: boolean | number | 'converged';
}

export interface ClientOptions {
  /** Service root, default http://localhost:8080 (or WEIGHTINIT_URL in Node). */
  baseUrl?: string;
  signal?: AbortSignal;
  /** Retries after a 503 (honouring Retry-After) or a network error; default 4. */
  retries?: number;
  /** Upper bound on one wait between retries, ms; default 30000. */
  maxRetryDelayMs?: number;
  /** Verify the SHA-256 of the received bytes against the service's digest (see verifyDigest). */
  verify?: boolean;
  headers?: Record<string, string>;
  /** Override for tests; defaults to globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface Tensor {
  shape: number[];
  dtype: DType;
  data: TensorData;
  /** Weightinit-Recipe header: stable id of the canonical recipe (equal ids mean equal bytes). */
  recipeId?: string;
  /** Hex SHA-256 of the bytes, when verified. */
  sha256?: string;
}

/** Problem details (RFC 9457) returned by the service, thrown as an Error. */
export class WeightinitError extends Error {
  constructor(readonly status: number, readonly problem: Record<string, unknown>) {
    super(`${status} ${String(problem.title ?? 'error')}: ${String(problem.detail ?? '')}`.trim());
    this.name = 'WeightinitError';
  }
}

export class IntegrityError extends Error {
  constructor(readonly expected: string, readonly actual: string) {
    super(`SHA-256 mismatch: service says ${expected}, received bytes hash to ${actual}`);
    this.name = 'IntegrityError';
  }
}

const BYTES: Record<DType, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, float8_e4m3fn: 1, float8_e5m2: 1 };

function baseUrlOf(opts: ClientOptions): string {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.WEIGHTINIT_URL;
  return (opts.baseUrl ?? env ?? 'http://localhost:8080').replace(/\/+$/, '');
}

/** JSON body of a recipe: bigint seeds become decimal strings. */
export function recipeBody(recipe: Recipe, format?: string): string {
  const body: Record<string, unknown> = { ...recipe, shape: [...recipe.shape], seed: typeof recipe.seed === 'bigint' ? recipe.seed.toString() : recipe.seed };
  if (format !== undefined) body.format = format;
  return JSON.stringify(body);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(t); reject(signal!.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After as seconds or an HTTP date -> milliseconds (bounded). */
export function retryAfterMs(value: string | null, attempt: number, cap: number): number {
  if (value) {
    const s = Number(value);
    if (Number.isFinite(s) && s >= 0) return Math.min(cap, s * 1000);
    const date = Date.parse(value);
    if (!Number.isNaN(date)) return Math.min(cap, Math.max(0, date - Date.now()));
  }
  return Math.min(cap, 250 * 2 ** attempt); // no header: exponential backoff
}

/**
 * fetch with retries on 503 (Retry-After honoured) and on network errors; never retries on abort.
 * Any other non-2xx answer is thrown as WeightinitError carrying the problem+json body.
 */
export async function request(path: string, init: RequestInit, opts: ClientOptions = {}): Promise<Response> {
  const f = opts.fetch ?? globalThis.fetch;
  const retries = opts.retries ?? 4;
  const cap = opts.maxRetryDelayMs ?? 30000;
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await f(baseUrlOf(opts) + path, { ...init, signal: opts.signal, headers: { ...opts.headers, ...(init.headers as Record<string, string>) } });
    } catch (err) {
      if (opts.signal?.aborted || attempt >= retries) throw err;
      await sleep(retryAfterMs(null, attempt, cap), opts.signal);
      continue;
    }
    if (res.status === 503 && attempt < retries) {
      await res.body?.cancel().catch(() => undefined);
      await sleep(retryAfterMs(res.headers.get('retry-after'), attempt, cap), opts.signal);
      continue;
    }
    if (!res.ok && res.status !== 304) {
      const text = await res.text().catch(() => '');
      let problem: Record<string, unknown>;
      try { problem = JSON.parse(text) as Record<string, unknown>; } catch { problem = { title: res.statusText, detail: text.slice(0, 500) }; }
      throw new WeightinitError(res.status, problem);
    }
    return res;
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Typed view over raw little-endian bytes (copies when unaligned). */
export function typedView(bytes: Uint8Array, dtype: DType): TensorData {
  const width = BYTES[dtype];
  if (width === 1) return bytes;
  const buf = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  const n = buf.byteLength / width;
  switch (dtype) {
    case 'float32': return new Float32Array(buf.buffer, buf.byteOffset, n);
    case 'float64': return new Float64Array(buf.buffer, buf.byteOffset, n);
    default: return new Uint16Array(buf.buffer, buf.byteOffset, n);
  }
}

/**
 * Integrity: POST /v1/tensors/digest with the same recipe (and format raw) answers JSON {sha256} for the
 * exact bytes POST /v1/tensors sends (the service may also send a Weightinit-Sha256 or Repr-Digest header; when present
 * it is used and no second request is made).
 */
export async function fetchDigest(recipe: Recipe, opts: ClientOptions = {}): Promise<string> {
  const res = await request('/v1/tensors/digest', { method: 'POST', body: recipeBody(recipe, 'raw'), headers: { 'content-type': 'application/json', accept: 'application/json' } }, opts);
  const body = await res.json() as { sha256?: string; digest?: string };
  const hex = body.sha256 ?? body.digest;
  if (typeof hex !== 'string') throw new Error('digest endpoint answered without sha256');
  return hex.replace(/^sha-?256[:=]/i, '').toLowerCase();
}

/** Hex SHA-256 from a `Repr-Digest: sha-256=:BASE64:` or `Weightinit-Sha256: hex` header, if any. */
export function digestFromHeaders(h: Headers): string | undefined {
  const hex = h.get('weightinit-sha256');
  if (hex) return hex.toLowerCase();
  const rd = h.get('repr-digest') ?? h.get('content-digest');
  const m = rd && /sha-256=:([A-Za-z0-9+/=]+):/.exec(rd);
  if (m) return Array.from(atob(m[1]!), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
  return undefined;
}

function parseShapeHeader(v: string | null, fallback: readonly number[]): number[] {
  if (v === null) return [...fallback];
  const t = v.trim().replace(/^\[|\]$/g, '');
  return t === '' ? [] : t.split(',').map((s) => Number(s.trim()));
}

/** Fetches one tensor (or slice) as raw bytes and returns it as a typed array. */
export async function getTensor(recipe: Recipe, opts: ClientOptions = {}): Promise<Tensor> {
  const res = await request('/v1/tensors', {
    method: 'POST', body: recipeBody(recipe, 'raw'),
    headers: { 'content-type': 'application/json', accept: 'application/octet-stream' },
  }, opts);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const dtype = (res.headers.get('weightinit-dtype') ?? recipe.dtype ?? 'float32') as DType;
  if (!(dtype in BYTES)) throw new Error(`unexpected dtype ${dtype}`);
  const shape = parseShapeHeader(res.headers.get('weightinit-shape'), recipe.shape);
  const expected = shape.reduce((a, b) => a * b, 1) * BYTES[dtype];
  if (bytes.byteLength !== expected) throw new Error(`received ${bytes.byteLength} bytes, expected ${expected} for shape [${shape}] ${dtype}`);
  const out: Tensor = { shape, dtype, data: typedView(bytes, dtype) };
  const id = res.headers.get('weightinit-recipe');
  if (id) out.recipeId = id;
  if (opts.verify) {
    const want = digestFromHeaders(res.headers) ?? await fetchDigest(recipe, opts);
    const got = await sha256Hex(bytes);
    if (got !== want) throw new IntegrityError(want, got);
    out.sha256 = got;
  }
  return out;
}

/**
 * Bounds of shard `rank` of `worldSize` along a dimension of size n, with torch.tensor_split /
 * numpy.array_split semantics: the first n % worldSize shards get one extra element, so sizes differ by at
 * most one and every rank gets a (possibly empty) shard. (torch.chunk differs: ceil-sized chunks, fewer
 * chunks than asked for when n is small.)
 */
export function shardBounds(n: number, rank: number, worldSize: number): [number, number] {
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new RangeError('worldSize must be a positive integer');
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`rank must be an integer in [0, ${worldSize})`);
  const base = Math.floor(n / worldSize), extra = n % worldSize;
  const start = rank * base + Math.min(rank, extra);
  return [start, start + base + (rank < extra ? 1 : 0)];
}

/** The slice text selecting shard `rank` along `axis` (negative axis counts from the end). */
export function shardSlice(shape: readonly number[], rank: number, worldSize: number, axis = 0): string {
  const ax = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= shape.length) throw new RangeError(`axis ${axis} out of range for rank ${shape.length}`);
  const [a, b] = shardBounds(shape[ax]!, rank, worldSize);
  return shape.map((_, d) => (d === ax ? `${a}:${b}` : ':')).join(',');
}

/**
 * This rank's shard of the full tensor, generated by the service from the FULL recipe (fans and values
 * are those of the full tensor), so concatenating all shards along `axis` gives exactly getTensor(recipe).
 */
export async function getShard(recipe: Recipe, rank: number, worldSize: number, axis = 0, opts: ClientOptions = {}): Promise<Tensor> {
  if (recipe.slice !== undefined) throw new Error('getShard: the recipe must not carry a slice (the shard is the slice)');
  return getTensor({ ...recipe, slice: shardSlice(recipe.shape, rank, worldSize, axis) }, opts);
}

const SAFETENSORS_DTYPES: Record<string, DType> = {
  F32: 'float32', F64: 'float64', F16: 'float16', BF16: 'bfloat16', F8_E4M3: 'float8_e4m3fn', F8_E5M2: 'float8_e5m2',
};

/** Parses a safetensors buffer into named tensors (validates offsets as the reference reader does). */
export function parseSafetensors(buf: Uint8Array): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (buf.byteLength < 8) throw new Error('safetensors: shorter than the 8-byte header length');
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (8 + n > buf.byteLength) throw new Error('safetensors: header length past end of data');
  const header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n))) as Record<string, unknown>;
  const data = buf.subarray(8 + n);
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, { dtype: string; shape: number[]; data_offsets: [number, number] }][];
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  const tensors: Record<string, Tensor> = {};
  let end = 0;
  for (const [name, info] of entries) {
    const dtype = SAFETENSORS_DTYPES[info.dtype];
    if (!dtype) throw new Error(`safetensors: unsupported dtype ${info.dtype} for ${name}`);
    const [b, e] = info.data_offsets;
    if (b !== end || e < b) throw new Error(`safetensors: invalid offsets for ${name}`);
    const count = info.shape.reduce((x, y) => x * y, 1);
    if (e - b !== count * BYTES[dtype]) throw new Error(`safetensors: ${name} has ${e - b} bytes, shape needs ${count * BYTES[dtype]}`);
    tensors[name] = { shape: [...info.shape], dtype, data: typedView(data.subarray(b, e), dtype) };
    end = e;
  }
  if (end !== data.byteLength) throw new Error('safetensors: trailing bytes after the last tensor');
  return { tensors, metadata };
}

/** A whole model: POST /v1/models with the manifest, answered as safetensors, parsed here. */
export async function getModel(manifest: unknown, opts: ClientOptions = {}): Promise<Record<string, Tensor>> {
  const res = await request('/v1/models?format=safetensors', {
    method: 'POST', body: JSON.stringify(manifest),
    headers: { 'content-type': 'application/json', accept: 'application/vnd.safetensors, application/octet-stream' },
  }, opts);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (opts.verify) {
    const want = digestFromHeaders(res.headers);
    if (want) { const got = await sha256Hex(bytes); if (got !== want) throw new IntegrityError(want, got); }
  }
  return parseSafetensors(bytes).tensors;
}

/** Decodes raw float16/bfloat16/float8 bits to float32 numbers (float32/float64 data returned as is). */
export function decodeToFloat32(t: Pick<Tensor, 'dtype' | 'data'>): Float32Array | Float64Array {
  const d = t.data;
  if (t.dtype === 'float32' || t.dtype === 'float64') return d as Float32Array | Float64Array;
  const out = new Float32Array(d.length);
  const u32 = new Uint32Array(out.buffer);
  for (let i = 0; i < d.length; i++) {
    const h = d[i]!;
    switch (t.dtype) {
      case 'bfloat16': u32[i] = h << 16; break;
      case 'float16': out[i] = f16(h); break;
      case 'float8_e5m2': out[i] = f16(h << 8); break;
      case 'float8_e4m3fn': {
        const s = h & 0x80 ? -1 : 1, e = (h >> 3) & 0xf, m = h & 7;
        out[i] = (h & 0x7f) === 0x7f ? NaN : e === 0 ? s * m * 2 ** -9 : s * (1 + m / 8) * 2 ** (e - 7);
        break;
      }
    }
  }
  return out;
}

function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}
