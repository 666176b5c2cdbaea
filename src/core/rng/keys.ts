/**
 * Key derivation and counter layout (docs/determinism.md is the normative text).
 *
 * key(seed, name):
 *   K = (lo32(seed), hi32(seed))
 *   for each 16-byte block B_j of UTF-8(name), zero-padded:  K = philox(ctr = LE words of B_j, key = K)[0..1]
 *   K = philox(ctr = (byteLength(name), ALGORITHM_VERSION, 0x494e4957 ("WINI"), 0), key = K)[0..1]
 *
 * counter of block b in stream s, draw d: (lo32(b), hi32(b), d, s)
 */
import { philox4x32 } from './philox.ts';

/** Bump on purpose whenever any generated bit changes. */
export const ALGORITHM_VERSION = 2;
export const ALGORITHM_NAME = `weightinit-philox4x32-10-v${ALGORITHM_VERSION}`;

export interface Key { k0: number; k1: number }

/** Well-known stream ids: independent random fields of one tensor. */
export const STREAM = {
  main: 0,        // the values themselves (uniform, normal, truncated normal, bernoulli)
  sparseRank: 1,  // per-element sort keys for sparse (exact count per column)
  gamma: 2,       // gamma/dirichlet rejection substreams
  aux: 3,         // anything else a scheme needs (e.g. unique_uniform_int)
} as const;

export const MAX_SEED = (1n << 64n) - 1n;

export function deriveKey(seed: bigint, name: string): Key {
  if (seed < 0n || seed > MAX_SEED) throw new RangeError('seed must be an unsigned 64-bit integer');
  const out = new Uint32Array(4);
  let k0 = Number(seed & 0xffffffffn) >>> 0;
  let k1 = Number((seed >> 32n) & 0xffffffffn) >>> 0;
  const bytes = new TextEncoder().encode(name);
  const padded = new Uint8Array(Math.ceil(bytes.length / 16) * 16);
  padded.set(bytes);
  const dv = new DataView(padded.buffer);
  for (let j = 0; j < padded.length; j += 16) {
    philox4x32(dv.getUint32(j, true), dv.getUint32(j + 4, true), dv.getUint32(j + 8, true), dv.getUint32(j + 12, true), k0, k1, out);
    k0 = out[0]!; k1 = out[1]!;
  }
  philox4x32(bytes.length >>> 0, ALGORITHM_VERSION, 0x494e4957, 0, k0, k1, out);
  return { k0: out[0]!, k1: out[1]! };
}
