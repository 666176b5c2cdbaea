/**
 * The whole-tensor lane and the bounds around whole-tensor arrays, at the pool level: one 'whole'
 * task per recipe however many chunks, chunks converted from the shared values (bytes equal to
 * single-piece generation), spectral_norm included; the lane's and the recipe cache's byte budgets;
 * WEIGHTINIT_MAX_WHOLE_ELEMENTS applied inside the workers.
 */
import t from 'tap';
import { createPool, generateInline, OrderedChunkStream, WholeLane, type PoolTask, type WorkerPool, type CompileResult } from '../../src/pool/index.ts';
import { canonicalize, compileCanonical, recipeCacheStats, type RecipeInput } from '../../src/core/recipe.ts';
import { maxWholeElements, setMaxWholeElements } from '../../src/core/whole-limits.ts';

const pool = createPool({ workers: 2 });
t.teardown(() => pool.close());
const DEFAULT_WHOLE = maxWholeElements();

/** A pool that records every task it runs (kind, and whether chunk tasks carry whole values). */
function recording(inner: WorkerPool) {
  const tasks: { kind: string; values: boolean }[] = [];
  const p: WorkerPool = {
    run: (task: PoolTask, signal?: AbortSignal) => { tasks.push({ kind: task.kind, values: 'values' in task && task.values !== undefined }); return inner.run(task, signal); },
    get utilization() { return inner.utilization; }, get queueSize() { return inner.queueSize; }, get threads() { return inner.threads; },
    selfTest: () => inner.selfTest(), close: async () => {},
  };
  return { pool: p, tasks };
}

async function streamed(p: WorkerPool, input: RecipeInput, chunkBytes = 4096): Promise<Buffer> {
  const { recipe } = canonicalize(input);
  const numel = recipe.shape.reduce((a, b) => a * b, 1);
  const s = new OrderedChunkStream(p, { recipe, numel }, { chunkBytes, windowChunks: 3, mainThreadMaxBytes: 0 });
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function inline(input: RecipeInput): Buffer {
  const { recipe } = canonicalize(input);
  return generateInline({ recipe, numel: recipe.shape.reduce((a, b) => a * b, 1) });
}

t.test('a whole recipe: one whole task, every chunk converts the shared values', async (t) => {
  const r = recording(pool);
  const input = { scheme: 'orthogonal', shape: [72, 64], seed: '5' };
  const got = await streamed(r.pool, input); // 18 KiB in 4 KiB chunks: 5 chunks
  const chunks = r.tasks.filter((x) => x.kind === 'chunk');
  t.equal(r.tasks.filter((x) => x.kind === 'whole').length, 1, 'one whole computation');
  t.equal(chunks.length, 5);
  t.ok(chunks.every((c) => c.values), 'every chunk task carries the values');
  t.ok(got.equals(inline(input)), 'bytes equal single-piece generation');
  const plain = recording(pool);
  await streamed(plain.pool, { scheme: 'normal', shape: [72, 64], seed: '5' });
  t.equal(plain.tasks.filter((x) => x.kind === 'whole').length, 0, 'streaming schemes never use the lane');
  t.ok(plain.tasks.every((x) => !x.values));
});

t.test('spectral_norm through the lane: equal bytes, largest singular value 1 (independent power iteration)', async (t) => {
  const rows = 50, cols = 30;
  const input = { scheme: 'uniform', shape: [rows, cols], seed: '24', dtype: 'float64', spectral_norm: 'converged' } as const;
  const r = recording(pool);
  const got = await streamed(r.pool, { ...input, shape: [...input.shape] });
  t.equal(r.tasks.filter((x) => x.kind === 'whole').length, 1);
  t.ok(got.equals(inline({ ...input, shape: [...input.shape] })));
  const w = new Float64Array(got.buffer.slice(got.byteOffset, got.byteOffset + got.length));
  let v = new Float64Array(cols).fill(1), sigma = 0;
  for (let it = 0; it < 500; it++) {
    const u = new Float64Array(rows);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) u[i]! += w[i * cols + j]! * v[j]!;
    const nv = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) nv[j]! += w[i * cols + j]! * u[i]!;
    const norm = Math.hypot(...nv);
    sigma = Math.sqrt(norm);
    v = nv.map((x) => x / norm);
  }
  t.ok(Math.abs(sigma - 1) < 1e-9, `sigma_max = ${sigma}`);
});

t.test('the lane keeps finished arrays within its byte budget', async (t) => {
  const lane = new WholeLane(pool, () => 20000);
  const a = canonicalize({ scheme: 'orthogonal', shape: [80, 50], seed: 1 }).recipe; // 16000 bytes
  const b = canonicalize({ scheme: 'orthogonal', shape: [80, 50], seed: 2 }).recipe;
  const va = await lane.values(a);
  t.equal(va.byteLength, 16000);
  t.ok(va.buffer instanceof SharedArrayBuffer, 'values live in shared memory');
  await lane.values(b);
  t.ok(lane.cachedBytes <= 20000, `kept ${lane.cachedBytes} bytes`);
  t.equal(lane.computations, 2);
  await lane.values(b);
  t.equal(lane.computations, 2, 'the newest is kept');
  const again = await lane.values(a);
  t.equal(lane.computations, 3, 'the evicted one is computed again');
  t.same(Array.from(again.subarray(0, 8)), Array.from(va.subarray(0, 8)), 'to the same values');
  const tooBig = new WholeLane(pool, () => 100);
  await tooBig.values(a);
  t.equal(tooBig.cachedBytes, 0, 'an array over the budget is not kept');
  const ac = new AbortController();
  const waiting = tooBig.values(b, ac.signal);
  ac.abort(new Error('client gone'));
  await t.rejects(waiting, { name: 'AbortError' }, 'a waiter whose client left stops waiting');
});

t.test('the recipe cache is bounded by whole-tensor bytes', async (t) => {
  setMaxWholeElements(10000); // budget: 4 x 10000 = 40000 bytes
  t.teardown(() => setMaxWholeElements(DEFAULT_WHOLE));
  for (let seed = 100; seed < 108; seed++) {
    const c = compileCanonical(canonicalize({ scheme: 'orthogonal', shape: [50, 50], seed }).recipe); // 10000 bytes each
    t.equal(c.wholeBytes, 10000);
    c.field.fill(0, 4, new Float32Array(4)); // materialize the whole array
    t.ok(recipeCacheStats().wholeBytes <= 40000, `after seed ${seed}: ${recipeCacheStats().wholeBytes} bytes`);
  }
  const plain = compileCanonical(canonicalize({ scheme: 'normal', shape: [1e6], seed: 1 }).recipe);
  t.equal(plain.wholeBytes, 0, 'streaming recipes hold no whole array');
  t.equal(plain.whole, false);
});

t.test('maxWholeElements applies inside the workers', async (t) => {
  const limited = createPool({ workers: 1, maxWholeElements: 1000 });
  setMaxWholeElements(DEFAULT_WHOLE); // the main thread back to the default: only the worker's own limit can refuse
  t.teardown(() => limited.close());
  const compile = (shape: number[]) => limited.run<CompileResult>({ kind: 'compile', recipe: canonicalize({ scheme: 'orthogonal', shape, seed: 1 }).recipe });
  const over = await compile([40, 40]);
  t.equal(over.ok, false);
  if (!over.ok) t.equal(over.error.kind, 'too_large');
  t.equal((await compile([25, 40])).ok, true, 'at the limit is fine');
});

t.test('a queued computation nobody waits for any more is skipped', async (t) => {
  const lane = new WholeLane(pool);
  const first = lane.values(canonicalize({ scheme: 'orthogonal', shape: [200, 200], seed: 31 }).recipe); // runs first
  const ac = new AbortController();
  const second = lane.values(canonicalize({ scheme: 'orthogonal', shape: [200, 200], seed: 32 }).recipe, ac.signal); // queued behind it
  ac.abort(new Error('client gone'));
  await t.rejects(second, { name: 'AbortError' });
  await first;
  await new Promise((r) => setTimeout(r, 50));
  t.equal(lane.computations, 1, 'only the awaited one ran');
});
