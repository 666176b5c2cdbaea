/**
 * Other readers: numpy.load on the npy body, compared with the numpy reference reimplementation
 * (clients/python/reference.py, written from the spec); Python's msgpack when installed (else the
 * hand-written decoder in helpers.ts covers msgpack, see tensors.test.ts).
 */
import t from 'tap';
import { fileURLToPath } from 'node:url';
import { hasPythonModule, python, testApp } from './helpers.ts';

const { app } = await testApp();
t.teardown(() => app.close());
const refDir = fileURLToPath(new URL('../../clients/python/', import.meta.url));

const cases = [
  { q: 'scheme=normal&shape=33,17&seed=42&name=enc.w&std=0.02&format=npy', py: "ref.generate('normal', [33, 17], seed=42, name='enc.w', params={'std': 0.02})" },
  { q: 'scheme=uniform&shape=5,6,7&seed=7&low=-3&high=2&format=npy&slice=1:4,:,2:5', py: "ref.generate('uniform', [5, 6, 7], seed=7, params={'low': -3, 'high': 2}, slice='1:4,:,2:5')" },
  { q: 'scheme=normal&shape=1000&seed=18446744073709551615&format=npy&dtype=float16', py: "ref.generate('normal', [1000], seed=18446744073709551615, dtype='float16')" },
];

const numpyMissing = python('pass').missing ?? false; // tests below are skipped with this reason when python3/numpy are absent
for (const c of cases) {
  t.test(`numpy.load: ${c.q}`, { skip: numpyMissing }, async (t) => {
    const r = await app.inject({ url: `/v1/tensors?${c.q}` });
    t.equal(r.statusCode, 200);
    const res = python([
      'import sys, io, numpy as np',
      `sys.path.insert(0, ${JSON.stringify(refDir)})`,
      'a = np.load(io.BytesIO(sys.stdin.buffer.read()), allow_pickle=False)',
      'import reference as ref',
      `b = ${c.py}`,
      'print(a.dtype, a.shape, b.dtype, b.shape, bool(a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()))',
    ].join('\n'), r.rawPayload);
    t.ok(res.ok, res.err);
    t.match(res.out.trim(), / True$/, `numpy.load equals the reference reimplementation: ${res.out.trim()}`);
  });
}

t.test('msgpack with Python msgpack', async (t) => {
  if (!hasPythonModule('msgpack')) { t.pass('python3 msgpack is not installed: the independent hand-written decoder (tensors.test.ts) covers msgpack'); return; }
  const r = await app.inject({ url: '/v1/tensors?scheme=normal&shape=8,4&seed=1&format=msgpack' });
  const raw = await app.inject({ url: '/v1/tensors?scheme=normal&shape=8,4&seed=1' });
  const res = python('import sys, msgpack\nm = msgpack.unpackb(sys.stdin.buffer.read())\nprint(m["shape"], m["dtype"], m["data"].hex())', r.rawPayload);
  t.ok(res.ok, res.err);
  t.equal(res.out.trim(), `[8, 4] float32 ${raw.rawPayload.toString('hex')}`);
});
