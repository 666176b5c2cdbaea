/**
 * Scalar reference kernels: the normative definition of every random field (docs/determinism.md).
 * Block b of stream s is philox4x32_10(ctr = (lo32(b), hi32(b), 0, s), key). Layouts:
 *  - word layout (truncated normal, Bernoulli, raw words): element i uses word (i mod 4) of block floor(i / 4);
 *  - set layout (float32 uniform and normal): blocks are taken four at a time (a set); element i of a
 *    set of P elements is value j = floor((i mod P) / 4) of block 4 floor(i / P) + (i mod 4), so four
 *    consecutive elements come from four blocks (SIMD lanes) and no transpose is needed;
 *  - float64: element i uses words 2(i mod 2), 2(i mod 2)+1 of block floor(i / 2).
 * The WebAssembly SIMD kernels (./assembly) must reproduce these bits exactly; tests compare them.
 */
import { philox4x32 } from '../rng/philox.ts';
import type { Key } from '../rng/keys.ts';
import { angleOut, normalTailQuantile, radiusFromWord, sinCosFromWord, unitFromWord } from '../math/f32.ts';
import { normalFromWords64, normalTailQuantile64, unitFromWords64 } from '../math/f64.ts';
import type { TruncParams } from './trunc.ts';

const f = Math.fround;
const TWO32 = 4294967296;

/** Calls visit(i, word) for each element i in [start, start+count) with its word-layout word. */
function words32(key: Key, stream: number, start: number, count: number, visit: (j: number, w: number) => void): void {
  const blk = new Uint32Array(4);
  const end = start + count;
  let i = start;
  while (i < end) {
    const b = Math.floor(i / 4);
    philox4x32(b >>> 0, Math.floor(b / TWO32) >>> 0, 0, stream, key.k0, key.k1, blk);
    for (let w = i - b * 4; w < 4 && i < end; w++, i++) visit(i - start, blk[w]!);
  }
}

/**
 * Set layout: calls visit(o, words, l, j) for each element, o = i - start, with words the 16 words of
 * its set (block 4s + l at words[4l .. 4l+3]), l = i mod 4 its lane and j = floor((i mod P) / 4) its value index.
 */
function sets32(key: Key, stream: number, start: number, count: number, perSet: number,
  visit: (o: number, words: Uint32Array, l: number, j: number) => void): void {
  const blk = new Uint32Array(16);
  let cur = -1;
  for (let o = 0, i = start; o < count; o++, i++) {
    const s = Math.floor(i / perSet);
    if (s !== cur) {
      for (let l = 0; l < 4; l++) {
        const b = 4 * s + l;
        philox4x32(b >>> 0, Math.floor(b / TWO32) >>> 0, 0, stream, key.k0, key.k1, blk, 4 * l);
      }
      cur = s;
    }
    const r = i - s * perSet;
    visit(o, blk, r & 3, r >> 2);
  }
}

/** Calls visit(i, hi, lo) for each element with its float64-layout word pair. */
function words64(key: Key, stream: number, start: number, count: number, visit: (j: number, hi: number, lo: number) => void): void {
  const blk = new Uint32Array(4);
  const end = start + count;
  let i = start;
  while (i < end) {
    const b = Math.floor(i / 2);
    philox4x32(b >>> 0, Math.floor(b / TWO32) >>> 0, 0, stream, key.k0, key.k1, blk);
    for (let h = i - b * 2; h < 2 && i < end; h++, i++) visit(i - start, blk[2 * h]!, blk[2 * h + 1]!);
  }
}

/** Elements per set of the float32 uniform: five 24-bit values per block (120 of its 128 bits). */
export const UNIFORM_SET = 20;
/** Elements per set of the float32 normal: two Box-Muller pairs per block. */
export const NORMAL_SET = 16;

/**
 * The 24-bit integer of value j (0..4) of a block: j < 4: word j >>> 8; j = 4: the low bytes of
 * words 0, 1, 2 (bits 0-7, 8-15, 16-23).
 */
export function uniformBits(words: Uint32Array, o: number, j: number): number {
  return j < 4 ? words[o + j]! >>> 8 : (words[o]! & 0xff) | ((words[o + 1]! & 0xff) << 8) | ((words[o + 2]! & 0xff) << 16);
}

export function uniformF32(key: Key, stream: number, start: number, count: number, low: number, high: number, out: Float32Array): void {
  const lo = f(low), hi = f(high), span = f(hi - lo);
  sets32(key, stream, start, count, UNIFORM_SET, (o, words, l, j) => {
    const v = f(lo + f(uniformBits(words, 4 * l, j) * 5.9604644775390625e-8 * span));
    out[o] = v < hi ? v : lo; // rounding may reach `high`: map it back to `low` (keeps [low, high))
  });
}

export function uniformF64(key: Key, stream: number, start: number, count: number, low: number, high: number, out: Float64Array): void {
  const span = high - low;
  words64(key, stream, start, count, (j, hi, lo) => {
    const v = low + unitFromWords64(hi, lo) * span;
    out[j] = v < high ? v : low;
  });
}

/**
 * Box-Muller: value j of a block with words w0..w3 is R(w0) cos A(w1), R(w0) sin A(w1), R(w2) cos A(w3),
 * R(w2) sin A(w3) for j = 0..3 (R = radiusFromWord, A = the angle of sinCosFromWord).
 */
export function normalF32(key: Key, stream: number, start: number, count: number, mean: number, std: number, out: Float32Array): void {
  const m = f(mean), s = f(std);
  sets32(key, stream, start, count, NORMAL_SET, (o, words, l, j) => {
    const w = 4 * l + (j & 2);
    sinCosFromWord(words[w + 1]!);
    const z = f(radiusFromWord(words[w]!) * angleOut[j & 1 ? 0 : 1]!);
    out[o] = f(m + f(s * z));
  });
}

export function normalF64(key: Key, stream: number, start: number, count: number, mean: number, std: number, out: Float64Array): void {
  words64(key, stream, start, count, (j, hi, lo) => { out[j] = mean + std * normalFromWords64(hi, lo); });
}

const QMIN = 8.673617379884035e-19; // 2^-60: keeps the quantile's log argument positive

/** Truncated normal by inverse CDF on the (possibly mirrored) standardized interval; see trunc.ts. */
export function truncNormalF32(key: Key, stream: number, start: number, count: number, t: TruncParams, out: Float32Array): void {
  const pa = f(t.pa), span = f(f(t.pb) - pa), lo = f(t.lo), hi = f(t.hi), sg = t.sign;
  const m = f(t.mean), s = f(t.std), a = f(t.a), b = f(t.b);
  words32(key, stream, start, count, (j, w) => {
    const u = f(((w >>> 8) + 0.5) * 5.9604644775390625e-8);
    const p = f(pa + f(u * span));
    const lower = p < 0.5;
    let q = lower ? p : f(1 - p);
    if (q < QMIN) q = QMIN;
    let z = normalTailQuantile(q);
    if (lower) z = -z;
    z = z < lo ? lo : z > hi ? hi : z;
    let v = f(m + f(s * (sg * z)));
    v = v < a ? a : v > b ? b : v;
    out[j] = v;
  });
}

export function truncNormalF64(key: Key, stream: number, start: number, count: number, t: TruncParams, out: Float64Array): void {
  const span = t.pb - t.pa;
  words64(key, stream, start, count, (j, whi, wlo) => {
    const u = ((whi >>> 11) * TWO32 + (wlo >>> 0) + 0.5) * 1.1102230246251565e-16;
    const p = t.pa + u * span;
    const lower = p < 0.5;
    let q = lower ? p : 1 - p;
    if (q < QMIN) q = QMIN;
    let z = normalTailQuantile64(q);
    if (lower) z = -z;
    z = z < t.lo ? t.lo : z > t.hi ? t.hi : z;
    let v = t.mean + t.std * (t.sign * z);
    v = v < t.a ? t.a : v > t.b ? t.b : v;
    out[j] = v;
  });
}

/** Bernoulli(p): 1 when the element's word < floor(p * 2^32), else 0 (word layout). */
export function bernoulli(key: Key, stream: number, start: number, count: number, p: number, out: Float32Array | Float64Array): void {
  const threshold = Math.floor(p * TWO32);
  words32(key, stream, start, count, (j, w) => { out[j] = w < threshold ? 1 : 0; });
}

/** Raw uint32 words in the word layout (sort keys, integer draws). */
export function rawWords(key: Key, stream: number, start: number, count: number, out: Uint32Array): void {
  words32(key, stream, start, count, (j, w) => { out[j] = w; });
}

export { unitFromWord };
