/**
 * Pinned bytes: test/golden/core.json (written by scripts/update-golden.ts with the scalar kernels)
 * holds SHA-256 of a matrix of recipes. Any change of generated bits fails here and must come with a
 * deliberate bump of ALGORITHM_VERSION (the file records the version it was made with).
 * So that the pins are not merely the code's own output copied back, every entry is also checked
 * against theory computed here from the recipe's parameters: size, support, mean and std (and KS for
 * large float32/float64 entries), with tolerances widened by the storage dtype's rounding.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALGORITHM_NAME, ALGORITHM_VERSION } from '../../src/core/rng/keys.ts';
import { compileRecipe, type RecipeInput } from '../../src/core/recipe.ts';
import { generateSliceRange } from '../../src/core/generate.ts';
import { parseSlice, numel, sliceShape } from '../../src/core/slice.ts';
import { BYTES_PER_ELEMENT, decode, type DType } from '../../src/core/dtypes.ts';
import { kernelMode, kernels, scalarKernels, setKernels } from '../../src/core/kernels/index.ts';
import { fmtP, ksTest, moments, normalCdf, truncNormalCdf, truncNormalMoments } from '../helpers/stats.ts';

interface Entry { label: string; recipe: RecipeInput; slice?: string; numel: number; byteLength: number; sha256: string }
const golden = JSON.parse(readFileSync(fileURLToPath(new URL('./core.json', import.meta.url)), 'utf8')) as {
  algorithm: string; algorithmVersion: number; entries: Entry[];
};

function bytesOf(recipe: RecipeInput, slice?: string): Uint8Array {
  const c = compileRecipe(recipe);
  const sl = slice === undefined ? undefined : parseSlice(slice, c.recipe.shape);
  const n = sl ? numel(sliceShape(sl)) : c.numel;
  const out = new Uint8Array(n * BYTES_PER_ELEMENT[c.recipe.dtype]);
  generateSliceRange(c.field, c.recipe.dtype, c.recipe.shape, sl, 0, n, out);
  return out;
}
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Relative rounding error bound of each storage dtype (half an ulp) for normal-range values. */
const REL: Record<DType, number> = { float32: 2 ** -24, float64: 2 ** -53, float16: 2 ** -11, bfloat16: 2 ** -8, float8_e4m3fn: 2 ** -4, float8_e5m2: 2 ** -3 };
/** Absolute error bound near zero (half the smallest subnormal step). */
const ABS: Record<DType, number> = { float32: 2 ** -150, float64: 2 ** -1075, float16: 2 ** -25, bfloat16: 2 ** -134, float8_e4m3fn: 2 ** -10, float8_e5m2: 2 ** -17 };

t.test('golden file records the current algorithm version', async (t) => {
  t.equal(golden.algorithmVersion, ALGORITHM_VERSION, 'test/golden/core.json was generated for ALGORITHM_VERSION; bits changed => bump the version and regenerate (npx tsx scripts/update-golden.ts)');
  t.equal(golden.algorithm, ALGORITHM_NAME);
  t.ok(golden.entries.length >= 150, `${golden.entries.length} entries`);
  const dtypes = new Set(golden.entries.map((e) => e.recipe.dtype ?? 'float32'));
  const schemes = new Set(golden.entries.map((e) => e.recipe.scheme));
  t.equal(dtypes.size, 6, 'every dtype is pinned');
  t.ok(['uniform', 'normal', 'truncated_normal', 'zeros', 'constant'].every((s) => schemes.has(s)), 'every basic distribution is pinned');
  t.ok(golden.entries.some((e) => e.numel === 0) && golden.entries.some((e) => e.numel === 1) && golden.entries.some((e) => e.numel === 1000003), 'sizes 0, 1 and 1000003 are pinned');
});

t.test('pinned SHA-256 with the scalar kernels (small entries)', async (t) => {
  const saved = kernels(), savedMode = kernelMode();
  setKernels('scalar', scalarKernels);
  try {
    for (const e of golden.entries.filter((x) => x.numel <= 5000)) t.equal(sha(bytesOf(e.recipe, e.slice)), e.sha256, e.label);
  } finally { setKernels(savedMode, saved); }
});

interface Theory { mean: number; std: number; kurt: number; lo: number; hi: number; cdf?: (x: number) => number; constant?: number }

/** Theory of a basic recipe, from its parameters (schemes' defaults restated here on purpose). */
function theoryOf(r: RecipeInput): Theory {
  const p = (r.params ?? {}) as Record<string, number>;
  switch (r.scheme) {
    case 'uniform': {
      const low = p.low ?? 0, high = p.high ?? 1;
      return { mean: (low + high) / 2, std: (high - low) / Math.sqrt(12), kurt: 1.8, lo: low, hi: high, cdf: (x) => Math.min(1, Math.max(0, (x - low) / (high - low))) };
    }
    case 'normal': {
      const mean = p.mean ?? 0, std = p.std ?? 1;
      return { mean, std, kurt: 3, lo: mean - 6.5 * std, hi: mean + 6.5 * std, cdf: (x) => normalCdf((x - mean) / std) };
    }
    case 'truncated_normal': {
      const mean = p.mean ?? 0, std = p.std ?? 1, a = p.a ?? -2, b = p.b ?? 2;
      const m = truncNormalMoments(mean, std, a, b);
      return { mean: m.mean, std: m.std, kurt: 3, lo: a, hi: b, cdf: (x) => truncNormalCdf((x - mean) / std, (a - mean) / std, (b - mean) / std) };
    }
    case 'zeros': return { mean: 0, std: 0, kurt: 0, lo: 0, hi: 0, constant: 0 };
    case 'constant': return { mean: p.value ?? 0, std: 0, kurt: 0, lo: p.value ?? 0, hi: p.value ?? 0, constant: p.value ?? 0 };
    default: throw new Error(`no theory for ${r.scheme}`);
  }
}

t.test(`every entry: pinned SHA-256 with the active kernels (${kernelMode()}), and theory computed from its parameters`, async (t) => {
  const pValues: string[] = [];
  let mismatches = 0;
  for (const e of golden.entries) {
    const dtype = (e.recipe.dtype ?? 'float32') as DType;
    const shape = e.recipe.shape as number[];
    const expectN = e.slice === undefined ? shape.reduce((a, b) => a * b, 1) : numel(sliceShape(parseSlice(e.slice, shape)));
    t.equal(e.numel, expectN, `${e.label}: numel`);
    t.equal(e.byteLength, expectN * BYTES_PER_ELEMENT[dtype], `${e.label}: byte length`);
    const bytes = bytesOf(e.recipe, e.slice);
    const h = sha(bytes);
    if (h !== e.sha256) { mismatches++; t.fail(`${e.label}: SHA-256 ${h} != pinned ${e.sha256}`); }
    if (e.numel === 0) { t.equal(e.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', `${e.label}: SHA-256 of no bytes`); continue; }
    const xs = decode(bytes, dtype);
    const th = theoryOf(e.recipe);
    const rel = REL[dtype], abs = ABS[dtype];
    if (th.constant !== undefined) {
      const c = th.constant;
      t.ok(xs.every((x) => x === xs[0]) && Math.abs(xs[0]! - c) <= rel * Math.abs(c) + abs, `${e.label}: every element = ${c} rounded (${xs[0]})`);
      continue;
    }
    const m = moments(xs);
    const slack = (v: number): number => rel * Math.abs(v) + abs;
    t.ok(m.min >= th.lo - slack(th.lo) && m.max <= th.hi + slack(th.hi) && Number.isFinite(m.mean), `${e.label}: support [${m.min}, ${m.max}] within [${th.lo}, ${th.hi}]`);
    if (e.numel < 100) continue;
    const n = xs.length;
    const meanTol = 6 * th.std / Math.sqrt(n) + rel * (Math.abs(th.mean) + th.std);
    const stdTol = 6 * th.std * Math.sqrt((th.kurt - 1) / (4 * n)) + 2 * rel * th.std;
    t.ok(Math.abs(m.mean - th.mean) <= meanTol, `${e.label}: mean ${m.mean.toPrecision(6)} vs ${th.mean.toPrecision(6)} (tol ${meanTol.toExponential(1)})`);
    t.ok(Math.abs(m.std - th.std) <= stdTol, `${e.label}: std ${m.std.toPrecision(6)} vs ${th.std.toPrecision(6)} (tol ${stdTol.toExponential(1)})`);
    if ((dtype === 'float32' || dtype === 'float64') && n >= 4000 && th.cdf) {
      const ks = ksTest(xs, th.cdf);
      pValues.push(`${e.label}: p=${fmtP(ks.p)}`);
      t.ok(ks.p > 1e-4, `${e.label}: KS p=${fmtP(ks.p)}`);
    }
  }
  t.equal(mismatches, 0, `pinned SHA-256: ${golden.entries.length - mismatches}/${golden.entries.length} entries match`);
  t.comment(`KS p-values of float32/float64 golden entries:\n${pValues.join('\n')}`);
});
