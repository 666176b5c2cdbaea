/**
 * Shared by test/reliability/fuzz.test.ts and bench/fuzz.ts: fast-check generators for recipes
 * (plausible and hostile), raw request bodies and query strings, and the checks every answer must
 * pass. Expectations here are written from the API contract (issue 4), not from the code: a 200
 * carries the tensor, anything else is a 4xx application/problem+json naming a field, never a 5xx,
 * never internals. For 200s the determinism invariants are checked against byte cuts and framings
 * decoded here.
 */
import fc from 'fast-check';
import { pack } from 'msgpackr';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeMsgpack, parseSafetensors } from '../http/helpers.ts';

export const DTYPE_BYTES: Record<string, number> = { float32: 4, float64: 8, float16: 2, bfloat16: 2, float8_e4m3fn: 1, float8_e5m2: 1 };
export const DTYPE_NAMES = Object.keys(DTYPE_BYTES);

/** Limits small enough that a fuzz case can never ask for much work. */
export const FUZZ_LIMITS = {
  maxBytes: 256 * 1024, maxWholeElements: 4096, jsonMaxElements: 2048, maxBodyBytes: 64 * 1024,
};

export interface ParamSpec { type: string; enum?: string[]; minimum?: number; maximum?: number; default?: unknown }
export interface SchemeInfo { name: string; params: Record<string, ParamSpec> }

export async function loadSchemes(app: FastifyInstance): Promise<SchemeInfo[]> {
  const r = await app.inject('/v1/schemes');
  return (JSON.parse(r.body) as { schemes: SchemeInfo[] }).schemes;
}

// ---------- values ----------

const hugeNumbers = fc.constantFrom(2 ** 53, 2 ** 64, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, -0, 1e-320);
const weirdNumbers = fc.constantFrom(NaN, Infinity, -Infinity); // expressible in msgpack, not JSON
const unicodeName = fc.oneof(fc.string({ maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('', 'layer.0.weight', 'é', '名前', '🙂', 'a\u0000b', '\u202e', '../../etc/passwd'));

/** Any JSON-ish value, with a bias to the shapes hostile callers send. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(fc.integer(), fc.double(), hugeNumbers, fc.string({ maxLength: 16 }), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }) },
);

/** A value for one parameter: usually plausible for its spec, sometimes junk. */
function paramValue(spec: ParamSpec): fc.Arbitrary<unknown> {
  const lo = spec.minimum ?? -4, hi = spec.maximum ?? 4;
  const plausible = (() => {
    switch (spec.type) {
      case 'number': return fc.double({ min: Math.max(lo, -1e6), max: Math.min(hi, 1e6), noNaN: true, noDefaultInfinity: true });
      case 'integer': return fc.integer({ min: Math.max(Math.ceil(lo), -50), max: Math.min(Math.floor(hi), 50) });
      case 'boolean': return fc.boolean();
      case 'string': return spec.enum?.length ? fc.constantFrom(...spec.enum) : fc.string({ maxLength: 8 });
      case 'number[]': return fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { maxLength: 12 });
      case 'integer[]': return fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 4 });
      default: return junk;
    }
  })();
  return fc.oneof({ weight: 6, arbitrary: plausible }, { weight: 1, arbitrary: junk });
}

export interface RecipeCase {
  scheme: string;
  shape: number[];
  seed: string;
  dtype: string;
  name: string;
  params: Record<string, unknown>;
}

/** Plausible recipes: known scheme, small shape, parameters mostly within their specs. */
export function recipeArb(schemes: SchemeInfo[]): fc.Arbitrary<RecipeCase> {
  return fc.constantFrom(...schemes).chain((s) => fc.record({
    scheme: fc.constant(s.name),
    shape: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 4 }),
    seed: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
    dtype: fc.constantFrom(...DTYPE_NAMES),
    name: unicodeName,
    params: fc.record(Object.fromEntries(Object.entries(s.params).map(([k, spec]) => [k, paramValue(spec)])), { requiredKeys: [] }),
  }));
}

/** Hostile recipe objects: each field possibly of the wrong type, out of range, or extra. */
export function hostileRecipeArb(schemes: SchemeInfo[]): fc.Arbitrary<Record<string, unknown>> {
  const dim = fc.oneof(fc.integer({ min: 0, max: 9 }), fc.integer({ min: -5, max: -1 }), fc.double({ min: 0.1, max: 9.9, noInteger: true }), hugeNumbers, fc.constant(2 ** 31), fc.string({ maxLength: 3 }));
  return fc.record({
    scheme: fc.oneof(fc.constantFrom(...schemes.map((s) => s.name)), fc.string({ maxLength: 12 }), junk),
    shape: fc.oneof(fc.array(dim, { maxLength: 10 }), fc.string({ maxLength: 12 }), junk),
    seed: fc.oneof(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String), fc.integer(), hugeNumbers, fc.double(), junk),
    dtype: fc.oneof(fc.constantFrom(...DTYPE_NAMES, 'int8', 'FLOAT32', ''), junk),
    name: fc.oneof(unicodeName, fc.string({ minLength: 1000, maxLength: 1100 }), junk),
    layout: fc.oneof(fc.constantFrom('torch', 'keras', 'caffe', 'nope'), junk),
    slice: fc.oneof(fc.constantFrom(':', '0:1', '-1:', '::2', '5:2', '0:1,0:1,0:1,0:1,0:1,0:1,0:1,0:1,0:1', 'a:b', ''), fc.string({ maxLength: 12 }), junk),
    format: fc.oneof(fc.constantFrom('raw', 'npy', 'msgpack', 'safetensors', 'json', 'stats', 'xml'), junk),
    params: fc.oneof(fc.dictionary(fc.constantFrom('mean', 'std', 'a', 'b', 'mode', 'gain', 'value', 'values', 'nonlinearity', 'sparsity', 'low', 'high', '__proto__', 'constructor'), fc.oneof(junk, weirdNumbers), { maxKeys: 4 }), junk),
    fan_in: fc.oneof(fc.double(), hugeNumbers, junk),
    multiplier: fc.oneof(fc.double(), hugeNumbers, junk),
    extra_field: junk,
  }, { requiredKeys: [] });
}

/** Query keys that are the recipe's own (none is a scheme parameter name; src/http/routes/tensor-plan.ts). */
export const RECIPE_QUERY_KEYS = new Set(['scheme', 'shape', 'seed', 'dtype', 'name', 'layout', 'slice', 'format', 'fan_in', 'fan_out', 'multiplier', 'spectral_norm']);

/** Text of any value (String() throws for objects without a prototype). */
function text(v: unknown): string {
  if (Array.isArray(v)) return v.map(text).join(',');
  try { return String(v); } catch { return JSON.stringify(v) ?? 'undefined'; }
}

/** A recipe as a GET query string (params flattened); arrays are comma-joined. */
export function toQuery(r: Record<string, unknown>, format: string): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(r)) {
    if (k === 'params' && v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [pk, pv] of Object.entries(v)) q.append(pk, text(pv));
    } else if (v !== undefined) q.append(k, text(v));
  }
  q.set('format', format);
  return q.toString();
}

/** Raw query strings: random keys and values, raw percent signs, repeated keys, unicode. */
export const rawQueryArb: fc.Arbitrary<string> = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('scheme', 'shape', 'seed', 'dtype', 'name', 'slice', 'format', 'layout', 'mean', 'std', '__proto__', 'constructor', 'toString', 'shape[]', 'a.b'), fc.string({ maxLength: 8 })),
    fc.oneof(fc.constantFrom('normal', 'uniform', '4,4', '-1', '1e9,1e9', '%', '%zz', '%00', 'NaN', 'Infinity', '0:2,:', '', '18446744073709551616'), fc.string({ maxLength: 10 }), fc.string({ unit: 'grapheme', maxLength: 6 })),
    fc.boolean(),
  ).map(([k, v, encode]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`.replace(/[#\s]/g, ''))),
  { maxLength: 10 },
).map((parts) => parts.join('&'));

/** Body bytes: JSON text (duplicate keys, deep nesting, junk), msgpack (NaN, bigints, extensions), or noise. */
export function rawBodyArb(schemes: SchemeInfo[]): fc.Arbitrary<{ payload: Buffer; contentType: string }> {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');
  return fc.oneof(
    hostileRecipeArb(schemes).map((r) => ({ payload: json(r), contentType: 'application/json' })),
    hostileRecipeArb(schemes).map((r) => ({ payload: Buffer.from(pack(r)), contentType: 'application/msgpack' })),
    fc.tuple(fc.constantFrom('scheme', 'shape', 'seed', 'params'), junk, junk).map(([k, a, b]) => ({
      // duplicate keys: JSON.parse keeps the last; the request must still be a clean 2xx/4xx
      payload: Buffer.from(`{"scheme":"normal","shape":[2],${JSON.stringify(k)}:${JSON.stringify(a) ?? 'null'},${JSON.stringify(k)}:${JSON.stringify(b) ?? 'null'}}`),
      contentType: 'application/json',
    })),
    fc.integer({ min: 1, max: 20000 }).map((d) => ({ payload: Buffer.from(`{"scheme":"normal","shape":[2],"params":{"mean":${'['.repeat(d)}${']'.repeat(d)}}}`), contentType: 'application/json' })),
    fc.integer({ min: 1, max: 20000 }).map((d) => ({ payload: Buffer.concat([Buffer.from([0x82]), pack('scheme'), pack('normal'), pack('params'), Buffer.alloc(d, 0x91), Buffer.from([0x90])]), contentType: 'application/msgpack' })),
    fc.record({ scheme: fc.constant('normal'), shape: fc.constant([2]), params: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(weirdNumbers, hugeNumbers)) }).map((r) => ({ payload: Buffer.from(pack(r)), contentType: 'application/msgpack' })),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ payload: Buffer.from(b), contentType: 'application/msgpack' })),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ payload: Buffer.from(b), contentType: 'application/json' })),
    fc.tuple(fc.string({ maxLength: 40 }), fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1')).map(([s, ct]) => ({ payload: Buffer.from(s), contentType: ct })),
    fc.integer({ min: FUZZ_LIMITS.maxBodyBytes + 1, max: FUZZ_LIMITS.maxBodyBytes * 2 }).map((n) => ({ payload: Buffer.from(`{"scheme":"normal","shape":[2],"name":"${'x'.repeat(n)}"}`), contentType: 'application/json' })),
  );
}

// ---------- checks ----------

/** Text that would reveal internals: stack frames, source paths, module folders. */
const INTERNALS = /\bat [^\s()]+ \(|\bat file:|\.ts:\d+|\.js:\d+|node_modules|\/work\/|\/home\/|\/src\/|\/usr\//;

/** Whether an answer meets the contract for any input; returns the reason it does not, or null. */
export function contractViolation(res: LightMyRequestResponse): string | null {
  const s = res.statusCode;
  if (s >= 500) return `status ${s}: ${res.body.slice(0, 300)}`;
  if (s < 200) return `status ${s}`;
  if (s >= 400) {
    if (!String(res.headers['content-type']).startsWith('application/problem+json')) return `status ${s} with content-type ${res.headers['content-type']}`;
    let p: { status?: unknown; title?: unknown; detail?: unknown };
    try { p = JSON.parse(res.body) as typeof p; } catch { return `status ${s}: problem body is not JSON`; }
    if (p.status !== s) return `problem status ${String(p.status)} != ${s}`;
    if (typeof p.title !== 'string' || typeof p.detail !== 'string' || p.detail.length === 0) return 'problem without title/detail';
    if (INTERNALS.test(res.body)) return `problem reveals internals: ${res.body.slice(0, 300)}`;
  }
  return null;
}

/** A 503 from the overload plugin (event-loop/heap pressure, in-flight budget): the contract's "retry later". */
export function isOverloaded(res: LightMyRequestResponse): boolean {
  return res.statusCode === 503 && res.headers['retry-after'] !== undefined && /overloaded/.test(res.body);
}

/** Rejects after ms: a request that does not answer is a hang. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`hang: ${what} did not answer within ${ms} ms`)), ms); })]).finally(() => clearTimeout(t));
}

// ---------- determinism invariants (independent decoders and index arithmetic) ----------

/** Payload of an .npy file (NumPy format spec: magic, version, header length, header). */
export function npyPayload(buf: Buffer): Buffer {
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error('not npy');
  const major = buf[6]!;
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + hlen;
  return buf.subarray(start);
}

/**
 * The one tensor's bytes of a safetensors file. Entries are read with Object.entries of the parsed
 * header (JSON.parse keeps a "__proto__" key as an own property), never copied into another object,
 * so a tensor named "__proto__" is found like any other; parseSafetensors checks the layout first.
 */
export function safetensorsPayload(buf: Buffer): Buffer {
  parseSafetensors(buf);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { data_offsets: [number, number] }>;
  const t = Object.entries(header).filter(([k]) => k !== '__metadata__');
  if (t.length !== 1) throw new Error(`expected one tensor, got ${t.length}`);
  const [b0, b1] = t[0]![1].data_offsets;
  return buf.subarray(8 + n + b0, 8 + n + b1);
}

export function msgpackPayload(buf: Buffer): Buffer {
  const m = decodeMsgpack(buf) as { data: Uint8Array };
  return Buffer.from(m.data);
}

/** Bytes of region `ranges` (per-dim [start, stop)) cut from a row-major full tensor. */
export function cutRegion(full: Buffer, shape: number[], ranges: [number, number][], width: number): Buffer {
  const out: Buffer[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const walk = (d: number, offset: number) => {
    if (d === shape.length) { out.push(full.subarray(offset * width, (offset + 1) * width)); return; }
    for (let i = ranges[d]![0]; i < ranges[d]![1]; i++) walk(d + 1, offset + i * strides[d]!);
  };
  if (ranges.every(([a, b]) => b > a)) walk(0, 0);
  return Buffer.concat(out);
}

/** A random in-bounds region of `shape`, as ranges and as the API's slice text. */
export function regionArb(shape: number[]): fc.Arbitrary<{ ranges: [number, number][]; text: string }> {
  return fc.tuple(...shape.map((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n }))
    .map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number])))
    .map((ranges) => ({ ranges, text: ranges.map(([a, b]) => `${a}:${b}`).join(',') }));
}
