/**
 * Scheme `pretrained` {source, tensor, sha256?}: a tensor from the pretrained store, converted to
 * the requested dtype. The source is looked up by name in the startup index (never joined onto a
 * path). Reads go through the descriptor opened at indexing time, and only the byte ranges the
 * requested elements (or slice runs) cover are read. The canonical params of a model manifest pin
 * the file's SHA-256, so a manifest documents exactly which file it used; given in a request, a
 * sha256 that no longer matches is refused.
 * Generation runs on the thread that indexed the store (the main thread): pool workers have no
 * index, so callers route family 'pretrained' to the main thread.
 */
import fs from 'node:fs';
import { define } from '../core/schemes/registry.ts';
import { RecipeError } from '../core/errors.ts';
import { BYTES_PER_ELEMENT, type DType } from '../core/dtypes.ts';
import type { ManifestAwareScheme } from '../core/models/manifest.ts';
import type { ByteCopyField } from '../core/models/bytes.ts';
import { getStore, type Source } from './index.ts';
import { decodeSource, SAME_AS, SOURCE_BYTES } from './dtypes.ts';
import type { StoredTensor } from './formats.ts';

export const PRETRAINED = 'pretrained';

function resolve(params: Record<string, unknown>): { src: Source; t: StoredTensor } {
  const store = getStore();
  const name = params.source as string;
  const src = store.sources.get(name);
  if (!src) {
    if (store.sources.size === 0) throw new RecipeError('unknown', 'params.source', 'no pretrained store is configured or it holds no readable files (WEIGHTINIT_STORE; GET /v1/pretrained)', name);
    const names = [...store.sources.keys()];
    const close = names.filter((n) => n.toLowerCase().includes(String(name).toLowerCase().replace(/\.(safetensors|npy)$/i, ''))).slice(0, 5);
    throw new RecipeError('unknown', 'params.source', 'is not a source in the pretrained store (GET /v1/pretrained lists them)', name, { suggestions: close });
  }
  let tname = params.tensor as string | undefined;
  if (tname === undefined) {
    if (src.tensors.size !== 1) throw new RecipeError('invalid', 'params.tensor', `is required: source ${name} holds ${src.tensors.size} tensors`, undefined);
    tname = src.tensors.keys().next().value!;
  }
  const t = src.tensors.get(tname);
  if (!t) throw new RecipeError('unknown', 'params.tensor', `is not a tensor of source ${name}`, tname, { suggestions: closeTensorNames(src, tname) });
  const pin = params.sha256 as string | undefined;
  if (pin !== undefined && pin.toLowerCase() !== src.sha256) {
    throw new RecipeError('impossible', 'params.sha256', `does not match the indexed file ${name} (sha256 ${src.sha256}); the store changed`, pin);
  }
  return { src, t };
}

function closeTensorNames(src: Source, name: string): string[] {
  const q = name.toLowerCase();
  return [...src.tensors.keys()].filter((n) => n.toLowerCase().includes(q) || q.includes(n.toLowerCase())).slice(0, 5);
}

function readExact(fd: number, out: Uint8Array, offset: number, len: number, pos: number): void {
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, out, offset + got, len - got, pos + got);
    if (n === 0) throw new Error(`pretrained store file ended early at byte ${pos + got} (changed since indexing?)`);
    got += n;
  }
}

let scratch = new Uint8Array(64 * 1024);

const def: ManifestAwareScheme = {
  name: PRETRAINED, aliases: ['stored', 'checkpoint'], framework: 'weightinit', family: 'pretrained',
  description: 'A tensor from the pretrained store (WEIGHTINIT_STORE; GET /v1/pretrained), converted to the requested dtype: same dtype is copied byte for byte, others go through float32 (float64 for float64) with the usual nearest-even rounding. The shape must equal the stored shape; slices read only their byte ranges.',
  formula: 'w = convert(stored[source][tensor], dtype)',
  references: ['safetensors format (huggingface/safetensors)', 'numpy .npy format (numpy.lib.format)'],
  notes: 'Sources are looked up by name in the startup index; no request string is ever joined onto a filesystem path.',
  params: {
    source: { type: 'string', description: 'file name relative to the store, e.g. "resnet18.safetensors" (see GET /v1/pretrained)', required: true },
    tensor: { type: 'string', description: 'tensor name inside the file (optional when the file holds one tensor, e.g. .npy)' },
    sha256: { type: 'string', description: 'expected SHA-256 of the file (refused if the indexed file differs)' },
  },
  compile: (ctx) => {
    const { src, t } = resolve(ctx.params);
    if (t.shape.length !== ctx.shape.length || t.shape.some((n, i) => n !== ctx.shape[i])) {
      throw new RecipeError('impossible', 'shape', `stored tensor ${src.name}:${t.name} has shape [${t.shape.join(', ')}] but the recipe asks for [${ctx.shape.join(', ')}]`, ctx.shape, { stored_shape: t.shape });
    }
    const width = SOURCE_BYTES[t.dtype];
    const same = SAME_AS[t.dtype];
    // Compiled fields are cached (recipe LRU); re-resolve at every read so a re-indexed store (new
    // descriptors) is used, and a file whose content changed is refused rather than mixed in.
    const fdNow = (): number => {
      const cur = getStore().sources.get(src.name);
      if (!cur || cur.sha256 !== src.sha256) throw new Error(`pretrained source ${src.name} changed since this recipe was compiled`);
      return cur.fd;
    };
    const field: ByteCopyField = {
      precision: ctx.precision,
      fill(start, count, out) {
        const len = count * width;
        if (scratch.length < len) scratch = new Uint8Array(len);
        readExact(fdNow(), scratch, 0, len, t.start + start * width);
        decodeSource(t.dtype, scratch.subarray(0, len), count, out);
      },
      copyBytes(dtype: DType, start: number, count: number, out: Uint8Array, offset: number): boolean {
        if (dtype !== same) return false;
        readExact(fdNow(), out, offset, count * BYTES_PER_ELEMENT[dtype], t.start + start * width);
        return true;
      },
    };
    return field;
  },
  defaultShape: (params) => {
    if (typeof params.source !== 'string') return undefined; // canonicalize reports the missing param
    return resolve(params).t.shape.slice();
  },
  pinParams: (params) => {
    const { src, t } = resolve(params);
    return { source: src.name, tensor: t.name, sha256: src.sha256 };
  },
};

define(def);
