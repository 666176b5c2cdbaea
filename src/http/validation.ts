/**
 * The validator for this service's routes: TypeBox's compiled checker (no type coercion, so a seed
 * like "18446744073709551615" is never silently turned into an imprecise number). Errors carry the
 * offending value and a rule phrased for people ("must be one of raw, npy, ..."), which problems.ts
 * turns into application/problem+json.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

export interface RouteValidationError { instancePath: string; message: string; params: { rule: string; value?: unknown } }

export const typeboxValidator: FastifySchemaCompiler<TSchema> = ({ schema }) => {
  const check = TypeCompiler.Compile(schema);
  return (value: unknown) => {
    if (check.Check(value)) return { value };
    const first = check.Errors(value).First();
    const error: RouteValidationError[] = first
      ? [{ instancePath: first.path, message: ruleOf(first), params: { rule: ruleOf(first), value: first.value } }]
      : [{ instancePath: '', message: 'is invalid', params: { rule: 'is invalid' } }];
    return { error: error as never };
  };
};

function ruleOf(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  if (typeof s['x-rule'] === 'string') return s['x-rule'];
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty: return 'is required';
    case ValueErrorType.ObjectAdditionalProperties: return 'is not an accepted field';
    case ValueErrorType.Union: {
      const literals = (s.anyOf as Record<string, unknown>[] | undefined)?.map((x) => x.const).filter((c) => c !== undefined);
      if (literals?.length) return `must be one of ${literals.join(', ')}`;
      return 'must match one of the accepted forms';
    }
    case ValueErrorType.Kind:
      if (Array.isArray(s.enum)) return `must be one of ${s.enum.join(', ')}`;
      return e.message;
    case ValueErrorType.StringPattern: return `must match ${String(s.pattern)}`;
    default: return e.message.replace(/^Expected /, 'must be ');
  }
}
