/**
 * Route schemas (TypeBox): the single source of request validation, handler types and the OpenAPI
 * document. Scheme parameters are checked by the scheme's own spec in core (resolveParams), because
 * they differ per scheme; everything structural is checked here.
 */
import { Kind, Type, TypeRegistry, type Static, type TSchema } from '@sinclair/typebox';
import { DTYPES } from '../core/dtypes.ts';
import { FORMATS } from './formats/index.ts';

/**
 * A string enum that documents as `{type: string, enum: [...]}` (a dropdown in Swagger UI) instead of
 * TypeBox's anyOf of literals; checked through a registered kind.
 */
TypeRegistry.Set<{ enum: string[] }>('StringEnum', (schema, value) => typeof value === 'string' && schema.enum.includes(value));
function StringEnum<T extends string>(values: readonly T[], options: Record<string, unknown> = {}): TSchema & { static: T } {
  return { ...options, [Kind]: 'StringEnum', type: 'string', enum: [...values] } as unknown as TSchema & { static: T };
}

export const FormatSchema = StringEnum(FORMATS);

const SEED_PATTERN = '^[0-9]{1,20}$';
const SHAPE_PATTERN = '^\\s*([0-9]+\\s*(,\\s*[0-9]+\\s*)*)?$';

const descriptions = {
  scheme: 'Initializer name or alias (GET /v1/schemes), e.g. normal, uniform, kaiming_uniform, torch.nn.init.xavier_normal_.',
  shape: 'Full logical shape, rank 0..8 of non-negative integers. Fans are computed from it even when a slice is asked for.',
  seed: 'Unsigned 64-bit seed (default 0). The same seed and name give the same tensor in every endpoint.',
  dtype: `Storage dtype (default float32): ${DTYPES.join(', ')}. Values are sampled in float32 (float64 for float64) and rounded to nearest-even.`,
  name: "The tensor's stream name (default empty), e.g. the parameter path 'encoder.layer.0.weight'.",
  layout: 'How fans are read from the shape: torch (default; out, in, *kernel), keras/tf/jax/hwio (*kernel, in, out), caffe.',
  slice: 'Per-dimension start:stop (numpy style, no steps; omitted parts mean the whole dimension), e.g. 0:128,: . Values equal the same region of the full tensor.',
  format: 'Response format; overrides the Accept header. raw (application/octet-stream), msgpack, npy, safetensors, json (small tensors), stats.',
  fan_in: 'Explicit fan_in (overrides the one computed from the shape).',
  fan_out: 'Explicit fan_out (overrides the one computed from the shape).',
  multiplier: 'Recipe-level multiplier applied to every value after sampling (default 1), e.g. for Fixup or muP rescaling. A scheme\'s own `scale` parameter (variance_scaling, keras.VarianceScaling, ...) is a different thing and is passed as `scale`.',
  spectral_norm: 'Divide the sampled tensor by its largest singular value (torch spectral_norm, matrix view rows = shape[0]) before the multiplier: true or "converged" (power iteration to convergence) or a number of power iterations 1..1000; false or absent = off.',
};

const SPECTRAL_NORM_RULE = 'must be true, false, "converged" or a number of power iterations in 1..1000';

/**
 * GET/HEAD /v1/tensors query. Extra keys are the scheme's own parameters (e.g. mode=fan_out). No recipe
 * key may equal a scheme parameter name (hence `multiplier`, not `scale`): see tensor-plan.ts.
 */
export const TensorQuery = Type.Object({
  scheme: Type.String({ minLength: 1, description: descriptions.scheme, examples: ['normal'] }),
  shape: Type.String({ pattern: SHAPE_PATTERN, 'x-rule': 'must be comma-separated non-negative integers, e.g. 512,256 (empty for a scalar)', description: descriptions.shape, examples: ['512,256'] }),
  seed: Type.Optional(Type.String({ pattern: SEED_PATTERN, 'x-rule': 'must be an unsigned 64-bit integer in decimal', description: descriptions.seed, examples: ['42'] })),
  dtype: Type.Optional(Type.String({ description: descriptions.dtype, examples: ['float32'] })),
  name: Type.Optional(Type.String({ maxLength: 1024, description: descriptions.name })),
  layout: Type.Optional(Type.String({ description: descriptions.layout })),
  slice: Type.Optional(Type.String({ maxLength: 512, description: descriptions.slice })),
  format: Type.Optional(StringEnum(FORMATS, { description: descriptions.format })),
  fan_in: Type.Optional(Type.String({ description: descriptions.fan_in })),
  fan_out: Type.Optional(Type.String({ description: descriptions.fan_out })),
  multiplier: Type.Optional(Type.String({ description: descriptions.multiplier })),
  spectral_norm: Type.Optional(Type.String({ pattern: '^(true|false|converged|exact|[0-9]{1,4})$', 'x-rule': SPECTRAL_NORM_RULE, description: descriptions.spectral_norm })),
}, { additionalProperties: Type.String({ 'x-rule': 'must be given once (a scheme parameter as a string)' }) });
export type TensorQuery = Static<typeof TensorQuery>;

/** POST /v1/tensors body (application/json or application/msgpack). */
export const TensorBody = Type.Object({
  scheme: Type.String({ minLength: 1, description: descriptions.scheme }),
  shape: Type.Union([
    Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 8 }),
    Type.String({ pattern: SHAPE_PATTERN }),
  ], { description: `${descriptions.shape} An array of integers (or the same comma-separated text as in the query).`, 'x-rule': 'must be an array of at most 8 non-negative integers (or comma-separated text)', examples: [[512, 256]] }),
  seed: Type.Optional(Type.Union([
    Type.Integer({ minimum: 0 }),
    Type.String({ pattern: SEED_PATTERN }),
  ], { description: `${descriptions.seed} As a JSON number up to 2^53-1, larger as a decimal string.`, 'x-rule': 'must be a non-negative integer or a decimal string of an unsigned 64-bit integer' })),
  dtype: Type.Optional(Type.String({ description: descriptions.dtype })),
  name: Type.Optional(Type.String({ maxLength: 1024, description: descriptions.name })),
  layout: Type.Optional(Type.String({ description: descriptions.layout })),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The scheme's parameters (see GET /v1/schemes/{name})." })),
  slice: Type.Optional(Type.String({ maxLength: 512, description: descriptions.slice })),
  format: Type.Optional(StringEnum(FORMATS, { description: descriptions.format })),
  fan_in: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: descriptions.fan_in })),
  fan_out: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: descriptions.fan_out })),
  multiplier: Type.Optional(Type.Number({ description: descriptions.multiplier })),
  spectral_norm: Type.Optional(Type.Union([
    Type.Boolean(),
    Type.Integer({ minimum: 0, maximum: 1000 }),
    Type.String({ pattern: '^(true|false|converged|exact|[0-9]{1,4})$' }),
  ], { description: descriptions.spectral_norm, 'x-rule': SPECTRAL_NORM_RULE, examples: [true] })),
}, { additionalProperties: false });
export type TensorBody = Static<typeof TensorBody>;

export const Problem = Type.Object({
  type: Type.String({ description: 'Problem type URI' }),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String({ description: 'What is wrong and how to fix it' }),
  field: Type.Optional(Type.String({ description: 'The offending input, e.g. shape[1], params.std, slice' })),
  rule: Type.Optional(Type.String({ description: 'The rule it breaks' })),
  value: Type.Optional(Type.Unknown({ description: 'The value given' })),
  limit: Type.Optional(Type.Number({ description: 'The limit exceeded (413)' })),
  suggestions: Type.Optional(Type.Array(Type.String(), { description: 'Close matches (404)' })),
}, { additionalProperties: true, description: 'RFC 9457 problem details (application/problem+json)' });

export const Binary = Type.String({ format: 'binary' });

const Recipe = Type.Record(Type.String(), Type.Unknown(), { description: 'The canonical recipe: every default filled in, scheme by canonical name, seed as a string' });

export const TensorJson = Type.Object({
  shape: Type.Array(Type.Integer()), dtype: Type.String(), recipe: Recipe, recipe_id: Type.String(), algorithm: Type.String(),
  slice: Type.Optional(Type.String()),
  data: Type.Array(Type.Union([Type.Number(), Type.Null()]), { description: 'Flat row-major values (exactly the stored values; NaN/Inf as null)' }),
}, { description: 'format=json' });

export const TensorStats = Type.Object({
  shape: Type.Array(Type.Integer()), dtype: Type.String(), recipe: Recipe, recipe_id: Type.String(), algorithm: Type.String(),
  slice: Type.Optional(Type.String()),
  count: Type.Integer({ description: 'finite values' }), non_finite: Type.Integer(),
  mean: Type.Union([Type.Number(), Type.Null()]), std: Type.Union([Type.Number(), Type.Null()], { description: 'population std (ddof 0)' }),
  min: Type.Union([Type.Number(), Type.Null()]), max: Type.Union([Type.Number(), Type.Null()]),
  histogram: Type.Object({ min: Type.Union([Type.Number(), Type.Null()]), max: Type.Union([Type.Number(), Type.Null()]), bins: Type.Integer(), counts: Type.Array(Type.Integer()) }),
  theory: Type.Object({ mean: Type.Union([Type.Number(), Type.Null()]), std: Type.Union([Type.Number(), Type.Null()]), min: Type.Union([Type.Number(), Type.Null()]), max: Type.Union([Type.Number(), Type.Null()]), density: Type.Union([Type.String(), Type.Null()]) }, { description: "the scheme's theoretical values for comparison (null: not known in closed form)" }),
}, { description: 'format=stats' });

export const TensorDigest = Type.Object({
  algorithm: Type.Literal('sha-256'),
  sha256: Type.String({ description: 'hex SHA-256 of the exact body GET /v1/tensors sends for the same parameters' }),
  bytes: Type.Integer({ description: 'body length' }),
  format: Type.String(), etag: Type.String(), recipe_id: Type.String(),
});

const ParamSpecSchema = Type.Object({
  type: Type.String(), description: Type.String(), default: Type.Optional(Type.Unknown()), required: Type.Optional(Type.Boolean()),
  enum: Type.Optional(Type.Array(Type.String())), minimum: Type.Optional(Type.Number()), maximum: Type.Optional(Type.Number()),
  exclusiveMinimum: Type.Optional(Type.Number()), exclusiveMaximum: Type.Optional(Type.Number()), nullable: Type.Optional(Type.Boolean()),
});

export const SchemeInfo = Type.Object({
  name: Type.String(), aliases: Type.Array(Type.String()), framework: Type.String(), family: Type.String(),
  description: Type.String(), formula: Type.String(), references: Type.Array(Type.String()), notes: Type.Optional(Type.String()),
  params: Type.Record(Type.String(), ParamSpecSchema), min_rank: Type.Optional(Type.Integer()), max_rank: Type.Optional(Type.Integer()),
});

export const SchemeList = Type.Object({ count: Type.Integer(), schemes: Type.Array(SchemeInfo) });
