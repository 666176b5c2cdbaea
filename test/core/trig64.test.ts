/**
 * cosSinTurns (src/core/math/trig64.ts): cos/sin of 2 pi p / q from + - * / only, against float64
 * Math.cos / Math.sin (an independent implementation) and exact values at eighth turns.
 */
import t from 'tap';
import { cosSinTurns } from '../../src/core/math/trig64.ts';

t.test('agrees with Math.cos/Math.sin to ~1e-16 over many rational angles', async (t) => {
  let worst = 0, n = 0;
  for (const q of [1, 2, 3, 4, 5, 7, 8, 12, 16, 63, 64, 100, 255, 256, 1000, 4095, 65536, 1e6 + 3]) {
    for (let i = 0; i < 400; i++) {
      const p = Math.floor((i * 7919 + 13) % (3 * q)) - q; // negative, zero and beyond one turn
      const [c, s] = cosSinTurns(p, q);
      // Reference angle folded to [-pi, pi] (its own float64 rounding is then <= ~1.5 ulp(pi) = 6.7e-16).
      let r = p % q; if (r > q / 2) r -= q; else if (r < -q / 2) r += q;
      const a = (2 * Math.PI * r) / q;
      worst = Math.max(worst, Math.abs(c - Math.cos(a)), Math.abs(s - Math.sin(a)));
      n++;
    }
  }
  // the reference's angle rounding (<= 6.7e-16) plus Math's and our own rounding
  t.ok(worst < 1e-15, `max |difference| ${worst.toExponential(2)} over ${n} angles`);
});

t.test('exact at quarter turns, symmetric, periodic, no negative zeros', async (t) => {
  t.same(cosSinTurns(0, 4), [1, 0]);
  t.same(cosSinTurns(1, 4), [0, 1], 'cos(pi/2) is exactly 0');
  t.same(cosSinTurns(2, 4), [-1, 0]);
  t.same(cosSinTurns(3, 4), [0, -1]);
  t.same(cosSinTurns(-1, 4), [0, -1]);
  t.ok(Object.is(cosSinTurns(1, 4)[0], 0) && Object.is(cosSinTurns(2, 4)[1], 0), '+0, not -0');
  const [c8, s8] = cosSinTurns(1, 8);
  t.ok(Math.abs(c8 - Math.SQRT1_2) <= 1.2e-16 && Math.abs(s8 - Math.SQRT1_2) <= 1.2e-16, `eighth turn: ${c8}, ${s8}`);
  for (const [p, q] of [[5, 12], [7, 9], [123456789, 1000003]] as const) {
    const a = cosSinTurns(p, q), b = cosSinTurns(p + 5 * q, q), m = cosSinTurns(-p, q);
    t.same(b, a, `periodic: ${p}/${q}`);
    t.ok(m[0] === a[0] && m[1] === -a[1], `cos even, sin odd: ${p}/${q}`);
    t.ok(Math.abs(a[0] * a[0] + a[1] * a[1] - 1) < 4e-16, `cos^2 + sin^2 = 1: ${p}/${q}`);
  }
});
