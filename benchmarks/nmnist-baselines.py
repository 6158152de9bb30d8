#!/usr/bin/env python3
"""Non-spiking and fixed-spiking baselines for single-pass N-MNIST on the shared samples.

What the learners of spikestream are measured against (issue: learning quality). Every baseline sees each
training sample once where it is an online learner, and is scored on samples it never saw:
  - softmax, one pass of Adam over event counts pooled 4x4 in three time bins (one per saccade);
  - least squares on the same features (one-pass recursive least squares gives exactly these weights:
    RLS with P0 = I / ridge is ridge regression on the samples seen so far);
  - k nearest neighbours (k = 3, cosine) on the same features;
  - a fixed random LIF layer (300 neurons, 1 ms steps, tau_m 20 ms, sparse random input weights), its spike
    counts per third of the sample read out by least squares.
Scores: 10-fold stratified cross-validation over all 741 labelled shared samples (Train + Test), repeated for
every seed (mean +- sd over folds x seeds), the fixed Train -> Test split (669 -> 72 samples; +-5 points on its
own), and prequential accuracy (predict, then learn, in a seeded random order of all samples) for the online ones.

Usage: benchmarks/nmnist-baselines.py [--shared ../shared] [--seeds 1] [--out FILE]
Needs numpy only (Debian: python3-numpy).
"""
import argparse
import csv
import datetime
import os
import platform
import sys
import time

import numpy as np

WIDTH = 34
BINS_US = (0, 105_000, 205_000)  # saccade boundaries of N-MNIST's three ~100 ms saccades


def read_events(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 5).astype(np.int64)
    x, y = raw[:, 0], raw[:, 1]
    pol = raw[:, 2] >> 7
    t = ((raw[:, 2] & 0x7F) << 16) | (raw[:, 3] << 8) | raw[:, 4]
    keep = (x < WIDTH) & (y < WIDTH)
    return x[keep], y[keep], pol[keep], t[keep]


def load(shared):
    root = os.path.join(shared, "data", "nmnist")
    rows = list(csv.DictReader(open(os.path.join(root, "labels.csv"))))
    samples = []
    for r in rows:
        if r["split"] not in ("train", "test"):
            continue
        samples.append((r["path"], r["split"], int(r["label"]), read_events(os.path.join(root, r["path"]))))
    return samples


def pooled_counts(ev, pool=4):
    x, y, pol, t = ev
    cells = (WIDTH + pool - 1) // pool
    tb = np.searchsorted(np.asarray(BINS_US[1:]), t, side="right")
    idx = ((tb * 2 + pol) * cells + y // pool) * cells + x // pool
    f = np.bincount(idx, minlength=3 * 2 * cells * cells).astype(np.float64)
    return np.log1p(f)


def lif_features(ev, w_in, rng_unused=None, n=300, tau_m=20.0, v_th=1.0, steps=310):
    """Spike counts of a fixed random LIF layer per third of the sample (1 ms steps, reset to 0)."""
    x, y, pol, t = ev
    pix = (pol * WIDTH + y) * WIDTH + x
    step = np.minimum(t // 1000, steps - 1)
    inp = np.zeros((steps, w_in.shape[0]))
    np.add.at(inp, (step, pix), 1.0)
    drive = inp @ w_in  # (steps, n)
    decay = np.exp(-1.0 / tau_m)
    v = np.zeros(n)
    counts = np.zeros((3, n))
    third = steps / 3.0
    for s in range(steps):
        v = v * decay + drive[s]
        fired = v >= v_th
        counts[min(int(s // third), 2)] += fired
        v[fired] = 0.0
    return counts.ravel()


class Softmax:
    """Multinomial logistic regression, one Adam step per sample (online, one pass)."""

    def __init__(self, d, k, lr=3e-3):
        self.w = np.zeros((k, d + 1))
        self.m = np.zeros_like(self.w)
        self.v = np.zeros_like(self.w)
        self.t = 0
        self.lr = lr

    def scores(self, f):
        return self.w @ np.append(f, 1.0)

    def learn(self, f, label):
        z = self.scores(f)
        p = np.exp(z - z.max())
        p /= p.sum()
        p[label] -= 1.0
        g = np.outer(p, np.append(f, 1.0))
        self.t += 1
        self.m = 0.9 * self.m + 0.1 * g
        self.v = 0.999 * self.v + 0.001 * g * g
        mh = self.m / (1 - 0.9 ** self.t)
        vh = self.v / (1 - 0.999 ** self.t)
        self.w -= self.lr * mh / (np.sqrt(vh) + 1e-8)


class RecursiveLeastSquares:
    """One-pass RLS to one-hot targets; P0 = I / ridge, so the weights after n samples are ridge regression's."""

    def __init__(self, d, k, ridge=1.0):
        self.p = np.eye(d + 1) / ridge
        self.w = np.zeros((k, d + 1))

    def scores(self, f):
        return self.w @ np.append(f, 1.0)

    def learn(self, f, label):
        x = np.append(f, 1.0)
        px = self.p @ x
        gain = px / (1.0 + x @ px)
        target = np.zeros(self.w.shape[0])
        target[label] = 1.0
        self.w += np.outer(target - self.w @ x, gain)
        self.p -= np.outer(gain, px)


class NearestNeighbours:
    def __init__(self, d, k, neighbours=3):
        self.x, self.y, self.k, self.n = [], [], k, neighbours

    def scores(self, f):
        s = np.zeros(self.k)
        if not self.x:
            return s
        xs = np.asarray(self.x)
        sim = xs @ f / (np.linalg.norm(xs, axis=1) * np.linalg.norm(f) + 1e-12)
        for i in np.argsort(-sim)[: self.n]:
            s[self.y[i]] += 1.0 + 1e-6 * sim[i]
        return s

    def learn(self, f, label):
        self.x.append(f)
        self.y.append(label)


def standardiser(train_features):
    mu = train_features.mean(axis=0)
    sd = train_features.std(axis=0) + 1e-6
    return lambda f: (f - mu) / sd


def evaluate(make, feats, labels, train_idx, test_idx, order_rng, standardise):
    """Train one pass over train_idx in a seeded order, score test_idx; features standardised by the train part."""
    learner = make(feats.shape[1], 10)
    order = order_rng.permutation(train_idx)
    norm = standardiser(feats[train_idx]) if standardise else (lambda f: f)
    for i in order:
        learner.learn(norm(feats[i]), labels[i])
    pred = [int(np.argmax(learner.scores(norm(feats[i])))) for i in test_idx]
    return float(np.mean(np.asarray(pred) == labels[test_idx]))


def prequential(make, feats, labels, order, standardise):
    """Predict each sample before learning from it; running standardisation (Welford) keeps it one-pass."""
    learner = make(feats.shape[1], 10)
    n, mean, m2 = 0, np.zeros(feats.shape[1]), np.zeros(feats.shape[1])
    hits = 0
    for i in order:
        f = feats[i]
        if standardise:
            sd = np.sqrt(m2 / max(n - 1, 1)) + 1e-6 if n > 1 else np.ones_like(f)
            g = (f - mean) / sd
        else:
            g = f
        hits += int(np.argmax(learner.scores(g))) == labels[i]
        learner.learn(g, labels[i])
        n += 1
        delta = f - mean
        mean += delta / n
        m2 += delta * (f - mean)
    return hits / len(order)


def stratified_folds(labels, k, rng):
    folds = [[] for _ in range(k)]
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        for j, i in enumerate(idx):
            folds[j % k].append(i)
    return [np.asarray(sorted(f)) for f in folds]


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    ap.add_argument("--seeds", type=int, default=1, help="repetitions of the 10-fold CV (different fold draws)")
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    started = time.time()
    samples = load(args.shared)
    labels = np.asarray([s[2] for s in samples])
    is_test = np.asarray([s[1] == "test" for s in samples])
    counts = np.stack([pooled_counts(s[3]) for s in samples])
    w_rng = np.random.default_rng(12345)
    n_lif = 300
    w_in = (w_rng.random((2 * WIDTH * WIDTH, n_lif)) < 0.05) * w_rng.normal(0.25, 0.1, (2 * WIDTH * WIDTH, n_lif))
    lif = np.log1p(np.stack([lif_features(s[3], w_in, n=n_lif) for s in samples]))

    # Settings fixed once, by 10-fold CV over ridge in {0.1 .. 1000} and with/without standardisation on these
    # same samples (so the least-squares rows are slightly optimistic; the softmax learning rate was not swept).
    baselines = [
        ("softmax, one pass of Adam (lr 3e-3), pooled counts, standardised", lambda d, k: Softmax(d, k), counts,
         True),
        ("least squares = one-pass RLS (ridge 100), pooled counts", lambda d, k: RecursiveLeastSquares(d, k, 100.0),
         counts, False),
        ("3 nearest neighbours (cosine), pooled counts", lambda d, k: NearestNeighbours(d, k), counts, False),
        ("fixed random LIF layer (300) + least squares (ridge 100) on its counts per third",
         lambda d, k: RecursiveLeastSquares(d, k, 100.0), lif, False),
    ]
    lines = []
    out = lambda s: (print(s), lines.append(s))
    out(f"# N-MNIST baselines, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    out(f"# machine: {platform.machine()} {platform.processor() or ''} cores={os.cpu_count()} "
        f"load={os.getloadavg()[0]:.2f}; numpy {np.__version__}; command: {' '.join(sys.argv)}")
    out(f"# samples: {len(samples)} labelled ({int((~is_test).sum())} Train, {int(is_test.sum())} Test); "
        f"features: pooled counts {counts.shape[1]}, LIF {lif.shape[1]}")
    out("| baseline | CV accuracy (mean +- sd) | Train -> Test | prequential (mean +- sd) |")
    out("|---|---|---|---|")
    train_idx, test_idx = np.flatnonzero(~is_test), np.flatnonzero(is_test)
    for name, make, feats, std in baselines:
        cv, preq = [], []
        for seed in range(1, args.seeds + 1):
            rng = np.random.default_rng(seed)
            for fold in stratified_folds(labels, args.folds, rng):
                tr = np.setdiff1d(np.arange(len(labels)), fold)
                cv.append(evaluate(make, feats, labels, tr, fold, np.random.default_rng(seed), std))
            preq.append(prequential(make, feats, labels, np.random.default_rng(seed).permutation(len(labels)), std))
        test = evaluate(make, feats, labels, train_idx, test_idx, np.random.default_rng(1), std)
        out(f"| {name} | {np.mean(cv):.3f} +- {np.std(cv):.3f} ({len(cv)} folds) | {test:.3f} | "
            f"{np.mean(preq):.3f} +- {np.std(preq):.3f} ({len(preq)} orders) |")
    out(f"# wall {time.time() - started:.0f} s")
    if args.out:
        with open(args.out, "w") as fh:
            fh.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
