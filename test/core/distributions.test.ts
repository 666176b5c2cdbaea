/**
 * Statistical tests of uniform and normal fields (float32 and float64) at 2^20 samples with fixed
 * seeds: Kolmogorov-Smirnov against the exact CDF (p-values reported), moments within 5 standard
 * errors, chi-square of equiprobable bins, tail frequency beyond 4 sigma against the exact binomial,
 * and cross-correlations between neighbouring elements and between keys. Values are deterministic,
 * so every p-value below is a fixed number: these tests cannot flake.
 */
import t from 'tap';
import { kernels, kernelMode } from '../../src/core/kernels/index.ts';
import { deriveKey, STREAM } from '../../src/core/rng/keys.ts';
import {
  binomialTwoSidedP, chiSquare, fmtP, ksTest, meanTolerance, moments, normalCdf, normalQuantileUpper, normalSf, stdTolerance,
} from '../helpers/stats.ts';

const N = 1 << 20;
const P_MIN = 1e-3;

t.comment(`kernels: ${kernelMode()}`);

function uniform32(seed: bigint, name: string, low = 0, high = 1, n = N): Float32Array {
  const out = new Float32Array(n);
  kernels().uniformF32(deriveKey(seed, name), STREAM.main, 0, n, low, high, out);
  return out;
}
function uniform64(seed: bigint, name: string, low = 0, high = 1, n = N): Float64Array {
  const out = new Float64Array(n);
  kernels().uniformF64(deriveKey(seed, name), STREAM.main, 0, n, low, high, out);
  return out;
}
function normal32(seed: bigint, name: string, mean = 0, std = 1, n = N): Float32Array {
  const out = new Float32Array(n);
  kernels().normalF32(deriveKey(seed, name), STREAM.main, 0, n, mean, std, out);
  return out;
}
function normal64(seed: bigint, name: string, mean = 0, std = 1, n = N): Float64Array {
  const out = new Float64Array(n);
  kernels().normalF64(deriveKey(seed, name), STREAM.main, 0, n, mean, std, out);
  return out;
}

/** Pearson correlation of xs[i] and ys[i + lag]. */
function correlation(xs: ArrayLike<number>, ys: ArrayLike<number>, lag = 0): number {
  const n = Math.min(xs.length, ys.length - lag);
  let sx = 0, sy = 0;
  for (let i = 0; i < n; i++) { sx += xs[i]!; sy += ys[i + lag]!; }
  const mx = sx / n, my = sy / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) { const a = xs[i]! - mx, b = ys[i + lag]! - my; sxy += a * b; sxx += a * a; syy += b * b; }
  return sxy / Math.sqrt(sxx * syy);
}

/** Chi-square of counts in `bins` equiprobable bins given by a CDF. */
function binnedChiSquare(xs: ArrayLike<number>, cdf: (x: number) => number, bins: number): { stat: number; df: number; p: number } {
  const obs = new Float64Array(bins);
  for (let i = 0; i < xs.length; i++) obs[Math.min(bins - 1, Math.floor(cdf(xs[i]!) * bins))]!++;
  return chiSquare(obs, new Float64Array(bins).fill(xs.length / bins));
}

for (const [label, gen] of [['float32', uniform32], ['float64', uniform64]] as const) {
  t.test(`uniform ${label}: KS, chi-square, moments, support`, async (t) => {
    for (const [seed, name] of [[0n, 'stats.uniform'], [18446744073709551615n, 'w\u00e9ights/\u91cd\u307f']] as const) {
      const xs = gen(seed, name);
      const ks = ksTest(xs, (x) => Math.min(1, Math.max(0, x)));
      t.comment(`uniform ${label} seed=${seed} n=${ks.n}: KS D=${ks.d.toExponential(3)} p=${fmtP(ks.p)}`);
      t.ok(ks.p > P_MIN, `KS p=${fmtP(ks.p)} > ${P_MIN}`);
      const chi = binnedChiSquare(xs, (x) => x, 1024);
      t.comment(`uniform ${label} seed=${seed}: chi-square(1024 bins)=${chi.stat.toFixed(1)} df=${chi.df} p=${fmtP(chi.p)}`);
      t.ok(chi.p > P_MIN, `chi-square p=${fmtP(chi.p)}`);
      const m = moments(xs);
      const sigma = 1 / Math.sqrt(12);
      t.ok(Math.abs(m.mean - 0.5) < meanTolerance(sigma, N), `mean ${m.mean} ~ 0.5`);
      t.ok(Math.abs(m.std - sigma) < stdTolerance(sigma, N, 1.8), `std ${m.std} ~ ${sigma}`);
      t.ok(m.min >= 0 && m.max < 1, `support [0, 1): min ${m.min} max ${m.max}`);
    }
    // a shifted, scaled interval: every value in [low, high)
    const low = -3.25, high = 5.5;
    const xs = gen(42n, 'scaled', low, high, 1 << 18);
    const m = moments(xs);
    t.ok(m.min >= low && m.max < high, `[${low}, ${high}): min ${m.min} max ${m.max}`);
    const sigma = (high - low) / Math.sqrt(12);
    t.ok(Math.abs(m.mean - (low + high) / 2) < meanTolerance(sigma, xs.length), `mean ${m.mean}`);
    const ks = ksTest(xs, (x) => Math.min(1, Math.max(0, (x - low) / (high - low))));
    t.comment(`uniform ${label} [${low}, ${high}) n=${ks.n}: KS p=${fmtP(ks.p)}`);
    t.ok(ks.p > P_MIN, `KS p=${fmtP(ks.p)}`);
  });
}

t.test('uniform float32 resolution: 24 bits (values are multiples of 2^-24)', async (t) => {
  const xs = uniform32(3n, 'resolution', 0, 1, 1 << 16);
  let offGrid = 0, fine = 0;
  for (const x of xs) { const k = x * 2 ** 24; if (!Number.isInteger(k)) offGrid++; if (k % 2 === 1) fine++; }
  t.equal(offGrid, 0, 'every value is k * 2^-24');
  t.ok(fine > xs.length * 0.45 && fine < xs.length * 0.55, 'the lowest of the 24 bits is used (about half odd)');
});

t.test('uniform float64 resolution: 53 bits', async (t) => {
  const xs = uniform64(3n, 'resolution', 0, 1, 1 << 16);
  let offGrid = 0, fine = 0;
  for (const x of xs) { const k = x * 2 ** 53; if (!Number.isInteger(k)) offGrid++; if (k % 2 === 1) fine++; }
  t.equal(offGrid, 0, 'every value is k * 2^-53');
  t.ok(fine > xs.length * 0.45 && fine < xs.length * 0.55, 'the lowest of the 53 bits is used');
});

const TAIL4 = 2 * normalSf(4); // P(|Z| > 4)

for (const [label, gen] of [['float32', normal32], ['float64', normal64]] as const) {
  t.test(`normal ${label}: KS, chi-square, moments, 4-sigma tail frequency`, async (t) => {
    for (const [seed, name] of [[1n, 'stats.normal'], [12345678901234567890n, '']] as const) {
      const xs = gen(seed, name);
      const ks = ksTest(xs, normalCdf);
      t.comment(`normal ${label} seed=${seed} n=${ks.n}: KS D=${ks.d.toExponential(3)} p=${fmtP(ks.p)}`);
      t.ok(ks.p > P_MIN, `KS p=${fmtP(ks.p)} > ${P_MIN}`);
      const chi = binnedChiSquare(xs, normalCdf, 1000);
      t.comment(`normal ${label} seed=${seed}: chi-square(1000 equiprobable bins)=${chi.stat.toFixed(1)} p=${fmtP(chi.p)}`);
      t.ok(chi.p > P_MIN, `chi-square p=${fmtP(chi.p)}`);
      const m = moments(xs);
      t.comment(`normal ${label} seed=${seed}: mean=${m.mean.toExponential(3)} std=${m.std.toFixed(6)} skew=${m.skew.toExponential(2)} kurt=${m.kurt.toFixed(4)} min=${m.min.toFixed(3)} max=${m.max.toFixed(3)}`);
      t.ok(Math.abs(m.mean) < meanTolerance(1, N), 'mean ~ 0 (5 s.e.)');
      t.ok(Math.abs(m.std - 1) < stdTolerance(1, N, 3), 'std ~ 1 (5 s.e.)');
      t.ok(Math.abs(m.skew) < 5 * Math.sqrt(6 / N), 'skewness ~ 0 (5 s.e.)');
      t.ok(Math.abs(m.kurt - 3) < 5 * Math.sqrt(24 / N), 'kurtosis ~ 3 (5 s.e.)');
      let beyond4 = 0, pos = 0;
      for (const x of xs) { if (Math.abs(x) > 4) beyond4++; if (x > 0) pos++; }
      const pTail = binomialTwoSidedP(beyond4, N, TAIL4);
      t.comment(`normal ${label} seed=${seed}: |x| > 4 sigma: ${beyond4} observed, ${(N * TAIL4).toFixed(1)} expected, binomial p=${fmtP(pTail)}`);
      t.ok(pTail > P_MIN, `4-sigma tail count consistent with theory (p=${fmtP(pTail)})`);
      const pSign = binomialTwoSidedP(pos, N, 0.5);
      t.ok(pSign > P_MIN, `sign balance ${pos}/${N} (p=${fmtP(pSign)})`);
    }
  });
}

t.test('normal float32 deep tail: the largest values reach beyond 6 sigma', async (t) => {
  // Box-Muller: |z| <= R(word 0) = sqrt(-2 ln 2^-33) = sqrt(66 ln 2) (u = 2^-33 is the smallest uniform).
  const zmax = Math.sqrt(66 * Math.LN2);
  t.ok(zmax > 6.7, `max |z| = ${zmax.toFixed(4)} > 5 sigma`);
  // 2^22 samples: count beyond 4.5 sigma vs the exact binomial
  const n = 1 << 22;
  const xs = normal32(99n, 'deep-tail', 0, 1, n);
  let c45 = 0, maxAbs = 0;
  for (const x of xs) { const a = Math.abs(x); if (a > 4.5) c45++; if (a > maxAbs) maxAbs = a; }
  const p45 = 2 * normalSf(4.5);
  const pv = binomialTwoSidedP(c45, n, p45);
  t.comment(`normal float32 n=${n}: |x| > 4.5: ${c45} observed, ${(n * p45).toFixed(2)} expected, p=${fmtP(pv)}; max |x| = ${maxAbs.toFixed(4)}`);
  t.ok(pv > P_MIN, 'tail count beyond 4.5 sigma consistent');
  t.ok(maxAbs <= Math.fround(zmax) * (1 + 2 ** -22), 'no value beyond the largest radius');
});

t.test('normal float32 Box-Muller partners are independent normals: R^2 ~ chi-square(2), angle uniform, no correlation at any lag within a set', async (t) => {
  // Elements 16s + l and 16s + 4 + l (l < 4) share a radius (and 16s + 8 + l, 16s + 12 + l the other
  // one). Partners must still be independent standard normals: z0^2 + z1^2 ~ Exponential(mean 2) and
  // atan2(z1, z0) uniform. A mistake in the pair (the same angle, sin/cos mixed up, a quadrant sign
  // lost) breaks one of these or the lag-4 correlations below.
  const xs = normal32(2024n, 'pairs', 0, 1, N);
  const r2: number[] = [], angle: number[] = [];
  for (let s = 0; s < N; s += 16) {
    for (const base of [0, 8]) {
      for (let l = 0; l < 4; l++) {
        const a = xs[s + base + l]!, b = xs[s + base + 4 + l]!;
        r2.push(a * a + b * b);
        angle.push(Math.atan2(b, a));
      }
    }
  }
  const kr = ksTest(r2, (x) => 1 - Math.exp(-x / 2));
  t.comment(`R^2 of ${r2.length} pairs vs Exponential(2): KS D=${kr.d.toExponential(3)} p=${fmtP(kr.p)}`);
  t.ok(kr.p > P_MIN, `R^2 ~ chi-square(2) (p=${fmtP(kr.p)})`);
  const ka = ksTest(angle, (x) => (x + Math.PI) / (2 * Math.PI));
  t.comment(`atan2 of ${angle.length} pairs vs U(-pi, pi): KS D=${ka.d.toExponential(3)} p=${fmtP(ka.p)}`);
  t.ok(ka.p > P_MIN, `angle uniform (p=${fmtP(ka.p)})`);
  const bound = 5 / Math.sqrt(N);
  let worst = 0;
  for (let lag = 1; lag <= 20; lag++) worst = Math.max(worst, Math.abs(correlation(xs, xs, lag)));
  t.ok(worst < bound, `lags 1..20 (pair partners at 4, sets of 16): max |r| = ${worst.toExponential(2)} < ${bound.toExponential(2)}`);
  // the squares too: a shared radius would show as correlated magnitudes
  const sq = Float64Array.from(xs, (x) => x * x);
  let worstSq = 0;
  for (let lag = 1; lag <= 20; lag++) worstSq = Math.max(worstSq, Math.abs(correlation(sq, sq, lag)));
  t.ok(worstSq < bound, `squares, lags 1..20: max |r| = ${worstSq.toExponential(2)}`);
});

t.test('normal with mean and std: moments scale', async (t) => {
  for (const [label, gen] of [['float32', normal32], ['float64', normal64]] as const) {
    const xs = gen(5n, 'scaled', 3, 0.25, 1 << 18);
    const m = moments(xs);
    t.ok(Math.abs(m.mean - 3) < meanTolerance(0.25, xs.length), `${label} mean ${m.mean} ~ 3`);
    t.ok(Math.abs(m.std - 0.25) < stdTolerance(0.25, xs.length, 3), `${label} std ${m.std} ~ 0.25`);
  }
});

t.test('independence: neighbouring elements, same word position in the next block, other keys and streams', async (t) => {
  const n = 1 << 18;
  const bound = 5 / Math.sqrt(n);
  const u = uniform32(11n, 'corr', 0, 1, n);
  const z = normal64(11n, 'corr', 0, 1, n);
  for (const lag of [1, 2, 3, 4, 8]) {
    const r1 = correlation(u, u, lag), r2 = correlation(z, z, lag);
    t.ok(Math.abs(r1) < bound, `uniform f32 lag ${lag}: r=${r1.toExponential(2)}`);
    t.ok(Math.abs(r2) < bound, `normal f64 lag ${lag}: r=${r2.toExponential(2)}`);
  }
  const pairs: Array<[string, Float32Array, Float32Array]> = [
    ['seed 11 vs 12', uniform32(11n, 'corr', 0, 1, n), uniform32(12n, 'corr', 0, 1, n)],
    ['name corr vs corr2', uniform32(11n, 'corr', 0, 1, n), uniform32(11n, 'corr2', 0, 1, n)],
    ['seed 2^32 vs 0 (high word)', uniform32(1n << 32n, '', 0, 1, n), uniform32(0n, '', 0, 1, n)],
  ];
  for (const [label, a, b] of pairs) {
    const r = correlation(a, b);
    t.ok(Math.abs(r) < bound, `${label}: r=${r.toExponential(2)}`);
    let same = 0;
    for (let i = 0; i < n; i++) if (a[i] === b[i]) same++;
    t.ok(same < 10, `${label}: ${same} equal elements`);
  }
  const s0 = new Float32Array(n), s1 = new Float32Array(n);
  const key = deriveKey(11n, 'corr');
  kernels().uniformF32(key, STREAM.main, 0, n, 0, 1, s0);
  kernels().uniformF32(key, STREAM.aux, 0, n, 0, 1, s1);
  t.ok(Math.abs(correlation(s0, s1)) < bound, 'stream main vs aux uncorrelated');
});
