/**
 * Loader of the WebAssembly SIMD kernels (./assembly, built by `npm run build:wasm` into ./wasm).
 * Compiled synchronously at import so worker threads get it with no await. The wasm fills a fixed
 * 64 KiB scratch buffer in its own memory with whole groups of 8 Philox blocks (two sets of 4); this
 * file maps any (start, count) onto those groups and copies the wanted elements into the caller's array.
 */
import { readFileSync } from 'node:fs';
import type { Key } from '../rng/keys.ts';
import type { Kernels } from './index.ts';
import type { TruncParams } from './trunc.ts';
import { NORMAL_SET, UNIFORM_SET } from './scalar.ts';

/** Smallest module using a v128 instruction (i32.const 0; i8x16.splat): validates only with SIMD. */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 8, 1, 6, 0, 65, 0, 253, 15, 11]);

export function simdSupported(): boolean {
  try { return WebAssembly.validate(SIMD_PROBE); } catch { return false; }
}

interface Exports {
  memory: WebAssembly.Memory;
  BUFFER_BYTES: WebAssembly.Global;
  GROUP_BLOCKS: WebAssembly.Global;
  bufferPtr(): number;
  setKey(k0: number, k1: number): void;
  uniformF32(bLo: number, bHi: number, stream: number, groups: number, lo: number, hi: number): void;
  normalF32(bLo: number, bHi: number, stream: number, groups: number, mean: number, std: number): void;
  truncNormalF32(bLo: number, bHi: number, stream: number, groups: number,
    pa: number, pb: number, lo: number, hi: number, sg: number, mean: number, std: number, a: number, b: number): void;
  uniformF64(bLo: number, bHi: number, stream: number, groups: number, lo: number, hi: number): void;
  normalF64(bLo: number, bHi: number, stream: number, groups: number, mean: number, std: number): void;
  truncNormalF64(bLo: number, bHi: number, stream: number, groups: number,
    pa: number, pb: number, lo: number, hi: number, sg: number, mean: number, std: number, a: number, b: number): void;
}

const TWO32 = 4294967296;

function load(): Kernels {
  const bytes = readFileSync(new URL('./wasm/kernels.wasm', import.meta.url));
  const wasm = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
  const bufferBytes = wasm.BUFFER_BYTES.value as number, blocksPerGroup = wasm.GROUP_BLOCKS.value as number;
  const base = wasm.bufferPtr();
  // The memory has a fixed size (no growth), so these views stay valid.
  const mem32 = new Float32Array(wasm.memory.buffer, base, bufferBytes / 4);
  const mem64 = new Float64Array(wasm.memory.buffer, base, bufferBytes / 8);
  const setsPerGroup = blocksPerGroup / 4;

  /**
   * Runs `fill(bLo, bHi, groups)` piece by piece over elements [start, start+count), for a layout of
   * `perSet` elements per set of 4 Philox blocks (groups start on a set), copying each piece's wanted
   * elements to out.
   */
  function pieces<A extends Float32Array | Float64Array>(key: Key, start: number, count: number, perSet: number,
    mem: A, out: A, fill: (bLo: number, bHi: number, groups: number) => void): void {
    if (count <= 0) return;
    wasm.setKey(key.k0, key.k1);
    const perGroup = perSet * setsPerGroup;
    const perPiece = Math.floor(bufferBytes / (perGroup * mem.BYTES_PER_ELEMENT)) * perGroup;
    for (let done = 0; done < count;) {
      const i = start + done;
      const set = Math.floor(i / perSet);
      const skip = i - set * perSet; // elements before i in its set
      const n = Math.min(count - done, perPiece - skip);
      const block = set * 4;
      fill(block >>> 0, Math.floor(block / TWO32), Math.ceil((skip + n) / perGroup));
      out.set(mem.subarray(skip, skip + n), done);
      done += n;
    }
  }

  const f = Math.fround;
  return {
    uniformF32(key, stream, start, count, low, high, out) {
      const lo = f(low), hi = f(high);
      pieces(key, start, count, UNIFORM_SET, mem32, out, (bl, bh, g) => wasm.uniformF32(bl, bh, stream, g, lo, hi));
    },
    normalF32(key, stream, start, count, mean, std, out) {
      pieces(key, start, count, NORMAL_SET, mem32, out, (bl, bh, g) => wasm.normalF32(bl, bh, stream, g, mean, std));
    },
    truncNormalF32(key, stream, start, count, t: TruncParams, out) {
      pieces(key, start, count, 16, mem32, out, (bl, bh, g) => // word layout: 4 blocks x 4 words per set
        wasm.truncNormalF32(bl, bh, stream, g, t.pa, t.pb, t.lo, t.hi, t.sign, t.mean, t.std, t.a, t.b));
    },
    uniformF64(key, stream, start, count, low, high, out) {
      pieces(key, start, count, 8, mem64, out, (bl, bh, g) => wasm.uniformF64(bl, bh, stream, g, low, high));
    },
    normalF64(key, stream, start, count, mean, std, out) {
      pieces(key, start, count, 8, mem64, out, (bl, bh, g) => wasm.normalF64(bl, bh, stream, g, mean, std));
    },
    truncNormalF64(key, stream, start, count, t: TruncParams, out) {
      pieces(key, start, count, 8, mem64, out, (bl, bh, g) =>
        wasm.truncNormalF64(bl, bh, stream, g, t.pa, t.pb, t.lo, t.hi, t.sign, t.mean, t.std, t.a, t.b));
    },
  };
}

/** Why the SIMD kernels could not be loaded on an engine that has SIMD (e.g. a missing .wasm), else null. */
export let simdLoadError: Error | null = null;

function tryLoad(): Kernels | null {
  if (!simdSupported()) return null;
  try { return load(); } catch (e) { simdLoadError = e as Error; return null; }
}

/**
 * The SIMD kernels (same bits as ./scalar.ts), or null when this engine lacks WebAssembly SIMD or the
 * module failed to load (simdLoadError says why); callers then use the scalar kernels.
 */
export const simdKernels: Kernels | null = tryLoad();
