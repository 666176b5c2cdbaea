"""
Python side of the client tests, run by test/python/python.test.ts against a live server
(WEIGHTINIT_URL). Two things are checked:
1. clients/python/reference.py, a numpy reimplementation written from the spec, reproduces the
   service's bytes EXACTLY for recipes of every float32 random scheme family (uniform, normal,
   truncated normal, the variance-scaling family), sizes up to 1e6, many seeds and names (unicode
   too), slices, recipe multiplier, bfloat16/float16 storage.
2. clients/python/weightinit_client.py: arrays, dtypes, shards, models, verification, errors.
Standard library unittest; numpy required (the runner skips when it is missing).
"""
import hashlib
import json
import os
import sys
import unittest
import urllib.error
import urllib.request

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))

import reference as ref  # noqa: E402
import weightinit_client as wc  # noqa: E402

URL = os.environ.get("WEIGHTINIT_URL", "http://127.0.0.1:8080")
UNICODE_NAME = "日本語/重み.ü ✓ — a name longer than sixteen bytes"

# (recipe kwargs for reference.generate / the service). Seeds above 2^53 travel as strings.
RECIPES = [
    # uniform
    dict(scheme="uniform", shape=[1000], seed=0),
    dict(scheme="uniform", shape=[1_000_000], seed=2**64 - 1, name=UNICODE_NAME, params={"low": -0.3, "high": 0.7}),
    dict(scheme="uniform", shape=[3, 5, 7], seed=9, params={"low": 5, "high": 5.000001}),
    # normal
    dict(scheme="normal", shape=[257, 31], seed=42, name="layer1.weight", params={"mean": 0.1, "std": 0.02}),
    dict(scheme="normal", shape=[1_000_000], seed=12345678901234567890, name="x"),
    dict(scheme="randn", shape=[17], seed=1, name="é"),
    # truncated normal: central, one-sided, far tails (deep-tail polynomial), std bounds, degenerate
    dict(scheme="truncated_normal", shape=[100_000], seed=7),
    dict(scheme="truncated_normal", shape=[50_000], seed=8, params={"mean": 0.5, "std": 2, "a": 1, "b": 9}),
    dict(scheme="truncated_normal", shape=[50_000], seed=9, params={"a": -10, "b": -4}),
    dict(scheme="truncated_normal", shape=[50_000], seed=9, params={"a": 5, "b": 6}),
    dict(scheme="truncated_normal", shape=[50_000], seed=10, params={"a": 8, "b": 9}),
    dict(scheme="truncated_normal", shape=[1000], seed=10, params={"a": -7.9, "b": -7.5}),
    dict(scheme="trunc_normal", shape=[64, 64], seed=11, params={"std": 0.02, "a": -2, "b": 2, "bounds": "std"}),
    # variance-scaling family
    dict(scheme="kaiming_uniform", shape=[1000, 1000], seed=5, name="big.weight"),
    dict(scheme="kaiming_uniform", shape=[64, 32, 3, 3], seed=5, params={"nonlinearity": "relu", "mode": "fan_out"}),
    dict(scheme="he_normal", shape=[128, 77], seed=6, name="conv", params={"nonlinearity": "leaky_relu", "a": 0.2}),
    dict(scheme="kaiming_normal", shape=[128, 77], seed=6, params={"nonlinearity": "tanh", "mode": "fan_avg"}),
    dict(scheme="kaiming_normal", shape=[40, 30], seed=6, params={"nonlinearity": "selu", "mode": "fan_geo_avg"}),
    dict(scheme="xavier_uniform", shape=[300, 200], seed=11, params={"gain": 1.7}),
    dict(scheme="xavier_normal", shape=[3, 5, 7], seed=12, layout="keras"),
    dict(scheme="glorot_uniform", shape=[7, 9], seed=12, layout="caffe"),
    dict(scheme="lecun_uniform", shape=[33, 44], seed=13, layout="jax"),
    dict(scheme="lecun_normal", shape=[33, 44], seed=13, fan_in=17, fan_out=3),
    dict(scheme="variance_scaling", shape=[3, 3, 64, 128], seed=14, layout="keras"),
    dict(scheme="variance_scaling", shape=[3, 3, 64, 128], seed=14, layout="keras",
         params={"distribution": "uniform", "mode": "fan_avg", "scale": 2}),
    dict(scheme="variance_scaling", shape=[10, 20, 30], seed=14,
         params={"distribution": "normal", "mode": "fan_geo_avg", "scale": 0.1, "in_axes": [0], "out_axes": [2]}),
    dict(scheme="variance_scaling", shape=[10, 20, 30], seed=14, layout="keras",
         params={"distribution": "untruncated_normal", "in_axes": [0, 1], "out_axes": [2]}),
    dict(scheme="variance_scaling", shape=[10, 20, 30], seed=14, params={"batch_axes": [0], "mode": "fan_out"}),
    dict(scheme="xavier_caffe", shape=[16, 8, 3, 3], seed=15),
    dict(scheme="msra", shape=[16, 8, 3, 3], seed=15, params={"variance_norm": "average"}),
    dict(scheme="msra_caffe2", shape=[16, 8, 3, 3], seed=15),
    dict(scheme="msra_caffe2_legacy", shape=[16, 8, 3, 3], seed=15),
    # framework namespaces: their own defaults and fan functions
    dict(scheme="torch.uniform_", shape=[100], seed=19, params={"a": -1, "b": 3}),
    dict(scheme="torch.nn.init.normal_", shape=[100], seed=19, params={"std": 0.02}),
    dict(scheme="torch.trunc_normal_", shape=[1000], seed=19, params={"std": 0.02, "a": -0.04, "b": 0.04}),
    dict(scheme="torch.xavier_uniform_", shape=[64, 32, 3], seed=19),
    dict(scheme="torch.xavier_normal_", shape=[64, 32], seed=19, params={"gain": 2}),
    dict(scheme="torch.kaiming_uniform_", shape=[64, 32, 5, 5], seed=19, params={"a": 2.23606797749979}),
    dict(scheme="torch.kaiming_normal_", shape=[64, 32], seed=19, params={"mode": "fan_out", "nonlinearity": "relu"}),
    dict(scheme="torch.nn.Linear.weight", shape=[256, 784], seed=20, name="0.weight"),
    dict(scheme="torch.nn.Linear.bias", shape=[256], seed=20, name="0.bias", fan_in=784),
    dict(scheme="torch.nn.Conv.weight", shape=[16, 3, 5, 5], seed=20, name="conv1.weight"),
    dict(scheme="torch.nn.Conv.bias", shape=[16], seed=20, name="conv1.bias", fan_in=75),
    dict(scheme="keras.RandomNormal", shape=[50], seed=21),
    dict(scheme="keras.RandomUniform", shape=[50], seed=21),
    dict(scheme="keras.TruncatedNormal", shape=[5000], seed=21, params={"mean": 1, "stddev": 0.5}),
    dict(scheme="keras.VarianceScaling", shape=[3, 3, 16, 32], seed=21, params={"scale": 2, "mode": "fan_avg", "distribution": "normal"}),
    dict(scheme="keras.VarianceScaling", shape=[4, 6, 8], seed=21, params={"distribution": "untruncated_normal", "input_axes": [0, 1], "output_axes": [2]}),
    dict(scheme="keras.GlorotUniform", shape=[784, 256], seed=21, name="dense/kernel"),
    dict(scheme="keras.GlorotNormal", shape=[3, 3, 16, 32], seed=21),
    dict(scheme="keras.HeUniform", shape=[10, 20], seed=21),
    dict(scheme="keras.HeNormal", shape=[10, 20], seed=21, layout="torch"),
    dict(scheme="keras.LecunUniform", shape=[7], seed=21),
    dict(scheme="keras.LecunNormal", shape=[], seed=21),
    dict(scheme="jax.uniform", shape=[100], seed=22),
    dict(scheme="jax.normal", shape=[100], seed=22, params={"stddev": 1}),
    dict(scheme="jax.truncated_normal", shape=[1000], seed=22, params={"lower": -1, "upper": 3}),
    dict(scheme="jax.variance_scaling", shape=[5, 6, 7], seed=22, params={"scale": 2, "mode": "fan_geo_avg", "distribution": "normal", "in_axis": [0], "out_axis": [1]}),
    dict(scheme="jax.variance_scaling", shape=[5, 6, 7], seed=22, params={"scale": 0.5, "mode": "fan_out", "distribution": "truncated_normal", "batch_axis": [0]}),
    dict(scheme="jax.glorot_uniform", shape=[3, 3, 8, 16], seed=22),
    dict(scheme="jax.glorot_normal", shape=[32, 64], seed=22),
    dict(scheme="jax.he_uniform", shape=[32, 64], seed=22),
    dict(scheme="jax.he_normal", shape=[32, 64], seed=22),
    dict(scheme="jax.lecun_uniform", shape=[32, 64], seed=22),
    dict(scheme="jax.lecun_normal", shape=[2, 32, 64], seed=22),
    # slices (values of the same region of the full tensor; fans from the full shape)
    dict(scheme="normal", shape=[8, 9, 10], seed=3, slice="1:3,:,4:7"),
    dict(scheme="kaiming_uniform", shape=[512, 256], seed=3, slice="100:200,5:6"),
    dict(scheme="truncated_normal", shape=[1000, 1000], seed=3, slice="999:1000,:", params={"a": -1, "b": 3}),
    dict(scheme="uniform", shape=[6, 6], seed=3, slice="-2:,3"),
    # recipe multiplier, storage dtypes
    dict(scheme="xavier_uniform", shape=[50, 60], seed=16, multiplier=0.5),
    dict(scheme="normal", shape=[4097], seed=17, dtype="bfloat16", params={"std": 3}),
    dict(scheme="kaiming_normal", shape=[100, 100], seed=18, dtype="float16"),
]


def body_of(recipe: dict) -> dict:
    b = dict(recipe)
    if isinstance(b.get("seed"), int) and b["seed"] > 2**53 - 1:
        b["seed"] = str(b["seed"])
    return b


def service_bytes(recipe: dict) -> bytes:
    req = urllib.request.Request(URL + "/v1/tensors", data=json.dumps({**body_of(recipe), "format": "raw"}).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as res:
        return res.read()


class ReferenceReproducesService(unittest.TestCase):
    def test_recipes_bit_for_bit(self):
        total = 0
        for recipe in RECIPES:
            with self.subTest(recipe=json.dumps(body_of(recipe), ensure_ascii=False)):
                got = service_bytes(recipe)
                mine = ref.generate(**recipe).tobytes()
                self.assertEqual(len(mine), len(got))
                if mine != got:
                    a = np.frombuffer(got, dtype=np.uint8)
                    b = np.frombuffer(mine, dtype=np.uint8)
                    first = int(np.nonzero(a != b)[0][0])
                    self.fail(f"bytes differ from byte {first} ({int(np.count_nonzero(a != b))} bytes differ)")
                total += len(got)
        self.assertGreater(total, 10_000_000)

    def test_families_covered(self):
        """Every canonical float32 random scheme family of the catalogue is exercised above."""
        with urllib.request.urlopen(URL + "/v1/schemes") as res:
            catalogue = {s["name"]: s for s in json.loads(res.read())["schemes"]}
        implemented = set(ref.SCHEME_DEFAULTS) | set(ref.FRAMEWORK_SCHEMES)
        self.assertTrue(implemented <= set(catalogue), f"reference knows schemes the service lacks: {implemented - set(catalogue)}")
        tested = {ref.canonical_scheme(r["scheme"]) for r in RECIPES}
        self.assertEqual(tested, implemented)
        canonical_random = {n for n, s in catalogue.items() if s["framework"] == "weightinit" and s["family"] in ("random", "variance_scaling")}
        self.assertEqual(canonical_random - implemented, {"uniform_int"}, "every canonical float32 random family is reimplemented")
        for name in implemented:  # defaults in reference.py must be the catalogue's
            served_defaults = {k: v.get("default") for k, v in catalogue[name]["params"].items()}
            self.assertEqual(served_defaults, ref.scheme_defaults(name), name)

    def test_far_tail_intervals_refused_by_both(self):
        body = {"scheme": "truncated_normal", "shape": [4], "params": {"a": 30, "b": 31}, "format": "raw"}
        req = urllib.request.Request(URL + "/v1/tensors", data=json.dumps(body).encode(), headers={"content-type": "application/json"})
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(req)
        self.assertEqual(cm.exception.code, 422)
        with self.assertRaises(ValueError):
            ref.generate("truncated_normal", [4], params={"a": 30, "b": 31})

    def test_key_derivation_and_philox(self):
        # Random123 known-answer vector, and the key's dependence on every byte of the name
        self.assertEqual(ref._philox_scalar((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), 0xA4093822, 0x299F31D0),
                         (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))
        keys = {ref.derive_key(1, n) for n in ["", "a", "a\0", "b", "a" * 16, "a" * 17]}
        self.assertEqual(len(keys), 6)


class PythonClient(unittest.TestCase):
    def setUp(self):
        self.c = wc.Client(URL, verify=True)

    def test_get_tensor_float32_matches_reference(self):
        w = self.c.get_tensor("kaiming_uniform", [64, 32], seed=7, name="fc1.weight", params={"nonlinearity": "relu"})
        self.assertEqual(w.dtype, np.float32)
        self.assertEqual(w.shape, (64, 32))
        self.assertTrue(w.flags.writeable and w.flags.c_contiguous)
        np.testing.assert_array_equal(w, ref.generate("kaiming_uniform", [64, 32], seed=7, name="fc1.weight",
                                                      params={"nonlinearity": "relu"}))
        bound = np.sqrt(2.0) * np.sqrt(3.0 / 32)
        self.assertTrue(np.all(np.abs(w) <= bound))

    def test_dtypes(self):
        f32 = self.c.get_tensor("normal", [300], seed=2)
        bf = self.c.get_tensor("normal", [300], seed=2, dtype="bfloat16")
        self.assertEqual(bf.dtype, np.uint16)
        np.testing.assert_array_equal(bf, ref.bf16_bits(f32))
        np.testing.assert_array_equal(self.c.get_tensor("normal", [300], seed=2, dtype="bfloat16", decode=True),
                                      (bf.astype(np.uint32) << 16).view(np.float32))
        h = self.c.get_tensor("normal", [300], seed=2, dtype="float16")
        self.assertEqual(h.dtype, np.float16)
        np.testing.assert_array_equal(h, f32.astype(np.float16))  # numpy rounds to nearest-even too
        e4 = self.c.get_tensor("normal", [300], seed=2, dtype="float8_e4m3fn")
        self.assertEqual(e4.dtype, np.uint8)
        v = self.c.get_tensor("normal", [300], seed=2, dtype="float8_e4m3fn", decode=True)
        self.assertTrue(np.all(np.abs(v - f32) <= np.abs(f32) / 16 + 2.0 ** -9))
        d = self.c.get_tensor("uniform", [10], seed=2, dtype="float64")
        self.assertEqual(d.dtype, np.float64)
        self.assertTrue(np.all((d >= 0) & (d < 1)))

    def test_get_shard_concatenates(self):
        full = self.c.get_tensor("xavier_normal", [10, 7], seed=3, name="w")
        for axis in (0, 1, -1):
            parts = [self.c.get_shard("xavier_normal", [10, 7], r, 4, axis=axis, seed=3, name="w") for r in range(4)]
            np.testing.assert_array_equal(np.concatenate(parts, axis=axis), full)
            self.assertEqual([p.shape[axis] for p in parts], [len(x) for x in np.array_split(np.arange(full.shape[axis]), 4)])

    def test_get_model(self):
        manifest = {"seed": 5, "tensors": [
            {"name": "enc.weight", "shape": [8, 4], "scheme": "normal", "params": {"std": 0.5}},
            {"name": "enc.bias", "shape": [8], "scheme": "zeros"},
            {"name": "head.weight", "shape": [3, 8], "scheme": "uniform", "dtype": "bfloat16"},
        ]}
        model = self.c.get_model(manifest)
        self.assertEqual(sorted(model), ["enc.bias", "enc.weight", "head.weight"])
        np.testing.assert_array_equal(model["enc.weight"], ref.generate("normal", [8, 4], seed=5, name="enc.weight", params={"std": 0.5}))
        np.testing.assert_array_equal(model["enc.bias"], np.zeros(8, np.float32))
        np.testing.assert_array_equal(model["head.weight"], ref.generate("uniform", [3, 8], seed=5, name="head.weight", dtype="bfloat16"))

    def test_verify_digest_and_errors(self):
        recipe = self.c.recipe("truncated_normal", [33, 9], seed=5)
        payload = self.c.get_recipe(recipe).tobytes()
        self.assertEqual(self.c.digest(recipe), hashlib.sha256(payload).hexdigest())
        with self.assertRaises(wc.WeightinitError) as cm:
            self.c.get_tensor("normal", [4], params={"std": -1})
        self.assertEqual(cm.exception.status, 422)
        self.assertEqual(cm.exception.problem.get("field"), "params.std")
        with self.assertRaises(wc.WeightinitError) as cm:
            self.c.get_tensor("no_such_scheme", [4])
        self.assertEqual(cm.exception.status, 404)

    def test_safetensors_parser_rejects_malformed(self):
        def make(header, data):
            h = json.dumps(header).encode()
            return len(h).to_bytes(8, "little") + h + bytes(data)
        good = make({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, [0, 0, 128, 63])
        self.assertEqual(wc.parse_safetensors(good)["a"].tolist(), [1.0])
        for bad in (make({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, [0, 0, 128, 63, 0]),
                    make({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, [0, 0, 128, 63]),
                    b"\x01\x00"):
            with self.assertRaises(ValueError):
                wc.parse_safetensors(bad)

    def test_torch_from_numpy(self):
        try:
            import torch  # noqa: F401
        except ImportError:
            self.skipTest("torch not installed")
        w = self.c.get_tensor("normal", [4, 4], seed=1)
        t = torch.from_numpy(w)
        self.assertEqual(tuple(t.shape), (4, 4))
        bf = torch.from_numpy(self.c.get_tensor("normal", [4, 4], seed=1, dtype="bfloat16").view(np.int16)).view(torch.bfloat16)
        self.assertTrue(torch.equal(bf, t.to(torch.bfloat16)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
