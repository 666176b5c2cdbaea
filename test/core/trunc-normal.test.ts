/**
 * Truncated normal (inverse CDF, mirrored intervals) in float32 and float64, 2^20 samples per case
 * with fixed seeds: KS against the exact truncated CDF (Cody erfc, test/helpers/stats.ts), mean and
 * std against the closed-form truncated moments, bounds respected exactly, and no pile-up of values
 * at the bounds (clamping must be a rounding guard, not a source of probability mass).
 */
import t from 'tap';
import { kernels, kernelMode } from '../../src/core/kernels/index.ts';
import { truncParams } from '../../src/core/kernels/trunc.ts';
import { deriveKey, STREAM } from '../../src/core/rng/keys.ts';
import { fmtP, ksTest, meanTolerance, moments, normalCdf, normalPdf, normalSf, stdTolerance, truncNormalCdf, truncNormalMoments } from '../helpers/stats.ts';

const N = 1 << 20;
const P_MIN = 1e-3;
const f = Math.fround;

t.comment(`kernels: ${kernelMode()}`);

interface Case { label: string; mean: number; std: number; a: number; b: number }
const CASES: Case[] = [
  { label: 'N(0,1) on [-2, 2]', mean: 0, std: 1, a: -2, b: 2 },
  { label: 'N(0,1) on [0.5, 3] (mirrored)', mean: 0, std: 1, a: 0.5, b: 3 },
  { label: 'N(0,1) on [-4, 0.3]', mean: 0, std: 1, a: -4, b: 0.3 },
  { label: 'N(0,1) on [3, 8] (upper tail, mirrored)', mean: 0, std: 1, a: 3, b: 8 },
  { label: 'N(0,1) on [-7.5, -6] (deep lower tail)', mean: 0, std: 1, a: -7.5, b: -6 },
  { label: 'N(0, 0.02^2) on [-2, 2] (ViT-style, +-100 std)', mean: 0, std: 0.02, a: -2, b: 2 },
  { label: 'N(1, 0.02^2) on [0.97, 1.05]', mean: 1, std: 0.02, a: 0.97, b: 1.05 },
];

function ulp32(x: number): number { const a = Math.abs(f(x)); const e = Math.floor(Math.log2(a)); return 2 ** (e - 23); }

for (const precision of ['f32', 'f64'] as const) {
  t.test(`truncated normal ${precision}`, async (t) => {
    let seed = 100n;
    for (const c of CASES) {
      const tp = truncParams(c.mean, c.std, c.a, c.b);
      const key = deriveKey(seed++, `trunc/${c.label}`);
      const xs = precision === 'f32' ? new Float32Array(N) : new Float64Array(N);
      if (precision === 'f32') kernels().truncNormalF32(key, STREAM.main, 0, N, tp, xs as Float32Array);
      else kernels().truncNormalF64(key, STREAM.main, 0, N, tp, xs as Float64Array);
      const alpha = (c.a - c.mean) / c.std, beta = (c.b - c.mean) / c.std;
      const ks = ksTest(xs, (x) => truncNormalCdf((x - c.mean) / c.std, alpha, beta));
      const m = moments(xs);
      const th = truncNormalMoments(c.mean, c.std, c.a, c.b);
      t.comment(`${precision} ${c.label}: KS D=${ks.d.toExponential(3)} p=${fmtP(ks.p)}; mean ${m.mean.toPrecision(7)} (theory ${th.mean.toPrecision(7)}), std ${m.std.toPrecision(6)} (theory ${th.std.toPrecision(6)}), min ${m.min}, max ${m.max}`);
      t.ok(ks.p > P_MIN, `${c.label}: KS p=${fmtP(ks.p)} > ${P_MIN}`);
      // kurtosis of a truncated normal is below 3; 3 is a safe upper bound for the std tolerance
      t.ok(Math.abs(m.mean - th.mean) < meanTolerance(th.std, N), `${c.label}: mean within 5 s.e.`);
      t.ok(Math.abs(m.std - th.std) < stdTolerance(th.std, N, 3), `${c.label}: std within 5 s.e.`);
      const lo = precision === 'f32' ? f(c.a) : c.a, hi = precision === 'f32' ? f(c.b) : c.b;
      t.ok(m.min >= lo && m.max <= hi, `${c.label}: all values in [a, b]`);
      // pile-up: values exactly at a bound. Without clamping artefacts, the count is about
      // N * density(bound) * spacing(bound); allow 5 + 10x that.
      let atA = 0, atB = 0;
      for (const x of xs) { if (x === lo) atA++; if (x === hi) atB++; }
      const spacing = (x: number): number => (precision === 'f32' ? ulp32(x) : Math.abs(x) * 2 ** -52 || 2 ** -1074);
      const mass = truncMass(alpha, beta);
      const dens = (x: number): number => normalPdf((x - c.mean) / c.std) / c.std / mass;
      const expA = N * dens(c.a) * spacing(c.a), expB = N * dens(c.b) * spacing(c.b);
      t.ok(atA <= 5 + 10 * expA && atB <= 5 + 10 * expB, `${c.label}: ${atA} values at a, ${atB} at b (expected ${expA.toExponential(1)}, ${expB.toExponential(1)})`);
    }
  });
}

/** Probability mass of [alpha, beta] under N(0,1), accurate in both tails. */
function truncMass(alpha: number, beta: number): number {
  return alpha + beta > 0 ? normalSf(alpha) - normalSf(beta) : normalCdf(beta) - normalCdf(alpha);
}

t.test('degenerate and extreme parameters stay inside the bounds', async (t) => {
  const n = 4096;
  for (const [mean, std, a, b] of [[0, 1, -1e-6, 1e-6], [5, 1, -1, 0], [0, 1e-30, -1, 1], [0, 1, 9, 9.5]] as const) {
    const tp = truncParams(mean, std, a, b);
    const x32 = new Float32Array(n), x64 = new Float64Array(n);
    kernels().truncNormalF32(deriveKey(1n, 'extreme'), STREAM.main, 0, n, tp, x32);
    kernels().truncNormalF64(deriveKey(1n, 'extreme'), STREAM.main, 0, n, tp, x64);
    const m32 = moments(x32), m64 = moments(x64);
    t.ok(m32.min >= f(a) && m32.max <= f(b) && !Number.isNaN(m32.mean), `f32 N(${mean},${std}) on [${a}, ${b}]: [${m32.min}, ${m32.max}]`);
    t.ok(m64.min >= a && m64.max <= b && !Number.isNaN(m64.mean), `f64 N(${mean},${std}) on [${a}, ${b}]: [${m64.min}, ${m64.max}]`);
  }
});
