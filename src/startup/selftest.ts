/**
 * Kernel self-test: run at startup on the main thread and by every pool worker before it takes work.
 * Imports only src/core, so a worker can run it too. Three groups of checks:
 *  1. Philox4x32 known-answer vectors (Random123 kat_vectors, ../shared/reference/rng.md section 1);
 *  2. golden recipes: SHA-256 of whole tensors through compileRecipe + generateFlat, with the hashes
 *     computed outside this code base (test/startup/selftest_golden.py reimplements key derivation,
 *     Philox and the uniform transforms in numpy; the constant ones are hand-encoded bytes);
 *  3. SIMD kernels against the scalar reference, bit for bit, when SIMD kernels are active.
 */
import { createHash } from 'node:crypto';
import { philox4x32 } from '../core/rng/philox.ts';
import { deriveKey, STREAM } from '../core/rng/keys.ts';
import { compileRecipe, type RecipeInput } from '../core/recipe.ts';
import { generateFlat } from '../core/generate.ts';
import { kernelMode, kernels, scalarKernels, type Kernels } from '../core/kernels/index.ts';
import { truncParams } from '../core/kernels/trunc.ts';

export interface SelfTestCheck { name: string; ok: boolean; detail: string }
export interface SelfTestReport { ok: boolean; checks: SelfTestCheck[]; failed?: SelfTestCheck }

// rounds, counter[4], key[2], expected[4]
const PHILOX_KAT: [number, number[], number[], number[]][] = [
  [10, [0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
  [10, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
  [10, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  [7, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a]],
  [10, [1, 0, 0, 0], [1, 0], [0xac08141b, 0xdfc5ccbe, 0x79c07a47, 0xa7f66093]],
  [10, [0, 1, 0, 0], [1, 0], [0x833ff8dc, 0x225c963c, 0x232b88b3, 0x0b334b07]],
  [10, [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [1, 0], [0x38527b8f, 0xfad9a48c, 0x20e675c0, 0xf2fea26a]],
  [10, [1, 0, 0, 0], [0, 1], [0xccf3076a, 0x6306f434, 0xbea71965, 0xd96fe48a]],
];

/** Golden recipes; hashes from test/startup/selftest_golden.py (independent of this code). */
export const GOLDEN_RECIPES: { name: string; recipe: RecipeInput; sha256: string }[] = [
  { name: 'uniform-f32', recipe: { scheme: 'uniform', shape: [37], seed: 42, name: 'selftest.uniform', dtype: 'float32', params: { low: -1, high: 1 } },
    sha256: 'b9410f3f6578ad3bb82cfc211dfe5199dda6dd5c2624508cf7425019d4ec1812' },
  { name: 'uniform-f64', recipe: { scheme: 'uniform', shape: [2, 5], seed: '18446744073709551615', name: '', dtype: 'float64', params: { low: 0, high: 1 } },
    sha256: 'abb848312ba1a8a62183867379f66700026146fe13921b53436c62c335df392e' },
  { name: 'ones-f16', recipe: { scheme: 'ones', shape: [5, 3], dtype: 'float16' },
    sha256: 'd14f94d95041eeecbddfb55fc8e75fbf6fbfd2cbcd0ae481d674a2d7337847a0' },
  { name: 'constant-bf16', recipe: { scheme: 'constant', shape: [4], dtype: 'bfloat16', params: { value: 0.1 } },
    sha256: '5bee8a89b7150cbc324fdcdaee03de0ae728d13680a65b8948e898910babc3fa' },
  { name: 'zeros-empty', recipe: { scheme: 'zeros', shape: [0], dtype: 'float32' },
    sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
];

const hex = (a: ArrayLike<number>) => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, '0')).join(' ');

function philoxChecks(): SelfTestCheck[] {
  const out = new Uint32Array(4);
  return PHILOX_KAT.map(([r, c, k, want], i) => {
    philox4x32(c[0]!, c[1]!, c[2]!, c[3]!, k[0]!, k[1]!, out, 0, r);
    const ok = want.every((w, j) => out[j] === w);
    return { name: `philox-kat-${i}`, ok, detail: ok ? `philox4x32-${r} vector ${i} ok` : `philox4x32-${r} vector ${i}: got ${hex(out)}, want ${hex(want)}` };
  });
}

export function recipeSha256(recipe: RecipeInput): string {
  const c = compileRecipe(recipe);
  const bytes = new Uint8Array(c.bytes);
  generateFlat(c.field, c.recipe.dtype, 0, c.numel, bytes);
  return createHash('sha256').update(bytes).digest('hex');
}

function goldenChecks(): SelfTestCheck[] {
  return GOLDEN_RECIPES.map((g) => {
    try {
      const got = recipeSha256(g.recipe);
      const ok = got === g.sha256;
      return { name: `golden-${g.name}`, ok, detail: ok ? `golden recipe ${g.name} ok` : `golden recipe ${g.name}: sha256 ${got}, want ${g.sha256}` };
    } catch (e) {
      return { name: `golden-${g.name}`, ok: false, detail: `golden recipe ${g.name} threw: ${(e as Error).message}` };
    }
  });
}

/** Compares every kernel of `simd` with the scalar reference on ranges crossing block and 2^32-block boundaries. */
export function compareKernels(simd: Kernels, scalar: Kernels = scalarKernels): SelfTestCheck[] {
  const key = deriveKey(7n, 'selftest.simd');
  const ranges: [number, number][] = [[0, 67], [5, 1], [3, 130], [4 * 2 ** 32 - 6, 13]];
  const t = truncParams(0.5, 2, -1, 3);
  const cases: [string, (k: Kernels, s: number, n: number, out: Float32Array | Float64Array) => void, 'f32' | 'f64'][] = [
    ['uniformF32', (k, s, n, o) => k.uniformF32(key, STREAM.main, s, n, -0.25, 3, o as Float32Array), 'f32'],
    ['uniformF64', (k, s, n, o) => k.uniformF64(key, STREAM.main, s, n, -0.25, 3, o as Float64Array), 'f64'],
    ['normalF32', (k, s, n, o) => k.normalF32(key, STREAM.aux, s, n, 0.1, 1.5, o as Float32Array), 'f32'],
    ['normalF64', (k, s, n, o) => k.normalF64(key, STREAM.aux, s, n, 0.1, 1.5, o as Float64Array), 'f64'],
    ['truncNormalF32', (k, s, n, o) => k.truncNormalF32(key, STREAM.main, s, n, t, o as Float32Array), 'f32'],
    ['truncNormalF64', (k, s, n, o) => k.truncNormalF64(key, STREAM.main, s, n, t, o as Float64Array), 'f64'],
  ];
  return cases.map(([name, run, prec]) => {
    for (const [s, n] of ranges) {
      const a = prec === 'f32' ? new Float32Array(n) : new Float64Array(n);
      const b = prec === 'f32' ? new Float32Array(n) : new Float64Array(n);
      try { run(simd, s, n, a); } catch (e) { return { name: `simd-${name}`, ok: false, detail: `SIMD ${name} threw: ${(e as Error).message}` }; }
      run(scalar, s, n, b);
      const ua = new Uint8Array(a.buffer), ub = new Uint8Array(b.buffer);
      const i = ua.findIndex((x, j) => x !== ub[j]);
      if (i >= 0) {
        const el = Math.floor(i / a.BYTES_PER_ELEMENT);
        return { name: `simd-${name}`, ok: false, detail: `SIMD ${name} differs from scalar at element ${s + el}: ${a[el]} vs ${b[el]}` };
      }
    }
    return { name: `simd-${name}`, ok: true, detail: `SIMD ${name} equals scalar bit for bit` };
  });
}

/** Runs all checks with the currently active kernels. Never throws; see report.failed. */
export function runSelfTest(): SelfTestReport {
  const checks = [...philoxChecks(), ...goldenChecks()];
  if (kernelMode() === 'simd') checks.push(...compareKernels(kernels()));
  const failed = checks.find((c) => !c.ok);
  return { ok: !failed, checks, ...(failed ? { failed } : {}) };
}
