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
  try { const s = typeof v === 'bigint' ? v.toString() : JSON.stringify(v); return s && s.length > 200 ? s.slice(0, 200) + '...' : String(s); } catch { return String(v); }
}
