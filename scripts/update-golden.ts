/**
 * Writes test/golden/core.json: SHA-256 of the bytes of a matrix of recipes (every basic distribution x
 * every dtype, odd sizes, size 0 and 1, several seeds and names, slices), computed with the SCALAR
 * kernels (the normative definition; SIMD must reproduce it). test/golden/golden.test.ts recomputes
 * every entry with the active kernels and checks the recorded algorithm version.
 *
 * A change of any pinned bit must come with a bump of ALGORITHM_VERSION (src/core/rng/keys.ts): this
 * script refuses to rewrite changed hashes under the same version unless --same-version is given
 * (only for entries added to the matrix, or a bug fix before any release).
 *
 *   npx tsx scripts/update-golden.ts [--same-version]
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setKernels, scalarKernels } from '../src/core/kernels/index.ts';
import { ALGORITHM_NAME, ALGORITHM_VERSION } from '../src/core/rng/keys.ts';
import { compileRecipe, type RecipeInput } from '../src/core/recipe.ts';
import { generateSliceRange } from '../src/core/generate.ts';
import { parseSlice, numel, sliceShape } from '../src/core/slice.ts';
import { BYTES_PER_ELEMENT, DTYPES } from '../src/core/dtypes.ts';

export interface GoldenEntry { label: string; recipe: RecipeInput; slice?: string; numel: number; byteLength: number; sha256: string }
export interface GoldenFile { algorithm: string; algorithmVersion: number; kernels: 'scalar'; note: string; entries: GoldenEntry[] }

const OUT = fileURLToPath(new URL('../test/golden/core.json', import.meta.url));

const DISTS: Array<{ key: string; scheme: string; params: Record<string, unknown> }> = [
  { key: 'uniform', scheme: 'uniform', params: { low: -0.5, high: 2 } },
  { key: 'normal', scheme: 'normal', params: { mean: 0.5, std: 2 } },
  { key: 'trunc', scheme: 'truncated_normal', params: { mean: 0, std: 1, a: -2, b: 2 } },
  { key: 'trunc-mirrored', scheme: 'truncated_normal', params: { mean: 0.1, std: 0.5, a: 0.2, b: 1.5 } },
  { key: 'zeros', scheme: 'zeros', params: {} },
  { key: 'constant', scheme: 'constant', params: { value: 0.1 } },
];
const SHAPES: number[][] = [[0], [1], [7], [3, 5, 273]];
const BIG = [1000003];
const NAMES = ['', 'layer.0.weight', 'весы/重み/🎲 ü'];
const SEEDS = ['0', '1', '18446744073709551615', '12345678901234567890'];

function matrix(): Array<{ label: string; recipe: RecipeInput; slice?: string }> {
  const m: Array<{ label: string; recipe: RecipeInput; slice?: string }> = [];
  for (const d of DISTS) {
    for (const dtype of DTYPES) {
      for (const shape of SHAPES) m.push({ label: `${d.key}/${dtype}/[${shape}]`, recipe: { scheme: d.scheme, params: d.params, shape, dtype, seed: '0', name: '' } });
      const random = d.key !== 'zeros' && d.key !== 'constant';
      if (random && (d.key !== 'trunc-mirrored' || dtype === 'float32' || dtype === 'float64')) {
        m.push({ label: `${d.key}/${dtype}/[${BIG}]`, recipe: { scheme: d.scheme, params: d.params, shape: BIG, dtype, seed: '0', name: 'big' } });
      }
    }
  }
  for (const seed of SEEDS) for (const name of NAMES) {
    for (const dtype of ['float32', 'float64'] as const) {
      m.push({ label: `normal/${dtype}/[4095]/seed=${seed}/name=${JSON.stringify(name)}`, recipe: { scheme: 'normal', shape: [4095], dtype, seed, name } });
    }
  }
  m.push({ label: 'slice/normal/float32/[64,33][3:40,5:-2]', recipe: { scheme: 'normal', shape: [64, 33], seed: '7', name: 'w' }, slice: '3:40,5:-2' });
  m.push({ label: 'slice/trunc/bfloat16/[5,6,7][1:4,:,2:3]', recipe: { scheme: 'truncated_normal', shape: [5, 6, 7], seed: '7', dtype: 'bfloat16', params: { std: 0.5, a: -1, b: 1 } }, slice: '1:4,:,2:3' });
  m.push({ label: 'slice/uniform/float64/[1000003][999000:]', recipe: { scheme: 'uniform', shape: [1000003], seed: '3', dtype: 'float64', params: { low: -1, high: 1 } }, slice: '999000:' });
  m.push({ label: 'slice/normal/float64/[2^21,2^21][-1:,-4097:] (flat index ~2^42)', recipe: { scheme: 'normal', shape: [2097152, 2097152], seed: '5', dtype: 'float64' }, slice: '-1:,-4097:' });
  m.push({ label: 'slice/uniform/float16/[2^21,2^21][-3:,:1000] (flat index ~2^42)', recipe: { scheme: 'uniform', shape: [2097152, 2097152], seed: '5', dtype: 'float16' }, slice: '-3:,:1000' });
  return m;
}

export function hashEntry(recipe: RecipeInput, slice?: string): { numel: number; byteLength: number; sha256: string; bytes: Uint8Array } {
  const c = compileRecipe(recipe);
  const sl = slice === undefined ? undefined : parseSlice(slice, c.recipe.shape);
  const n = sl ? numel(sliceShape(sl)) : c.numel;
  const bytes = new Uint8Array(n * BYTES_PER_ELEMENT[c.recipe.dtype]);
  generateSliceRange(c.field, c.recipe.dtype, c.recipe.shape, sl, 0, n, bytes);
  return { numel: n, byteLength: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), bytes };
}

function main(): void {
  setKernels('scalar', scalarKernels); // goldens pin the scalar definition
  const entries: GoldenEntry[] = matrix().map(({ label, recipe, slice }) => {
    const { numel: n, byteLength, sha256 } = hashEntry(recipe, slice);
    return slice === undefined ? { label, recipe, numel: n, byteLength, sha256 } : { label, recipe, slice, numel: n, byteLength, sha256 };
  });
  if (existsSync(OUT) && !process.argv.includes('--same-version')) {
    const old = JSON.parse(readFileSync(OUT, 'utf8')) as GoldenFile;
    if (old.algorithmVersion === ALGORITHM_VERSION) {
      const before = new Map(old.entries.map((e) => [e.label, e.sha256]));
      const changed = entries.filter((e) => before.has(e.label) && before.get(e.label) !== e.sha256).map((e) => e.label);
      if (changed.length) {
        console.error(`${changed.length} pinned hashes changed under the same ALGORITHM_VERSION ${ALGORITHM_VERSION}, e.g. ${changed.slice(0, 5).join('; ')}.\n` +
          'Bump ALGORITHM_VERSION in src/core/rng/keys.ts (users\' stored recipes will produce new bytes), or pass --same-version if no release pinned these bits.');
        process.exit(1);
      }
    }
  }
  const file: GoldenFile = {
    algorithm: ALGORITHM_NAME, algorithmVersion: ALGORITHM_VERSION, kernels: 'scalar',
    note: 'Generated by scripts/update-golden.ts with the scalar kernels. Checked by test/golden/golden.test.ts (hashes with the active kernels, algorithm version, and independent statistics of each entry).',
    entries,
  };
  // one entry per line: diffs show exactly which recipes changed
  const { entries: _omit, ...meta } = file;
  const head = JSON.stringify(meta, null, 1).slice(0, -2); // drop the closing "\n}"
  writeFileSync(OUT, `${head},\n "entries": [\n${entries.map((e) => `  ${JSON.stringify(e)}`).join(',\n')}\n ]\n}\n`);
  console.log(`wrote ${entries.length} entries to ${OUT} (algorithm ${ALGORITHM_NAME})`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
