/**
 * Chunk planner: splits the slice-output elements [0, total) of a tensor into consecutive ranges of
 * about `chunkBytes` each. Chunk boundaries are multiples of 160 elements (4 when chunks are tiny),
 * a whole number of the SIMD kernels' 8-block groups in every layout (40 float32 uniform, 32 float32
 * normal and truncated normal, 16 float64 elements), so no chunk starts inside a group; values never
 * depend on the split, this only avoids generating a shared group twice.
 */
const ALIGN = 160;

/** Chunks a stream may hold beyond its window: pushed chunks not yet flushed (stream buffer, socket). */
export const SPARE_CHUNKS = 3;

/**
 * The most chunk buffers one stream holds at once (its window of tasks in flight plus pushed chunks
 * not yet flushed): what the in-flight byte budget reserves per stream, in chunks.
 */
export function maxHeldChunks(windowChunks: number): number { return windowChunks + SPARE_CHUNKS; }

export interface ChunkPlan {
  /** Elements per chunk (the last one may be shorter). */
  chunkElements: number;
  count: number;
  total: number;
  range(i: number): [number, number];
}

export function planChunks(total: number, bytesPerElement: number, chunkBytes: number): ChunkPlan {
  const raw = Math.max(1, Math.floor(chunkBytes / bytesPerElement));
  const chunkElements = raw >= ALIGN ? raw - (raw % ALIGN) : raw >= 4 ? raw - (raw % 4) : raw;
  const count = total === 0 ? 0 : Math.ceil(total / chunkElements);
  return {
    chunkElements, count, total,
    range(i: number): [number, number] {
      const a = i * chunkElements;
      return [a, Math.min(total, a + chunkElements)];
    },
  };
}
