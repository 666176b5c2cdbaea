#!/usr/bin/env python3
"""Cross-check helper: runs PyTorch's own initializers and reports sample statistics.

Reads a JSON list of cases on stdin (or from the file given as argv[1]) and prints a JSON list of
results, one per case, in the same order. A case is one of
  {"id": ..., "fn": "kaiming_uniform_", "shape": [...], "kwargs": {...}}        torch.nn.init.<fn>
  {"id": ..., "module": "Linear", "args": [...], "kwargs": {...}, "param": "weight"}  torch.nn.<module>(...).<param>
  (param may be dotted, e.g. "out_proj.weight")
A result has id, shape, n, mean, std (n-1), min, max, and "values" (flat list) when "values": true.
Used by test/schemes/torch-crosscheck.test.ts, which compares them with weightinit's torch.* schemes.
"""
import json
import sys
import warnings

import torch

warnings.simplefilter("ignore")


def run(case):
    torch.manual_seed(case.get("seed", 0))
    if "fn" in case:
        t = torch.empty(*case["shape"], dtype=torch.float32)
        getattr(torch.nn.init, case["fn"])(t, **case.get("kwargs", {}))
    else:
        mod = getattr(torch.nn, case["module"])(*case.get("args", []), **case.get("kwargs", {}))
        t = mod
        for part in case["param"].split("."):
            t = getattr(t, part)
        t = t.detach()
    x = t.double().flatten()
    out = {
        "id": case["id"], "shape": list(t.shape), "n": x.numel(),
        "mean": x.mean().item(), "std": x.std().item() if x.numel() > 1 else 0.0,
        "min": x.min().item(), "max": x.max().item(),
    }
    if case.get("values"):
        out["values"] = x.tolist()
    return out


def main():
    src = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
    cases = json.load(src)
    torch.set_num_threads(1)
    print(json.dumps({"torch": torch.__version__, "results": [run(c) for c in cases]}))


if __name__ == "__main__":
    main()
