/**
 * A recipe that cannot be served. `field` names the offending input (e.g. "params.std", "shape[1]"),
 * `rule` the rule it breaks, `value` what was given. The HTTP layer maps `kind` to a status:
 * invalid -> 400, unknown -> 404, impossible -> 422, unsupported -> 406, too_large -> 413.
 */
export type RecipeErrorKind = 'invalid' | 'unknown' | 'impossible' | 'unsupported' | 'too_large';

export class RecipeError extends Error {
  constructor(
    readonly kind: RecipeErrorKind,
    readonly field: string,
    readonly rule: string,
    readonly value?: unknown,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(`${field}: ${rule}${value === undefined ? '' : ` (got ${safeJson(value)})`}`);
    this.name = 'RecipeError';
  }
}

function safeJson(v: unknown): string {
  // NaN and the infinities are written as such (JSON.stringify would say null); bigints as digits.
  const replacer = (_k: string, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : typeof x === 'bigint' ? x.toString() : x);
  try {
    const s = typeof v === 'number' && !Number.isFinite(v) ? String(v) : typeof v === 'bigint' ? v.toString() : JSON.stringify(v, replacer);
    return s && s.length > 200 ? s.slice(0, 200) + '...' : String(s);
  } catch { return String(v); }
}
