/** The standard phases, in startup order. */
import type { InitRegistry } from '../registry.ts';
import { configurationPhase } from './configuration.ts';
import { featuresPhase } from './features.ts';
import { selftestPhase } from './selftest.ts';
import { poolPhase } from './pool.ts';
import { storePhase } from './store.ts';
import { listenPhase } from './listen.ts';

export const STANDARD_PHASES = [configurationPhase, featuresPhase, selftestPhase, poolPhase, storePhase, listenPhase];

export function registerStandardPhases(registry: InitRegistry): InitRegistry {
  for (const p of STANDARD_PHASES) registry.register(p);
  return registry;
}
