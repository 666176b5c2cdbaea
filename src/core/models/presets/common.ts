/** Field readers shared by the framework presets. */
import { RecipeError } from '../../errors.ts';
import type { ModuleArgs } from '../module-args.ts';

export function divisible(a: ModuleArgs, field: string, n: number, by: number, byField: string): void {
  if (n % by !== 0) throw new RecipeError('impossible', `${a.path}.${field}`, `must be divisible by ${byField} (${by})`, n);
}

/** Channels, kernel size and groups of a conv module (in/out channels divisible by groups). */
export function convDims(a: ModuleArgs, rank: number) {
  const inC = a.int(['in', 'in_channels']), outC = a.int(['out', 'out_channels', 'filters', 'features']);
  const kernel = a.ints(['kernel', 'kernel_size'], rank);
  const groups = a.int(['groups', 'feature_group_count'], { default: 1 });
  divisible(a, 'in_channels', inC, groups, 'groups');
  divisible(a, 'out_channels', outC, groups, 'groups');
  return { inC, outC, kernel, groups };
}

/** normalized_shape of a layer norm: an integer or a list. */
export function normShape(a: ModuleArgs): number[] {
  return a.ints(['shape', 'normalized_shape', 'features', 'dim'], undefined);
}
