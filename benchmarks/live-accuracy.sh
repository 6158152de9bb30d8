#!/usr/bin/env bash
# N-MNIST in continuous time against NEST's per_window protocol, single pass, demo settings, through the embedded
# Kafka broker: per_window as nmnist runs it by default, then --set time.mode=continuous with 100 ms of silence
# between recordings (--gap-us). Prints one key=value line per run into benchmarks/results/live-accuracy-<date>.txt;
# copy the figures into BENCHMARKS.md ("Live streams"). About 2 minutes on 2 cores.
#   GAP_US=100000 PASSES=1 EXTRA="--direct" benchmarks/live-accuracy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/nmnist}
GAP_US=${GAP_US:-100000}
PASSES=${PASSES:-1}
EXTRA=${EXTRA:-}
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/live-accuracy-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) cpus=$(nproc) load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\" data=$DATA" > "$RAW"
./spikestream --version > /dev/null   # builds on first use
run() { # label, args...
  local label=$1; shift
  local out
  # shellcheck disable=SC2086
  out=$(./spikestream nmnist --train "$DATA/Train" --test "$DATA/Test" --config classpath:demo.json --passes "$PASSES" $EXTRA "$@" 2>/dev/null)
  echo "label=$label args=\"$*\" $(echo "$out" | grep -E '^(train_accuracy|test_accuracy|throughput|continuous)' | tr '\n' ' ')" | tee -a "$RAW"
}
run per_window
run continuous_gap --set time.mode=continuous --gap-us "$GAP_US"
run continuous_nogap --set time.mode=continuous
echo "wrote $RAW" >&2
