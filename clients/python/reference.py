"""
weightinit reference reimplementation in numpy (no service needed).

Written from the specification (docs/determinism.md) to prove it is complete: given a recipe it
regenerates the exact bytes the service sends, for the float32 random scheme families (uniform,
normal, truncated normal, and the variance-scaling family built on them: kaiming / xavier / lecun /
variance_scaling / caffe xavier and msra, plus the torch.*, keras.* and jax.* namespaces of these and
the torch module defaults nn.Linear / nn.Conv weight and bias), for any slice.

Arithmetic rules this file follows (they are what makes the bits match):
- Philox4x32-10 in uint64 numpy arithmetic (products of two uint32 fit exactly in uint64).
- Every float32 operation is done on np.float32 operands and yields np.float32 (numpy >= 2 keeps
  float32 when mixing with Python floats, and we also wrap constants in np.float32); no FMA exists
  in numpy element-wise arithmetic, so each product and sum is rounded separately, as in the spec.
- Integer -> float32 conversions go through float64 (exact for < 2^53) then one rounding to float32.
- Per-recipe constants of the truncated normal are computed in float64 with plain Python floats
  (IEEE double, no FMA in CPython), exactly as the spec's normalCdf64 / exp64.

Usage:
    import reference as ref
    w = ref.generate('normal', [256, 128], seed=42, name='layer1.weight', params={'std': 0.02})
    w.tobytes() == requests.get(...).content   # bit-for-bit
"""
from __future__ import annotations

import math
import struct
from typing import Iterable, Sequence

import numpy as np

ALGORITHM_VERSION = 2
ALGORITHM_NAME = f"weightinit-philox4x32-10-v{ALGORITHM_VERSION}"

# Stream ids (independent random fields of one tensor).
STREAM_MAIN, STREAM_SPARSE_RANK, STREAM_GAMMA, STREAM_AUX = 0, 1, 2, 3

# ---------------------------------------------------------------------------------------------
# Philox4x32-10
# ---------------------------------------------------------------------------------------------
PHILOX_M0, PHILOX_M1 = 0xD2511F53, 0xCD9E8D57
PHILOX_W0, PHILOX_W1 = 0x9E3779B9, 0xBB67AE85
_MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32_10(c0, c1, c2, c3, k0: int, k1: int):
    """Vectorized Philox4x32-10. Counters are uint32 arrays (broadcastable), key two Python ints.
    Returns four uint32 arrays."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) for c in (c0, c1, c2, c3))
    shape = np.broadcast_shapes(c0.shape, c1.shape, c2.shape, c3.shape)
    c0, c1, c2, c3 = (np.broadcast_to(c, shape).copy() for c in (c0, c1, c2, c3))
    m0, m1 = np.uint64(PHILOX_M0), np.uint64(PHILOX_M1)
    thirty_two = np.uint64(32)
    for r in range(10):
        if r > 0:
            k0 = (k0 + PHILOX_W0) & 0xFFFFFFFF
            k1 = (k1 + PHILOX_W1) & 0xFFFFFFFF
        p0 = c0 * m0          # < 2^64: exact in uint64
        p1 = c2 * m1
        hi0, lo0 = p0 >> thirty_two, p0 & _MASK32
        hi1, lo1 = p1 >> thirty_two, p1 & _MASK32
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
    return tuple(c.astype(np.uint32) for c in (c0, c1, c2, c3))


def _philox_scalar(c: Sequence[int], k0: int, k1: int) -> tuple[int, int, int, int]:
    out = philox4x32_10(*(np.array([x], dtype=np.uint64) for x in c), k0, k1)
    return tuple(int(o[0]) for o in out)  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# Key derivation: key(seed, name)
# ---------------------------------------------------------------------------------------------
def derive_key(seed: int, name: str = "") -> tuple[int, int]:
    """K = (lo32(seed), hi32(seed)); absorb each zero-padded 16-byte block of UTF-8(name) as a
    counter (K = first two output words); finish with counter (byteLength, version, "WINI", 0)."""
    seed = int(seed)
    if not 0 <= seed < 2**64:
        raise ValueError("seed must be an unsigned 64-bit integer")
    k0, k1 = seed & 0xFFFFFFFF, seed >> 32
    data = name.encode("utf-8")
    padded = data + b"\0" * (-len(data) % 16)
    for j in range(0, len(padded), 16):
        ctr = struct.unpack("<4I", padded[j:j + 16])
        k0, k1, _, _ = _philox_scalar(ctr, k0, k1)
    k0, k1, _, _ = _philox_scalar((len(data), ALGORITHM_VERSION, 0x494E4957, 0), k0, k1)
    return k0, k1


def words32(key: tuple[int, int], idx: np.ndarray, stream: int = STREAM_MAIN) -> np.ndarray:
    """The uint32 word of each flat element index in the word layout: word (i mod 4) of block
    floor(i / 4); block b of stream s = philox(ctr = (lo32(b), hi32(b), 0, s), key)."""
    idx = np.asarray(idx, dtype=np.uint64)
    b = idx >> np.uint64(2)
    lane = (idx & np.uint64(3)).astype(np.intp)
    out = philox4x32_10(b & _MASK32, b >> np.uint64(32), 0, stream, *key)
    return np.choose(lane, out).astype(np.uint32)


# ---------------------------------------------------------------------------------------------
# float32 elementary functions (Cephes logf, Giles erfinv), each op rounded to float32
# ---------------------------------------------------------------------------------------------
F = np.float32
SQRTHF = F(0.707106781186547524)
SQRT2_F32 = F(math.sqrt(2.0))
LOGF_P = [F(c) for c in (7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
                         -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1)]
LOGF_C1 = F(-2.12194440e-4)
LOGF_C2 = F(0.693359375)
GILES_CENTRAL = [F(c) for c in (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                                -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)]
GILES_TAIL = [F(c) for c in (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                             -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)]
# Giles' float64 coefficients for w >= 16 (variable sqrt(w) - 5), rounded to float32.
GILES_DEEP_TAIL = [F(c) for c in (-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
                                  -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
                                  2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
                                  -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
                                  7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
                                  1.0103004648645343977, 4.8499064014085844221)]
TWO_M24 = F(2.0 ** -24)
TWO_M33 = F(2.0 ** -33)
QMIN = F(2.0 ** -60)


def _f32(x) -> np.ndarray:
    """Round a float64 (or integer) array once to float32."""
    return np.asarray(x, dtype=np.float64).astype(np.float32)


def logf(x: np.ndarray) -> np.ndarray:
    """Natural log of positive normal float32 values (Cephes logf)."""
    x = np.asarray(x, dtype=np.float32)
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)) & np.uint32(0xFF)).astype(np.int32) - 126
    m = ((bits & np.uint32(0x7FFFFF)) | np.uint32(0x3F000000)).view(np.float32)  # [0.5, 1)
    small = m < SQRTHF
    e = np.where(small, e - 1, e)
    m = np.where(small, (m + m) - F(1), m - F(1)).astype(np.float32)
    z = m * m
    y = LOGF_P[0] * np.ones_like(m)
    for c in LOGF_P[1:]:
        y = y * m + c          # two roundings: product, then sum (no FMA in numpy)
    y = (y * m) * z
    fe = e.astype(np.float32)
    y = y + LOGF_C1 * fe
    y = y - F(0.5) * z
    r = m + y
    r = r + LOGF_C2 * fe
    return r.astype(np.float32)


def normal_tail_quantile(q: np.ndarray) -> np.ndarray:
    """z >= 0 with P(Z > z) ~= q for float32 q in (0, 0.5]:
    t = (4q)(1-q); w = -log(t); p = Giles polynomial: w < 5: CENTRAL(w - 2.5); 5 <= w < 16: TAIL(sqrt(w) - 3);
    w >= 16: DEEP_TAIL(sqrt(w) - 5); z = sqrt2 * (p * (1 - 2q)).  Horner, each product and sum rounded."""
    q = np.asarray(q, dtype=np.float32)
    t = (F(4) * q) * (F(1) - q)
    w = -logf(t)
    ww = w - F(2.5)
    pc = GILES_CENTRAL[0] * np.ones_like(ww)
    for c in GILES_CENTRAL[1:]:
        pc = pc * ww + c
    sw = np.sqrt(np.maximum(w, F(0)))   # float32 sqrt is correctly rounded, like fround(Math.sqrt)
    wt = sw - F(3)
    pt = GILES_TAIL[0] * np.ones_like(wt)
    for c in GILES_TAIL[1:]:
        pt = pt * wt + c
    wd = sw - F(5)
    pd = GILES_DEEP_TAIL[0] * np.ones_like(wd)
    for c in GILES_DEEP_TAIL[1:]:
        pd = pd * wd + c
    p = np.where(w < F(5), pc, np.where(w < F(16), pt, pd)).astype(np.float32)
    x = F(1) - F(2) * q
    return (SQRT2_F32 * (p * x)).astype(np.float32)


def normal_from_word(w: np.ndarray) -> np.ndarray:
    """sign = bit 31; q = fround(2 * (w & 0x7fffffff) + 1) * 2^-33 (q in [2^-33, 0.5]); z = +-quantile(q)."""
    w = np.asarray(w, dtype=np.uint32)
    k = (w & np.uint32(0x7FFFFFFF)).astype(np.float64) * 2 + 1          # exact in float64
    q = _f32(k) * TWO_M33
    z = normal_tail_quantile(q)
    return np.where((w >> np.uint32(31)) != 0, -z, z).astype(np.float32)


def unit_from_word(w: np.ndarray) -> np.ndarray:
    """uniform [0, 1): (w >> 8) * 2^-24 (exact in float32)."""
    return (np.asarray(w, dtype=np.uint32) >> np.uint32(8)).astype(np.float32) * TWO_M24


# ---------------------------------------------------------------------------------------------
# float32 fields
# ---------------------------------------------------------------------------------------------
def set_words(key: tuple[int, int], idx: np.ndarray, per_set: int, stream: int = STREAM_MAIN):
    """Set layout (float32 uniform and normal): element i of set s = i // P is value j = (i % P) // 4 of
    block 4s + (i % 4). Returns (the 4 words of each element's block, shape (4, n), and j)."""
    idx = np.asarray(idx, dtype=np.uint64)
    s = idx // np.uint64(per_set)
    r = idx - s * np.uint64(per_set)
    b = s * np.uint64(4) + (r & np.uint64(3))
    w = np.array(philox4x32_10(b & _MASK32, b >> np.uint64(32), 0, stream, *key), dtype=np.uint32)
    return w.reshape(4, -1), (r >> np.uint64(2)).astype(np.intp)


def uniform_f32(key, idx, low: float, high: float, stream: int = STREAM_MAIN) -> np.ndarray:
    """Five 24-bit values per block: j < 4: word j >> 8; j = 4: low bytes of words 0, 1, 2."""
    lo, hi = F(low), F(high)
    span = F(hi - lo)
    w, j = set_words(key, idx, 20, stream)
    low_bytes = (w[0] & np.uint32(0xFF)) | ((w[1] & np.uint32(0xFF)) << np.uint32(8)) | ((w[2] & np.uint32(0xFF)) << np.uint32(16))
    x = np.where(j < 4, np.choose(np.minimum(j, 3), w) >> np.uint32(8), low_bytes)
    v = lo + (x.astype(np.float32) * TWO_M24) * span
    return np.where(v < hi, v, lo).astype(np.float32)   # rounding may reach `high`: map back to `low`


# Cephes sinf/cosf for |x| <= pi/4; one step of the 24-bit angle fraction = f32(pi/2) * 2^-24 (exact).
SINF_P = [F(c) for c in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
COSF_P = [F(c) for c in (2.443315711809948e-5, -1.388731625493765e-3, 4.166664568298827e-2)]
HALF_PI_STEP = F(float(F(math.pi / 2)) * 2.0 ** -24)


def radius_from_word(w: np.ndarray) -> np.ndarray:
    """sqrt(2 * -logf(u)), u = fround((2w + 1) * 2^-33) in [2^-33, 1]."""
    u = _f32((np.asarray(w, dtype=np.uint32).astype(np.float64) * 2 + 1) * 2.0 ** -33)
    return np.sqrt(F(2) * -logf(u)).astype(np.float32)


def sin_cos_from_word(w: np.ndarray):
    """(sin, cos) of the angle (w >> 30) * pi/2 + x, x = ((w << 2) as int32 >> 8) * HALF_PI_STEP."""
    w = np.asarray(w, dtype=np.uint32)
    t = ((w << np.uint32(2)).view(np.int32) >> np.int32(8)).astype(np.float32)
    x = t * HALF_PI_STEP
    z = x * x
    ps = SINF_P[0] * z + SINF_P[1]
    ps = ps * z + SINF_P[2]
    s = ((ps * z) * x) + x
    pc = COSF_P[0] * z + COSF_P[1]
    pc = pc * z + COSF_P[2]
    c = (((pc * z) * z) - F(0.5) * z) + F(1)
    swap = ((w >> np.uint32(30)) & np.uint32(1)) != 0
    sin_neg = (w >> np.uint32(31)) != 0
    cos_neg = (((w >> np.uint32(31)) ^ (w >> np.uint32(30))) & np.uint32(1)) != 0
    sv, cv = np.where(swap, c, s), np.where(swap, s, c)
    return np.where(sin_neg, -sv, sv).astype(np.float32), np.where(cos_neg, -cv, cv).astype(np.float32)


def normal_f32(key, idx, mean: float, std: float, stream: int = STREAM_MAIN) -> np.ndarray:
    """Box-Muller: values j = 0..3 of a block are R(w0) cos A(w1), R(w0) sin A(w1), R(w2) cos A(w3), R(w2) sin A(w3)."""
    m, s = F(mean), F(std)
    w, j = set_words(key, idx, 16, stream)
    hi_pair = (j & 2) != 0
    wr = np.where(hi_pair, w[2], w[0])
    wa = np.where(hi_pair, w[3], w[1])
    sin, cos = sin_cos_from_word(wa)
    z = radius_from_word(wr) * np.where((j & 1) != 0, sin, cos)
    return (m + s * z).astype(np.float32)


# float64 helpers for the truncated normal's per-recipe constants (fdlibm exp, normal CDF).
_LN2_HI, _LN2_LO = 6.93147180369123816490e-01, 1.90821492927058770002e-10
_P1, _P2, _P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
_P4, _P5, _INV_LN2 = -1.65339022054652515390e-06, 4.13813679705723846039e-08, 1.44269504088896338700e+00
_INV_SQRT_2PI = 0.3989422804014327


def _pow2(n: int) -> float:
    return struct.unpack("<d", struct.pack("<II", 0, ((n + 1023) << 20) & 0xFFFFFFFF))[0]


def exp64(x: float) -> float:
    """fdlibm exp reduction + polynomial, in IEEE double (CPython does not fuse)."""
    if x > 709.78:
        return math.inf
    if x < -745:
        return 0.0
    k = math.floor(x * _INV_LN2 + 0.5)
    hi = x - k * _LN2_HI
    lo = k * _LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    y = 1 - ((lo - (r * c) / (2 - c)) - hi)
    if k < -1021:
        return y * _pow2(k + 1000) * _pow2(-1000)
    if k > 1023:
        return y * 2 * _pow2(k - 1)
    return y * _pow2(k)


def normal_cdf64(x: float) -> float:
    """Phi(x): Mills-ratio continued fraction (80 terms, backwards) for x <= -3, Taylor series for
    |x| < 3, 1 - Phi(-x) for x >= 3."""
    if x == -math.inf:
        return 0.0
    if x == math.inf:
        return 1.0
    if x >= 3:
        return 1 - normal_cdf64(-x)
    phi = _INV_SQRT_2PI * exp64(-0.5 * x * x)
    if x <= -3:
        t = -x
        cf = t
        for n in range(80, 0, -1):
            cf = t + n / cf
        return phi / cf
    term = x
    total = x
    x2 = x * x
    for n in range(1, 200):
        term = term * x2 / (2 * n + 1)
        nxt = total + term
        if nxt == total:
            break
        total = nxt
    return 0.5 + phi * total


TRUNC_MAX_SIGMA = 8  # intervals entirely beyond this many std on one side are refused (spec 10.4)


def trunc_params(mean: float, std: float, a: float, b: float) -> dict:
    """Standardize; mirror to [-beta, -alpha] (sign -1) when alpha + beta > 0; CDF values in float64."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    mirror = alpha + beta > 0
    lo, hi = (-beta, -alpha) if mirror else (alpha, beta)
    return dict(mean=mean, std=std, a=a, b=b, lo=lo, hi=hi, sign=-1 if mirror else 1,
                pa=normal_cdf64(lo), pb=normal_cdf64(hi))


def trunc_normal_f32(key, idx, mean: float, std: float, a: float, b: float, stream: int = STREAM_MAIN) -> np.ndarray:
    idx = np.asarray(idx)
    if std == 0:
        return np.full(idx.shape, min(max(mean, a), b), dtype=np.float32)
    t = trunc_params(mean, std, a, b)
    if t["hi"] < -TRUNC_MAX_SIGMA:  # the service answers 422: every value would collapse onto one bound
        raise ValueError(f"truncation interval [{a}, {b}] lies entirely more than {TRUNC_MAX_SIGMA} std from the mean")
    pa = F(t["pa"])
    span = F(F(t["pb"]) - pa)
    lo, hi, m, s, fa, fb = (F(t[k]) for k in ("lo", "hi", "mean", "std", "a", "b"))
    w = words32(key, idx, stream)
    u = _f32(((w >> np.uint32(8)).astype(np.float64) + 0.5) * 2.0 ** -24)   # 25 significant bits: rounds
    p = pa + u * span
    lower = p < F(0.5)
    q = np.where(lower, p, F(1) - p).astype(np.float32)
    q = np.where(q < QMIN, QMIN, q).astype(np.float32)
    z = normal_tail_quantile(q)
    z = np.where(lower, -z, z)
    z = np.minimum(np.maximum(z, lo), hi)  # the spec's clamp: z < lo ? lo : z > hi ? hi : z
    z = z if t["sign"] == 1 else -z
    v = m + s * z
    v = np.where(v < fa, fa, np.where(v > fb, fb, v)).astype(np.float32)
    return v


# ---------------------------------------------------------------------------------------------
# Fans and gains (always from the FULL logical shape)
# ---------------------------------------------------------------------------------------------
def canonical_layout(layout: str) -> str:
    layout = layout.lower()
    if layout in ("torch", "oihw"):
        return "torch"
    if layout in ("keras", "tf", "jax", "hwio", "flax"):
        return "keras"
    if layout == "caffe":
        return "caffe"
    raise ValueError(f"unknown layout {layout!r}")


def _norm_axes(shape, axes):
    r = len(shape)
    out = []
    for a in axes:
        b = a + r if a < 0 else a
        if not 0 <= b < r:
            raise ValueError(f"axis {a} out of range for rank {r}")
        out.append(b)
    return out


def framework_fans(shape: Sequence[int], rule: str, in_axes=None, out_axes=None, batch_axes=None) -> tuple[float, float]:
    """torch: (out, in, *k); keras: (*k, in, out) (or products of explicit axes); jax: named in/out/batch
    axes, every other axis receptive field; caffe: fan_in = numel/shape[0], fan_out = numel/shape[1]."""
    rank = len(shape)
    if rule == "torch":
        if rank < 2:
            raise ValueError("the torch fan convention needs rank >= 2")
        rf = math.prod(shape[2:])
        return shape[1] * rf, shape[0] * rf
    if rule == "keras":
        if in_axes is not None and out_axes is not None:   # [] counts as given (product 1)
            return (math.prod(shape[a] for a in _norm_axes(shape, in_axes)),
                    math.prod(shape[a] for a in _norm_axes(shape, out_axes)))
        if rank == 0:
            return 1, 1
        if rank == 1:
            return shape[0], shape[0]
        rf = math.prod(shape[:-2])
        return shape[-2] * rf, shape[-1] * rf
    if rule == "jax":
        ia = _norm_axes(shape, in_axes if in_axes is not None else [-2])
        oa = _norm_axes(shape, out_axes if out_axes is not None else [-1])
        ba = _norm_axes(shape, batch_axes if batch_axes is not None else [])
        in_size = math.prod(shape[a] for a in ia)
        out_size = math.prod(shape[a] for a in oa)
        batch = math.prod(shape[a] for a in ba)
        total = math.prod(shape)
        rf = 0 if total == 0 else total / in_size / out_size / batch
        return in_size * rf, out_size * rf
    if rule == "caffe":
        if rank < 1:
            raise ValueError("the caffe convention needs rank >= 1")
        n = math.prod(shape)
        fi = n / shape[0] if shape[0] else 0
        fo = (n / shape[1] if shape[1] else 0) if rank > 1 else n
        return fi, fo
    raise ValueError(f"unknown fan rule {rule!r}")


def scheme_fans(shape, layout: str, rule: str, fan_in=None, fan_out=None, in_axes=None, out_axes=None, batch_axes=None):
    """Precedence: explicit fan_in/fan_out, then axis parameters, then the rule's own function when the
    recipe layout is the rule's native layout, else the recipe layout's convention."""
    if fan_in is not None and fan_out is not None:
        return fan_in, fan_out
    native = {"torch": "torch", "keras": "keras", "jax": "keras", "tfjs": "keras", "caffe": "caffe"}[rule]
    if in_axes is not None or out_axes is not None or batch_axes is not None:
        f = framework_fans(shape, "keras" if rule == "keras" else "jax", in_axes, out_axes, batch_axes)
    elif native == layout:
        f = framework_fans(shape, rule)
    else:
        f = framework_fans(shape, layout)
    return (f[0] if fan_in is None else fan_in), (f[1] if fan_out is None else fan_out)


def compute_fans(shape: Sequence[int], layout: str = "torch", fan_in=None, fan_out=None) -> tuple[float, float]:
    layout = canonical_layout(layout)
    return scheme_fans(shape, layout, layout, fan_in, fan_out)


def fan_of(fans: tuple[float, float], mode: str) -> float:
    fi, fo = fans
    if mode == "fan_in":
        return fi
    if mode == "fan_out":
        return fo
    if mode == "fan_avg":
        return (fi + fo) / 2
    if mode == "fan_geo_avg":
        return math.sqrt(fi * fo)
    raise ValueError(f"unknown mode {mode!r}")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """torch.nn.init.calculate_gain."""
    if nonlinearity in ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                        "conv_transpose2d", "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        s = 0.01 if param is None else param
        return math.sqrt(2 / (1 + s * s))
    if nonlinearity == "selu":
        return 3 / 4
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}")


# ---------------------------------------------------------------------------------------------
# Schemes (float32 random families). Every double-precision constant (variance, bound, std) is
# computed with the same operations in the same order as the catalogue, then rounded to float32
# inside the field, so the float32 parameters match bit for bit.
# ---------------------------------------------------------------------------------------------
TN_STD_CORRECTION = 0.87962566103423978  # std of N(0,1) truncated to [-2, 2]


def variance_field(key, idx, variance: float, dist: str) -> np.ndarray:
    """Zero-mean values with the given variance: uniform U(+-sqrt(3 var)); normal N(0, var);
    truncated_normal TN(0, s; +-2s), s = sqrt(var)/0.8796...; truncated_normal_uncorrected TN(0, sd; +-2sd)."""
    if not variance > 0:
        return np.zeros(np.shape(idx), dtype=np.float32)
    sd = math.sqrt(variance)
    if dist == "uniform":
        b = math.sqrt(3 * variance)
        return uniform_f32(key, idx, -b, b)
    if dist in ("normal", "untruncated_normal"):
        return normal_f32(key, idx, 0.0, sd)
    if dist == "truncated_normal":
        s = sd / TN_STD_CORRECTION
        return trunc_normal_f32(key, idx, 0.0, s, -2 * s, 2 * s)
    if dist == "truncated_normal_uncorrected":
        return trunc_normal_f32(key, idx, 0.0, sd, -2 * sd, 2 * sd)
    raise ValueError(f"unknown distribution {dist!r}")


def _ratio(scale: float, fan: float) -> float:
    return scale / fan if fan > 0 else 0.0


# Defaults of the canonical catalogue (GET /v1/schemes lists them too).
SCHEME_DEFAULTS: dict[str, dict] = {
    "uniform": {"low": 0.0, "high": 1.0},
    "normal": {"mean": 0.0, "std": 1.0},
    "truncated_normal": {"mean": 0.0, "std": 1.0, "a": -2.0, "b": 2.0, "bounds": "absolute"},
    "variance_scaling": {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal",
                         "in_axes": None, "out_axes": None, "batch_axes": None},
    "xavier_uniform": {"gain": 1.0}, "xavier_normal": {"gain": 1.0},
    "kaiming_uniform": {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"},
    "kaiming_normal": {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"},
    "lecun_uniform": {}, "lecun_normal": {},
    "xavier_caffe": {"variance_norm": "fan_in"}, "msra": {"variance_norm": "fan_in"},
    "msra_caffe2": {}, "msra_caffe2_legacy": {},
}
SCHEME_ALIASES = {
    "gaussian": "normal", "randn": "normal", "trunc_normal": "truncated_normal",
    "glorot_uniform": "xavier_uniform", "xavier": "xavier_uniform", "glorot_normal": "xavier_normal",
    "he_uniform": "kaiming_uniform", "kaiming": "kaiming_uniform", "he_normal": "kaiming_normal",
    "selu_normal": "lecun_normal", "caffe_xavier": "xavier_caffe", "msra_caffe": "msra", "caffe_msra": "msra",
}
# Native fan layout of a scheme (the recipe's layout when it gives none).
SCHEME_LAYOUT = {"xavier_caffe": "caffe", "msra": "caffe", "msra_caffe2": "caffe", "msra_caffe2_legacy": "caffe"}


def canonical_scheme(scheme: str) -> str:
    """Canonical catalogue name of a scheme name or alias (case-insensitive)."""
    s = scheme.lower()
    if s in _FRAMEWORK_LOOKUP:
        return _FRAMEWORK_LOOKUP[s]
    s = SCHEME_ALIASES.get(s, s)
    if s not in SCHEME_DEFAULTS:
        raise NotImplementedError(f"reference.py does not implement scheme {scheme!r}")
    return s


def scheme_defaults(name: str) -> dict:
    return dict(FRAMEWORK_SCHEMES[name][1]) if name in FRAMEWORK_SCHEMES else dict(SCHEME_DEFAULTS[name])


def _scheme_values(s: str, p: dict, shape, layout: str, fan_in, fan_out, key, idx) -> np.ndarray:
    """Values (float32) of the flat indices idx for canonical scheme s with params p (defaults applied)."""
    if s == "uniform":
        return uniform_f32(key, idx, p["low"], p["high"])
    if s == "normal":
        return normal_f32(key, idx, p["mean"], p["std"])
    if s == "truncated_normal":
        mean, std, a, b = p["mean"], p["std"], p["a"], p["b"]
        if p["bounds"] == "std":
            a, b = mean + a * std, mean + b * std
        return trunc_normal_f32(key, idx, mean, std, a, b)

    def fans(rule=layout, **axes):
        return scheme_fans(shape, layout, rule, fan_in, fan_out, **axes)

    if s == "variance_scaling":
        f = fans(in_axes=p["in_axes"], out_axes=p["out_axes"], batch_axes=p["batch_axes"])
        var = _ratio(p["scale"], fan_of(f, p["mode"]))
        dist = "normal" if p["distribution"] == "untruncated_normal" else p["distribution"]
        return variance_field(key, idx, var, dist)
    if s in ("xavier_uniform", "xavier_normal"):
        fi, fo = fans()
        var = p["gain"] ** 2 * _ratio(2, fi + fo)
        return variance_field(key, idx, var, "uniform" if s == "xavier_uniform" else "normal")
    if s in ("kaiming_uniform", "kaiming_normal"):
        g = calculate_gain(p["nonlinearity"], p["a"])
        var = g * g * _ratio(1, fan_of(fans(), p["mode"]))
        return variance_field(key, idx, var, "uniform" if s == "kaiming_uniform" else "normal")
    if s in ("lecun_uniform", "lecun_normal"):
        var = _ratio(1, fans()[0])
        return variance_field(key, idx, var, "uniform" if s == "lecun_uniform" else "normal")
    if s in ("xavier_caffe", "msra"):
        fi, fo = fans("caffe")
        m = str(p["variance_norm"]).lower()
        n = fo if m == "fan_out" else (fi + fo) / 2 if m == "average" else fi
        return variance_field(key, idx, _ratio(1 if s == "xavier_caffe" else 2, n), "uniform" if s == "xavier_caffe" else "normal")
    if s == "msra_caffe2":
        return variance_field(key, idx, _ratio(2, fans("caffe")[1]), "normal")
    if s == "msra_caffe2_legacy":
        return variance_field(key, idx, _ratio(2 / 3, fans("caffe")[0]), "uniform")
    raise NotImplementedError(f"reference.py does not implement scheme {s!r}")


# ---------------------------------------------------------------------------------------------
# Framework namespaces (torch.*, keras.*, jax.*): the framework's defaults and fan function
# ---------------------------------------------------------------------------------------------
_LINEAR_GAIN = calculate_gain("leaky_relu", math.sqrt(5))  # kaiming_uniform_(a=sqrt(5)) of nn.Linear / nn.ConvNd


def _torch_default_weight(p, fans, key, idx):
    fi = fans("torch")[0]
    b = _LINEAR_GAIN * math.sqrt(3 / fi) if fi > 0 else 0.0
    return uniform_f32(key, idx, -b, b)


def _torch_default_bias(p, fans, key, idx):
    fi = fans.explicit_fan_in
    if fi is None:
        raise ValueError("fan_in (of the weight) is required for a torch default bias")
    b = 1 / math.sqrt(fi) if fi > 0 else 0.0
    return uniform_f32(key, idx, -b, b)


def _torch_kaiming(dist):
    def f(p, fans, key, idx):
        g = calculate_gain(p["nonlinearity"], p["a"])
        fi, fo = fans("torch")
        return variance_field(key, idx, g * g * _ratio(1, fi if p["mode"] == "fan_in" else fo), dist)
    return f


def _torch_xavier(dist):
    def f(p, fans, key, idx):
        fi, fo = fans("torch")
        return variance_field(key, idx, p["gain"] ** 2 * _ratio(2, fi + fo), dist)
    return f


_KERAS_DIST = {"truncated_normal": "truncated_normal", "normal": "truncated_normal", "untruncated_normal": "normal", "uniform": "uniform"}


def _keras_n(p, fans, mode):
    return max(1, fan_of(fans("keras", in_axes=p["input_axes"], out_axes=p["output_axes"]), mode))


def _keras_vs(scale, mode, dist):
    return lambda p, fans, key, idx: variance_field(key, idx, scale / _keras_n(p, fans, mode), dist)


def _jax_fan(p, fans, mode):
    return fan_of(fans("jax", in_axes=p["in_axis"], out_axes=p["out_axis"], batch_axes=p["batch_axis"]), mode)


def _jax_vs(scale, mode, dist):
    return lambda p, fans, key, idx: variance_field(key, idx, _ratio(scale, _jax_fan(p, fans, mode)), dist)


_KAIMING_T = {"a": 0.0, "mode": "fan_in", "nonlinearity": "leaky_relu"}
_KERAS_AXES = {"input_axes": None, "output_axes": None}
_JAX_AXES = {"in_axis": None, "out_axis": None, "batch_axis": None}

# name -> (aliases, defaults, native layout, values(p, fans, key, idx))
FRAMEWORK_SCHEMES: dict[str, tuple] = {
    "torch.uniform_": (["torch.nn.init.uniform_", "torch.uniform", "torch.nn.init.uniform"], {"a": 0.0, "b": 1.0}, "torch",
                       lambda p, fans, key, idx: uniform_f32(key, idx, p["a"], p["b"])),
    "torch.normal_": (["torch.nn.init.normal_", "torch.normal", "torch.nn.init.normal"], {"mean": 0.0, "std": 1.0}, "torch",
                      lambda p, fans, key, idx: normal_f32(key, idx, p["mean"], p["std"])),
    "torch.trunc_normal_": (["torch.nn.init.trunc_normal_"], {"mean": 0.0, "std": 1.0, "a": -2.0, "b": 2.0}, "torch",
                            lambda p, fans, key, idx: trunc_normal_f32(key, idx, p["mean"], p["std"], p["a"], p["b"])),
    "torch.xavier_uniform_": (["torch.nn.init.xavier_uniform_", "torch.xavier_uniform", "torch.nn.init.xavier_uniform"], {"gain": 1.0}, "torch", _torch_xavier("uniform")),
    "torch.xavier_normal_": (["torch.nn.init.xavier_normal_", "torch.xavier_normal", "torch.nn.init.xavier_normal"], {"gain": 1.0}, "torch", _torch_xavier("normal")),
    "torch.kaiming_uniform_": (["torch.nn.init.kaiming_uniform_", "torch.kaiming_uniform", "torch.nn.init.kaiming_uniform"], _KAIMING_T, "torch", _torch_kaiming("uniform")),
    "torch.kaiming_normal_": (["torch.nn.init.kaiming_normal_", "torch.kaiming_normal", "torch.nn.init.kaiming_normal"], _KAIMING_T, "torch", _torch_kaiming("normal")),
    "torch.nn.Linear.weight": (["torch.Linear.weight"], {}, "torch", _torch_default_weight),
    "torch.nn.Conv.weight": (["torch.Conv.weight", "torch.nn.Conv2d.weight", "torch.Conv2d.weight"], {}, "torch", _torch_default_weight),
    "torch.nn.Linear.bias": (["torch.Linear.bias"], {}, "torch", _torch_default_bias),
    "torch.nn.Conv.bias": (["torch.Conv.bias", "torch.nn.Conv2d.bias", "torch.Conv2d.bias"], {}, "torch", _torch_default_bias),
    "keras.RandomNormal": (["keras.random_normal", "keras.normal"], {"mean": 0.0, "stddev": 0.05}, "torch",
                           lambda p, fans, key, idx: normal_f32(key, idx, p["mean"], p["stddev"])),
    "keras.RandomUniform": (["keras.random_uniform", "keras.uniform"], {"minval": -0.05, "maxval": 0.05}, "torch",
                            lambda p, fans, key, idx: uniform_f32(key, idx, p["minval"], p["maxval"])),
    "keras.TruncatedNormal": (["keras.truncated_normal"], {"mean": 0.0, "stddev": 0.05}, "torch",
                              lambda p, fans, key, idx: trunc_normal_f32(key, idx, p["mean"], p["stddev"],
                                                                         p["mean"] - 2 * p["stddev"], p["mean"] + 2 * p["stddev"])),
    "keras.VarianceScaling": (["keras.variance_scaling"], {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal", **_KERAS_AXES}, "keras",
                              lambda p, fans, key, idx: variance_field(key, idx, p["scale"] / _keras_n(p, fans, p["mode"]), _KERAS_DIST[p["distribution"]])),
    "keras.GlorotUniform": (["keras.glorot_uniform"], _KERAS_AXES, "keras", _keras_vs(1, "fan_avg", "uniform")),
    "keras.GlorotNormal": (["keras.glorot_normal"], _KERAS_AXES, "keras", _keras_vs(1, "fan_avg", "truncated_normal")),
    "keras.HeUniform": (["keras.he_uniform"], _KERAS_AXES, "keras", _keras_vs(2, "fan_in", "uniform")),
    "keras.HeNormal": (["keras.he_normal"], _KERAS_AXES, "keras", _keras_vs(2, "fan_in", "truncated_normal")),
    "keras.LecunUniform": (["keras.lecun_uniform"], _KERAS_AXES, "keras", _keras_vs(1, "fan_in", "uniform")),
    "keras.LecunNormal": (["keras.lecun_normal"], _KERAS_AXES, "keras", _keras_vs(1, "fan_in", "truncated_normal")),
    "jax.uniform": ([], {"scale": 0.01}, "torch", lambda p, fans, key, idx: uniform_f32(key, idx, 0.0, p["scale"])),
    "jax.normal": ([], {"stddev": 0.01}, "torch", lambda p, fans, key, idx: normal_f32(key, idx, 0.0, p["stddev"])),
    "jax.truncated_normal": ([], {"stddev": 0.01, "lower": -2.0, "upper": 2.0}, "torch",
                             lambda p, fans, key, idx: trunc_normal_f32(key, idx, 0.0, p["stddev"], p["lower"] * p["stddev"], p["upper"] * p["stddev"])),
    "jax.variance_scaling": ([], {"scale": None, "mode": None, "distribution": None, **_JAX_AXES}, "keras",
                             lambda p, fans, key, idx: variance_field(key, idx, _ratio(p["scale"], _jax_fan(p, fans, p["mode"])), p["distribution"])),
    "jax.glorot_uniform": (["jax.xavier_uniform"], _JAX_AXES, "keras", _jax_vs(1, "fan_avg", "uniform")),
    "jax.glorot_normal": (["jax.xavier_normal"], _JAX_AXES, "keras", _jax_vs(1, "fan_avg", "truncated_normal")),
    "jax.he_uniform": (["jax.kaiming_uniform"], _JAX_AXES, "keras", _jax_vs(2, "fan_in", "uniform")),
    "jax.he_normal": (["jax.kaiming_normal"], _JAX_AXES, "keras", _jax_vs(2, "fan_in", "truncated_normal")),
    "jax.lecun_uniform": ([], _JAX_AXES, "keras", _jax_vs(1, "fan_in", "uniform")),
    "jax.lecun_normal": ([], _JAX_AXES, "keras", _jax_vs(1, "fan_in", "truncated_normal")),
}
_FRAMEWORK_LOOKUP = {n.lower(): n for n in FRAMEWORK_SCHEMES}
_FRAMEWORK_LOOKUP.update({a.lower(): n for n, entry in FRAMEWORK_SCHEMES.items() for a in entry[0]})


class _Fans:
    """fans(rule, **axes) with the recipe's layout and explicit fans bound; explicit_fan_in for biases."""

    def __init__(self, shape, layout, fan_in, fan_out):
        self.shape, self.layout, self.explicit_fan_in, self.explicit_fan_out = shape, layout, fan_in, fan_out

    def __call__(self, rule, **axes):
        return scheme_fans(self.shape, self.layout, rule, self.explicit_fan_in, self.explicit_fan_out, **axes)



def parse_slice(text: str | None, shape: Sequence[int]) -> list[tuple[int, int]]:
    """numpy-style 'start:stop' per dimension, no steps; a bare index selects one element."""
    parts = [] if not text or not text.strip() else text.split(",")
    if len(parts) > len(shape):
        raise ValueError("slice has more dimensions than shape")
    out = []
    for d, n in enumerate(shape):
        part = parts[d].strip() if d < len(parts) else ":"
        if ":" in part:
            a_s, b_s = (x.strip() for x in part.split(":"))
            a = int(a_s) if a_s else 0
            b = int(b_s) if b_s else n
            a = min(max(a + n if a < 0 else a, 0), n)
            b = min(max(b + n if b < 0 else b, 0), n)
            out.append((a, max(a, b)))
        else:
            i = int(part)
            i = i + n if i < 0 else i
            if not 0 <= i < n:
                raise ValueError(f"slice index {part} out of range")
            out.append((i, i + 1))
    return out


def slice_indices(shape: Sequence[int], slc: Sequence[tuple[int, int]] | None = None) -> np.ndarray:
    """Flat (row-major) indices of the full tensor covered by a slice, in the slice's row-major order."""
    shape = [int(n) for n in shape]
    if slc is None:
        return np.arange(math.prod(shape), dtype=np.uint64)
    idx = np.zeros((1,), dtype=np.uint64)
    for (a, b), n in zip(slc, shape):
        idx = (idx[:, None] * np.uint64(n) + np.arange(a, b, dtype=np.uint64)[None, :]).reshape(-1)
    return idx


def bf16_bits(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits, round to nearest even; NaN -> 0x7FC0."""
    u = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + np.uint64(0x7FFF) + ((u >> np.uint64(16)) & np.uint64(1))) >> np.uint64(16)) & np.uint64(0xFFFF)
    r = np.where(np.isnan(x), np.uint64(0x7FC0), r)
    return r.astype(np.uint16)


def to_dtype(values: np.ndarray, dtype: str) -> np.ndarray:
    """Storage dtype from float32 samples: float32 as is, float16 via numpy (nearest-even), bfloat16 as
    uint16 bit patterns."""
    if dtype in ("float32", "f32", "float", "fp32"):
        return values.astype(np.float32)
    if dtype in ("float16", "f16", "half", "fp16"):
        return values.astype(np.float16)
    if dtype in ("bfloat16", "bf16"):
        return bf16_bits(values)
    raise NotImplementedError(f"reference.py does not implement dtype {dtype!r}")


def generate(scheme: str, shape: Iterable[int], seed: int = 0, name: str = "", dtype: str = "float32",
             layout: str | None = None, params: dict | None = None, multiplier: float = 1.0,
             fan_in: float | None = None, fan_out: float | None = None, slice: str | None = None) -> np.ndarray:
    """The tensor (or slice) a recipe describes, as a numpy array with the slice's shape."""
    shape = [int(n) for n in shape]
    slc = parse_slice(slice, shape) if slice is not None else None
    idx = slice_indices(shape, slc)
    key = derive_key(int(seed), name)
    s = canonical_scheme(scheme)
    defaults = scheme_defaults(s)
    unknown = set(params or {}) - set(defaults)
    if unknown:
        raise ValueError(f"unknown parameters for {s}: {sorted(unknown)}")
    p = {**defaults, **(params or {})}
    if s in FRAMEWORK_SCHEMES:
        _, _, native, values = FRAMEWORK_SCHEMES[s]
        lay = canonical_layout(layout if layout is not None else native)
        vals = values(p, _Fans(shape, lay, fan_in, fan_out), key, idx)
    else:
        lay = canonical_layout(layout if layout is not None else SCHEME_LAYOUT.get(s, "torch"))
        vals = _scheme_values(s, p, shape, lay, fan_in, fan_out, key, idx)
    if multiplier != 1:  # the recipe-level multiplier (a scheme's own `scale` is in params)
        vals = (vals * F(multiplier)).astype(np.float32)
    out_shape = [b - a for a, b in slc] if slc is not None else shape
    return to_dtype(vals, dtype).reshape(out_shape)


if __name__ == "__main__":  # tiny self-check: Random123 known-answer vector for Philox4x32-10
    got = _philox_scalar((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), 0xA4093822, 0x299F31D0)
    assert got == (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1), [hex(g) for g in got]
    print("philox KAT ok;", ALGORITHM_NAME)
