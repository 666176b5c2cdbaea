/**
 * Chunk plans: contiguous cover of [0, total), chunks within chunkBytes, boundaries on whole SIMD
 * groups (160 elements: 40 float32 uniform, 32 float32 normal/truncated normal, 16 float64 per group).
 */
import t from 'tap';
import { maxHeldChunks, planChunks } from '../../src/pool/plan.ts';

t.test('plans cover the range in order, within chunkBytes, on 160-element boundaries', async (t) => {
  const cases: Array<[number, number, number]> = [
    [0, 4, 1 << 20], [1, 4, 1 << 20], [262144, 4, 1 << 20], [1_000_003, 4, 1 << 20], [999_999, 8, 1 << 20],
    [5000, 2, 4096], [77_777, 1, 4096], [1000, 4, 640], [1000, 4, 600], [50, 4, 12], [9, 8, 8],
  ];
  for (const [total, bpe, chunkBytes] of cases) {
    const p = planChunks(total, bpe, chunkBytes);
    let next = 0, ok = true;
    for (let i = 0; i < p.count; i++) {
      const [a, b] = p.range(i);
      if (a !== next || b <= a || (b - a) * bpe > Math.max(chunkBytes, bpe)) ok = false;
      const perChunk = Math.floor(chunkBytes / bpe);
      const align = perChunk >= 160 ? 160 : perChunk >= 4 ? 4 : 1;
      if (i < p.count - 1 && a % align !== 0) ok = false;
      if (i < p.count - 1 && (b - a) % align !== 0) ok = false;
      next = b;
    }
    t.ok(ok && next === total, `total ${total}, ${bpe} B/element, ${chunkBytes} B chunks: ${p.count} chunks of ${p.chunkElements}`);
  }
  t.equal(planChunks(1 << 20, 4, 1 << 20).chunkElements, 262080, '1 MiB of float32: 262144 rounded down to a multiple of 160');
});

t.test('a stream holds at most its window plus three pushed chunks (the in-flight reservation)', async (t) => {
  t.equal(maxHeldChunks(8), 11);
  t.equal(maxHeldChunks(1), 4);
});
