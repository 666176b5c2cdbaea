/** Shared helpers for scheme tests: values of a recipe, and "this recipe is refused naming that field". */
import { compileRecipe, type RecipeInput } from '../../src/core/recipe.ts';
import { RecipeError } from '../../src/core/errors.ts';

/** Every value of a recipe's full tensor, in its sampling precision, as float64. */
export function values(r: RecipeInput): Float64Array {
  const c = compileRecipe(r);
  const out = c.recipe.dtype === 'float64' ? new Float64Array(c.numel) : new Float32Array(c.numel);
  c.field.fill(0, c.numel, out);
  return Float64Array.from(out);
}

export const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** Asserts compiling `r` throws a RecipeError naming `field` (and of `kind`, when given). */
export function throwsField(t: { ok: Function; equal: Function; fail: Function }, r: RecipeInput, field: string, kind?: string): void {
  try { compileRecipe(r); t.fail(`expected RecipeError on ${field}`); } catch (e) {
    t.ok(e instanceof RecipeError, `RecipeError (${(e as Error).message})`);
    t.equal((e as RecipeError).field, field, `names ${field}`);
    if (kind) t.equal((e as RecipeError).kind, kind);
  }
}
