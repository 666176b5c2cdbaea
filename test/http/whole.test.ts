/**
 * Whole-tensor schemes through the HTTP routes: computed once by the pool's whole lane (not by every
 * worker, not on the main thread for a small slice of a big tensor), byte-identical to single-piece
 * generation for every whole scheme (spectral_norm, not in the HTTP recipe, is covered in
 * test/pool/whole.test.ts), and limited by WEIGHTINIT_MAX_WHOLE_ELEMENTS.
 */
import t from 'tap';
import { testApp, f32s } from './helpers.ts';
import { wholeLane, type WorkerPool } from '../../src/pool/index.ts';
import { createPool } from '../../src/pool/index.ts';
import { maxWholeElements, setMaxWholeElements } from '../../src/core/whole-limits.ts';

const DEFAULT_WHOLE = maxWholeElements();

// Same configuration except where generation runs: all inline vs pool in 4 KiB chunks (lane for whole).
const pool: WorkerPool = createPool({ workers: 2 });
const { app: inline } = await testApp({ mainThreadMaxBytes: 1 << 30 });
const { app: chunked } = await testApp({ mainThreadMaxBytes: 4096, chunkBytes: 4096, windowChunks: 3 }, { pool });
t.teardown(async () => { await inline.close(); await chunked.close(); await pool.close(); });
const lane = wholeLane(pool);

const wholeRecipes = [
  'scheme=orthogonal&shape=48,40&seed=3',
  'scheme=orthogonal&shape=16,4,5&seed=4&column_axis=1&dtype=float64',
  'scheme=keras.Orthogonal&shape=3,3,8,16&seed=5&dtype=float16',           // a framework name delegating to orthogonal
  'scheme=delta_orthogonal&shape=24,16,3,3&seed=6',
  'scheme=sparse&shape=64,50&seed=7&sparsity=0.3',
  'scheme=dirichlet&shape=30,70&seed=8&alpha=0.5',
  'scheme=unique_uniform_int&shape=2000&seed=9&min=0&max=100000',
  'scheme=orthogonal&shape=64,64&seed=11&slice=3:40,7:9',
];

for (const q of wholeRecipes) {
  t.test(q, async (t) => {
    for (const format of ['raw', 'npy', 'stats']) {
      const url = `/v1/tensors?${q}&format=${format}`;
      const before = lane.computations;
      const [a, b] = await Promise.all([inline.inject({ url }), chunked.inject({ url })]);
      t.equal(a.statusCode, 200, `${format} inline`, { body: a.statusCode === 200 ? undefined : a.payload });
      t.equal(b.statusCode, 200, `${format} chunked`, { body: b.statusCode === 200 ? undefined : b.payload });
      t.ok(a.rawPayload.equals(b.rawPayload), `${format}: lane + chunks equal single-piece bytes (${a.rawPayload.length} B)`);
      t.ok(lane.computations - before <= 1, 'at most one whole computation for the request');
    }
  });
}

t.test('one computation per recipe: many chunks, concurrent and repeated requests', async (t) => {
  const url = '/v1/tensors?scheme=orthogonal&shape=96,80&seed=21'; // 30 KiB: 8 chunks of 4 KiB
  const before = lane.computations;
  const rs = await Promise.all(Array.from({ length: 4 }, () => chunked.inject({ url })));
  for (const r of rs) t.equal(r.statusCode, 200);
  t.equal(lane.computations - before, 1, 'four concurrent requests share one computation');
  const again = await chunked.inject({ url });
  t.ok(again.rawPayload.equals(rs[0]!.rawPayload));
  t.equal(lane.computations - before, 1, 'a repeated request reuses the kept array');
  // Independent check of what was computed: the columns are orthonormal (Q^T Q = I within f32 rounding).
  const q = f32s(rs[0]!.rawPayload), rows = 96, cols = 80;
  let worst = 0;
  for (let a = 0; a < cols; a++) for (let b = a; b < cols; b++) {
    let dot = 0;
    for (let r = 0; r < rows; r++) dot += q[r * cols + a]! * q[r * cols + b]!;
    worst = Math.max(worst, Math.abs(dot - (a === b ? 1 : 0)));
  }
  t.ok(worst < 1e-5, `Q^T Q = I (max deviation ${worst})`);
});

t.test('a small slice of a large whole tensor is not computed on the main thread', async (t) => {
  const before = lane.computations;
  const r = await chunked.inject({ url: '/v1/tensors?scheme=orthogonal&shape=128,96&seed=22&slice=0:1,0:4' }); // 16 B out of 48 KiB
  t.equal(r.statusCode, 200);
  t.equal(lane.computations - before, 1, 'went through the lane');
  const full = await inline.inject({ url: '/v1/tensors?scheme=orthogonal&shape=128,96&seed=22' });
  t.ok(r.rawPayload.equals(full.rawPayload.subarray(0, 16)), 'the slice is the first 4 values of the full tensor');
});

t.test('HEAD computes nothing', async (t) => {
  const before = lane.computations;
  const r = await chunked.inject({ method: 'HEAD', url: '/v1/tensors?scheme=orthogonal&shape=128,128&seed=23' });
  t.equal(r.statusCode, 200);
  t.equal(r.headers['content-length'], String(128 * 128 * 4));
  t.equal(lane.computations, before);
});

t.test('WEIGHTINIT_MAX_WHOLE_ELEMENTS: 413 naming the limit', async (t) => {
  const limited = createPool({ workers: 1, maxWholeElements: 1000 });
  const { app } = await testApp({ maxWholeElements: 1000, mainThreadMaxBytes: 0 }, { pool: limited });
  try {
    const r = await app.inject({ url: '/v1/tensors?scheme=orthogonal&shape=40,40&seed=1' });
    t.equal(r.statusCode, 413);
    t.match(r.json().detail, /1000 elements.*WEIGHTINIT_MAX_WHOLE_ELEMENTS/);
    t.equal((await app.inject({ url: '/v1/tensors?scheme=orthogonal&shape=25,40&seed=1' })).statusCode, 200, 'at the limit is fine');
    t.equal((await app.inject({ url: '/v1/tensors?scheme=normal&shape=40,40&seed=1' })).statusCode, 200, 'streaming schemes are not limited');
  } finally {
    await app.close();
    await limited.close();
    setMaxWholeElements(DEFAULT_WHOLE); // the setting is per thread: restore it for the rest of this process
  }
});
