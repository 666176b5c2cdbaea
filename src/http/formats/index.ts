/** The response formats, their media types, and content negotiation from `format=` or Accept. */
import { RecipeError } from '../../core/errors.ts';
import type { BinaryFraming, TensorMeta } from './meta.ts';
import { rawFraming, RAW_TYPE } from './raw.ts';
import { npyFraming, NPY_TYPE } from './npy.ts';
import { safetensorsFraming, SAFETENSORS_TYPE } from './safetensors.ts';
import { msgpackFraming, MSGPACK_TYPE } from './msgpack.ts';
import { JSON_TYPE } from './json.ts';

export const FORMATS = ['raw', 'msgpack', 'npy', 'safetensors', 'json', 'stats'] as const;
export type Format = (typeof FORMATS)[number];
export type BinaryFormat = 'raw' | 'msgpack' | 'npy' | 'safetensors';

export const CONTENT_TYPE: Record<Format, string> = {
  raw: RAW_TYPE, msgpack: MSGPACK_TYPE, npy: NPY_TYPE, safetensors: SAFETENSORS_TYPE, json: JSON_TYPE, stats: JSON_TYPE,
};
export const FILE_EXTENSION: Record<BinaryFormat, string> = { raw: 'bin', msgpack: 'msgpack', npy: 'npy', safetensors: 'safetensors' };

export function isBinary(f: Format): f is BinaryFormat { return f !== 'json' && f !== 'stats'; }

export function binaryFraming(format: BinaryFormat, meta: TensorMeta): BinaryFraming {
  switch (format) {
    case 'raw': return rawFraming(meta);
    case 'npy': return npyFraming(meta);
    case 'safetensors': return safetensorsFraming(meta);
    case 'msgpack': return msgpackFraming(meta);
  }
}

/** Media types accepted in Accept, each mapped to a format (first listed wins for wildcards). */
const ACCEPTED: [string, Format][] = [
  ['application/octet-stream', 'raw'],
  ['application/msgpack', 'msgpack'], ['application/x-msgpack', 'msgpack'], ['application/vnd.msgpack', 'msgpack'],
  ['application/x-npy', 'npy'], ['application/npy', 'npy'],
  ['application/x-safetensors', 'safetensors'], ['application/safetensors', 'safetensors'], ['application/vnd.safetensors', 'safetensors'],
  ['application/json', 'json'],
];

/**
 * The format for a request: `format=` wins; else the Accept header's most preferred supported type
 * (q-values honoured, wildcards mean raw); no Accept means raw. Nothing acceptable: 406.
 */
export function negotiate(format: string | undefined, accept: string | undefined): Format {
  if (format !== undefined) return format as Format; // validated by the route schema
  if (!accept || accept.trim() === '') return 'raw';
  const ranges = accept.split(',').map((part, order) => {
    const [type, ...params] = part.trim().toLowerCase().split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    return { type: type ?? '', q: q ? Number(q.slice(2)) : 1, order };
  }).filter((r) => r.type !== '' && r.q > 0 && !Number.isNaN(r.q));
  ranges.sort((a, b) => b.q - a.q || specificity(b.type) - specificity(a.type) || a.order - b.order);
  for (const r of ranges) {
    if (r.type === '*/*' || r.type === 'application/*') return 'raw';
    const hit = ACCEPTED.find(([t]) => t === r.type);
    if (hit) return hit[1];
  }
  throw new RecipeError('unsupported', 'accept', `no acceptable format: use format= (${FORMATS.join(', ')}) or Accept one of ${ACCEPTED.map(([t]) => t).join(', ')}`, accept);
}

function specificity(t: string): number { return t === '*/*' ? 0 : t.endsWith('/*') ? 1 : 2; }

export type { TensorMeta, BinaryFraming } from './meta.ts';
