/**
 * Chunk planner: splits the slice-output elements [0, total) of a tensor into consecutive ranges of
 * about `chunkBytes` each. Chunk boundaries are multiples of 4 elements so every chunk but the last
 * starts on a Philox block (f32) and pair boundary (f64); values never depend on the split, this
 * only avoids generating a shared block twice.
 */
export interface ChunkPlan {
  /** Elements per chunk (the last one may be shorter). */
  chunkElements: number;
  count: number;
  total: number;
  range(i: number): [number, number];
}

export function planChunks(total: number, bytesPerElement: number, chunkBytes: number): ChunkPlan {
  const raw = Math.max(1, Math.floor(chunkBytes / bytesPerElement));
  const chunkElements = raw >= 4 ? raw - (raw % 4) : raw;
  const count = total === 0 ? 0 : Math.ceil(total / chunkElements);
  return {
    chunkElements, count, total,
    range(i: number): [number, number] {
      const a = i * chunkElements;
      return [a, Math.min(total, a + chunkElements)];
    },
  };
}
