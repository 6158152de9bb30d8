#!/usr/bin/env python3
"""Writes the NIR fixtures spikestream's nir tests read, with the reference package itself (nir.write).

Reference package: neuromorphs/NIR at commit 7232ada6d30e1beea78b180a5135b1a3bb3d3bc0 (v1.0.7-9-g7232ada), run from
its source tree (PyPI is not reachable here):
    git --git-dir=<NIR clone>/.git archive 7232ada nir | tar -x -C /tmp/nir-src
    PYTHONPATH=/tmp/nir-src /usr/bin/python3 tests/nir/write_fixtures.py nir/src/test/resources/nir
with Debian 12's python3-h5py 3.7.0 and python3-numpy 1.24.2. Also writes expected.json: every weight of every
fixture as the float64 the test must read (float32 arrays widened, as Java does).
"""
import json
import pathlib
import sys

import numpy as np
import nir

# Run from a source tree, the package has no installed metadata and so no version; nir.write stores nir.version.
if getattr(nir, "version", None) is None:
    nir.version = "1.0.7.dev9+g7232ada"

out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(14)
expected = {}


def lif(n, tau, r, v_leak, v_th, v_reset):
    return nir.LIF(tau=np.full(n, tau, dtype=np.float32), r=np.full(n, r, dtype=np.float32),
                   v_leak=np.full(n, v_leak, dtype=np.float32), v_threshold=np.full(n, v_th, dtype=np.float32),
                   v_reset=np.full(n, v_reset, dtype=np.float32))


def li(n, tau, r, v_leak):
    return nir.LI(tau=np.full(n, tau, dtype=np.float32), r=np.full(n, r, dtype=np.float32),
                  v_leak=np.full(n, v_leak, dtype=np.float32))


def record(name, graph):
    nir.write(out / (name + ".nir"), graph)
    weights = {}
    for k, node in graph.nodes.items():
        if isinstance(node, (nir.Affine, nir.Linear)):
            weights[k] = [[float(x) for x in row] for row in np.asarray(node.weight, dtype=np.float64)]
    expected[name] = weights


# 1. snnTorch's shape and dtypes: float32 Affine layers, a recurrent Linear, LIF with tau in ms, r = 1, reset to 0.
n_in, n_rec, n_out = 6, 4, 3
w_rec = rng.normal(0, 0.5, (n_rec, n_rec)).astype(np.float32)
np.fill_diagonal(w_rec, 0.0)
record("recurrent_float32", nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([n_in])),
        "fc_in": nir.Affine(weight=rng.normal(0, 1, (n_rec, n_in)).astype(np.float32),
                            bias=np.zeros(n_rec, dtype=np.float32)),
        "lif": lif(n_rec, 20.0, 1.0, 0.0, 1.0, 0.0),
        "rec": nir.Linear(weight=w_rec),
        "fc_out": nir.Affine(weight=rng.normal(0, 1, (n_out, n_rec)).astype(np.float32),
                             bias=np.full(n_out, 0.25, dtype=np.float32)),
        "li": li(n_out, 50.0, 2.0, 0.0),
        "output": nir.Output(output_type=np.array([n_out])),
    },
    edges=[("input", "fc_in"), ("fc_in", "lif"), ("lif", "rec"), ("rec", "lif"), ("lif", "fc_out"),
           ("fc_out", "li"), ("li", "output")]))

# 2. Feed-forward, float64 Linear layers, no recurrent edge.
record("feedforward_float64", nir.NIRGraph(
    nodes={
        "in": nir.Input(input_type=np.array([5])),
        "l1": nir.Linear(weight=rng.normal(0, 1, (3, 5))),
        "neurons": nir.LIF(tau=np.full(3, 10.0), r=np.full(3, 10.0), v_leak=np.full(3, -70.0),
                           v_threshold=np.full(3, -55.0), v_reset=np.full(3, -70.0)),
        "l2": nir.Linear(weight=rng.normal(0, 1, (2, 3))),
        "readout": nir.LI(tau=np.full(2, 100.0), r=np.full(2, 100.0), v_leak=np.full(2, 0.0)),
        "out": nir.Output(output_type=np.array([2])),
    },
    edges=[("in", "l1"), ("l1", "neurons"), ("neurons", "l2"), ("l2", "readout"), ("readout", "out")]))

# 3. What spikestream refuses: per-neuron time constants, a CubaLIF hidden layer, a Delay node.
record("varying_tau", nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([2])),
        "w": nir.Linear(weight=np.ones((2, 2))),
        "lif": nir.LIF(tau=np.array([10.0, 20.0]), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2),
                       v_reset=np.zeros(2)),
        "w2": nir.Linear(weight=np.ones((1, 2))),
        "li": nir.LI(tau=np.ones(1), r=np.ones(1), v_leak=np.zeros(1)),
        "output": nir.Output(output_type=np.array([1])),
    },
    edges=[("input", "w"), ("w", "lif"), ("lif", "w2"), ("w2", "li"), ("li", "output")]))
record("cubalif", nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([2])),
        "w": nir.Linear(weight=np.ones((2, 2))),
        "lif": nir.CubaLIF(tau_syn=np.full(2, 5.0), tau_mem=np.full(2, 20.0), r=np.ones(2), v_leak=np.zeros(2),
                           v_threshold=np.ones(2)),
        "w2": nir.Linear(weight=np.ones((1, 2))),
        "li": nir.LI(tau=np.ones(1), r=np.ones(1), v_leak=np.zeros(1)),
        "output": nir.Output(output_type=np.array([1])),
    },
    edges=[("input", "w"), ("w", "lif"), ("lif", "w2"), ("w2", "li"), ("li", "output")]))
record("delay", nir.NIRGraph(
    nodes={
        "input": nir.Input(input_type=np.array([2])),
        "d": nir.Delay(delay=np.full(2, 3.0)),
        "w": nir.Linear(weight=np.ones((2, 2))),
        "lif": nir.LIF(tau=np.full(2, 10.0), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2),
                       v_reset=np.zeros(2)),
        "w2": nir.Linear(weight=np.ones((1, 2))),
        "li": nir.LI(tau=np.ones(1), r=np.ones(1), v_leak=np.zeros(1)),
        "output": nir.Output(output_type=np.array([1])),
    },
    edges=[("input", "d"), ("d", "w"), ("w", "lif"), ("lif", "w2"), ("w2", "li"), ("li", "output")]))

with open(out / "expected.json", "w") as f:
    json.dump({"nir_commit": "7232ada6d30e1beea78b180a5135b1a3bb3d3bc0", "h5py": __import__("h5py").__version__,
               "numpy": np.__version__, "weights": expected}, f, indent=1)
print("wrote", sorted(p.name for p in out.iterdir()))
