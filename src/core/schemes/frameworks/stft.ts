/**
 * Keras STFTInitializer kernel values and the scipy.signal windows it uses (float64). Angles are
 * rational turns (2 pi n / (N - 1), 2 pi t f / fftLen), so cos/sin come from cosSinTurns (exact
 * reduction, fdlibm kernels, + - * / only): the same bits on every engine.
 */
import { cosSinTurns } from '../../math/trig64.ts';

export const STFT_WINDOWS = ['hann', 'hamming', 'blackman', 'bartlett', 'boxcar', 'none'] as const;

/** scipy.signal.get_window(name, M, fftbins=periodic). */
export function scipyWindow(name: string, M: number, periodic: boolean): Float64Array {
  if (M <= 1) return new Float64Array(M).fill(1);
  const N = periodic ? M + 1 : M; // periodic: symmetric window of M+1 points, last one dropped
  const w = new Float64Array(M);
  for (let n = 0; n < M; n++) {
    const cos = cosSinTurns(n, N - 1)[0]; // cos(2 pi n / (N - 1))
    switch (name) {
      case 'hann': w[n] = 0.5 - 0.5 * cos; break;
      case 'hamming': w[n] = 0.54 - 0.46 * cos; break;
      case 'blackman': w[n] = 0.42 - 0.5 * cos + 0.08 * cosSinTurns(2 * n, N - 1)[0]; break;
      case 'bartlett': w[n] = n <= (N - 1) / 2 ? (2 * n) / (N - 1) : 2 - (2 * n) / (N - 1); break;
      default: w[n] = 1; // boxcar
    }
  }
  return w;
}

/** (T x F) kernel, identical for every input channel. */
export function stftKernel(T: number, F: number, side: string, window: string, scaling: string, periodic: boolean): Float64Array {
  const win = window === 'none' ? null : scipyWindow(window, T, periodic);
  let scale = 1;
  if (win && scaling === 'density') scale = Math.sqrt(win.reduce((s, v) => s + v * v, 0));
  else if (win && scaling === 'spectrum') scale = win.reduce((s, v) => s + Math.abs(v), 0);
  const fftLen = (F - 1) * 2;
  const k = new Float64Array(T * F);
  for (let t = 0; t < T; t++) {
    for (let f = 0; f < F; f++) {
      const [c, sn] = cosSinTurns(-t * f, fftLen); // angle -2 pi t f / fftLen
      const v = side === 'real' ? c : sn;
      k[t * F + f] = win ? (v * win[t]!) / scale : v;
    }
  }
  return k;
}
