#!/usr/bin/env bash
# The second-order readout (network.rule=eprop-rls, issue "Learning quality") against the e-prop readout on the same
# single-pass N-MNIST stream (../shared/data/nmnist: 669 training samples shuffled with seed 1 and learned online,
# then the 72 test samples with learning off), demo settings, straight from the files, one JVM per run:
#   eprop            demo.json with the e-prop readout (the previous demo)
#   eprop-rls        demo.json as shipped
#   frozen-hidden    eprop-rls with the hidden layer frozen (optimizer.eta=0: e-prop learns nothing)
#   hidden-only      eprop-rls reading the hidden neurons only (network.rls.input_pool_px=0)
#   hidden-only-frozen  the same with the hidden layer frozen
# Test and prequential accuracy, wall seconds of the learning run, peak RSS (VmHWM, /usr/bin/time -v). Cross-validated
# figures: benchmarks/nmnist-cv.py (benchmarks/nmnist-baselines.sh). About 5 minutes on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/nmnist}
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/rls-readout-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\" data=$DATA" > "$RAW"
./spikestream --version > /dev/null   # builds on first use
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
run() { # label, args...
  local label=$1; shift
  /usr/bin/time -v -o "$TMP/time.txt" ./spikestream nmnist --direct --train "$DATA/Train" --test "$DATA/Test" \
    --config classpath:demo.json "$@" > "$TMP/out.txt" 2> /dev/null
  local rss
  rss=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
  echo "label=$label args=\"$*\" $(grep -E '^(train_accuracy|test_accuracy|throughput)' "$TMP/out.txt" | tr '\n' ' ')peak_rss_mb=$((rss / 1024)) load=\"$(cut -d" " -f1-3 /proc/loadavg)\"" | tee -a "$RAW"
}
run eprop --set network.rule=eprop
run eprop-rls
run frozen-hidden --set optimizer.eta=0
run hidden-only --set network.rls.input_pool_px=0
run hidden-only-frozen --set network.rls.input_pool_px=0 --set optimizer.eta=0
echo "wrote $RAW" >&2
