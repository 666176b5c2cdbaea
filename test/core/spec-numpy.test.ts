/**
 * docs/determinism.md must be precise enough to reimplement the generator: this test extracts the
 * numpy program of its section 11, runs it with python3 + numpy, and compares the bytes with the
 * TypeScript generator (key derivation, counter layout incl. flat indices beyond 2^32 blocks,
 * float32 uniform (five values per block) and Box-Muller normal in the set layout, the inverse-CDF
 * normal with logf and the 3-piece Giles quantile, float64 uniform).
 * Skipped with a message when python3 with numpy is unavailable.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deriveKey } from '../../src/core/rng/keys.ts';
import { kernels, kernelMode } from '../../src/core/kernels/index.ts';
import { normalFromWord } from '../../src/core/math/f32.ts';

/** Words that reach every quantile piece: tiny k (deep tail, w >= 16), the w = 5 and 16 switches, q near 0.5. */
function tailWords(): number[] {
  const ws = [0, 1, 2, 3, 0x80000000, 0x80000001, 0x7fffffff, 0xffffffff, 0x7fffff80, 0x7fffffbf, 0x00ffffff];
  let s = 0x2545f491;
  for (let i = 0; i < 6000; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    const mag = i % 3 === 0 ? s >>> (1 + (s % 31)) : s; // log-spread k down to 0
    ws.push(mag >>> 0);
  }
  return ws;
}

const doc = readFileSync(fileURLToPath(new URL('../../docs/determinism.md', import.meta.url)), 'utf8');
const block = /## 11\.[\s\S]*?```python\n([\s\S]*?)```/.exec(doc)?.[1];

interface Job { seed: string; name: string; start: number; n: number; kind: 'uniform_f32' | 'normal_f32' | 'uniform_f64'; a: number; b: number }
const JOBS: Job[] = [
  { seed: '0', name: '', start: 0, n: 20000, kind: 'normal_f32', a: 0, b: 1 },
  { seed: '18446744073709551615', name: 'enc.layers.3.w\u00fc/\u{1F3B2}', start: 2 ** 34 + 3, n: 4099, kind: 'normal_f32', a: 0.5, b: 0.02 },
  { seed: '123456789', name: 'a-name-longer-than-sixteen-bytes', start: 7, n: 20000, kind: 'uniform_f32', a: -0.3, b: 1.7 },
  { seed: '77', name: 'carry', start: 5 * 2 ** 32 - 37, n: 2001, kind: 'uniform_f32', a: 0, b: 1 },   // across block 2^32
  { seed: '78', name: 'carry', start: 4 * 2 ** 32 - 61, n: 2001, kind: 'normal_f32', a: 0, b: 1 },
  { seed: '5', name: 'x', start: 2 ** 33 - 5, n: 999, kind: 'uniform_f64', a: -2, b: 3 },
];

t.test('the numpy program in docs/determinism.md reproduces the generator bit for bit', async (t) => {
  t.ok(block, 'section 11 has a python block');
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) { t.skip('python3 with numpy is not available: the doc reimplementation check is skipped', async () => {}); return; }
  const driver = `
import sys, json
jobs = json.loads(sys.stdin.read())
res = []
for j in jobs:
    key = derive_key(int(j['seed']), j['name'])
    fn = {'uniform_f32': uniform_f32, 'normal_f32': normal_f32, 'uniform_f64': uniform_f64}[j['kind']]
    v = fn(key, j['start'], j['n'], j['a'], j['b'])
    res.append({'key': list(key), 'hex': np.ascontiguousarray(v).astype('<f8' if j['kind'] == 'uniform_f64' else '<f4').tobytes().hex()})
words = np.array(json.loads(sys.argv[1]), dtype=np.uint32)
q = ((words & np.uint32(0x7FFFFFFF)).astype(np.float64) * 2 + 1).astype(F) * F(2.0 ** -33)
z = tail_quantile_f32(q)
z = np.where((words >> np.uint32(31)) == 1, -z, z)
print(json.dumps({'jobs': res, 'words': z.astype('<f4').tobytes().hex()}))
`;
  const words = tailWords();
  const r = spawnSync('python3', ['-c', `${block}\n${driver}`, JSON.stringify(words)], { input: JSON.stringify(JOBS), encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120000 });
  t.equal(r.status, 0, `python ran: ${r.stderr.slice(0, 2000)}`);
  if (r.status !== 0) return;
  const parsed = JSON.parse(r.stdout) as { jobs: Array<{ key: [number, number]; hex: string }>; words: string };
  const out = parsed.jobs;
  const zs = new Float32Array(Buffer.from(parsed.words, 'hex').buffer.slice(0));
  let wd = 0;
  words.forEach((w, i) => { if (!Object.is(zs[i], Math.fround(normalFromWord(w)))) wd++; });
  t.equal(wd, 0, `normal from ${words.length} chosen words (all three quantile pieces, |z| up to ${Math.max(...Array.from(zs, Math.abs)).toFixed(3)}): ${wd} differ`);
  t.comment(`kernels: ${kernelMode()}`);
  JOBS.forEach((j, idx) => {
    const key = deriveKey(BigInt(j.seed), j.name);
    t.same(out[idx]!.key, [key.k0, key.k1], `${j.kind} seed=${j.seed}: key derivation`);
    let bytes: Buffer;
    if (j.kind === 'uniform_f64') {
      const v = new Float64Array(j.n); kernels().uniformF64(key, 0, j.start, j.n, j.a, j.b, v); bytes = Buffer.from(v.buffer);
    } else {
      const v = new Float32Array(j.n);
      if (j.kind === 'uniform_f32') kernels().uniformF32(key, 0, j.start, j.n, j.a, j.b, v); else kernels().normalF32(key, 0, j.start, j.n, j.a, j.b, v);
      bytes = Buffer.from(v.buffer);
    }
    const py = Buffer.from(out[idx]!.hex, 'hex');
    let diff = 0, first = -1;
    const w = j.kind === 'uniform_f64' ? 8 : 4;
    for (let i = 0; i < j.n; i++) if (Buffer.compare(py.subarray(i * w, i * w + w), bytes.subarray(i * w, i * w + w)) !== 0) { diff++; if (first < 0) first = i; }
    t.equal(diff, 0, `${j.kind} seed=${j.seed} start=${j.start} n=${j.n}: ${diff} elements differ${first >= 0 ? ` (first at ${first})` : ''}`);
  });
});
