/** Shared shapes of module presets and model manifests. */

export const MODEL_FRAMEWORKS = ['torch', 'keras', 'flax', 'tfjs'] as const;
export type ModelFramework = (typeof MODEL_FRAMEWORKS)[number];

/**
 * One tensor a preset produces, before canonicalization. dtype 'int64' is only used for integer
 * buffers (torch BatchNorm num_batches_tracked) and only with constant schemes: the generated-tensor
 * dtypes are floating point, so such a buffer exists in model files but not at GET /v1/tensors.
 */
export interface TensorSpec {
  name: string;
  shape: number[];
  scheme: string;
  params: Record<string, unknown>;
  dtype?: string;
  layout?: string;
  /** Recipe-level multiplier after sampling (see RecipeInput.multiplier). */
  multiplier?: number;
  fan_in?: number;
  fan_out?: number;
  /** parameter (trainable) or buffer (running statistics); documentation only. */
  role?: 'parameter' | 'buffer';
  /** What the framework does, in its own words (e.g. "kaiming_uniform_(a=sqrt(5))"); documentation only. */
  init?: string;
}

/** A module as given in a manifest: type, name, its dimensions, and optional per-tensor overrides. */
export type ModuleSpec = Record<string, unknown> & { type: string; name: string };

export interface PresetContext {
  framework: ModelFramework;
  /** Joins module name and parameter name ("." by default). */
  join(...parts: string[]): string;
}
