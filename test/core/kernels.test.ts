/**
 * The WebAssembly SIMD kernels (src/core/kernels/simd.ts) must give the same bits as the scalar
 * reference kernels (src/core/kernels/scalar.ts) for every kernel, any key/stream/start/count and any
 * parameters: random cases from a fixed-seed generator, plus the edges (start not a multiple of the
 * group size, starts near 2^32 and 2^40 blocks where the counter's high word is used or carries,
 * indices up to 2^53, counts 0 and 1 and counts crossing the 64 KiB scratch piece, truncation
 * intervals deep in the tails). The f32 uniform is also checked against Philox words directly, and
 * WEIGHTINIT_FORCE_SCALAR=1 against the dispatch in a child process.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as scalar from '../../src/core/kernels/scalar.ts';
import { simdKernels, simdSupported } from '../../src/core/kernels/simd.ts';
import { kernelMode } from '../../src/core/kernels/index.ts';
import { truncParams, type TruncParams } from '../../src/core/kernels/trunc.ts';
import { philox4x32 } from '../../src/core/rng/philox.ts';
import type { Key } from '../../src/core/rng/keys.ts';

t.ok(simdSupported(), 'Node 20 has WebAssembly SIMD');
const simd = simdKernels!;
t.ok(simd, 'SIMD kernels load');

/** xorshift32 with a fixed seed: reproducible random cases. */
let state = 0x9e3779b9;
function rand(): number {
  state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0;
  return state / 4294967296;
}
const randInt = (n: number) => Math.floor(rand() * n);
const randKey = (): Key => ({ k0: randInt(2 ** 32), k1: randInt(2 ** 32) });

/** Index of the first differing element (comparing bytes, so -0/+0 and NaN payloads count), or -1. */
function firstDiff(a: Float32Array | Float64Array, b: Float32Array | Float64Array): number {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / a.BYTES_PER_ELEMENT);
  return -1;
}

type Run32 = (k: typeof scalar | typeof simd, key: Key, stream: number, start: number, count: number, out: Float32Array) => void;
type Run64 = (k: typeof scalar | typeof simd, key: Key, stream: number, start: number, count: number, out: Float64Array) => void;

/** Runs both kernels on the same range (outputs pre-filled with a sentinel) and compares every byte. */
function same(t: Test, label: string, f64: boolean, run: Run32 | Run64, key: Key, stream: number, start: number, count: number): boolean {
  const A = f64 ? Float64Array : Float32Array;
  // One spare slot past count: must stay untouched.
  const a = new A(count + 1).fill(-7), b = new A(count + 1).fill(-7);
  (run as Run64)(scalar, key, stream, start, count, a as Float64Array);
  (run as Run64)(simd, key, stream, start, count, b as Float64Array);
  const d = firstDiff(a, b);
  const ok = d < 0 && b[count] === -7;
  if (!ok) t.fail(`${label} start=${start} count=${count}: element ${d}: scalar ${a[d]} simd ${b[d]} (spare ${b[count]})`);
  return ok;
}

const u32: (lo: number, hi: number) => Run32 = (lo, hi) => (k, key, s, st, n, o) => k.uniformF32(key, s, st, n, lo, hi, o);
const u64: (lo: number, hi: number) => Run64 = (lo, hi) => (k, key, s, st, n, o) => k.uniformF64(key, s, st, n, lo, hi, o);
const n32: (m: number, sd: number) => Run32 = (m, sd) => (k, key, s, st, n, o) => k.normalF32(key, s, st, n, m, sd, o);
const n64: (m: number, sd: number) => Run64 = (m, sd) => (k, key, s, st, n, o) => k.normalF64(key, s, st, n, m, sd, o);
const t32: (p: TruncParams) => Run32 = (p) => (k, key, s, st, n, o) => k.truncNormalF32(key, s, st, n, p, o);
const t64: (p: TruncParams) => Run64 = (p) => (k, key, s, st, n, o) => k.truncNormalF64(key, s, st, n, p, o);

/** Starts that exercise the counter: small, unaligned, around 2^32 and 2^40 blocks, near 2^53. */
function edgeStarts(perBlock: number): number[] {
  const b32 = perBlock * 2 ** 32, b40 = perBlock * 2 ** 40;
  return [0, 1, 3, 5, 17, 31, b32 - 37, b32 - 3, b32, b32 + 1, b40 - 21, b40 + 7, 2 ** 53 - 200];
}
const COUNTS = [0, 1, 2, 3, 4, 5, 15, 16, 17, 31, 33, 63, 65, 200, 1001];

const INTERVALS: [number, number][] = [[-2, 2], [5, 6], [-1e30, 2], [0, 0.001], [-6, -5], [6, 9], [-1e30, -7.5],
  [-Infinity, 0.5], [3, Infinity], [-0.001, 0.001], [1e-3, 1e30], [8, 8.5]];

t.test('edges: every kernel, unaligned/high starts, small counts', async (t) => {
  const key = randKey();
  let ok = true, cases = 0;
  // float32 uniform: 5 elements per block, so its 2^32-block carry is at element 5 * 2^32.
  for (const start of edgeStarts(5)) {
    for (const count of COUNTS) {
      if (start + count > 2 ** 53) continue;
      ok = same(t, 'uniformF32', false, u32(-2, 3), key, 0, start, count) && ok;
      cases += 1;
    }
  }
  for (const start of edgeStarts(4)) {
    for (const count of COUNTS) {
      if (start + count > 2 ** 53) continue;
      ok = same(t, 'uniformF32', false, u32(-2, 3), key, 0, start, count) && ok;
      ok = same(t, 'normalF32', false, n32(0.5, 2), key, 1, start, count) && ok;
      ok = same(t, 'truncNormalF32', false, t32(truncParams(0, 1, -2, 2)), key, 2, start, count) && ok;
      cases += 3;
    }
  }
  for (const start of edgeStarts(2)) {
    for (const count of COUNTS) {
      if (start + count > 2 ** 53) continue;
      ok = same(t, 'uniformF64', true, u64(-2, 3), key, 0, start, count) && ok;
      ok = same(t, 'normalF64', true, n64(0.5, 2), key, 1, start, count) && ok;
      ok = same(t, 'truncNormalF64', true, t64(truncParams(0, 1, -2, 2)), key, 2, start, count) && ok;
      cases += 3;
    }
  }
  t.ok(ok, `${cases} edge cases identical`);
});

t.test('extreme truncation intervals, f32 and f64', async (t) => {
  let ok = true;
  for (const [a, b] of INTERVALS) {
    for (const [mean, std] of [[0, 1], [0.3, 2.5], [-1, 0.02]]) {
      const p = truncParams(mean, std, a, b);
      const key = randKey(), start = randInt(2 ** 40);
      ok = same(t, `trunc32 [${a}, ${b}] N(${mean}, ${std})`, false, t32(p), key, 0, start, 4099) && ok;
      ok = same(t, `trunc64 [${a}, ${b}] N(${mean}, ${std})`, true, t64(p), key, 0, start, 2051) && ok;
    }
  }
  t.ok(ok, `${INTERVALS.length * 3 * 2} interval cases identical`);
});

t.test('random cases: keys, streams, starts, counts, parameters', async (t) => {
  let ok = true;
  const CASES = 60;
  for (let c = 0; c < CASES; c++) {
    const key = randKey(), stream = randInt(2 ** 32);
    // Starts anywhere up to 2^53; counts up to ~40k so that some cross the 16384-element scratch piece.
    const start = rand() < 0.3 ? randInt(2 ** 53 - 50000) : randInt(2 ** 34);
    const count = rand() < 0.2 ? randInt(40000) : randInt(3000);
    const lo = (rand() - 0.5) * 10 ** randInt(6), hi = lo + rand() * 10 ** (randInt(8) - 4);
    const mean = (rand() - 0.5) * 4, std = rand() * 3 + 1e-3;
    const a = mean + (rand() - 0.8) * 8 * std, b = a + rand() * 6 * std + 1e-6;
    const p = truncParams(mean, std, a, b);
    ok = same(t, `uniformF32 [${lo}, ${hi})`, false, u32(lo, hi), key, stream, start, count) && ok;
    ok = same(t, `uniformF64 [${lo}, ${hi})`, true, u64(lo, hi), key, stream, start, count) && ok;
    ok = same(t, `normalF32 (${mean}, ${std})`, false, n32(mean, std), key, stream, start, count) && ok;
    ok = same(t, `normalF64 (${mean}, ${std})`, true, n64(mean, std), key, stream, start, count) && ok;
    ok = same(t, `truncNormalF32 [${a}, ${b}]`, false, t32(p), key, stream, start, count) && ok;
    ok = same(t, `truncNormalF64 [${a}, ${b}]`, true, t64(p), key, stream, start, count) && ok;
  }
  t.ok(ok, `${CASES * 6} random cases identical`);
});

t.test('uniform whose rounding reaches high maps to low in both paths', async (t) => {
  // span of 2 ulp at 1: lo + u*span rounds up to hi for u near 1, which both paths must map back to lo.
  const lo = 1, hi = 1 + 2 ** -22, n = 1 << 16;
  const key = randKey();
  t.ok(same(t, 'uniformF32 tiny span', false, u32(lo, hi), key, 0, 0, n), 'identical');
  const out = new Float32Array(n);
  simd.uniformF32(key, 0, 0, n, lo, hi, out);
  t.ok(out.every((v) => v >= lo && v < Math.fround(hi)), 'all in [low, high)');
});

/** The 16 words of set s (blocks 4s..4s+3) of a stream, block l's words at 4l..4l+3. */
function setWords(key: { k0: number; k1: number }, stream: number, s: number): Uint32Array {
  const w = new Uint32Array(16);
  for (let l = 0; l < 4; l++) {
    const b = 4 * s + l;
    philox4x32(b % 2 ** 32, Math.floor(b / 2 ** 32), 0, stream, key.k0, key.k1, w, 4 * l);
  }
  return w;
}

t.test('SIMD uniformF32 equals its definition on Philox words (independent of scalar.ts)', async (t) => {
  // Set layout, 20 elements per set of 4 blocks: element 20s + 4j + l is value j of block 4s + l, value
  // j < 4 = word j >>> 8, value 4 = low bytes of words 0, 1, 2; times 2^-24 (exact for [0, 1)).
  const key = { k0: 0xdeadbeef, k1: 0x01234567 }, stream = 5, start = 5 * 2 ** 32 - 46, n = 92;
  const out = new Float32Array(n);
  simd.uniformF32(key, stream, start, n, 0, 1, out);
  let bad = 0;
  for (let o = 0; o < n; o++) {
    const i = start + o, s = Math.floor(i / 20), r = i - 20 * s, j = r >> 2, l = r & 3;
    const w = setWords(key, stream, s);
    const x = j < 4 ? w[4 * l + j]! >>> 8 : (w[4 * l]! & 255) + (w[4 * l + 1]! & 255) * 256 + (w[4 * l + 2]! & 255) * 65536;
    if (out[o] !== x / 2 ** 24) bad++;
  }
  t.equal(bad, 0, 'element = its 24-bit value times 2^-24, across the 2^32-block carry');
});

t.test('SIMD normalF32 is Box-Muller on its Philox words (float64 reference, independent of scalar.ts)', async (t) => {
  // Element 16s + 4j + l: block 4s + l, words w0..w3; R(w) = sqrt(-2 ln((2w + 1) 2^-33)),
  // angle(w) = ((w >>> 30) + ((w << 2) >> 8) 2^-24) pi/2; j = 0..3: R(w0)cos, R(w0)sin, R(w2)cos, R(w2)sin.
  const key = { k0: 0x0badf00d, k1: 0x76543210 }, stream = 3, start = 4 * 2 ** 32 - 4096, n = 8192;
  const out = new Float32Array(n);
  simd.normalF32(key, stream, start, n, 0, 1, out);
  let worst = 0, maxAbs = 0;
  for (let o = 0; o < n; o++) {
    const i = start + o, s = Math.floor(i / 16), r = i - 16 * s, j = r >> 2, l = r & 3;
    const w = setWords(key, stream, s);
    const wr = w[4 * l + (j & 2)]!, wa = w[4 * l + (j & 2) + 1]!;
    // The definition's two float32 roundings of the inputs, u and x, then float64 math.
    const R = Math.sqrt(-2 * Math.log(Math.fround((2 * wr + 1) * 2 ** -33)));
    const x = Math.fround(((wa << 2) >> 8) * Math.fround(Math.PI / 2) * 2 ** -24), q = wa >>> 30;
    const sin = [Math.sin(x), Math.cos(x), -Math.sin(x), -Math.cos(x)][q]!;
    const cos = [Math.cos(x), -Math.sin(x), -Math.cos(x), Math.sin(x)][q]!;
    const z = R * (j & 1 ? sin : cos);
    worst = Math.max(worst, Math.abs(out[o]! - z) / Math.max(Math.abs(z), 2 ** -20));
    maxAbs = Math.max(maxAbs, Math.abs(z));
  }
  // float32 steps (log, sqrt, sin/cos polynomials, products): a few ulp of 2^-24 relative.
  t.ok(worst < 5e-7, `max relative error vs float64 Box-Muller ${worst.toExponential(2)} (< 5e-7, ~8 ulp)`);
  t.ok(maxAbs > 3, 'the sample reaches the tails');
});

t.test('dispatch: SIMD by default, WEIGHTINIT_FORCE_SCALAR=1 forces scalar', async (t) => {
  t.equal(kernelMode(), process.env.WEIGHTINIT_FORCE_SCALAR === '1' ? 'scalar' : 'simd');
  const script = "import('./src/core/kernels/index.ts').then((m) => process.stdout.write(m.kernelMode()))";
  const run = (env: Record<string, string>) => spawnSync(process.execPath, ['--import=tsx', '-e', script],
    { cwd: new URL('../..', import.meta.url), env: { ...process.env, ...env }, encoding: 'utf8' }).stdout;
  t.equal(run({ WEIGHTINIT_FORCE_SCALAR: '1' }), 'scalar');
  t.equal(run({ WEIGHTINIT_FORCE_SCALAR: '0' }), 'simd');
});

t.test('dtype encode fast path (dtypes.ts) equals the per-value conversions', async (t) => {
  // Edge values (ties, subnormals, overflow thresholds, inf, NaN) for every narrow dtype, then random
  // bit patterns, both signs. encode() of a Float32Array takes the integer fast path; the per-value
  // functions are the c10 ports it must match.
  const edges = [0, -0, 1, -1, 65504, 65519.99, 65520, 65536, 1e-8, 6e-8, 2 ** -14, 2 ** -15 * 3, 2 ** -24, 2 ** -25,
    2 ** -25 * 3, 2 ** -26, 480, 464, 448, 456, 2 ** -6, 2 ** -9, 2 ** -10, 3 * 2 ** -11, 57344, 61439, 61440, 2 ** -16,
    2 ** -17, 3 * 2 ** -18, 1 + 2 ** -8, 1 + 2 ** -7 + 2 ** -8, Infinity, -Infinity, NaN, 3.4e38, 1e-45];
  const n = 1 << 18;
  const values = new Float32Array(n + edges.length);
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < n; i++) bits[i] = randInt(2 ** 32);
  values.set(edges.map(Math.fround), n);
  const total = values.length;
  const { encode, bf16FromF32, f16FromF32, e4m3fnFromF32, e5m2FromF32 } = await import('../../src/core/dtypes.ts');
  const cases = [['bfloat16', bf16FromF32, 2], ['float16', f16FromF32, 2], ['float8_e4m3fn', e4m3fnFromF32, 1],
    ['float8_e5m2', e5m2FromF32, 1]] as const;
  for (const [dtype, one, width] of cases) {
    const out = new Uint8Array(total * width + 2);
    encode(values, total, dtype, out, 2); // aligned offset: fast path
    const dv = new DataView(out.buffer, 2);
    let bad = 0, first = '';
    for (let i = 0; i < total; i++) {
      const got = width === 2 ? dv.getUint16(i * 2, true) : out[2 + i]!;
      const want = one(values[i]!);
      if (got !== want && bad++ === 0) first = `${values[i]} (bits ${bits[i]!.toString(16)}): ${got} != ${want}`;
    }
    t.equal(bad, 0, `${dtype}: ${total} values ${first}`);
  }
});
