/**
 * The pretrained store: a folder of .safetensors and .npy files indexed once at startup (tensor
 * names, shapes, dtypes, byte ranges, SHA-256 of every file). Safety by construction:
 * - requests name a source, which is looked up in this index (a Map), never joined onto a path;
 * - only regular files under the store's real path are indexed; symlinks pointing outside it and
 *   anything else are refused and reported;
 * - each file is opened read-only once, here, and later reads go through that descriptor (so the
 *   bytes served are those of the file that was hashed, unless it is rewritten in place).
 * Unreadable or corrupt files are reported by name (startup warnings, /readyz?verbose,
 * GET /v1/pretrained) and the rest of the store still serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Config } from '../config.ts';
import { parseNpy, parseSafetensors, StoreFileError, type ParsedFile, type StoredTensor } from './formats.ts';

export interface Source {
  /** Path relative to the store root with "/" separators, extension included: "bert/base.safetensors". */
  name: string;
  format: 'safetensors' | 'npy';
  size: number;
  sha256: string;
  fd: number;
  tensors: Map<string, StoredTensor>;
  metadata?: Record<string, string>;
}

export interface StoreProblem { file: string; reason: string }

export interface StoreIndex {
  /** Absolute real path of the store, or undefined when no store is configured/present. */
  root?: string;
  sources: Map<string, Source>;
  /** Files that could not be indexed (or tensors skipped), by name. */
  problems: StoreProblem[];
  durationMs: number;
}

export const STORE_LIMITS = { files: 10000, depth: 16 };
const DEFAULT_STORE = './weights';

let current: StoreIndex = { sources: new Map(), problems: [], durationMs: 0 };

/** The index requests use. */
export function getStore(): StoreIndex { return current; }

/** Replaces the current index (closing the previous one's descriptors). */
export function setStore(index: StoreIndex): void {
  if (index !== current) closeStore(current);
  current = index;
}

export function closeStore(index: StoreIndex): void {
  for (const s of index.sources.values()) { try { fs.closeSync(s.fd); } catch { /* already closed */ } }
}

async function sha256Of(fd: number, size: number): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let pos = 0;
  while (pos < size) {
    const { bytesRead } = await new Promise<{ bytesRead: number }>((res, rej) =>
      fs.read(fd, buf, 0, Math.min(buf.length, size - pos), pos, (err, bytesRead) => (err ? rej(err) : res({ bytesRead }))));
    if (bytesRead === 0) throw new StoreFileError(`file shrank while hashing (at byte ${pos} of ${size})`);
    h.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
  return h.digest('hex');
}

/** Walks the store: regular files (and symlinks resolving to files inside the store) ending in .safetensors/.npy. */
function walk(root: string, problems: StoreProblem[]): Array<{ rel: string; real: string }> {
  const out: Array<{ rel: string; real: string }> = [];
  const visit = (dir: string, relDir: string, depth: number) => {
    if (depth > STORE_LIMITS.depth) { problems.push({ file: relDir, reason: `deeper than ${STORE_LIMITS.depth} levels; not indexed` }); return; }
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch (e) { problems.push({ file: relDir || '.', reason: `unreadable directory: ${(e as Error).message}` }); return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const rel = relDir ? `${relDir}/${ent.name}` : ent.name;
      const abs = path.join(dir, ent.name);
      const wanted = /\.(safetensors|npy)$/i.test(ent.name);
      if (ent.isDirectory()) { visit(abs, rel, depth + 1); continue; }
      if (!wanted) continue;
      let real = abs;
      if (ent.isSymbolicLink()) {
        try { real = fs.realpathSync(abs); } catch { problems.push({ file: rel, reason: 'dangling symlink; not indexed' }); continue; }
        if (!real.startsWith(root + path.sep)) { problems.push({ file: rel, reason: 'symlink points outside the store; refused' }); continue; }
      } else if (!ent.isFile()) { problems.push({ file: rel, reason: 'not a regular file; not indexed' }); continue; }
      if (out.length >= STORE_LIMITS.files) { problems.push({ file: rel, reason: `more than ${STORE_LIMITS.files} files; not indexed` }); continue; }
      out.push({ rel, real });
    }
  };
  visit(root, '', 0);
  return out;
}

async function indexFile(rel: string, real: string): Promise<Source> {
  // O_NOFOLLOW: the path was resolved by the walk; a symlink swapped in since then is refused.
  const fd = fs.openSync(real, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new StoreFileError('not a regular file');
    const format = rel.toLowerCase().endsWith('.npy') ? 'npy' : 'safetensors';
    const parsed: ParsedFile = format === 'npy'
      ? parseNpy(fd, st.size, path.posix.basename(rel).replace(/\.npy$/i, ''))
      : parseSafetensors(fd, st.size);
    const sha256 = await sha256Of(fd, st.size);
    const src: Source = { name: rel, format, size: st.size, sha256, fd, tensors: new Map(parsed.tensors.map((t) => [t.name, t])) };
    if (parsed.metadata) src.metadata = parsed.metadata;
    (src as Source & { skipped?: string[] }).skipped = parsed.skipped;
    return src;
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

/** Indexes a folder. `required` makes a missing folder a problem (an explicitly configured store). */
export async function indexFolder(dir: string, required = true): Promise<StoreIndex> {
  const t0 = performance.now();
  const problems: StoreProblem[] = [];
  const sources = new Map<string, Source>();
  let root: string;
  try {
    root = fs.realpathSync(path.resolve(dir));
    if (!fs.statSync(root).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    if (required) problems.push({ file: dir, reason: `store folder unusable: ${(e as Error).message}` });
    return { sources, problems, durationMs: performance.now() - t0 };
  }
  for (const { rel, real } of walk(root, problems)) {
    try {
      const src = await indexFile(rel, real);
      sources.set(rel, src);
      for (const s of (src as Source & { skipped?: string[] }).skipped ?? []) problems.push({ file: rel, reason: `tensor skipped: ${s}` });
    } catch (e) {
      const reason = e instanceof StoreFileError ? `corrupt: ${e.message}` : `unreadable: ${(e as Error).message}`;
      problems.push({ file: rel, reason });
    }
  }
  return { root, sources, problems, durationMs: performance.now() - t0 };
}

/**
 * The startup phase's work: index config.store (the embedded default ./weights only if present)
 * and make it the current store. Returns the index; see describeStore() for the phase message.
 */
export async function indexStore(config: Pick<Config, 'store'>): Promise<StoreIndex> {
  const dir = config.store;
  const index = await indexFolder(dir, dir !== DEFAULT_STORE);
  setStore(index);
  return index;
}

/** One line for the startup log / readiness check, plus one warning per problem file. */
export function describeStore(index: StoreIndex): { message: string; warnings: string[]; skipped?: boolean } {
  const warnings = index.problems.map((p) => `${p.file}: ${p.reason}`);
  if (!index.root && index.problems.length === 0) return { message: 'no pretrained store (./weights absent, WEIGHTINIT_STORE unset)', warnings, skipped: true };
  const tensors = [...index.sources.values()].reduce((a, s) => a + s.tensors.size, 0);
  const bad = new Set(index.problems.map((p) => p.file)).size;
  return { message: `${index.sources.size} files, ${tensors} tensors indexed in ${index.durationMs.toFixed(0)} ms${bad ? `; ${bad} files with problems: ${[...new Set(index.problems.map((p) => p.file))].join(', ')}` : ''}`, warnings };
}
