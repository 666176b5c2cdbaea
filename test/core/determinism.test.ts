/**
 * The determinism contract (docs/determinism.md): element values depend only on the recipe and the
 * element's flat index. Property tests (fast-check, fixed seed) check that
 * - generating in one piece equals generating in random chunk splits (and at unaligned offsets),
 * - every slice equals the same region of the full tensor (region cut by an independent nested loop),
 * - parseSlice follows numpy's clamping rules (independent model),
 * - repeated runs and a child process give identical SHA-256;
 * and spec checks recompute values straight from the documented counter layout with the
 * KAT-verified Philox, including flat indices beyond 2^32 blocks.
 */
import t from 'tap';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { compileRecipe, type RecipeInput } from '../../src/core/recipe.ts';
import { generateFlat, generateSliceRange, SCRATCH_ELEMENTS } from '../../src/core/generate.ts';
import { parseSlice, numel, sliceShape, type Slice } from '../../src/core/slice.ts';
import { BYTES_PER_ELEMENT, DTYPES, type DType } from '../../src/core/dtypes.ts';
import { deriveKey, ALGORITHM_VERSION } from '../../src/core/rng/keys.ts';
import { philox4x32 } from '../../src/core/rng/philox.ts';
import { kernels } from '../../src/core/kernels/index.ts';
import { CROSS_PROCESS_RECIPES, recipeSha256 } from './fixtures/recipes.ts';

const FC = { seed: 20240601, numRuns: 60 };
const f = Math.fround;

const seedArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const nameArb = fc.oneof(fc.constant(''), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constant('enc.layers.11.attn.q_proj.weight'));
const dtypeArb = fc.constantFrom<DType>(...DTYPES);
const schemeArb = fc.oneof(
  fc.record({ scheme: fc.constant('uniform'), params: fc.record({ low: fc.constant(-2), high: fc.constantFrom(3, 0.5, 1e-3) }) }),
  fc.record({ scheme: fc.constant('normal'), params: fc.record({ mean: fc.constantFrom(0, 0.25, -7), std: fc.constantFrom(1, 0.02, 40) }) }),
  fc.record({ scheme: fc.constant('truncated_normal'), params: fc.record({ std: fc.constantFrom(1, 0.5), a: fc.constantFrom(-2, 0.5, -0.1), b: fc.constantFrom(2, 3.5) }) }),
  fc.record({ scheme: fc.constant('zeros'), params: fc.constant({}) }),
  fc.record({ scheme: fc.constant('constant'), params: fc.record({ value: fc.constantFrom(0.1, -3, 1e-9, 70000) }) }),
);
/** Shapes of rank 0..4 with zero-size dimensions, plus some larger than one scratch chunk. */
const shapeArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.constantFrom([SCRATCH_ELEMENTS + 5], [3, 7001], [2, 3, 4099]) },
);
const recipeArb = fc.record({ s: schemeArb, shape: shapeArb, seed: seedArb, name: nameArb, dtype: dtypeArb })
  .map(({ s, shape, seed, name, dtype }): RecipeInput => ({ scheme: s.scheme, params: s.params, shape, seed: seed.toString(), name, dtype }));

function fullBytes(recipe: RecipeInput): { bytes: Uint8Array; shape: number[]; dtype: DType } {
  const c = compileRecipe(recipe);
  const out = new Uint8Array(c.bytes);
  generateFlat(c.field, c.recipe.dtype, 0, c.numel, out);
  return { bytes: out, shape: c.recipe.shape, dtype: c.recipe.dtype };
}

t.test('one piece == random chunk splits (also at unaligned byte offsets)', async (t) => {
  fc.assert(fc.property(recipeArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }), fc.integer({ min: 0, max: 3 }), (recipe, cuts, pad) => {
    const { bytes, dtype } = fullBytes(recipe);
    const c = compileRecipe(recipe);
    const n = c.numel, w = BYTES_PER_ELEMENT[dtype];
    const points = [...new Set([0, n, ...cuts.map((x) => Math.floor(x * n))])].sort((a, b) => a - b);
    const buf = new Uint8Array(pad + bytes.length);
    for (let k = 0; k + 1 < points.length; k++) generateFlat(c.field, dtype, points[k]!, points[k + 1]!, buf, pad + points[k]! * w);
    const got = buf.subarray(pad);
    if (Buffer.compare(Buffer.from(got), Buffer.from(bytes)) !== 0) throw new Error(`chunked bytes differ for ${JSON.stringify(recipe)} cuts ${points}`);
  }), FC);
  t.pass('chunking never changes bytes');
});

/** numpy-style normalization of one slice dimension (independent model of parseSlice). */
function normDim(start: number | null, stop: number | null, n: number): [number, number] {
  const norm = (v: number): number => (v < 0 ? Math.max(v + n, 0) : Math.min(v, n));
  const a = start === null ? 0 : norm(start), b = stop === null ? n : norm(stop);
  return [a, Math.max(a, b)];
}

/** Cuts the region by a nested loop over output multi-indices (independent of slice.ts's run planning). */
function cutRegion(full: Uint8Array, shape: number[], region: Slice, w: number): Uint8Array {
  const ext = region.map(([a, b]) => b - a);
  const total = ext.reduce((x, y) => x * y, 1);
  const out = new Uint8Array(total * w);
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((x, y) => x * y, 1));
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < total; o++) {
    let flat = 0;
    for (let d = 0; d < shape.length; d++) flat += (region[d]![0] + idx[d]!) * strides[d]!;
    out.set(full.subarray(flat * w, flat * w + w), o * w);
    for (let d = shape.length - 1; d >= 0; d--) { if (++idx[d]! < ext[d]!) break; idx[d] = 0; }
  }
  return out;
}

const sliceDimArb = fc.tuple(fc.option(fc.integer({ min: -12, max: 12 })), fc.option(fc.integer({ min: -12, max: 12 })));

t.test('every slice == the same region of the full tensor; parseSlice follows numpy clamping', async (t) => {
  fc.assert(fc.property(recipeArb, fc.array(sliceDimArb, { minLength: 4, maxLength: 4 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    (recipe, dims, cuts) => {
      const { bytes, shape, dtype } = fullBytes(recipe);
      const w = BYTES_PER_ELEMENT[dtype];
      const text = shape.map((_, d) => `${dims[d]![0] ?? ''}:${dims[d]![1] ?? ''}`).join(',');
      const slice = parseSlice(text, shape);
      const expectedSlice = shape.map((n, d) => normDim(dims[d]![0], dims[d]![1], n));
      if (JSON.stringify(slice) !== JSON.stringify(expectedSlice)) throw new Error(`parseSlice(${text}, ${shape}) = ${JSON.stringify(slice)}, expected ${JSON.stringify(expectedSlice)}`);
      const expected = cutRegion(bytes, shape, slice, w);
      const n = numel(sliceShape(slice));
      // the slice output generated in random sub-ranges [o0, o1)
      const points = [...new Set([0, n, ...cuts.map((x) => Math.floor(x * n))])].sort((a, b) => a - b);
      const got = new Uint8Array(n * w);
      const c = compileRecipe(recipe);
      for (let k = 0; k + 1 < points.length; k++) generateSliceRange(c.field, dtype, shape, slice, points[k]!, points[k + 1]!, got, points[k]! * w);
      if (Buffer.compare(Buffer.from(got), Buffer.from(expected)) !== 0) throw new Error(`slice ${text} of ${JSON.stringify(recipe)} differs from the region of the full tensor`);
    }), FC);
  t.pass('slices match');
});

t.test('single-index slices keep the dimension; bad slices throw', async (t) => {
  t.same(parseSlice('2', [5, 3]), [[2, 3], [0, 3]]);
  t.same(parseSlice('-1,1:', [5, 3]), [[4, 5], [1, 3]]);
  t.same(parseSlice('', []), []);
  t.same(parseSlice(' 1 : 4 ', [10]), [[1, 4]]);
  t.throws(() => parseSlice('5', [5]), 'index out of range');
  t.throws(() => parseSlice('0:1:2', [5]), 'steps are not supported');
  t.throws(() => parseSlice('0:1,0:1', [5]), 'too many dimensions');
  t.throws(() => parseSlice('a:b', [5]), 'not integers');
});

t.test('repeated runs are identical', async (t) => {
  fc.assert(fc.property(recipeArb, (recipe) => {
    const h1 = createHash('sha256').update(fullBytes(recipe).bytes).digest('hex');
    const h2 = createHash('sha256').update(fullBytes({ ...recipe, shape: [...(recipe.shape as number[])] }).bytes).digest('hex');
    if (h1 !== h2) throw new Error('repeated run differs');
  }), { ...FC, numRuns: 20 });
  t.pass('repeatable');
});

t.test('a child process (node --import tsx) gives the same SHA-256, in SIMD and forced-scalar mode', async (t) => {
  const local = CROSS_PROCESS_RECIPES.map(({ recipe, slice }) => recipeSha256(recipe, slice));
  const script = fileURLToPath(new URL('./fixtures/hash-recipes.ts', import.meta.url));
  for (const forceScalar of ['0', '1']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', env: { ...process.env, WEIGHTINIT_FORCE_SCALAR: forceScalar }, timeout: 120000 });
    t.equal(r.status, 0, `child exited cleanly ${r.stderr}`);
    const child = JSON.parse(r.stdout) as { mode: string; hashes: string[] };
    t.same(child.hashes, local, `child process (${child.mode}) hashes equal the in-process hashes`);
  }
});

// ---------- spec checks: values recomputed from the documented layout ----------

/** Philox block b of stream s: counter (lo32(b), hi32(b), 0, s). */
function block(key: { k0: number; k1: number }, b: number, s = 0): Uint32Array {
  const out = new Uint32Array(4);
  philox4x32(b % 2 ** 32, Math.floor(b / 2 ** 32), 0, s, key.k0, key.k1, out);
  return out;
}

t.test('counter layout: f32 uniform in the set layout (element 20S + 4j + l = value j of block 4S + l); f64 element i = words 2(i%2), 2(i%2)+1 of block i/2', async (t) => {
  const key = deriveKey(987654321987654321n, 'layout');
  const low = -1.5, high = 2.25;
  const idxs = [0, 1, 2, 3, 4, 5, 16, 17, 18, 19, 20, 4095, 2 ** 32 - 1, 2 ** 32, 4 * 2 ** 32 + 3, 5 * 2 ** 32 - 1, 5 * 2 ** 32,
    2 ** 34 + 1, 2 ** 40 + 7, 2 ** 52 - 1];
  const k = kernels();
  for (const i of idxs) {
    const u32 = new Float32Array(1), u64 = new Float64Array(1);
    k.uniformF32(key, 0, i, 1, low, high, u32);
    const S = Math.floor(i / 20), r = i - 20 * S, j = Math.floor(r / 4), w = block(key, 4 * S + (r % 4));
    const bits = j < 4 ? w[j]! >>> 8 : (w[0]! & 255) + (w[1]! & 255) * 2 ** 8 + (w[2]! & 255) * 2 ** 16;
    const unit = bits * 2 ** -24;
    let e32 = f(f(low) + f(unit * f(f(high) - f(low))));
    if (!(e32 < f(high))) e32 = f(low);
    t.equal(u32[0], e32, `uniform f32 element ${i}`);
    k.uniformF64(key, 0, i, 1, low, high, u64);
    const blk = block(key, Math.floor(i / 2));
    const hi = blk[2 * (i % 2)]!, lo = blk[2 * (i % 2) + 1]!;
    const unit64 = (Math.floor(hi / 2 ** 11) * 2 ** 32 + lo) * 2 ** -53;
    t.equal(u64[0], low + unit64 * (high - low), `uniform f64 element ${i}`);
  }
  // the stream id is counter word 3
  const s3 = new Float32Array(1);
  k.uniformF32(key, 3, 10, 1, 0, 1, s3); // element 10 = value 2 of block 2
  t.equal(s3[0], (block(key, 2, 3)[2]! >>> 8) * 2 ** -24, 'stream 3 uses counter word 3 = 3');
});

t.test('key derivation follows the documented construction', async (t) => {
  const spec = (seed: bigint, name: string): [number, number] => {
    let k0 = Number(seed & 0xffffffffn), k1 = Number(seed >> 32n);
    const bytes = Buffer.from(name, 'utf8');
    const blocks = Math.ceil(bytes.length / 16);
    const padded = Buffer.alloc(blocks * 16); bytes.copy(padded);
    const out = new Uint32Array(4);
    for (let j = 0; j < blocks; j++) {
      philox4x32(padded.readUInt32LE(16 * j), padded.readUInt32LE(16 * j + 4), padded.readUInt32LE(16 * j + 8), padded.readUInt32LE(16 * j + 12), k0, k1, out);
      k0 = out[0]!; k1 = out[1]!;
    }
    philox4x32(bytes.length, ALGORITHM_VERSION, 0x494e4957, 0, k0, k1, out);
    return [out[0]!, out[1]!];
  };
  fc.assert(fc.property(seedArb, nameArb, (seed, name) => {
    const k = deriveKey(seed, name);
    const [e0, e1] = spec(seed, name);
    if (k.k0 !== e0 || k.k1 !== e1) throw new Error(`deriveKey(${seed}, ${JSON.stringify(name)})`);
  }), { ...FC, numRuns: 200 });
  t.notSame(deriveKey(0n, ''), deriveKey(0n, '\0'), 'trailing NUL bytes are distinguished by the length block');
  t.notSame(deriveKey(1n, 'a'), deriveKey(1n << 32n, 'a'), 'both seed words matter');
  t.throws(() => deriveKey(-1n, ''), 'negative seed rejected');
  t.throws(() => deriveKey(1n << 64n, ''), 'seed >= 2^64 rejected');
});

t.test('recipe id: equal for equivalent spellings, different when bits differ', async (t) => {
  const a = compileRecipe({ scheme: 'normal', shape: [3, 4], seed: 5, dtype: 'f32' });
  const b = compileRecipe({ scheme: 'gaussian', shape: '3,4', seed: '5', dtype: 'float32', params: { mean: 0, std: 1 } });
  t.equal(a.id, b.id, 'aliases, defaults and seed spelling canonicalize to one id');
  const c = compileRecipe({ scheme: 'normal', shape: [3, 4], seed: 6 });
  const d = compileRecipe({ scheme: 'normal', shape: [4, 3], seed: 5 });
  const e = compileRecipe({ scheme: 'normal', shape: [3, 4], seed: 5, dtype: 'bf16' });
  t.equal(new Set([a.id, c.id, d.id, e.id]).size, 4, 'seed, shape and dtype change the id');
  t.match(a.id, /^[0-9a-f]{32}$/);
});
