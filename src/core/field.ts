/** A compiled recipe: the value of every flat element index, in sampling precision. */
export interface Field {
  readonly precision: 'f32' | 'f64';
  /** Writes the values of flat elements [start, start + count) into out[0 .. count). */
  fill(start: number, count: number, out: Float32Array | Float64Array): void;
  /**
   * True when the values come from one computation over the whole tensor (orthogonal, sparse,
   * spectral norm, ...): the pool computes such a tensor once and shares it instead of every worker
   * recomputing it for its chunks.
   */
  readonly whole?: boolean;
}
