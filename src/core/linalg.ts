/**
 * Dense linear algebra for the whole-tensor schemes (orthogonal, delta_orthogonal, spectral norm).
 * Everything is float64, column-major, and specified down to the order of operations, because the
 * result is part of the determinism contract (docs/determinism.md): plain IEEE-754 + - * / and sqrt
 * (V8 never fuses multiply-add), fixed panel width, fixed summation orders. Any faster path
 * (WebAssembly) must reproduce these exact operation orders.
 *
 * Householder QR (LAPACK dgeqrf/dorgqr conventions), blocked in panels of NB = 32 columns with the
 * compact WY form H_k0 ... H_k0+b-1 = I - V T V^T, so the trailing updates are matrix-matrix products
 * that read the trailing matrix twice per panel instead of once per column.
 *
 * Summation orders (normative):
 * - dot(x, y) over rows [r0, r1): two partial sums, s0 over even offsets (r - r0) and s1 over odd
 *   offsets, each accumulated in ascending r, result s0 + s1.
 * - rank-b updates c[r] -= sum_i v_i[r] w_i: subtracted one product at a time in ascending i.
 */

export const QR_PANEL = 32;

/** dot(x[xo + t], y[yo + t]) for t in [0, len): even/odd partial sums, then added. */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0, s1 = 0, t = 0;
  for (; t + 1 < len; t += 2) { s0 += x[xo + t]! * y[yo + t]!; s1 += x[xo + t + 1]! * y[yo + t + 1]!; }
  if (t < len) s0 += x[xo + t]! * y[yo + t]!;
  return s0 + s1;
}

/**
 * Householder reflector for column j of the column-major m x n matrix a (rows j..m-1): overwrites
 * a[j, j] with beta (= R[j, j]) and a[j+1.., j] with v[1..] (v[0] = 1 implicit); returns tau.
 * beta = -sign(alpha) * ||x|| (sign(0) = +1), tau = (beta - alpha) / beta, v = x / (alpha - beta).
 * When the part below the diagonal is zero, tau = 0 and H = I (R[j, j] = alpha).
 */
function reflector(a: Float64Array, m: number, j: number): number {
  const o = j * m;
  const xs = dot(a, o + j + 1, a, o + j + 1, m - j - 1);
  if (xs === 0) return 0;
  const alpha = a[o + j]!;
  const norm = Math.sqrt(alpha * alpha + xs);
  const beta = alpha >= 0 ? -norm : norm;
  const tau = (beta - alpha) / beta;
  const s = 1 / (alpha - beta);
  for (let r = o + j + 1; r < o + m; r++) a[r] = a[r]! * s;
  a[o + j] = beta;
  return tau;
}

/** Applies H_j = I - tau v v^T (v stored below a[j, j], v[0] = 1) to column c, rows j..m-1. */
function applyReflector(a: Float64Array, m: number, j: number, tau: number, c: number): void {
  if (tau === 0) return;
  const vo = j * m, co = c * m;
  const w = tau * (a[co + j]! + dot(a, vo + j + 1, a, co + j + 1, m - j - 1));
  a[co + j] = a[co + j]! - w;
  for (let r = j + 1; r < m; r++) a[co + r] = a[co + r]! - w * a[vo + r]!;
}

/**
 * Dense panel V (b columns of height h = m - k0, rows k0..m-1; zeros above the unit diagonal) and the
 * b x b upper-triangular T (row-major) with H_k0 ... H_k0+b-1 = I - V T V^T (LAPACK dlarft, forward,
 * columnwise): T[i][i] = tau_i, T[0:i, i] = -tau_i * T[0:i, 0:i] * (V[:, 0:i]^T v_i).
 */
function panelWY(a: Float64Array, m: number, k0: number, b: number, tau: Float64Array, V: Float64Array, T: Float64Array): void {
  const h = m - k0;
  for (let i = 0; i < b; i++) {
    const vo = i * h, ao = (k0 + i) * m + k0;
    for (let r = 0; r < i; r++) V[vo + r] = 0;
    V[vo + i] = 1;
    for (let r = i + 1; r < h; r++) V[vo + r] = a[ao + r]!;
  }
  T.fill(0, 0, b * b);
  const z = new Float64Array(b);
  for (let i = 0; i < b; i++) {
    const ti = tau[k0 + i]!;
    T[i * b + i] = ti;
    for (let p = 0; p < i; p++) z[p] = dot(V, p * h + i, V, i * h + i, h - i);
    for (let p = 0; p < i; p++) {
      let s = 0;
      for (let q = p; q < i; q++) s += T[p * b + q]! * z[q]!;
      T[p * b + i] = -ti * s;
    }
  }
}

/**
 * C <- (I - V op(T) V^T) C for the columns c0..c1-1 of a (rows k0..m-1), op(T) = T^T when `transT`
 * (applying Q^T while factoring) or T (accumulating Q). W = V^T C, W = op(T) W, C -= V W.
 */
function applyWY(a: Float64Array, m: number, k0: number, b: number, V: Float64Array, T: Float64Array,
  c0: number, c1: number, transT: boolean, W: Float64Array): void {
  const h = m - k0, nc = c1 - c0;
  if (nc <= 0) return;
  // W[i][c] = dot(V_i, C_c), W row-major b x nc.
  // Four dots at a time share the loads of C; each keeps its own even/odd partial sums (same bits as dot()).
  for (let c = 0; c < nc; c++) {
    const co = (c0 + c) * m + k0;
    let i = 0;
    for (; i + 4 <= b; i += 4) {
      const v0 = i * h, v1 = v0 + h, v2 = v1 + h, v3 = v2 + h;
      let a0 = 0, b0 = 0, a1 = 0, b1 = 0, a2 = 0, b2 = 0, a3 = 0, b3 = 0, t = 0;
      for (; t + 1 < h; t += 2) {
        const x = a[co + t]!, y = a[co + t + 1]!;
        a0 += V[v0 + t]! * x; b0 += V[v0 + t + 1]! * y;
        a1 += V[v1 + t]! * x; b1 += V[v1 + t + 1]! * y;
        a2 += V[v2 + t]! * x; b2 += V[v2 + t + 1]! * y;
        a3 += V[v3 + t]! * x; b3 += V[v3 + t + 1]! * y;
      }
      if (t < h) { const x = a[co + t]!; a0 += V[v0 + t]! * x; a1 += V[v1 + t]! * x; a2 += V[v2 + t]! * x; a3 += V[v3 + t]! * x; }
      W[i * nc + c] = a0 + b0; W[(i + 1) * nc + c] = a1 + b1; W[(i + 2) * nc + c] = a2 + b2; W[(i + 3) * nc + c] = a3 + b3;
    }
    for (; i < b; i++) W[i * nc + c] = dot(V, i * h, a, co, h);
  }
  // W <- op(T) W, column by column (T is b x b upper triangular).
  const tmp = new Float64Array(b);
  for (let c = 0; c < nc; c++) {
    for (let i = 0; i < b; i++) tmp[i] = W[i * nc + c]!;
    for (let i = 0; i < b; i++) {
      let s = 0;
      if (transT) for (let q = 0; q <= i; q++) s += T[q * b + i]! * tmp[q]!;
      else for (let q = i; q < b; q++) s += T[i * b + q]! * tmp[q]!;
      W[i * nc + c] = s;
    }
  }
  // C -= V W: per column, products subtracted in ascending i, four rows of V at a time.
  for (let c = 0; c < nc; c++) {
    const co = (c0 + c) * m + k0;
    let i = 0;
    for (; i + 4 <= b; i += 4) {
      const w0 = W[i * nc + c]!, w1 = W[(i + 1) * nc + c]!, w2 = W[(i + 2) * nc + c]!, w3 = W[(i + 3) * nc + c]!;
      const v0 = i * h, v1 = v0 + h, v2 = v1 + h, v3 = v2 + h;
      for (let r = 0; r < h; r++) {
        a[co + r] = a[co + r]! - V[v0 + r]! * w0 - V[v1 + r]! * w1 - V[v2 + r]! * w2 - V[v3 + r]! * w3;
      }
    }
    for (; i < b; i++) {
      const w0 = W[i * nc + c]!, v0 = i * h;
      for (let r = 0; r < h; r++) a[co + r] = a[co + r]! - V[v0 + r]! * w0;
    }
  }
}

/**
 * Blocked Householder QR of the column-major m x n matrix a (m >= n), in place: R on and above the
 * diagonal, reflectors below. Returns tau. Each panel of NB columns is factored column by column
 * (reflector, then applied to the rest of the panel), then applied to the trailing columns in WY form.
 */
export function householderQR(a: Float64Array, m: number, n: number): Float64Array {
  if (m < n) throw new RangeError('householderQR needs m >= n');
  const tau = new Float64Array(n);
  const nb = QR_PANEL;
  const V = new Float64Array(nb * m), T = new Float64Array(nb * nb), W = new Float64Array(nb * Math.max(n, 1));
  for (let k0 = 0; k0 < n; k0 += nb) {
    const b = Math.min(nb, n - k0);
    for (let j = k0; j < k0 + b; j++) {
      tau[j] = reflector(a, m, j);
      for (let c = j + 1; c < k0 + b; c++) applyReflector(a, m, j, tau[j]!, c);
    }
    if (k0 + b < n) {
      panelWY(a, m, k0, b, tau, V, T);
      applyWY(a, m, k0, b, V, T, k0 + b, n, true, W);
    }
  }
  return tau;
}

/**
 * Thin Q (m x n, column-major) from householderQR's output, in place (LAPACK dorgqr): panels from
 * last to first, each applied to the trailing block Q[k0.., k0..] that already holds H_k0+b ... I.
 * Within a panel the columns are formed from last to first (dorg2r).
 */
export function formQ(a: Float64Array, m: number, n: number, tau: Float64Array): void {
  const nb = QR_PANEL;
  const V = new Float64Array(nb * m), T = new Float64Array(nb * nb), W = new Float64Array(nb * Math.max(n, 1));
  const lastK0 = n === 0 ? 0 : Math.floor((n - 1) / nb) * nb;
  for (let k0 = lastK0; k0 >= 0 && n > 0; k0 -= nb) {
    const b = Math.min(nb, n - k0);
    if (k0 + b < n) {
      panelWY(a, m, k0, b, tau, V, T);
      applyWY(a, m, k0, b, V, T, k0 + b, n, false, W);
    }
    // dorg2r on the panel columns, last to first.
    for (let j = k0 + b - 1; j >= k0; j--) {
      const o = j * m, tj = tau[j]!;
      for (let c = j + 1; c < k0 + b; c++) applyReflector(a, m, j, tj, c);
      for (let r = o + j + 1; r < o + m; r++) a[r] = -tj * a[r]!;
      a[o + j] = 1 - tj;
      for (let r = o; r < o + j; r++) a[r] = 0; // rows above the diagonal (R and earlier rows) are 0 in Q
    }
  }
}

/**
 * Orthonormal columns of the column-major m x n matrix a (m >= n), in place: the Q of A = QR with
 * the sign(diag R) correction (each column of Q multiplied by the sign of R[j, j], with sign(0) = +1),
 * so that Q is Haar-distributed when A is Gaussian (Mezzadri, math-ph/0609050), as torch/keras/jax do.
 */
export function orthonormalColumns(a: Float64Array, m: number, n: number): void {
  const tau = householderQR(a, m, n);
  const sign = new Float64Array(n);
  for (let j = 0; j < n; j++) sign[j] = a[j * m + j]! < 0 ? -1 : 1;
  formQ(a, m, n, tau);
  for (let j = 0; j < n; j++) {
    if (sign[j] === 1) continue;
    for (let r = j * m; r < (j + 1) * m; r++) a[r] = -a[r]!;
  }
}

/**
 * Orthogonal matrix from a row-major rows x cols Gaussian matrix g (float64), written row-major into
 * the result: rows >= cols gives orthonormal columns (Q of g), rows < cols gives orthonormal rows
 * (Q of g^T, transposed back), exactly as torch.nn.init.orthogonal_ does.
 */
export function orthogonalFromGaussian(g: Float64Array, rows: number, cols: number): Float64Array {
  if (rows < cols) {
    // Row-major g (rows x cols) is the column-major storage of g^T (cols x rows): factor it in place;
    // the column-major Q (cols x rows) is then the row-major storage of Q^T.
    orthonormalColumns(g, cols, rows);
    return g;
  }
  const a = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) a[c * rows + r] = g[r * cols + c]!;
  orthonormalColumns(a, rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) g[r * cols + c] = a[c * rows + r]!;
  return g;
}

/**
 * Largest singular value of the row-major h x w matrix x by power iteration on x^T x, float64.
 * Start vector v0 = (1, 1, ..., 1) / sqrt(w) plus a deterministic perturbation e_j * (j mod 7) / (7w)
 * so it is not orthogonal to the top singular vector of a structured matrix by accident.
 * Each iteration: u = x v / ||x v||, v = x^T u / ||x^T u||, sigma = ||x^T u|| (= u^T x v at the fixed
 * point, as in torch's spectral_norm). `iterations` > 0: exactly that many iterations. `iterations`
 * = 0: until the relative change of sigma is <= 1e-12, at most 1000 iterations. Returns 0 for a zero matrix.
 */
export function largestSingularValue(x: Float64Array | Float32Array, h: number, w: number, iterations: number): number {
  if (h === 0 || w === 0) return 0;
  let v = new Float64Array(w);
  for (let j = 0; j < w; j++) v[j] = 1 + (j % 7) / 7;
  normalize(v);
  const u = new Float64Array(h);
  const max = iterations > 0 ? iterations : 1000;
  let sigma = 0;
  for (let it = 0; it < max; it++) {
    for (let r = 0; r < h; r++) {
      let s0 = 0, s1 = 0, c = 0;
      const o = r * w;
      for (; c + 1 < w; c += 2) { s0 += x[o + c]! * v[c]!; s1 += x[o + c + 1]! * v[c + 1]!; }
      if (c < w) s0 += x[o + c]! * v[c]!;
      u[r] = s0 + s1;
    }
    if (normalize(u) === 0) return 0;
    const nv = new Float64Array(w);
    for (let r = 0; r < h; r++) {
      const ur = u[r]!, o = r * w;
      for (let c = 0; c < w; c++) nv[c] = nv[c]! + x[o + c]! * ur;
    }
    const next = normalize(nv);
    v = nv;
    const done = iterations === 0 && Math.abs(next - sigma) <= 1e-12 * next;
    sigma = next;
    if (done) break;
  }
  return sigma;
}

/** Scales v to unit 2-norm in place (sequential sum of squares); returns the norm (0: left as is). */
function normalize(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  if (n === 0) return 0;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return n;
}
