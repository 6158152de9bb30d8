#!/usr/bin/env python3
"""spikestream's own learners on the same cross-validation folds as benchmarks/nmnist-baselines.py.

Each fold: the learner streams the other nine tenths of the 741 labelled shared samples once (learning online,
prequential accuracy printed as train_accuracy=), then the held-out tenth with learning off (test_accuracy=).
The folds are drawn exactly as the baselines draw them (stratified, numpy seed = --seed), and laid out as
symlinked <label>/<file>.bin folders so `./spikestream nmnist --train DIR --test DIR` reads them unchanged.

Usage: benchmarks/nmnist-cv.py [--label NAME] [--folds 10] [--seed 1] [--jobs 1] [--out FILE] -- [nmnist options...]
(--jobs: folds run as that many JVMs at once; each fold's result does not depend on it)
e.g.   benchmarks/nmnist-cv.py --label demo -- --direct --config classpath:demo.json
Needs numpy (Debian: python3-numpy).
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def stratified_folds(labels, k, rng):
    # The same draw as nmnist-baselines.py, so both tables score the same held-out samples.
    folds = [[] for _ in range(k)]
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        for j, i in enumerate(idx):
            folds[j % k].append(i)
    return [np.asarray(sorted(f)) for f in folds]


def link(root, paths, labels, dest):
    for p, c in zip(paths, labels):
        d = os.path.join(dest, str(c))
        os.makedirs(d, exist_ok=True)
        # Train and Test share file numbers only across splits; prefix the split to keep names unique.
        name = p.split("/")[0].lower() + "-" + os.path.basename(p)
        os.symlink(os.path.abspath(os.path.join(root, p)), os.path.join(d, name))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=os.path.join(here, "..", "..", "shared"))
    ap.add_argument("--folds", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--label", default="learner")
    ap.add_argument("--out", default=None)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("nmnist_args", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    extra = [a for a in args.nmnist_args if a != "--"]

    root = os.path.join(args.shared, "data", "nmnist")
    rows = [r for r in csv.DictReader(open(os.path.join(root, "labels.csv"))) if r["split"] in ("train", "test")]
    paths = np.asarray([r["path"] for r in rows])
    labels = np.asarray([int(r["label"]) for r in rows])
    launcher = os.path.join(here, "..", "spikestream")
    def run_fold(i, fold):
        train = np.setdiff1d(np.arange(len(labels)), fold)
        with tempfile.TemporaryDirectory() as tmp:
            link(root, paths[train], labels[train], os.path.join(tmp, "train"))
            link(root, paths[fold], labels[fold], os.path.join(tmp, "test"))
            cmd = [launcher, "nmnist", "--train", os.path.join(tmp, "train"), "--test", os.path.join(tmp, "test"),
                   "--seed", str(args.seed + i)] + extra
            started = time.time()
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"fold {i}: {' '.join(cmd)} exited {out.returncode}\n{out.stderr[-2000:]}")
            te = float(re.search(r"^test_accuracy=([0-9.]+)", out.stdout, re.M).group(1))
            tr = float(re.search(r"^train_accuracy=([0-9.]+)", out.stdout, re.M).group(1))
            line = f"fold={i} test_accuracy={te:.4f} train_prequential={tr:.4f} wall_s={time.time() - started:.1f}"
            print(line, flush=True)
            return te, tr, line

    folds = stratified_folds(labels, args.folds, np.random.default_rng(args.seed))
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(run_fold, range(len(folds)), folds))
    test_acc = [r[0] for r in results]
    train_acc = [r[1] for r in results]
    lines = [r[2] for r in results]
    summary = (f"label={args.label} args=\"{' '.join(extra)}\" folds={len(test_acc)} seed={args.seed} "
               f"cv_mean={np.mean(test_acc):.4f} cv_sd={np.std(test_acc):.4f} "
               f"prequential_mean={np.mean(train_acc):.4f} prequential_sd={np.std(train_acc):.4f}")
    print(summary)
    if args.out:
        with open(args.out, "a") as fh:
            fh.write("\n".join(lines + [summary]) + "\n")


if __name__ == "__main__":
    main()
