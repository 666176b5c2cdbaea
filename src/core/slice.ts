/**
 * N-d slices `[start:stop]` per dimension (numpy semantics without steps) as runs of contiguous flat
 * indices of the full tensor. Output element o of a slice maps to run floor(o / runLength).
 */
export type Slice = Array<[number, number]>; // normalized [start, stop) per dimension

export class SliceError extends Error {
  constructor(message: string, readonly value: string) { super(message); }
}

/** Parses "0:128,:" (also "5" for a single index, negative indices count from the end). */
export function parseSlice(text: string, shape: readonly number[]): Slice {
  const parts = text.trim() === '' ? [] : text.split(',');
  if (parts.length > shape.length) throw new SliceError(`slice has ${parts.length} dimensions but shape has ${shape.length}`, text);
  const out: Slice = [];
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    const p = (parts[d] ?? ':').trim();
    const norm = (s: string, dflt: number): number => {
      if (s === '') return dflt;
      if (!/^-?\d+$/.test(s)) throw new SliceError(`slice dimension ${d}: "${p}" is not start:stop with integers`, text);
      let v = Number(s);
      if (v < 0) v += n;
      return Math.min(Math.max(v, 0), n);
    };
    if (p.includes(':')) {
      const bits = p.split(':');
      if (bits.length !== 2) throw new SliceError(`slice dimension ${d}: "${p}" has more than one ':' (steps are not supported)`, text);
      const a = norm(bits[0]!.trim(), 0), b = norm(bits[1]!.trim(), n);
      out.push([a, Math.max(a, b)]);
    } else {
      if (!/^-?\d+$/.test(p)) throw new SliceError(`slice dimension ${d}: "${p}" is not an index or start:stop`, text);
      let v = Number(p); if (v < 0) v += n;
      if (v < 0 || v >= n) throw new SliceError(`slice dimension ${d}: index ${p} is out of range for size ${n}`, text);
      out.push([v, v + 1]);
    }
  }
  return out;
}

export function fullSlice(shape: readonly number[]): Slice { return shape.map((n) => [0, n] as [number, number]); }
export function sliceShape(slice: Slice): number[] { return slice.map(([a, b]) => b - a); }
export function isFull(slice: Slice, shape: readonly number[]): boolean { return slice.every(([a, b], d) => a === 0 && b === shape[d]); }
export function numel(shape: readonly number[]): number { return shape.reduce((a, b) => a * b, 1); }
export function canonicalSlice(slice: Slice): string { return slice.map(([a, b]) => `${a}:${b}`).join(','); }

export interface RunPlan { runLength: number; runs: number; runStart(r: number): number }

/** Describes the slice as `runs` runs of `runLength` contiguous flat indices. */
export function planRuns(shape: readonly number[], slice: Slice): RunPlan {
  const rank = shape.length;
  if (rank === 0) return { runLength: 1, runs: 1, runStart: () => 0 };
  const strides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]!; }
  // Innermost dimension that is not full; everything after it merges into the run.
  let d = rank - 1;
  while (d > 0 && slice[d]![0] === 0 && slice[d]![1] === shape[d]) d--;
  const runLength = (slice[d]![1] - slice[d]![0]) * strides[d]!;
  const outer = slice.slice(0, d);
  const runs = runLength === 0 ? 0 : outer.reduce((a, [lo, hi]) => a * (hi - lo), 1);
  const base = slice[d]![0] * strides[d]!;
  return {
    runLength, runs,
    runStart(r: number): number {
      let start = base;
      for (let k = d - 1; k >= 0; k--) {
        const len = outer[k]![1] - outer[k]![0];
        const idx = r % len; r = (r - idx) / len;
        start += (outer[k]![0] + idx) * strides[k]!;
      }
      return start;
    },
  };
}

/** Calls visit(srcStart, length, outOffset) for the flat runs covering slice outputs [o0, o1). */
export function forEachRun(plan: RunPlan, o0: number, o1: number, visit: (src: number, len: number, out: number) => void): void {
  if (plan.runLength === 0) return;
  let o = o0;
  while (o < o1) {
    const r = Math.floor(o / plan.runLength), off = o - r * plan.runLength;
    const len = Math.min(plan.runLength - off, o1 - o);
    visit(plan.runStart(r) + off, len, o - o0);
    o += len;
  }
}
