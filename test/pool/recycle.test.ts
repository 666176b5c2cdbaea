/**
 * Chunk buffer recycling (OrderedChunkStream.recycleInto) over a real socket: workers write into
 * reused slots of shared memory, and a slot is reused only after the response has flushed it, so the
 * bytes a client receives equal single-piece generation even when it reads slowly. Also: float32 and
 * float64 chunks (filled in place by the core) are the field's values as little-endian bytes.
 */
import t from 'tap';
import http from 'node:http';
import { createPool, generateInline, OrderedChunkStream, type PoolTask, type WorkerPool } from '../../src/pool/index.ts';
import { fillRange } from '../../src/pool/fill.ts';
import { canonicalize, compileCanonical } from '../../src/core/recipe.ts';
import type { DType } from '../../src/core/dtypes.ts';

const inner = createPool({ workers: 2 });
t.teardown(() => inner.close());

const intoOffsets: number[] = [];
const pool: WorkerPool = {
  run: (task: PoolTask, signal?: AbortSignal) => {
    if (task.kind === 'chunk' && task.into) intoOffsets.push(task.into.byteOffset);
    return inner.run(task, signal);
  },
  get utilization() { return inner.utilization; }, get queueSize() { return inner.queueSize; }, get threads() { return inner.threads; },
  selfTest: () => inner.selfTest(), close: async () => {},
};

const input = { scheme: 'normal', shape: [300_001], seed: '77', name: 'recycle' };
const { recipe } = canonicalize(input);
const prefix = new Uint8Array([1, 2, 3]); // an odd prefix: slots must not depend on the framing's alignment
const expected = generateInline({ recipe, numel: 300_001 }, { prefix });

const server = http.createServer((_req, res) => {
  const body = new OrderedChunkStream(pool, { recipe, numel: 300_001 }, { chunkBytes: 8192, windowChunks: 2, mainThreadMaxBytes: 0 }, { prefix });
  res.writeHead(200, { 'content-length': String(body.length) });
  body.recycleInto(res).pipe(res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
t.teardown(() => new Promise<void>((r) => server.close(() => r())));
const port = (server.address() as { port: number }).port;

function fetch(slow: boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', path: '/' }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        parts.push(Buffer.from(c)); // copy: the client's buffers are its own anyway
        if (slow && parts.length % 4 === 0) { res.pause(); setTimeout(() => res.resume(), 2); }
      });
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
    }).on('error', reject);
  });
}

t.test('recycled slots: the client gets the single-piece bytes, fast or slow', async (t) => {
  for (const slow of [false, true]) {
    intoOffsets.length = 0;
    const got = await fetch(slow);
    t.equal(got.length, expected.length);
    t.ok(got.equals(expected), `${slow ? 'slow' : 'fast'} reader: equal bytes`);
    const chunks = Math.ceil(300_001 * 4 / 8192);
    t.ok(intoOffsets.length > 0, `${intoOffsets.length} of ${chunks} chunks written into shared slots`);
    t.ok(new Set(intoOffsets).size <= 2 + 3, 'at most window + 3 distinct slots');
    t.ok(intoOffsets.length > new Set(intoOffsets).size, 'slots were reused');
  }
});

t.test('float32/float64 chunks hold the field values as little-endian bytes, at any offset', async (t) => {
  for (const dtype of ['float32', 'float64'] as DType[]) {
    const r = canonicalize({ scheme: 'truncated_normal', shape: [70_001], seed: 3, dtype }).recipe;
    const c = compileCanonical(r);
    const n = 66_001 - 17, width = dtype === 'float32' ? 4 : 8;
    const values = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
    c.field.fill(17, n, values);
    for (const off of [0, 1, 4, 8]) {
      const a = new Uint8Array(c.bytes + 16);
      fillRange(r, undefined, 17, 66_001, a, off);
      const dv = new DataView(a.buffer, off, n * width);
      let bad = -1;
      for (let i = 0; i < n && bad < 0; i++) {
        const v = width === 4 ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
        if (!Object.is(v, values[i])) bad = i;
      }
      t.equal(bad, -1, `${dtype} at offset ${off}`);
    }
  }
});
