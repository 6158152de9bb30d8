#!/usr/bin/env bash
# Baseline table of BENCHMARKS.md ("N-MNIST: baselines and cross-validation"): numpy baselines and the project's
# own learners on the same 10 stratified folds of the 741 labelled shared samples (seed 1). About 15 minutes on an
# idle 2-core machine. Extra learners: LEARNERS="label:nmnist options;label2:options" (default: the demo settings).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=benchmarks/results
mkdir -p "$OUT"
STAMP=$(date +%Y%m%d-%H%M%S)
python3 benchmarks/nmnist-baselines.py --seeds 3 --out "$OUT/nmnist-baselines-$STAMP.txt"
LEARNERS=${LEARNERS:-"demo:--direct --config classpath:demo.json"}
IFS=';' read -ra RUNS <<< "$LEARNERS"
for run in "${RUNS[@]}"; do
  label=${run%%:*}; opts=${run#*:}
  # shellcheck disable=SC2086
  python3 benchmarks/nmnist-cv.py --label "$label" --out "$OUT/nmnist-cv-$label-$STAMP.txt" -- $opts
done
echo "wrote $OUT/nmnist-baselines-$STAMP.txt and $OUT/nmnist-cv-*-$STAMP.txt" >&2
