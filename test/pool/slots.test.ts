/**
 * The pool's shared chunk slots (src/pool/slots.ts) under concurrent, slow and aborted streams on a
 * real socket: every client gets the single-piece bytes (a slot is never reused while a worker, the
 * stream or the socket still uses it), every slot goes back to the pool when its stream ends or is
 * aborted (no leak), the slab stays within its cap, and a stream that finds no free slot still
 * serves correct bytes. Also: a chunk task filling caller memory settles only after the worker has
 * stopped writing it, which is what makes handing the slot on safe.
 */
import t from 'tap';
import http from 'node:http';
import { createPool, generateInline, OrderedChunkStream, AbortError } from '../../src/pool/index.ts';
import { slotPool } from '../../src/pool/slots.ts';
import { canonicalize } from '../../src/core/recipe.ts';

const pool = createPool({ workers: 2 });
t.teardown(() => pool.close());
// A slot released twice is ignored with a warning (slots.ts): any such warning is a bookkeeping bug.
const misuse: string[] = [];
process.on('warning', (w) => { if ((w as { code?: string }).code === 'WEIGHTINIT_SLOT') misuse.push(w.message); });
t.teardown(() => { if (misuse.length) throw new Error(`slot misuse: ${misuse.join('; ')}`); });

const KiB = 1024;
const numel = 200_003;
const recipeOf = (seed: number) => canonicalize({ scheme: 'normal', shape: [numel], seed, name: 'slots' }).recipe;

function serve(limits: { chunkBytes: number; windowChunks: number; recycleBytes?: number }) {
  const server = http.createServer((req, res) => {
    const seed = Number(new URL(req.url!, 'http://x').searchParams.get('seed'));
    const body = new OrderedChunkStream(pool, { recipe: recipeOf(seed), numel }, { ...limits, mainThreadMaxBytes: 0 });
    res.writeHead(200, { 'content-length': String(body.length) });
    body.recycleInto(res).pipe(res);
    res.on('close', () => body.destroy());
  });
  return new Promise<{ port: number; close: () => Promise<void> }>((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  })));
}

/** The body for `seed`; slow: pauses every few chunks; abortAfter: destroys the request after that many bytes. */
function fetch(port: number, seed: number, opts: { slow?: boolean; abortAfter?: number } = {}): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path: `/?seed=${seed}`, agent: false }, (res) => {
      const parts: Buffer[] = [];
      let got = 0;
      res.on('data', (c: Buffer) => {
        parts.push(Buffer.from(c));
        got += c.length;
        if (opts.abortAfter !== undefined && got >= opts.abortAfter) { req.destroy(); resolve(null); return; }
        if (opts.slow && parts.length % 3 === 0) { res.pause(); setTimeout(() => res.resume(), 3); }
      });
      res.on('end', () => resolve(Buffer.concat(parts)));
    });
    req.on('error', (e) => { if (opts.abortAfter !== undefined) resolve(null); else reject(e); });
  });
}

const expected = new Map<number, Buffer>();
const want = (seed: number) => {
  let b = expected.get(seed);
  if (!b) { b = generateInline({ recipe: recipeOf(seed), numel }); expected.set(seed, b); }
  return b;
};

async function settled(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (cond()) return true; await new Promise((r) => setTimeout(r, 10)); }
  return cond();
}

t.test('concurrent fast, slow and aborted streams share slots: right bytes, every slot returned, slab capped', async (t) => {
  const chunkBytes = 8 * KiB, windowChunks = 2;
  const s = await serve({ chunkBytes, windowChunks });
  t.teardown(s.close);
  const slots = slotPool(pool, chunkBytes);
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < 24; i++) {
    const seed = 100 + (i % 6);
    if (i % 3 === 2) {
      jobs.push(fetch(s.port, seed, { abortAfter: 20 * KiB * (1 + (i % 4)) }).then(() => undefined));
    } else {
      jobs.push(fetch(s.port, seed, { slow: i % 3 === 1 }).then((b) => {
        t.ok(b !== null && b.equals(want(seed)), `stream ${i} (${i % 3 === 1 ? 'slow' : 'fast'}, seed ${seed}): single-piece bytes`);
      }));
    }
  }
  await Promise.all(jobs);
  t.ok(await settled(() => slots.used === 0), `every slot back in the pool after the streams ended or were aborted (in use: ${slots.used})`);
  t.ok(slots.peakInUse > windowChunks + 3, `slots were shared by concurrent streams (peak ${slots.peakInUse} in use)`);
  t.ok(slots.peakInUse <= 24 * (windowChunks + 3), `at most window + 3 per stream (peak ${slots.peakInUse})`);
  t.ok(slots.allocatedBytes <= slots.capacityBytes, `slab ${slots.allocatedBytes} B within its cap`);
  await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
  t.same(misuse, [], 'no slot was released twice');
});

t.test('a slab too small for every stream: the others fall back to fresh buffers, bytes still right', async (t) => {
  const chunkBytes = 12 * KiB, windowChunks = 2;
  const s = await serve({ chunkBytes, windowChunks, recycleBytes: 3 * chunkBytes });
  t.teardown(s.close);
  const slots = slotPool(pool, chunkBytes, 3 * chunkBytes);
  const bodies = await Promise.all([1, 2, 3, 4].map((seed) => fetch(s.port, seed, { slow: seed % 2 === 0 })));
  bodies.forEach((b, i) => t.ok(b !== null && b.equals(want(i + 1)), `stream ${i + 1}: single-piece bytes`));
  t.equal(slots.allocatedBytes, 3 * chunkBytes, 'the slab stopped at its cap');
  t.ok(await settled(() => slots.used === 0), 'every slot returned');
});

t.test('a chunk task filling caller memory settles only when the worker no longer writes it', async (t) => {
  const n = 8_000_000; // 32 MB: many cancel checks
  const recipe = canonicalize({ scheme: 'normal', shape: [n], seed: 5 }).recipe;
  const into = new Uint8Array(new SharedArrayBuffer(n * 4));
  const words = new Uint32Array(into.buffer);
  const UNWRITTEN = 0xffffffff; // a NaN pattern the normal sampler never stores
  words.fill(UNWRITTEN);
  // Words are written in order, so the written prefix ends where the first unwritten word is.
  const frontier = () => {
    let lo = 0, hi = n;
    while (lo < hi) { const mid = (lo + hi) >>> 1; if (words[mid] === UNWRITTEN) hi = mid; else lo = mid + 1; }
    return lo;
  };
  for (let attempt = 0; attempt < 3; attempt++) {
    words.fill(UNWRITTEN);
    const ac = new AbortController();
    const run = pool.run<boolean>({ kind: 'chunk', recipe, o0: 0, o1: n, into }, ac.signal);
    run.catch(() => {});
    // Abort while the worker is writing (past its first cancel check, far from the end).
    t.ok(await settled(() => frontier() > 0, 10_000), 'the worker started writing');
    ac.abort(new Error('client gone'));
    const err = await run.then(() => null, (e: unknown) => e);
    const atSettle = frontier();
    await new Promise((r) => setTimeout(r, 30));
    const later = frontier();
    t.ok(err instanceof AbortError, 'rejects with AbortError');
    t.ok(atSettle < n, `cancelled midway (${atSettle} of ${n} elements written)`);
    t.equal(later, atSettle, `no byte written after the task settled (frontier ${atSettle} -> ${later})`);
  }
});
