#!/usr/bin/env python3
"""Which readout features survive continuous time? A numpy emulation of eprop-rls's readout on the INPUT part of its
features only (4x4-pooled input spikes per polarity, 162 groups; the 300 hidden neurons are not emulated), on the
continuous stream that `nmnist --set time.mode=continuous --gap-us 100000` builds: training recordings in a shuffled
order, then the held-out ones sorted by path (as nmnist orders them), 100 ms of silence between recordings, traces
carried across it. Learned at each interval's end (2 steps after its last event), scored by the mean over its last
10 steps (score_window_steps); ridge regression on the one-hot targets (= one-pass RLS with P0 = I / ridge).

Features: 'bins' = log1p(counts per third of the sample, 112 ms each: per_window's window bins); a trace bank =
log1p of traces with kernels (tau, order): order 1 = exp(-age/tau) (network.rls.taus_ms), order n = a gamma kernel
(age/tau)^(n-1)/(n-1)! exp(-age/tau) (a cascade of n leaky integrators: a delayed trace without a clock, not in the
Java readout). The same stratified 10 folds (seed 1) as benchmarks/nmnist-cv.py and nmnist-baselines.py.

Only a guide to which settings deserve a run of the real learner (benchmarks/nmnist-cv.py): the hidden features'
share changes what is best (a smaller ridge gains here and loses in the learner, BENCHMARKS.md "Live streams").
Usage: benchmarks/continuous-features.py [--shared ../shared] [--pool 4] [--quick]
(needs numpy; about 10 minutes on 2 idle cores; --pool 2 --quick, --pool 8 --quick: the pooling rows)
"""
import argparse
import importlib.util
import math
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("baselines", os.path.join(HERE, "nmnist-baselines.py"))
bl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bl)

POOL = 4  # --pool: network.rls.input_pool_px
CELLS = 9
G = 2 * CELLS * CELLS
GAP_MS = 100.0
DELAY = 2.0  # steps (ms) from an input spike to the readout

EXPERIMENTS = [  # name, features ('bins' or a trace bank), learn offsets before the end (ms), score offsets, ridge
    ("bins (per_window), ridge 100", "bins", None, None, 100.0),
    ("bins (per_window), ridge 10", "bins", None, None, 10.0),
    ("exp 30,100,300 (the current traces), ridge 100", [(30, 1), (100, 1), (300, 1)], [0], range(10), 100.0),
    ("  the same, no carry across the silence", "nocarry", [0], range(10), 100.0),
    ("  the same, scored at the end step only", [(30, 1), (100, 1), (300, 1)], [0], [0], 100.0),
    ("  the same, learned and scored 20 ms before the end", [(30, 1), (100, 1), (300, 1)], [20], range(20, 30), 100.0),
    ("  the same, learned at the end and 30, 60 ms before", [(30, 1), (100, 1), (300, 1)], [0, 30, 60], range(10), 100.0),
    ("  the same, learned at the end and 50, 100, 150 ms before", [(30, 1), (100, 1), (300, 1)], [0, 50, 100, 150],
     range(10), 100.0),
    ("exp 30,100,300, ridge 1", [(30, 1), (100, 1), (300, 1)], [0], range(10), 1.0),
    ("exp 30,100,300, ridge 3", [(30, 1), (100, 1), (300, 1)], [0], range(10), 3.0),
    ("exp 30,100,300, ridge 10", [(30, 1), (100, 1), (300, 1)], [0], range(10), 10.0),
    ("exp 30,100,300, ridge 30", [(30, 1), (100, 1), (300, 1)], [0], range(10), 30.0),
    ("exp 30,100,300, ridge 1000", [(30, 1), (100, 1), (300, 1)], [0], range(10), 1000.0),
    ("exp 30,100,300, ridge 30, scored over the last 20 steps", [(30, 1), (100, 1), (300, 1)], [0], range(20), 30.0),
    ("exp 10,30,100,300, ridge 100", [(10, 1), (30, 1), (100, 1), (300, 1)], [0], range(10), 100.0),
    ("exp 20,60,180, ridge 100", [(20, 1), (60, 1), (180, 1)], [0], range(10), 100.0),
    ("exp 20,60,180, ridge 30", [(20, 1), (60, 1), (180, 1)], [0], range(10), 30.0),
    ("exp 50,150,450, ridge 100", [(50, 1), (150, 1), (450, 1)], [0], range(10), 100.0),
    ("exp 100,300,1000, ridge 30", [(100, 1), (300, 1), (1000, 1)], [0], range(10), 30.0),
    ("exp 30,100,300,1000, ridge 10", [(30, 1), (100, 1), (300, 1), (1000, 1)], [0], range(10), 10.0),
    ("gamma tau 100, orders 1-3, ridge 100", [(100, 1), (100, 2), (100, 3)], [0], range(10), 100.0),
    ("gamma tau 70, orders 1-4, ridge 100", [(70, 1), (70, 2), (70, 3), (70, 4)], [0], range(10), 100.0),
    ("exp 30,100,300 + gamma tau 100 orders 2,3, ridge 30", [(30, 1), (100, 1), (100, 2), (100, 3), (300, 1)], [0],
     range(10), 30.0),
]


def kernel(age, tau, n):
    return (age / tau) ** (n - 1) / math.factorial(n - 1) * np.exp(-age / tau)


def own(sample, times, bank):
    """Each kernel's sum over the sample's own spikes before each time: (len(times), G, K)."""
    g, t, _ = sample
    out = np.zeros((len(times), G, len(bank)))
    for a, when in enumerate(times):
        m = t < when
        for q, (tau, n) in enumerate(bank):
            out[a, :, q] = np.bincount(g[m], weights=kernel(when - t[m], tau, n), minlength=G)
    return out


def propagate(state, dt, bank):
    """A cascade's closed-form decay over dt: x_n <- exp(-dt/tau) sum_{j<=n} x_j (dt/tau)^(n-j)/(n-j)!."""
    out = np.zeros_like(state)
    for q, (tau, n) in enumerate(bank):
        acc = np.zeros(state.shape[0])
        for r, (tau2, n2) in enumerate(bank):
            if tau2 == tau and n2 <= n:
                acc += state[:, r] * (dt / tau) ** (n - n2) / math.factorial(n - n2)
        out[:, q] = acc * math.exp(-dt / tau)
    return out


def stream(pre, order, bank, offsets, carry):
    """Features at end + DELAY - offset of every recording of the stream (len(order), len(offsets), G, K)."""
    res = np.zeros((len(order), len(offsets), G, len(bank)))
    state = None
    for j, i in enumerate(order):
        end = pre[i][2]
        times = end + DELAY - np.asarray(offsets, float)
        o = own(pre[i], times, bank)
        at_end = own(pre[i], np.array([end + DELAY]), bank)[0]
        if carry and state is not None:
            for a, when in enumerate(times):  # the previous state was taken DELAY after its end; then the gap
                res[j, a] = o[a] + propagate(state, GAP_MS - DELAY + when, bank)
            state = at_end + propagate(state, GAP_MS + end, bank)
        else:
            res[j] = o
            state = at_end
    return res


def ridge_fit(x, y, ridge):
    x1 = np.hstack([x, np.ones((len(x), 1))])
    return np.linalg.solve(x1.T @ x1 + ridge * np.eye(x1.shape[1]), x1.T @ np.eye(10)[y])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(HERE, "..", "..", "shared"))
    ap.add_argument("--pool", type=int, default=4, help="pixel blocks of the input groups (network.rls.input_pool_px)")
    ap.add_argument("--quick", action="store_true", help="only the first and the third experiment (bins, current traces)")
    args = ap.parse_args()
    global POOL, CELLS, G
    POOL, CELLS = args.pool, (34 + args.pool - 1) // args.pool
    G = 2 * CELLS * CELLS
    experiments = [EXPERIMENTS[0], EXPERIMENTS[2]] if args.quick else EXPERIMENTS
    samples = bl.load(args.shared)
    labels = np.array([s[2] for s in samples])
    paths = np.array([s[0] for s in samples])
    pre = []
    for (_, _, _, ev) in samples:
        x, y, pol, t = ev
        pre.append((((pol * CELLS + y // POOL) * CELLS + x // POOL), t / 1000.0, (t.max() + 1) / 1000.0))
    folds = bl.stratified_folds(labels, 10, np.random.default_rng(1))
    print(f"# input groups: {args.pool}x{args.pool} pixel blocks per polarity, {G} groups", flush=True)
    for name, bank, learn, score, ridge in experiments:
        carry = bank != "nocarry"
        if bank == "nocarry":
            bank = [(30, 1), (100, 1), (300, 1)]
        accs = []
        for k, fold in enumerate(folds):
            train = np.setdiff1d(np.arange(len(labels)), fold)
            tr = np.random.default_rng(1 + k).permutation(train)
            te = fold[np.argsort(paths[fold])]
            if bank == "bins":
                feats = []
                for (g, t, _) in pre:
                    b = np.minimum((t / 112.0).astype(int), 2)
                    feats.append(np.log1p(np.bincount(b * G + g, minlength=3 * G).astype(float)))
                feats = np.asarray(feats)
                xtr, ytr, xte = feats[tr], labels[tr], feats[te]
            else:
                offsets = sorted(set(learn) | set(score))
                f = np.log1p(stream(pre, np.concatenate([tr, te]), bank, offsets, carry))
                f = f.reshape(f.shape[0], f.shape[1], -1)
                li = [offsets.index(o) for o in learn]
                si = [offsets.index(o) for o in score]
                xtr = f[:len(tr)][:, li].reshape(-1, f.shape[2])
                ytr = np.repeat(labels[tr], len(li))
                xte = f[len(tr):][:, si].mean(axis=1)
            w = ridge_fit(xtr, ytr, ridge)
            pred = np.argmax(np.hstack([xte, np.ones((len(xte), 1))]) @ w, axis=1)
            accs.append(np.mean(pred == labels[te]))
        print(f"{name:60s} cv={np.mean(accs):.4f} +- {np.std(accs):.4f}", flush=True)


if __name__ == "__main__":
    main()
