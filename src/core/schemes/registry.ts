/**
 * The scheme catalogue: one small definition per scheme, registered by name with aliases, describing
 * itself (params with JSON-Schema-like specs and defaults, formula, references). Framework names
 * live in namespaces: "torch.kaiming_uniform_", "keras.GlorotUniform", "jax.glorot_uniform", ...
 */
import type { Field } from '../field.ts';
import type { DType } from '../dtypes.ts';
import type { Key } from '../rng/keys.ts';
import type { Layout } from '../fans.ts';
import { RecipeError } from '../errors.ts';

export type Framework = 'weightinit' | 'torch' | 'keras' | 'jax' | 'tfjs' | 'caffe' | 'caffe2';

export interface ParamSpec {
  type: 'number' | 'integer' | 'string' | 'boolean' | 'number[]' | 'integer[]';
  description: string;
  default?: unknown;            // absent and not required: param is optional (undefined)
  required?: boolean;
  enum?: readonly string[];
  minimum?: number; maximum?: number;
  exclusiveMinimum?: number; exclusiveMaximum?: number;
  nullable?: boolean;
}

export interface SchemeContext {
  shape: readonly number[];
  dtype: DType;
  precision: 'f32' | 'f64';
  key: Key;
  layout: Layout;
  /** Fans from the full shape (or explicit fan_in/fan_out); computed lazily because some schemes need none. */
  fans(): { fanIn: number; fanOut: number };
  params: Record<string, any>; // validated, defaults applied
  /** fan_in / fan_out given explicitly in the recipe (they override any convention). */
  explicitFans?: { fanIn?: number; fanOut?: number };
}

export interface Theory { mean?: number; std?: number; min?: number; max?: number; density?: 'uniform' | 'normal' | 'truncated_normal' | 'discrete' | 'other' }

export interface SchemeDef {
  name: string;
  aliases?: string[];
  framework: Framework;
  family: string;
  description: string;
  formula: string;
  references: string[];
  notes?: string;
  params: Record<string, ParamSpec>;
  /** The framework's native fan convention: the recipe's layout when it gives none (default torch). */
  layout?: Layout;
  /** Ranks accepted (inclusive); default any. */
  minRank?: number; maxRank?: number;
  compile(ctx: SchemeContext): Field;
  theory?(ctx: SchemeContext): Theory;
}

const byName = new Map<string, SchemeDef>();
const canonical: SchemeDef[] = [];

export function define(def: SchemeDef): SchemeDef {
  for (const n of [def.name, ...(def.aliases ?? [])]) {
    const k = n.toLowerCase();
    if (byName.has(k)) throw new Error(`scheme name "${n}" registered twice`);
    byName.set(k, def);
  }
  canonical.push(def);
  return def;
}

export function lookup(name: string): SchemeDef | undefined { return byName.get(name.toLowerCase()); }
export function listSchemes(): readonly SchemeDef[] { return canonical; }
export function allNames(): string[] { return [...byName.keys()]; }

/** Close matches for a 404's "did you mean". */
export function closeMatches(name: string, limit = 5): string[] {
  const q = name.toLowerCase();
  const scored = allNames().map((n) => [n, distance(q, n) - (n.includes(q) || q.includes(n) ? 3 : 0)] as const);
  return scored.sort((a, b) => a[1] - b[1]).slice(0, limit).filter(([, d]) => d <= Math.max(4, q.length / 2)).map(([n]) => lookup(n)!.name === n ? n : n);
}

function distance(a: string, b: string): number {
  const m = a.length, n = b.length;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[n]!;
}

/** Validates params against a scheme's specs, applies defaults; throws RecipeError naming the param. */
export function resolveParams(def: SchemeDef, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(def.params, k)) {
      throw new RecipeError('invalid', `params.${k}`, `unknown parameter for scheme ${def.name}; accepted: ${Object.keys(def.params).join(', ') || '(none)'}`, given[k]);
    }
  }
  for (const [k, spec] of Object.entries(def.params)) {
    let v = Object.prototype.hasOwnProperty.call(given, k) ? given[k] : undefined;
    if (v === undefined || v === null) {
      if (v === null && spec.nullable) { out[k] = null; continue; }
      if (spec.required) throw new RecipeError('invalid', `params.${k}`, `is required by scheme ${def.name}`);
      out[k] = spec.default;
      continue;
    }
    out[k] = checkParam(`params.${k}`, spec, v);
  }
  return out;
}

function checkParam(field: string, spec: ParamSpec, v: unknown): unknown {
  const num = (x: unknown, integer: boolean, f: string): number => {
    let n = x;
    if (typeof n === 'string' && n.trim() !== '' && !Number.isNaN(Number(n))) n = Number(n); // query strings
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new RecipeError('invalid', f, 'must be a finite number', x);
    if (integer && !Number.isInteger(n)) throw new RecipeError('invalid', f, 'must be an integer', x);
    if (spec.minimum !== undefined && n < spec.minimum) throw new RecipeError('impossible', f, `must be >= ${spec.minimum}`, x);
    if (spec.maximum !== undefined && n > spec.maximum) throw new RecipeError('impossible', f, `must be <= ${spec.maximum}`, x);
    if (spec.exclusiveMinimum !== undefined && n <= spec.exclusiveMinimum) throw new RecipeError('impossible', f, `must be > ${spec.exclusiveMinimum}`, x);
    if (spec.exclusiveMaximum !== undefined && n >= spec.exclusiveMaximum) throw new RecipeError('impossible', f, `must be < ${spec.exclusiveMaximum}`, x);
    return n;
  };
  switch (spec.type) {
    case 'number': return num(v, false, field);
    case 'integer': return num(v, true, field);
    case 'boolean':
      if (typeof v === 'boolean') return v;
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      throw new RecipeError('invalid', field, 'must be a boolean', v);
    case 'string':
      if (typeof v !== 'string') throw new RecipeError('invalid', field, 'must be a string', v);
      if (spec.enum && !spec.enum.includes(v)) throw new RecipeError('invalid', field, `must be one of ${spec.enum.join(', ')}`, v);
      return v;
    case 'number[]': case 'integer[]': {
      const arr = typeof v === 'string' ? (v.trim() === '' ? [] : v.split(',')) : typeof v === 'number' ? [v] : v; // a bare number is a 1-element list (jax in_axis=-2)
      if (!Array.isArray(arr)) throw new RecipeError('invalid', field, 'must be an array of numbers', v);
      return arr.map((x, i) => num(x, spec.type === 'integer[]', `${field}[${i}]`));
    }
  }
}
