#!/usr/bin/env bash
# The second-order readout on the other rules (issue "Learning quality", item 5): each of time-driven e-prop,
# SuperSpike and EventProp with its own readout (network.rule=<rule>) and read out by recursive least squares
# (network.rule=<rule>-rls: the same network trained the same way, the prediction by RLS on the hidden and 4x4-pooled
# input spike counts per third of the sample, network.rls defaults). Each rule with its defaults from
# learner-defaults.json (150 hidden neurons, no pooling), as in benchmarks/nmnist-rules.sh.
#   test:  Train -> Test (669 training samples shuffled with seed 1 and learned online once, then the 72 test samples
#          with learning off), one JVM per run, into benchmarks/results/rls-rules-<date>.txt
#   cv:    10-fold cross-validation on the 741 shared samples (benchmarks/nmnist-cv.py, seed 1, the folds of the
#          baselines), into benchmarks/results/nmnist-cv-<label>-<date>.txt
# Usage: benchmarks/rls-rules.sh [test|cv|all] [network.rule ...]
#   (default: eventprop-rls eventprop eprop-time-driven-rls superspike-rls eprop-time-driven superspike)
# Environment: SHARED (default ../shared), JOBS (folds at once, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
DATA=$SHARED/data/nmnist
JOBS=${JOBS:-2}
OUT=benchmarks/results
mkdir -p "$OUT"
what=${1:-all}
shift || true
rules=("$@")
[ ${#rules[@]} -gt 0 ] || rules=(eventprop-rls eventprop eprop-time-driven-rls superspike-rls eprop-time-driven superspike)
./spikestream --version > /dev/null   # builds on first use
stamp=$(date +%Y%m%d-%H%M)
header() { echo "# date=$(date -Iseconds) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\" data=$DATA; command: $*"; }

if [ "$what" = test ] || [ "$what" = all ]; then
  RAW="$OUT/rls-rules-$stamp.txt"
  header "benchmarks/rls-rules.sh test ${rules[*]}" > "$RAW"
  TMP=$(mktemp -d)
  trap 'rm -rf "$TMP"' EXIT
  for r in "${rules[@]}"; do
    /usr/bin/time -v -o "$TMP/time.txt" ./spikestream nmnist --direct --train "$DATA/Train" --test "$DATA/Test" \
      --set network.rule="$r" > "$TMP/out.txt" 2> "$TMP/err.txt" || { cat "$TMP/err.txt" >&2; exit 1; }
    rss=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
    echo "label=$r args=\"--direct --set network.rule=$r\" $(grep -E '^(train_accuracy|test_accuracy|throughput)' "$TMP/out.txt" | tr '\n' ' ')peak_rss_mb=$((rss / 1024)) load=\"$(cut -d" " -f1-3 /proc/loadavg)\"" | tee -a "$RAW"
  done
fi

if [ "$what" = cv ] || [ "$what" = all ]; then
  for r in "${rules[@]}"; do
    f="$OUT/nmnist-cv-$r-$stamp.txt"
    header "benchmarks/nmnist-cv.py --jobs $JOBS --label $r -- --direct --set network.rule=$r" > "$f"
    python3 benchmarks/nmnist-cv.py --shared "$SHARED" --jobs "$JOBS" --label "$r" --out "$f" -- \
      --direct --set network.rule="$r"
  done
fi
