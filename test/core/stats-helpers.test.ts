/**
 * The statistical helpers (test/helpers/stats.ts) are the yardstick of the distribution tests, so they
 * are checked themselves: Cody's erfc against an exact BigInt series, the quantile inverse, and
 * p-value functions against textbook values (and scipy when python3 has it).
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import {
  binomialTwoSidedP, chiSquarePValue, ksPValue, ksTest, normalCdf, normalCdfExact, normalQuantileUpper, normalSf, truncNormalCdf, truncNormalMoments,
} from '../helpers/stats.ts';

t.test('Cody normal CDF vs exact BigInt series on [-12, 12]', async (t) => {
  let worst = 0;
  for (let x = -12; x <= 12; x += 0.0625) {
    const ref = normalCdfExact(x);
    worst = Math.max(worst, Math.abs(normalCdf(x) - ref) / ref);
    worst = Math.max(worst, Math.abs(normalSf(-x) - ref) / ref); // symmetry: Q(-x) = Phi(x)
  }
  t.comment(`max relative error of the Cody-based Phi: ${worst.toExponential(2)}`);
  t.ok(worst < 5e-14, 'relative error < 5e-14');
  t.equal(normalCdfExact(0), 0.5);
  t.ok(Math.abs(normalCdfExact(1.5) - 0.9331927987311419) < 1e-16, 'Phi(1.5) textbook value');
});

t.test('quantile inverts the CDF', async (t) => {
  for (const q of [0.5, 0.25, 0.025, 1e-5, 2 ** -33, 2 ** -60, 0.9]) {
    const z = normalQuantileUpper(q);
    t.ok(Math.abs(normalSf(z) - q) / q < 1e-13, `Q(z(${q})) = ${q}`);
  }
  t.ok(Math.abs(normalQuantileUpper(0.025) - 1.959963984540054) < 1e-14, 'z(0.025) = 1.95996...');
});

t.test('truncated normal helpers', async (t) => {
  t.equal(truncNormalCdf(-2, -2, 2), 0);
  t.equal(truncNormalCdf(2, -2, 2), 1);
  t.ok(Math.abs(truncNormalCdf(0, -2, 2) - 0.5) < 1e-15, 'symmetric midpoint');
  const m = truncNormalMoments(0, 1, -2, 2);
  t.ok(Math.abs(m.mean) < 1e-15 && Math.abs(m.std - 0.8796256610342398) < 1e-12, 'N(0,1) on [-2,2]: std 0.87963');
  const tail = truncNormalMoments(0, 1, 3, 8);
  t.ok(Math.abs(tail.mean - 3.2830986) < 1e-6, 'N(0,1) on [3,8]: mean = phi(3)/Q(3) = 3.28310');
});

t.test('KS, chi-square and binomial p-values', async (t) => {
  t.ok(Math.abs(ksPValue(1.358 / 1000, 1e6) - 0.05) < 5e-4, 'Kolmogorov 5% point 1.358/sqrt(n)');
  t.ok(Math.abs(ksPValue(1.628 / 1000, 1e6) - 0.01) < 2e-4, 'Kolmogorov 1% point 1.628/sqrt(n)');
  t.ok(Math.abs(chiSquarePValue(3.841458820694124, 1) - 0.05) < 1e-12, 'chi2(1) 5% point');
  t.ok(Math.abs(chiSquarePValue(1074.679448803441, 1000) - 0.05) < 1e-9, 'chi2(1000) 5% point');
  t.ok(Math.abs(binomialTwoSidedP(0, 10, 0.5) - 2 / 1024) < 1e-15, 'binomial exact small case');
  // a KS test of exactly evenly spaced points is extremely good (p ~ 1); of shifted points, terrible
  const even = Float64Array.from({ length: 10000 }, (_, i) => (i + 0.5) / 10000);
  t.ok(ksTest(even, (x) => x).p > 0.999);
  t.ok(ksTest(even.map((x) => x * 0.95), (x) => x).p < 1e-6, 'KS detects a 5% scale error');
  const py = spawnSync('python3', ['-c', 'from scipy import stats; print(stats.kstwo.sf(0.0012, 1000000), stats.chi2.sf(1100, 1023), stats.binomtest(80, 1000000, 6.334248366623996e-05).pvalue)'], { encoding: 'utf8' });
  if (py.status !== 0) { t.skip('python3 with scipy is not available: scipy cross-check skipped', async () => {}); return; }
  const [ks, chi, bin] = py.stdout.trim().split(/\s+/).map(Number) as [number, number, number];
  t.ok(Math.abs(ksPValue(0.0012, 1e6) - ks) < 1e-3, `KS p vs scipy kstwo (${ks})`);
  t.ok(Math.abs(chiSquarePValue(1100, 1023) - chi) / chi < 1e-9, `chi-square p vs scipy (${chi})`);
  t.ok(Math.abs(binomialTwoSidedP(80, 1e6, 6.334248366623996e-05) - bin) < 0.02, `binomial p vs scipy binomtest (${bin}; doubling vs minimum-likelihood two-sided)`);
});
