/**
 * Chunked parallel generation (pool workers, tiny chunks, a small window) gives exactly the bytes of
 * single-piece generation on the main thread, for every format, dtype and a slice.
 */
import t from 'tap';
import { testApp } from './helpers.ts';

// Same configuration except where generation runs: all inline vs all on the pool in 4 KiB chunks.
const { app: inline } = await testApp({ mainThreadMaxBytes: 1 << 30 });
const { app: chunked } = await testApp({ mainThreadMaxBytes: 0, chunkBytes: 4096, windowChunks: 3 });
t.teardown(async () => { await inline.close(); await chunked.close(); });

const recipes = [
  'scheme=normal&shape=97,131&seed=3',                                       // odd sizes: chunks end mid-row
  'scheme=uniform&shape=50,40,3&seed=9&low=-1&high=1&dtype=float64&name=w',
  'scheme=truncated_normal&shape=300,77&seed=5&dtype=bfloat16&slice=13:290,5:70',
  'scheme=normal&shape=4096,3&seed=1&dtype=float16&slice=1:4000,1:3',
  'scheme=normal&shape=20000&seed=2&dtype=float8_e4m3fn',
];
const formats = ['raw', 'msgpack', 'npy', 'safetensors', 'json', 'stats'];

for (const q of recipes) {
  t.test(q, async (t) => {
    for (const format of formats) {
      const url = `/v1/tensors?${q}&format=${format}`;
      const [a, b] = await Promise.all([inline.inject({ url }), chunked.inject({ url })]);
      if (format === 'npy' && /bfloat16|float8/.test(q)) { t.equal(a.statusCode, 406, `${format}: 406`); continue; }
      if (format === 'json' && a.statusCode === 413) { t.equal(b.statusCode, 413); continue; }
      t.equal(a.statusCode, 200, `${format} inline`);
      t.equal(b.statusCode, 200, `${format} chunked`);
      t.ok(a.rawPayload.length > 0);
      t.ok(a.rawPayload.equals(b.rawPayload), `${format}: chunked bytes equal single-piece bytes (${a.rawPayload.length} B)`);
    }
  });
}
