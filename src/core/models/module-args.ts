/**
 * Reading a module's fields with aliases (in / in_features / input_size ...), each failure a
 * RecipeError naming `modules[i].field`.
 */
import { RecipeError } from '../errors.ts';
import type { ModuleSpec } from './types.ts';

export const MAX_DIM = 1 << 24; // any one module dimension; total size is limited by the manifest

/**
 * Constructor arguments that change no parameter's name, shape or initialization (stride, eps,
 * dropout, ...): accepted and ignored, so a module can be described with the arguments copied
 * from model code.
 */
export const IGNORED_FIELDS = [
  'stride', 'strides', 'padding', 'dilation', 'dilation_rate', 'padding_mode', 'output_padding', 'data_format',
  'dropout', 'recurrent_dropout', 'batch_first', 'time_major', 'eps', 'epsilon', 'momentum', 'axis',
  'activation', 'recurrent_activation', 'nonlinearity', 'max_norm', 'norm_type', 'scale_grad_by_freq', 'sparse',
  'mask_zero', 'return_sequences', 'return_state', 'go_backwards', 'stateful', 'unroll', 'use_running_average',
  'device', 'comment',
] as const;

export class ModuleArgs {
  private readonly used = new Set<string>(['type', 'name', 'overrides', 'dtype', ...IGNORED_FIELDS]);
  constructor(readonly spec: ModuleSpec, readonly path: string) {}

  private find(names: string[]): [string, unknown] | undefined {
    for (const n of names) {
      if (Object.prototype.hasOwnProperty.call(this.spec, n)) { this.used.add(n); return [n, this.spec[n]]; }
    }
    return undefined;
  }

  int(names: string[], opts: { default?: number; min?: number; max?: number } = {}): number {
    const hit = this.find(names);
    if (!hit || hit[1] === undefined || hit[1] === null) {
      if (opts.default !== undefined) return opts.default;
      throw new RecipeError('invalid', `${this.path}.${names[0]}`, `is required for a ${this.spec.type} module`);
    }
    const [k, v] = hit;
    const min = opts.min ?? 1, max = opts.max ?? MAX_DIM;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new RecipeError('invalid', `${this.path}.${k}`, 'must be an integer', v);
    if (v < min || v > max) throw new RecipeError('impossible', `${this.path}.${k}`, `must be in [${min}, ${max}]`, v);
    return v;
  }

  optInt(names: string[], opts: { min?: number; max?: number } = {}): number | undefined {
    const hit = this.find(names);
    if (!hit || hit[1] === undefined || hit[1] === null) return undefined;
    return this.int(names, opts);
  }

  bool(names: string[], dflt: boolean): boolean {
    const hit = this.find(names);
    if (!hit || hit[1] === undefined || hit[1] === null) return dflt;
    if (typeof hit[1] !== 'boolean') throw new RecipeError('invalid', `${this.path}.${hit[0]}`, 'must be a boolean', hit[1]);
    return hit[1];
  }

  /** An integer or a list of `rank` integers (kernel_size style); a single integer repeats. */
  ints(names: string[], rank: number | undefined, opts: { min?: number } = {}): number[] {
    const hit = this.find(names);
    if (!hit || hit[1] === undefined || hit[1] === null) throw new RecipeError('invalid', `${this.path}.${names[0]}`, `is required for a ${this.spec.type} module`);
    const [k, v] = hit;
    const list = typeof v === 'number' ? (rank === undefined ? [v] : new Array(rank).fill(v)) : v;
    if (!Array.isArray(list) || list.length === 0 || (rank !== undefined && list.length !== rank)) {
      throw new RecipeError('invalid', `${this.path}.${k}`, rank === undefined ? 'must be an integer or a non-empty list of integers' : `must be an integer or a list of ${rank} integers`, v);
    }
    const min = opts.min ?? 1;
    list.forEach((x, i) => {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > MAX_DIM) throw new RecipeError('invalid', `${this.path}.${k}[${i}]`, `must be an integer in [${min}, ${MAX_DIM}]`, x);
    });
    return list as number[];
  }

  /** Fails on fields no preset read, so typos ("hiden") do not pass silently. */
  finish(): void {
    for (const k of Object.keys(this.spec)) {
      if (!this.used.has(k)) throw new RecipeError('invalid', `${this.path}.${k}`, `is not a field of a ${this.spec.type} module`, this.spec[k]);
    }
  }
}
