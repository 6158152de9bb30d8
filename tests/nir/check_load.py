#!/usr/bin/env python3
"""Loads NIR files that spikestream wrote with the reference package (nir.read, type checking on) and prints what it
sees; exits non-zero if a file does not load or is not spikestream's shape. How it was run (docs/nir.md):
    PYTHONPATH=/tmp/nir-src /usr/bin/python3 tests/nir/check_load.py model.nir [more.nir ...]
(NIR 7232ada from source, Debian 12's python3-h5py 3.7.0 / python3-numpy 1.24.2; see write_fixtures.py.)
Optionally --weights-json FILE: a JSON object {node: [[...]]} of the weights the file must hold, compared exactly.
"""
import json
import sys

import numpy as np
import nir

args = sys.argv[1:]
expected = None
if args and args[0] == "--weights-json":
    expected = json.load(open(args[1]))
    args = args[2:]
if not args:
    sys.exit(__doc__)
for path in args:
    g = nir.read(path)
    print(path, "version", nir.serialization.read_version(path))
    for name, node in g.nodes.items():
        fields = {k: np.asarray(v).shape for k, v in node.to_dict().items()
                  if isinstance(v, np.ndarray) and k not in ("input_type", "output_type")}
        print(f"  {name:10s} {type(node).__name__:8s} {fields} metadata={len(getattr(node, 'metadata', {}) or {})} keys")
    print("  edges", g.edges)
    types = sorted(type(n).__name__ for n in g.nodes.values())
    assert types.count("LIF") == 1 and types.count("LI") == 1 and types.count("Input") == 1, types
    lif = next(n for n in g.nodes.values() if isinstance(n, nir.LIF))
    print("  LIF tau", lif.tau[:3], "r", lif.r[:3], "v_threshold", lif.v_threshold[:3], "v_reset", lif.v_reset[:3])
    if expected is not None:
        for name, w in expected.items():
            got = np.asarray(g.nodes[name].weight, dtype=np.float64)
            want = np.asarray(w, dtype=np.float64)
            assert got.shape == want.shape and np.array_equal(got.view(np.int64), want.view(np.int64)), name
            print("  weights of", name, "identical", got.shape)
print("ok")
