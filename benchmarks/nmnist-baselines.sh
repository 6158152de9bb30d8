#!/usr/bin/env bash
# Baseline table of BENCHMARKS.md ("N-MNIST: baselines and cross-validation"): numpy baselines and the project's
# own learners on the same 10 stratified folds of the 741 labelled shared samples (seed 1). About 15 minutes on an
# idle 2-core machine per learner. Learners: LEARNERS="label:nmnist options;label2:options" (default: the demo settings,
# i.e. eprop-rls; the same with the hidden layer frozen; the demo network with the e-prop readout). JOBS=2: two folds
# at once (results do not depend on it).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=benchmarks/results
mkdir -p "$OUT"
STAMP=$(date +%Y%m%d-%H%M%S)
python3 benchmarks/nmnist-baselines.py --seeds 3 --out "$OUT/nmnist-baselines-$STAMP.txt"
LEARNERS=${LEARNERS:-"eprop-rls:--direct --config classpath:demo.json;eprop-rls-frozen-hidden:--direct --config classpath:demo.json --set optimizer.eta=0;demo-eprop-readout:--direct --config classpath:demo.json --set network.rule=eprop"}
IFS=';' read -ra RUNS <<< "$LEARNERS"
for run in "${RUNS[@]}"; do
  label=${run%%:*}; opts=${run#*:}
  # shellcheck disable=SC2086
  python3 benchmarks/nmnist-cv.py --jobs "${JOBS:-1}" --label "$label" --out "$OUT/nmnist-cv-$label-$STAMP.txt" -- $opts
done
echo "wrote $OUT/nmnist-baselines-$STAMP.txt and $OUT/nmnist-cv-*-$STAMP.txt" >&2
