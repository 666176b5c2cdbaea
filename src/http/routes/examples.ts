/** Runnable examples for /docs (schemes that every build registers). */
export const tensorExamples = [
  { scheme: 'normal', shape: [4, 3], seed: 42, dtype: 'float32', params: { mean: 0, std: 0.02 }, format: 'json' },
  { scheme: 'uniform', shape: [256, 128], seed: 7, params: { low: -0.1, high: 0.1 }, format: 'stats' },
  { scheme: 'truncated_normal', shape: [2, 3], seed: '18446744073709551615', name: 'encoder.weight', params: { std: 0.02, a: -2, b: 2, bounds: 'std' }, format: 'json' },
];
