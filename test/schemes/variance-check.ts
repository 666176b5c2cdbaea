/**
 * Shared checks for the variance-scaling and framework scheme tests: compile a recipe, draw every
 * element, and compare with a distribution whose parameters the TEST computed from the formulas in
 * ../shared/reference/schemes.md (never from the code under test): mean, std, bounds, KS.
 */
import type { Test } from 'tap';
import { compileRecipe, type RecipeInput } from '../../src/core/recipe.ts';
import { moments, ksTest, normalCdf, truncNormalCdf, truncNormalMoments, meanTolerance, stdTolerance, fmtP } from '../helpers/stats.ts';

export type Expected =
  | { kind: 'uniform'; low: number; high: number }
  | { kind: 'normal'; mean?: number; sd: number }
  /** N(mean, sigma^2) truncated to ABSOLUTE [a, b] */
  | { kind: 'tn'; mean?: number; sigma: number; a: number; b: number };

export const TN_CORR = 0.87962566103423978;

export function sample(input: RecipeInput): Float32Array | Float64Array {
  const c = compileRecipe(input);
  const out = c.field.precision === 'f64' ? new Float64Array(c.numel) : new Float32Array(c.numel);
  c.field.fill(0, c.numel, out);
  return out;
}

/** Mean, std (4.5-5 sigma tolerances), bounds and KS (p > 1e-3, fixed seeds) of the recipe's samples. */
export function checkDist(t: Test, input: RecipeInput, e: Expected, label = `${input.scheme} ${JSON.stringify(input.shape)}`): void {
  const xs = sample(input);
  const m = moments(xs);
  let mu: number, sd: number, kurt: number, lo: number, hi: number, cdf: (x: number) => number;
  if (e.kind === 'uniform') {
    mu = (e.low + e.high) / 2; sd = (e.high - e.low) / Math.sqrt(12); kurt = 1.8; lo = e.low; hi = e.high;
    cdf = (x) => Math.min(1, Math.max(0, (x - e.low) / (e.high - e.low)));
  } else if (e.kind === 'normal') {
    mu = e.mean ?? 0; sd = e.sd; kurt = 3; lo = -Infinity; hi = Infinity;
    cdf = (x) => normalCdf((x - mu) / e.sd);
  } else {
    const mean = e.mean ?? 0;
    ({ mean: mu, std: sd } = truncNormalMoments(mean, e.sigma, e.a, e.b)); kurt = 3; lo = e.a; hi = e.b;
    const al = (e.a - mean) / e.sigma, be = (e.b - mean) / e.sigma;
    cdf = (x) => truncNormalCdf((x - mean) / e.sigma, al, be);
  }
  t.ok(Math.abs(m.mean - mu) <= meanTolerance(sd, m.n) + 1e-7 * Math.abs(mu), `${label}: mean ${m.mean} ~ ${mu}`);
  t.ok(Math.abs(m.std - sd) <= stdTolerance(sd, m.n, kurt) + 1e-7, `${label}: std ${m.std} ~ ${sd}`);
  const slack = (Math.abs(lo) + Math.abs(hi)) * 1e-6; // float32 rounding of the bounds
  if (Number.isFinite(lo)) t.ok(m.min >= lo - slack && m.max <= hi + slack, `${label}: within [${lo}, ${hi}] (got [${m.min}, ${m.max}])`);
  if (Number.isFinite(lo)) t.ok(m.max - m.min > 0.98 * (hi - lo) || e.kind === 'tn', `${label}: spans the interval`);
  const ks = ksTest(xs, cdf);
  t.ok(ks.p > 1e-3, `${label}: KS d=${ks.d.toExponential(2)} p=${fmtP(ks.p)}`);
}

/** Runs fn and checks it throws a RecipeError with this kind and field. */
export function throwsRecipe(t: Test, fn: () => unknown, kind: string, field: string, label: string): void {
  try { fn(); t.fail(`${label}: did not throw`); } catch (err: any) {
    t.equal(err?.name, 'RecipeError', `${label}: RecipeError (${err?.message})`);
    t.equal(err?.kind, kind, `${label}: kind ${kind}`);
    t.equal(err?.field, field, `${label}: field ${field}`);
    t.ok(typeof err?.rule === 'string' && err.rule.length > 0, `${label}: names the rule`);
  }
}
