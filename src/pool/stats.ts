/**
 * Streaming statistics over the stored values of a tensor, mergeable across chunks (Chan et al.'s
 * parallel variance), so a tensor of any size is summarized with bounded memory. NaN and infinite
 * values (e.g. float8 saturation) are counted apart and left out of the moments.
 */
export interface PartialStats {
  count: number;      // finite values
  nonFinite: number;
  mean: number;
  m2: number;         // sum of squared deviations from the mean
  min: number;
  max: number;
  histogram?: number[];
}

export function emptyStats(): PartialStats {
  return { count: 0, nonFinite: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity };
}

/** Accumulates values[0..n) into s (Welford per chunk, then merged). */
export function accumulate(s: PartialStats, values: Float64Array, hist?: { lo: number; hi: number; bins: number }): PartialStats {
  const part = emptyStats();
  let mean = 0, m2 = 0, count = 0, min = Infinity, max = -Infinity, nonFinite = 0;
  const h = hist ? (s.histogram ?? new Array<number>(hist.bins).fill(0)) : undefined;
  const width = hist ? (hist.hi - hist.lo) / hist.bins : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) { nonFinite++; continue; }
    count++;
    const d = v - mean;
    mean += d / count;
    m2 += d * (v - mean);
    if (v < min) min = v;
    if (v > max) max = v;
    if (h && hist) {
      let b = width > 0 ? Math.floor((v - hist.lo) / width) : 0;
      if (b < 0) b = 0; else if (b >= hist.bins) b = hist.bins - 1;
      h[b]!++;
    }
  }
  Object.assign(part, { count, mean, m2, min, max, nonFinite });
  const merged = merge(s, part);
  if (h) merged.histogram = h;
  return merged;
}

export function merge(a: PartialStats, b: PartialStats): PartialStats {
  const count = a.count + b.count;
  const out: PartialStats = { count, nonFinite: a.nonFinite + b.nonFinite, mean: 0, m2: 0, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
  if (count > 0) {
    const d = b.mean - a.mean;
    out.mean = a.mean + d * (b.count / count);
    out.m2 = a.m2 + b.m2 + d * d * (a.count * b.count / count);
  }
  if (a.histogram || b.histogram) {
    const len = (a.histogram ?? b.histogram)!.length;
    out.histogram = Array.from({ length: len }, (_, i) => (a.histogram?.[i] ?? 0) + (b.histogram?.[i] ?? 0));
  }
  return out;
}
