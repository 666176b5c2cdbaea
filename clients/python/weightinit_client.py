"""
weightinit Python client: standard library + numpy only.

    from weightinit_client import Client
    c = Client("http://localhost:8080")
    w = c.get_tensor("kaiming_uniform", [512, 256], seed=42, name="fc1.weight",
                     params={"nonlinearity": "relu"})          # numpy.ndarray float32 (512, 256)
    torch_w = torch.from_numpy(w)                              # zero-copy, writable

Dtype convention of returned arrays:
    float32 -> np.float32, float64 -> np.float64, float16 -> np.float16 (numpy has them natively);
    bfloat16 -> np.uint16 holding the raw bf16 bit patterns, float8_e4m3fn / float8_e5m2 -> np.uint8 raw
    bits (numpy has no such dtypes). For torch: torch.from_numpy(a).view(torch.bfloat16) /
    .view(torch.float8_e4m3fn). Pass decode=True to get float32 values instead (exact: every bf16/fp8
    value is a float32).
Arrays are always writable and C-contiguous, so torch.from_numpy works without warnings.

Integrity: verify=True compares the SHA-256 of the received bytes with the digest the service reports
(Weightinit-Sha256 / Repr-Digest header when present, else POST /v1/tensors/digest with the same recipe).
Retries: 503 answers are retried honouring Retry-After (seconds or HTTP date), network errors with
exponential backoff.
"""
from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import math
import os
import struct
import time
import urllib.error
import urllib.request
from typing import Any, Iterable

import numpy as np

__all__ = ["Client", "WeightinitError", "IntegrityError", "get_tensor", "get_shard", "get_model",
           "parse_safetensors", "shard_bounds", "shard_slice", "decode_to_float32"]

_NUMPY_DTYPE = {
    "float32": np.dtype("<f4"), "float64": np.dtype("<f8"), "float16": np.dtype("<f2"),
    "bfloat16": np.dtype("<u2"), "float8_e4m3fn": np.dtype("u1"), "float8_e5m2": np.dtype("u1"),
}
_SAFETENSORS_DTYPE = {"F32": "float32", "F64": "float64", "F16": "float16", "BF16": "bfloat16",
                      "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2"}


class WeightinitError(Exception):
    """A non-2xx answer; .problem is the service's application/problem+json body."""

    def __init__(self, status: int, problem: dict):
        self.status, self.problem = status, problem
        super().__init__(f"{status} {problem.get('title', 'error')}: {problem.get('detail', '')}".strip())


class IntegrityError(Exception):
    pass


def decode_to_float32(a: np.ndarray, dtype: str) -> np.ndarray:
    """Raw bf16 / fp8 bits (or float16) -> float32 values; float32/float64 returned unchanged."""
    if dtype in ("float32", "float64"):
        return a
    if dtype == "float16":
        return a.astype(np.float32)
    if dtype == "bfloat16":
        return (a.astype(np.uint32) << np.uint32(16)).view(np.float32)
    if dtype == "float8_e5m2":
        return (a.astype(np.uint16) << np.uint16(8)).view(np.float16).astype(np.float32)
    if dtype == "float8_e4m3fn":
        a = a.astype(np.int32)
        sign = np.where(a & 0x80, -1.0, 1.0)
        e, m = (a >> 3) & 0xF, a & 7
        v = np.where(e == 0, m * 2.0 ** -9, (1 + m / 8) * np.exp2(e - 7.0)) * sign
        return np.where((a & 0x7F) == 0x7F, np.nan, v).astype(np.float32)
    raise ValueError(f"unknown dtype {dtype!r}")


def shard_bounds(n: int, rank: int, world_size: int) -> tuple[int, int]:
    """Shard `rank` of `world_size` along a dimension of size n, numpy.array_split / torch.tensor_split
    semantics: the first n % world_size shards get one extra element (sizes differ by at most one)."""
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"need 0 <= rank < world_size, got rank={rank} world_size={world_size}")
    base, extra = divmod(n, world_size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def shard_slice(shape: Iterable[int], rank: int, world_size: int, axis: int = 0) -> str:
    shape = list(shape)
    ax = axis + len(shape) if axis < 0 else axis
    if not 0 <= ax < len(shape):
        raise ValueError(f"axis {axis} out of range for rank {len(shape)}")
    a, b = shard_bounds(shape[ax], rank, world_size)
    return ",".join(f"{a}:{b}" if d == ax else ":" for d in range(len(shape)))


def parse_safetensors(buf: bytes | bytearray | memoryview, decode: bool = False) -> dict[str, np.ndarray]:
    """Hand-written safetensors reader: u64 LE header length, JSON header, contiguous data buffer."""
    buf = memoryview(buf)
    if len(buf) < 8:
        raise ValueError("safetensors: shorter than the 8-byte header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if 8 + n > len(buf):
        raise ValueError("safetensors: header length past end of data")
    header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    data = buf[8 + n:]
    entries = sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0])
    out: dict[str, np.ndarray] = {}
    end = 0
    for name, info in entries:
        dtype = _SAFETENSORS_DTYPE.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"safetensors: unsupported dtype {info['dtype']} for {name}")
        b, e = info["data_offsets"]
        shape = tuple(int(s) for s in info["shape"])
        npdt = _NUMPY_DTYPE[dtype]
        if b != end or e - b != math.prod(shape) * npdt.itemsize:
            raise ValueError(f"safetensors: invalid offsets for {name}")
        a = np.frombuffer(data[b:e], dtype=npdt).reshape(shape).copy()  # copy: aligned and writable
        out[name] = decode_to_float32(a, dtype) if decode else a
        end = e
    if end != len(data):
        raise ValueError("safetensors: trailing bytes after the last tensor")
    return out


class Client:
    def __init__(self, base_url: str | None = None, retries: int = 4, timeout: float = 300.0,
                 max_retry_delay: float = 30.0, verify: bool = False, headers: dict | None = None):
        self.base_url = (base_url or os.environ.get("WEIGHTINIT_URL") or "http://localhost:8080").rstrip("/")
        self.retries, self.timeout, self.max_retry_delay = retries, timeout, max_retry_delay
        self.verify, self.headers = verify, dict(headers or {})

    # -- transport ------------------------------------------------------------------------------
    def _retry_delay(self, header: str | None, attempt: int) -> float:
        if header:
            try:
                return min(self.max_retry_delay, max(0.0, float(header)))
            except ValueError:
                try:
                    when = email.utils.parsedate_to_datetime(header).timestamp()
                    return min(self.max_retry_delay, max(0.0, when - time.time()))
                except (TypeError, ValueError):
                    pass
        return min(self.max_retry_delay, 0.25 * 2 ** attempt)

    def _request(self, path: str, body: dict | None, accept: str) -> tuple[bytes, dict[str, str]]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"accept": accept, **self.headers}
        if data is not None:
            headers["content-type"] = "application/json"
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(self.base_url + path, data=data, headers=headers,
                                         method="GET" if data is None else "POST")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    payload = res.read()
                    return payload, {k.lower(): v for k, v in res.headers.items()}
            except urllib.error.HTTPError as err:
                text = err.read()
                if err.code == 503 and attempt < self.retries:
                    time.sleep(self._retry_delay(err.headers.get("retry-after"), attempt))
                    continue
                try:
                    problem = json.loads(text.decode("utf-8"))
                except ValueError:
                    problem = {"title": err.reason, "detail": text[:500].decode("utf-8", "replace")}
                raise WeightinitError(err.code, problem) from None
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if attempt >= self.retries:
                    raise
                time.sleep(self._retry_delay(None, attempt))
        raise AssertionError("unreachable")

    @staticmethod
    def _digest_from_headers(h: dict[str, str]) -> str | None:
        if "weightinit-sha256" in h:
            return h["weightinit-sha256"].lower()
        rd = h.get("repr-digest") or h.get("content-digest")
        if rd and "sha-256=:" in rd:
            return base64.b64decode(rd.split("sha-256=:", 1)[1].split(":", 1)[0]).hex()
        return None

    def digest(self, recipe: dict) -> str:
        """SHA-256 (hex) of the raw bytes of a recipe, as the service computes it."""
        payload, _ = self._request("/v1/tensors/digest", {**recipe, "format": "raw"}, "application/json")
        body = json.loads(payload)
        return str(body.get("sha256") or body.get("digest")).split("=")[-1].split(":")[-1].lower()

    # -- API ------------------------------------------------------------------------------------
    @staticmethod
    def recipe(scheme: str, shape: Iterable[int], seed: int | str = 0, name: str = "", dtype: str = "float32",
               layout: str | None = None, params: dict | None = None, slice: str | None = None, **extra: Any) -> dict:
        r: dict[str, Any] = {"scheme": scheme, "shape": [int(s) for s in shape], "dtype": dtype, "name": name,
                             "seed": str(seed) if isinstance(seed, int) and seed > 2**53 - 1 else seed}
        if layout is not None:
            r["layout"] = layout
        if params:
            r["params"] = params
        if slice is not None:
            r["slice"] = slice
        # fan_in, fan_out, multiplier (recipe-level; a scheme's own `scale` goes in params), spectral_norm
        r.update({k: v for k, v in extra.items() if v is not None})
        return r

    def get_recipe(self, recipe: dict, decode: bool = False, verify: bool | None = None) -> np.ndarray:
        payload, h = self._request("/v1/tensors", {**recipe, "format": "raw"}, "application/octet-stream")
        dtype = h.get("weightinit-dtype", recipe.get("dtype", "float32"))
        shape_text = h.get("weightinit-shape")
        shape = tuple(int(s) for s in shape_text.strip("[] ").split(",") if s.strip()) if shape_text is not None \
            else tuple(recipe["shape"])
        npdt = _NUMPY_DTYPE[dtype]
        if len(payload) != math.prod(shape) * npdt.itemsize:
            raise ValueError(f"received {len(payload)} bytes, expected {math.prod(shape) * npdt.itemsize}")
        if self.verify if verify is None else verify:
            want = self._digest_from_headers(h) or self.digest(recipe)
            got = hashlib.sha256(payload).hexdigest()
            if got != want:
                raise IntegrityError(f"SHA-256 mismatch: service says {want}, received bytes hash to {got}")
        a = np.frombuffer(bytearray(payload), dtype=npdt).reshape(shape)  # bytearray: writable for torch
        return decode_to_float32(a, dtype) if decode else a

    def get_tensor(self, scheme: str, shape: Iterable[int], seed: int | str = 0, name: str = "", dtype: str = "float32",
                   layout: str | None = None, params: dict | None = None, slice: str | None = None,
                   decode: bool = False, verify: bool | None = None, **extra: Any) -> np.ndarray:
        """One tensor (or a slice of it) as a numpy array; see the module docstring for dtypes."""
        r = self.recipe(scheme, shape, seed, name, dtype, layout, params, slice, **extra)
        return self.get_recipe(r, decode=decode, verify=verify)

    def get_shard(self, scheme: str, shape: Iterable[int], rank: int, world_size: int, axis: int = 0,
                  **kw: Any) -> np.ndarray:
        """Shard `rank` of `world_size` along `axis` (array_split semantics), generated from the FULL
        recipe: np.concatenate of all shards along axis equals get_tensor of the full shape."""
        shape = list(shape)
        return self.get_tensor(scheme, shape, slice=shard_slice(shape, rank, world_size, axis), **kw)

    def get_model(self, manifest: dict, decode: bool = False) -> dict[str, np.ndarray]:
        """POST /v1/models (answered as safetensors) -> {name: ndarray}."""
        payload, h = self._request("/v1/models?format=safetensors", manifest,
                                   "application/vnd.safetensors, application/octet-stream")
        if self.verify:
            want = self._digest_from_headers(h)
            if want and hashlib.sha256(payload).hexdigest() != want:
                raise IntegrityError("SHA-256 mismatch on the model's safetensors bytes")
        return parse_safetensors(payload, decode=decode)


_default = None


def _client() -> Client:
    global _default
    if _default is None:
        _default = Client()
    return _default


def get_tensor(scheme: str, shape: Iterable[int], **kw: Any) -> np.ndarray:
    """Module-level shortcut using WEIGHTINIT_URL (default http://localhost:8080)."""
    return _client().get_tensor(scheme, shape, **kw)


def get_shard(scheme: str, shape: Iterable[int], rank: int, world_size: int, axis: int = 0, **kw: Any) -> np.ndarray:
    return _client().get_shard(scheme, shape, rank, world_size, axis, **kw)


def get_model(manifest: dict, **kw: Any) -> dict[str, np.ndarray]:
    return _client().get_model(manifest, **kw)
