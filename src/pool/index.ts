/** The worker pool and the chunked, windowed generation built on it. */
export { createPool, AbortError, type WorkerPool, type PoolOptions } from './pool.ts';
export { tensorBody, generateInline, compileFor, prepareJob, checkRecipe, tensorStats, collectBytes, OrderedChunkStream, HISTOGRAM_BINS, type TensorJob, type GenerationLimits, type Framing } from './stream.ts';
export { planChunks, type ChunkPlan } from './plan.ts';
export type { PartialStats } from './stats.ts';
export type { PoolTask, ChunkTask, StatsTask, CompileTask, CompileResult, SelfTestResult, WholeTask, WholeValues, MemoryTask, WorkerMemory } from './tasks.ts';
export { slotPool, SlotPool, DEFAULT_RECYCLE_BYTES } from './slots.ts';
export { WholeLane, wholeLane } from './whole.ts';
