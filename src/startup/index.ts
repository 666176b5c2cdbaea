/**
 * The service's GlobalInit: one process-wide registry with the standard phases registered, plus the
 * Caffe2-style free functions. Tests build their own InitRegistry instead of using this one.
 */
import { InitRegistry, type InitInput, type InitPhase } from './registry.ts';
import { registerStandardPhases } from './phases/index.ts';

export * from './registry.ts';
export { registerStandardPhases, STANDARD_PHASES } from './phases/index.ts';

export const startup = registerStandardPhases(new InitRegistry());

export const registerInitPhase = (phase: InitPhase) => startup.register(phase);
export const globalInit = (input?: InitInput) => startup.globalInit(input);
export const runPhase = (name: string, input?: InitInput) => startup.runPhase(name, input);
