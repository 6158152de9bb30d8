#!/usr/bin/env python3
"""An snnTorch-shaped NIR graph for N-MNIST's sensor (2 x 34 x 34 = 2312 inputs, 40 LIF with a recurrent Linear,
10 LI), written by the reference package (NIR 7232ada from source, see write_fixtures.py), float32 like snnTorch.
Used by tests/nir/import_learn_export.sh: argv[1] is the output file."""
import sys

import nir
import numpy as np

nir.version = "1.0.7.dev9+g7232ada"
rng = np.random.default_rng(3)
n_in, n_rec, n_out = 2312, 40, 10
w_rec = rng.normal(0, 0.1, (n_rec, n_rec)).astype(np.float32); np.fill_diagonal(w_rec, 0)
g = nir.NIRGraph(nodes={
  "input": nir.Input(input_type=np.array([n_in])),
  "fc1": nir.Affine(weight=rng.normal(0, 0.05, (n_rec, n_in)).astype(np.float32), bias=np.zeros(n_rec, dtype=np.float32)),
  "lif1": nir.LIF(tau=np.full(n_rec, 30.0, dtype=np.float32), r=np.full(n_rec, 30.0, dtype=np.float32), v_leak=np.zeros(n_rec, dtype=np.float32), v_threshold=np.full(n_rec, 0.6, dtype=np.float32), v_reset=np.zeros(n_rec, dtype=np.float32)),
  "rec1": nir.Linear(weight=w_rec),
  "fc2": nir.Affine(weight=rng.normal(0, 0.1, (n_out, n_rec)).astype(np.float32), bias=np.zeros(n_out, dtype=np.float32)),
  "li": nir.LI(tau=np.full(n_out, 100.0, dtype=np.float32), r=np.full(n_out, 100.0, dtype=np.float32), v_leak=np.zeros(n_out, dtype=np.float32)),
  "output": nir.Output(output_type=np.array([n_out]))},
  edges=[("input","fc1"),("fc1","lif1"),("lif1","rec1"),("rec1","lif1"),("lif1","fc2"),("fc2","li"),("li","output")])
nir.write(sys.argv[1], g)
