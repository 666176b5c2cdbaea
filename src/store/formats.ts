/**
 * Reading the headers of stored tensor files, validating them the way the reference readers do
 * (safetensors: SafeTensors::read_metadata + Metadata::validate; npy: numpy.lib.format), from a
 * file descriptor and only the bytes the header needs. Anything wrong throws StoreFileError with a
 * reason; the indexer reports the file by name and carries on.
 */
import fs from 'node:fs';
import { decodeSource, SOURCE_BYTES, type SourceDType } from './dtypes.ts';

export class StoreFileError extends Error {}

export interface StoredTensor {
  name: string;
  dtype: SourceDType;
  shape: number[];
  /** Absolute byte offset of the first element in the file. */
  start: number;
  bytes: number;
}

export interface ParsedFile { tensors: StoredTensor[]; skipped: string[]; metadata?: Record<string, string> }

const MAX_SAFETENSORS_HEADER = 100_000_000;
const MAX_NPY_HEADER = 10_000 + 64; // numpy's default max_header_size plus the preamble

function readAt(fd: number, pos: number, len: number): Buffer {
  const buf = Buffer.alloc(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) throw new StoreFileError(`unexpected end of file at byte ${pos + got}`);
    got += n;
  }
  return buf;
}

function numelOf(shape: number[]): number { return shape.reduce((a, b) => a * b, 1); }

function isShape(v: unknown): v is number[] {
  return Array.isArray(v) && v.length <= 32 && v.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0);
}

export function parseSafetensors(fd: number, size: number): ParsedFile {
  if (size < 8) throw new StoreFileError(`file is ${size} bytes, shorter than the 8-byte header length`);
  const n = Number(readAt(fd, 0, 8).readBigUInt64LE(0));
  if (n > MAX_SAFETENSORS_HEADER) throw new StoreFileError(`header length ${n} exceeds ${MAX_SAFETENSORS_HEADER}`);
  if (8 + n > size) throw new StoreFileError(`header length ${n} runs past the end of the ${size}-byte file`);
  let header: unknown;
  try { header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(readAt(fd, 8, n))); } catch (e) {
    throw new StoreFileError(`header is not UTF-8 JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new StoreFileError('header is not a JSON object');
  const entries: Array<{ name: string; dtype: string; shape: number[]; b: number; e: number }> = [];
  let metadata: Record<string, string> | undefined;
  for (const [name, v] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (v !== null && (typeof v !== 'object' || Array.isArray(v) || Object.values(v as object).some((x) => typeof x !== 'string'))) throw new StoreFileError('__metadata__ must map strings to strings');
      metadata = (v ?? {}) as Record<string, string>;
      continue;
    }
    const o = v as Record<string, unknown>;
    const offs = o?.data_offsets;
    if (typeof o !== 'object' || o === null || typeof o.dtype !== 'string' || !isShape(o.shape) || !Array.isArray(offs) || offs.length !== 2
      || !offs.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
      throw new StoreFileError(`tensor "${name}": entry must be {dtype, shape, data_offsets: [begin, end]}`);
    }
    entries.push({ name, dtype: o.dtype, shape: o.shape, b: offs[0] as number, e: offs[1] as number });
  }
  entries.sort((x, y) => x.b - y.b || x.e - y.e);
  const tensors: StoredTensor[] = [], skipped: string[] = [];
  let end = 0;
  for (const t of entries) {
    if (t.b !== end || t.e < t.b) throw new StoreFileError(`tensor "${t.name}": data_offsets [${t.b}, ${t.e}] do not follow the previous tensor (expected begin ${end})`);
    end = t.e;
    const width = SOURCE_BYTES[t.dtype as SourceDType];
    if (width === undefined) { skipped.push(`${t.name}: dtype ${t.dtype} is not supported`); continue; }
    if (t.e - t.b !== numelOf(t.shape) * width) throw new StoreFileError(`tensor "${t.name}": ${t.e - t.b} bytes for shape [${t.shape}] of ${t.dtype} (expected ${numelOf(t.shape) * width})`);
    tensors.push({ name: t.name, dtype: t.dtype as SourceDType, shape: t.shape, start: 8 + n + t.b, bytes: t.e - t.b });
  }
  if (8 + n + end !== size) throw new StoreFileError(`data ends at byte ${8 + n + end} but the file has ${size} bytes`);
  const r: ParsedFile = { tensors, skipped };
  if (metadata) r.metadata = metadata;
  return r;
}

const NPY_DESCR: Record<string, SourceDType> = {
  '<f8': 'F64', '<f4': 'F32', '<f2': 'F16', '<i8': 'I64', '<i4': 'I32', '<i2': 'I16', '|i1': 'I8', '<i1': 'I8',
  '|u1': 'U8', '<u1': 'U8', '<u2': 'U16', '<u4': 'U32', '<u8': 'U64', '|b1': 'BOOL',
};

/** .npy v1/v2/v3: magic, version, header length, Python-literal dict header, raw C-order data. */
export function parseNpy(fd: number, size: number, tensorName: string): ParsedFile {
  if (size < 10) throw new StoreFileError(`file is ${size} bytes, too short for an .npy header`);
  const pre = readAt(fd, 0, Math.min(size, 12));
  if (pre[0] !== 0x93 || pre.toString('latin1', 1, 6) !== 'NUMPY') throw new StoreFileError('missing the \\x93NUMPY magic');
  const major = pre[6]!;
  let hlen: number, hstart: number;
  if (major === 1) { hlen = pre.readUInt16LE(8); hstart = 10; } else if (major === 2 || major === 3) {
    if (size < 12) throw new StoreFileError('truncated header length');
    hlen = pre.readUInt32LE(8); hstart = 12;
  } else throw new StoreFileError(`unsupported .npy version ${major}`);
  if (hlen > MAX_NPY_HEADER) throw new StoreFileError(`header length ${hlen} exceeds ${MAX_NPY_HEADER}`);
  if (hstart + hlen > size) throw new StoreFileError(`header length ${hlen} runs past the end of the file`);
  const text = readAt(fd, hstart, hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]+)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new StoreFileError('header lacks descr, fortran_order or shape');
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    if (!/^\d+L?$/.test(s)) throw new StoreFileError(`shape entry "${s}" is not an integer`);
    return Number(s.replace('L', ''));
  });
  if (!isShape(shape)) throw new StoreFileError('shape is not a tuple of non-negative integers');
  const start = hstart + hlen;
  const dtype = NPY_DESCR[descr];
  if (!dtype) return { tensors: [], skipped: [`${tensorName}: descr ${descr} is not supported (little-endian numeric and bool only)`] };
  if (fortran === 'True') return { tensors: [], skipped: [`${tensorName}: fortran_order arrays are not supported`] };
  const bytes = numelOf(shape) * SOURCE_BYTES[dtype];
  if (start + bytes !== size) throw new StoreFileError(`data should be ${bytes} bytes for shape (${shape}) ${descr} but the file has ${size - start}`);
  return { tensors: [{ name: tensorName, dtype, shape, start, bytes }], skipped: [] };
}

export { decodeSource };
