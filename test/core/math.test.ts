/**
 * Accuracy of the hand-built elementary functions (src/core/math) against independent references:
 * Math.log / Math.exp (float64, <= 1 ulp) for logf/expf/log64/exp64, Cody's erfc and a BigInt
 * series for normalCdf64, Newton-on-Cody quantiles for the Giles normal quantiles. Each test
 * reports the measured maximum error and asserts a bound a little above it, so an accuracy
 * regression fails.
 */
import t from 'tap';
import { logf, expf, normalTailQuantile, normalFromWord, unitFromWord, f32bits, bitsf32, sinCosFromWord, angleOut, radiusFromWord, HALF_PI_STEP } from '../../src/core/math/f32.ts';
import { log64, exp64, normalCdf64, normalTailQuantile64, normalFromWords64, unitFromWords64 } from '../../src/core/math/f64.ts';
import { normalCdf, normalCdfExact, normalQuantileUpper } from '../helpers/stats.ts';

const f = Math.fround;

/** xorshift32: an input generator independent of the Philox code under test. */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
}

/** Spacing of float32 numbers at |x| (ulp). */
function ulp32(x: number): number {
  const a = Math.abs(f(x));
  if (a < 2 ** -126) return 2 ** -149;
  const e = Math.floor(Math.log2(a));
  const lo = 2 ** e; // correct the estimate at powers of two
  return (a >= lo * 2 ? lo * 2 : a < lo ? lo / 2 : lo) * 2 ** -23;
}
function ulp64(x: number): number {
  const a = Math.abs(x);
  if (a < 2 ** -1022) return 2 ** -1074;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 52);
}

t.test('logf: positive normal float32 inputs, error <= 1 ulp of float32', async (t) => {
  const rnd = xorshift(12345);
  let worst = 0, worstX = 0;
  const check = (x: number): void => {
    const err = Math.abs(logf(x) - Math.log(x)) / ulp32(Math.log(x));
    if (err > worst) { worst = err; worstX = x; }
  };
  for (let i = 0; i < 400000; i++) {
    const bits = (rnd() % (254 << 23)) + (1 << 23); // exponent 1..254: positive normal floats
    check(bitsf32(bits));
  }
  for (let i = -2000; i <= 2000; i++) { check(f(1 + i * 2 ** -23)); check(f(Math.SQRT1_2 + i * 2 ** -24)); }
  for (let e = -126; e <= 127; e++) check(2 ** e);
  t.comment(`logf max error ${worst.toFixed(3)} ulp at x=${worstX}`);
  t.ok(worst <= 1, `logf max error ${worst.toFixed(3)} ulp`);
  t.equal(logf(1), 0, 'logf(1) = 0 exactly');
});

t.test('expf: inputs in [-87, 88], error <= 1 ulp of float32', async (t) => {
  const rnd = xorshift(777);
  let worst = 0, worstX = 0;
  for (let i = 0; i < 400000; i++) {
    const x = f(-87 + (rnd() / 2 ** 32) * 175);
    const ref = Math.exp(x);
    const err = Math.abs(expf(x) - ref) / ulp32(ref);
    if (err > worst) { worst = err; worstX = x; }
  }
  for (let i = -2000; i <= 2000; i++) {
    const x = f(i * 2 ** -20);
    const err = Math.abs(expf(x) - Math.exp(x)) / ulp32(Math.exp(x));
    if (err > worst) { worst = err; worstX = x; }
  }
  t.comment(`expf max error ${worst.toFixed(3)} ulp at x=${worstX}`);
  t.ok(worst <= 1, `expf max error ${worst.toFixed(3)} ulp`);
  t.equal(expf(0), 1);
  t.equal(expf(100), Infinity);
  t.equal(expf(-100), 0);
});

t.test('log64 / exp64 against Math.log / Math.exp: error <= 1 ulp of float64', async (t) => {
  const rnd = xorshift(4242);
  let wl = 0, we = 0, wlx = 0, wex = 0;
  for (let i = 0; i < 300000; i++) {
    // log64 on (2^-1000, 2^1000) log-uniformly and near 1
    const x = i % 3 === 0 ? 1 + (rnd() / 2 ** 32 - 0.5) * 2 ** -(rnd() % 40) : 2 ** ((rnd() / 2 ** 32 - 0.5) * 2000) * (1 + rnd() / 2 ** 32);
    const ref = Math.log(x);
    if (ref !== 0) { const e = Math.abs(log64(x) - ref) / ulp64(ref); if (e > wl) { wl = e; wlx = x; } }
    const y = (rnd() / 2 ** 32 - 0.5) * 1400;
    const r2 = Math.exp(y);
    if (r2 > 2 ** -1022 && Number.isFinite(r2)) { const e = Math.abs(exp64(y) - r2) / ulp64(r2); if (e > we) { we = e; wex = y; } }
  }
  t.comment(`log64 max deviation from Math.log ${wl.toFixed(3)} ulp at ${wlx}; exp64 from Math.exp ${we.toFixed(3)} ulp at ${wex}`);
  // Math.log/Math.exp are themselves within 1 ulp, so deviations of up to 2 ulp are consistent with <= 1 ulp error.
  t.ok(wl <= 2, `log64 deviation ${wl.toFixed(3)} ulp`);
  t.ok(we <= 2, `exp64 deviation ${we.toFixed(3)} ulp`);
  t.equal(log64(1), 0);
  t.equal(exp64(0), 1);
});

t.test('normalCdf64 against an exact BigInt series and Cody erfc', async (t) => {
  let worstExact = 0, at = 0;
  for (let x = -12; x <= 12; x += 0.125) {
    const ref = normalCdfExact(x);
    const rel = Math.abs(normalCdf64(x) - ref) / ref;
    if (rel > worstExact) { worstExact = rel; at = x; }
  }
  t.comment(`normalCdf64 max relative error vs exact series on [-12, 12] step 1/8: ${worstExact.toExponential(2)} at x=${at}`);
  t.ok(worstExact < 2e-13, 'relative error < 2e-13');
  // deeper lower tail (x <= -12): relative error against Cody (itself ~1e-14 there)
  let worstTail = 0;
  for (let x = -12; x >= -37; x -= 0.37) worstTail = Math.max(worstTail, Math.abs(normalCdf64(x) - normalCdf(x)) / normalCdf(x));
  t.comment(`normalCdf64 max relative deviation from Cody on [-37, -12]: ${worstTail.toExponential(2)}`);
  t.ok(worstTail < 1e-12, 'deep lower tail relative deviation < 1e-12');
  t.equal(normalCdf64(0), 0.5);
  t.equal(normalCdf64(-Infinity), 0);
  t.equal(normalCdf64(Infinity), 1);
  t.ok(normalCdf64(-40) >= 0 && normalCdf64(40) === 1, 'saturates without NaN');
});

/** Grid of float32 q values from 2^-62 to 0.5 (dense, log-spaced, plus branch boundaries). */
function qGrid(): number[] {
  const qs: number[] = [];
  for (let e = -62; e < -1; e += 1 / 64) qs.push(f(2 ** e));
  for (let i = 1; i < 2000; i++) qs.push(f(0.25 + i * 0.125 / 1000));
  // around the branch switches w = 5 and w = 16: 4q(1-q) = e^-5, e^-16
  for (const w of [5, 16]) {
    const q0 = (1 - Math.sqrt(1 - Math.exp(-w))) / 2;
    let q = f(q0);
    for (let i = 0; i < 200; i++) q = f(q * (1 - 2 ** -24)); // walk down a few ulps
    for (let i = 0; i < 400; i++) { qs.push(q); q = f(q + ulp32(q)); }
  }
  return qs;
}

t.test('float32 normal quantile (Giles, 3 pieces): error <= 4 ulp for q in [2^-62, 0.5)', async (t) => {
  let worst = 0, worstQ = 0;
  for (const q of qGrid()) {
    if (q >= 0.5) continue;
    const ref = normalQuantileUpper(q);
    const err = Math.abs(normalTailQuantile(q) - ref) / ulp32(ref);
    if (err > worst) { worst = err; worstQ = q; }
  }
  t.comment(`normalTailQuantile (f32) max error ${worst.toFixed(3)} ulp at q=${worstQ.toExponential(4)}`);
  t.ok(worst <= 4, `max error ${worst.toFixed(3)} ulp`);
  t.equal(normalTailQuantile(0.5), 0, 'q = 0.5 gives 0');
});

t.test('float32 normal quantile is monotone (non-increasing in q), also across branch switches', async (t) => {
  const qs = qGrid().filter((q) => q <= 0.5).sort((a, b) => a - b);
  let inversions = 0, worst = 0;
  let prev = Infinity;
  for (const q of qs) {
    const z = normalTailQuantile(q);
    if (z > prev) { inversions++; worst = Math.max(worst, (z - prev) / ulp32(z)); }
    prev = z;
  }
  t.comment(`monotonicity: ${inversions} inversions (largest ${worst.toFixed(1)} ulp) over ${qs.length} q values`);
  t.ok(worst <= 2, 'any inversion is at most 2 ulp');
});

t.test('float64 normal quantile (Giles float64): relative error', async (t) => {
  let worstMain = 0, worstDeep = 0, atMain = 0;
  for (let e = -60; e < -1; e += 1 / 32) {
    const q = 2 ** e;
    const ref = normalQuantileUpper(q);
    const rel = Math.abs(normalTailQuantile64(q) - ref) / ref;
    if (e >= -54) { if (rel > worstMain) { worstMain = rel; atMain = q; } } else worstDeep = Math.max(worstDeep, rel);
  }
  for (let q = 0.3; q < 0.5; q += 0.0013) worstMain = Math.max(worstMain, Math.abs(normalTailQuantile64(q) - normalQuantileUpper(q)) / normalQuantileUpper(q));
  t.comment(`normalTailQuantile64 max relative error ${worstMain.toExponential(2)} for q in [2^-54, 0.5) (at ${atMain.toExponential(3)}), ${worstDeep.toExponential(2)} for q in [2^-60, 2^-54)`);
  // near q = 0.5 the reference itself (Newton on 0.5 - erfc) loses a few digits to cancellation
  t.ok(worstMain < 5e-14, 'q >= 2^-54: relative error < 5e-14');
  t.ok(worstDeep < 1e-10, 'q in [2^-60, 2^-54): relative error < 1e-10');
});

t.test('Box-Muller sin/cos (Cephes sinf/cosf): error <= 1 ulp over every third fraction of a quadrant', async (t) => {
  let ws = 0, wc = 0;
  for (let k = -(2 ** 23); k < 2 ** 23; k += 3) {
    sinCosFromWord(((k & 0xffffff) << 6) >>> 0);      // quadrant 0: (sin x, cos x)
    const x = f(k * HALF_PI_STEP);
    if (x !== 0) ws = Math.max(ws, Math.abs(angleOut[0]! - Math.sin(x)) / ulp32(Math.sin(x)));
    wc = Math.max(wc, Math.abs(angleOut[1]! - Math.cos(x)) / ulp32(Math.cos(x)));
  }
  t.ok(ws <= 1, `sin: max ${ws.toFixed(3)} ulp`);
  t.ok(wc <= 1, `cos: max ${wc.toFixed(3)} ulp`);
  t.equal(HALF_PI_STEP, f(Math.PI / 2) / 2 ** 24, 'HALF_PI_STEP = f32(pi/2) * 2^-24');
});

t.test('Box-Muller angle: quadrants and the full circle against Math.sin/Math.cos', async (t) => {
  const next = xorshift(0x5eed1234);
  let worst = 0;
  for (let i = 0; i < 200000; i++) {
    const w = next();
    sinCosFromWord(w);
    // angle = (q + t 2^-24) pi/2 with q = w >>> 30 and t = bits 29..6 signed, in float64
    const angle = ((w >>> 30) + ((w << 2) >> 8) * 2 ** -24) * (Math.PI / 2);
    worst = Math.max(worst, Math.abs(angleOut[0]! - Math.sin(angle)), Math.abs(angleOut[1]! - Math.cos(angle)));
  }
  // absolute error: float32 rounding (6e-8) plus the f32(pi/2) step (4.4e-8 * |t| 2^-24)
  t.ok(worst < 2.5e-7, `max |error| ${worst.toExponential(2)} over 200k random words (< 2.5e-7)`);
  sinCosFromWord(0); t.same([angleOut[0], angleOut[1]], [0, 1], 'w = 0: angle 0');
  sinCosFromWord(0x40000000); t.same([angleOut[0], angleOut[1]], [1, -0], 'w = 2^30: angle pi/2 (cos = -0: the sign flip of sin 0)');
  sinCosFromWord(0x80000000); t.same([angleOut[0], angleOut[1]], [-0, -1], 'w = 2^31: angle pi');
  sinCosFromWord(0xc0000000); t.same([angleOut[0], angleOut[1]], [-1, 0], 'w = 3 * 2^30: angle 3pi/2');
});

t.test('Box-Muller radius sqrt(-2 ln u): error <= 1.5 ulp, range [0, 6.764]', async (t) => {
  const next = xorshift(0xabcdef01);
  let worst = 0;
  const words = [0, 1, 2, 0xffffffff, 0xfffffffe, 0x80000000, 0x7fffffff];
  for (let i = 0; i < 300000; i++) { const w = next(); words.push(w, w >>> (w & 31)); }
  for (const w of words) {
    const u = f((2 * w + 1) * 2 ** -33), e = Math.sqrt(-2 * Math.log(u));
    if (e > 0) worst = Math.max(worst, Math.abs(radiusFromWord(w) - e) / ulp32(e));
  }
  t.ok(worst <= 1.5, `max ${worst.toFixed(3)} ulp over ${words.length} words (float64 reference on the same u)`);
  t.equal(radiusFromWord(0), f(Math.sqrt(-2 * Math.log(2 ** -33))), 'w = 0: largest radius sqrt(66 ln 2)');
  t.ok(Math.abs(radiusFromWord(0) - 6.764) < 1e-3, 'largest radius 6.764 (> 5 sigma)');
  t.equal(Math.abs(radiusFromWord(0xffffffff)), 0, 'w = 2^32 - 1: u rounds to 1, radius 0');
});

t.test('word -> value maps', async (t) => {
  t.equal(unitFromWord(0), 0);
  t.equal(unitFromWord(0xffffffff), 1 - 2 ** -24, 'f32 unit max = 1 - 2^-24');
  t.equal(unitFromWord(0x000000ff), 0, 'low 8 bits are ignored');
  t.equal(unitFromWord(0x80000000), 0.5);
  t.equal(unitFromWords64(0, 0), 0);
  t.equal(unitFromWords64(0xffffffff, 0xffffffff), 1 - 2 ** -53, 'f64 unit max = 1 - 2^-53');
  t.equal(unitFromWords64(0x000007ff, 0), 0, 'low 11 bits of the first word are ignored');
  // normal from a word: sign bit 31; q = f32(2k+1) * 2^-33
  t.equal(normalFromWord(0), f(normalQuantileUpper(2 ** -33)), 'w=0 -> +quantile(2^-33)');
  t.equal(normalFromWord(0x80000000), -normalFromWord(0), 'bit 31 flips the sign');
  t.equal(normalFromWord(0x7fffffff), 0, 'largest k: q rounds to 0.5, z = 0');
  let maxAbs = 0;
  for (let k = 0x7fffff00; k <= 0x7fffffff; k++) maxAbs = Math.max(maxAbs, Math.abs(normalFromWord(k)), Math.abs(normalFromWord(k | 0x80000000)));
  t.ok(maxAbs < 1e-6, 'words next to q = 0.5 give values near 0 (no wrap to a huge value)');
  const z64 = normalFromWords64(0, 0);
  t.ok(Math.abs(z64 - normalQuantileUpper(2 ** -54)) / z64 < 1e-14, 'f64 w=(0,0) -> quantile(2^-54)');
  t.equal(normalFromWords64(0x80000000, 0), -z64, 'bit 31 of the first word flips the sign');
  t.equal(f32bits(1), 0x3f800000);
});
