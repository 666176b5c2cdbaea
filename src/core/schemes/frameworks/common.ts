/**
 * Helpers for framework namespaces. A framework entry either implements its semantics directly (with
 * its own defaults and fan function) or delegates to a canonical scheme, looked up by name when the
 * recipe compiles, so the registration order of scheme files does not matter.
 */
import { define, lookup, resolveParams, type Framework, type ParamSpec, type SchemeContext, type SchemeDef, type Theory } from '../registry.ts';
import type { Field } from '../../field.ts';
import type { Layout } from '../../fans.ts';
import { RecipeError } from '../../errors.ts';
import { varianceField, varianceTheory, type VarianceDistribution } from '../variance.ts';

function canonicalDef(name: string): SchemeDef {
  const def = lookup(name);
  if (!def) throw new RecipeError('unsupported', 'scheme', `canonical scheme "${name}" is not available in this build`, name);
  return def;
}

function delegatedCtx(ctx: SchemeContext, target: string, params: Record<string, unknown>): { def: SchemeDef; ctx: SchemeContext } {
  const def = canonicalDef(target);
  const r = ctx.shape.length;
  if (def.minRank !== undefined && r < def.minRank) throw new RecipeError('impossible', 'shape', `scheme ${def.name} needs rank >= ${def.minRank}`, ctx.shape);
  if (def.maxRank !== undefined && r > def.maxRank) throw new RecipeError('impossible', 'shape', `scheme ${def.name} needs rank <= ${def.maxRank}`, ctx.shape);
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) clean[k] = v;
  return { def, ctx: { ...ctx, params: resolveParams(def, clean) } };
}

/** Compiles canonical scheme `target` with `params` (validated against its specs) on the same tensor. */
export function delegate(ctx: SchemeContext, target: string, params: Record<string, unknown> = {}): Field {
  const d = delegatedCtx(ctx, target, params);
  return d.def.compile(d.ctx);
}
export function delegateTheory(ctx: SchemeContext, target: string, params: Record<string, unknown> = {}): Theory {
  const d = delegatedCtx(ctx, target, params);
  return d.def.theory?.(d.ctx) ?? {};
}

export interface EntrySpec {
  name: string;
  aliases?: string[];
  family: string;
  description: string;
  formula: string;
  references: string[];
  notes?: string;
  params?: Record<string, ParamSpec>;
  layout?: Layout;
  minRank?: number; maxRank?: number;
  compile(ctx: SchemeContext): Field;
  theory?(ctx: SchemeContext): Theory;
}

/** Registers `prefix.name` (and `prefix.alias` for each alias) for one framework. */
export function namespace(framework: Exclude<Framework, 'weightinit'>, prefix = framework) {
  return (e: EntrySpec): SchemeDef => {
    const def: SchemeDef = {
      name: `${prefix}.${e.name}`,
      // lookup is case-insensitive: "keras.orthogonal" already reaches "keras.Orthogonal"
      aliases: [...new Map((e.aliases ?? []).map((a) => `${prefix}.${a}`).filter((a) => a.toLowerCase() !== `${prefix}.${e.name}`.toLowerCase()).map((a) => [a.toLowerCase(), a])).values()],
      framework, family: e.family, description: e.description, formula: e.formula, references: e.references,
      params: e.params ?? {}, compile: e.compile,
    };
    if (e.notes !== undefined) def.notes = e.notes;
    if (e.layout !== undefined) def.layout = e.layout;
    if (e.minRank !== undefined) def.minRank = e.minRank;
    if (e.maxRank !== undefined) def.maxRank = e.maxRank;
    if (e.theory) def.theory = e.theory;
    return define(def);
  };
}

/** A zero-mean variance-scaling entry: variance(ctx) computed with the framework's fans. */
export function varianceEntry(variance: (ctx: SchemeContext) => number, dist: (ctx: SchemeContext) => VarianceDistribution) {
  return {
    compile: (ctx: SchemeContext) => varianceField(ctx, variance(ctx), dist(ctx)),
    theory: (ctx: SchemeContext) => varianceTheory(variance(ctx), dist(ctx)),
  };
}

/** Constant-valued entries (zeros, ones, constant) delegate here. */
export const constantTheory = (v: number): Theory => ({ mean: v, std: 0, min: v, max: v, density: 'discrete' });
