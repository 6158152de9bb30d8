#!/usr/bin/env bash
# Single-pass N-MNIST accuracy of the learner's NEST protocol with NEST's semantics of coinciding spikes
# (docs/nest-semantics.md): default settings, and default settings with NEST's pixel blocklist (the "NEST
# protocol" rows of BENCHMARKS.md), straight from the files (--direct: the stream the Kafka path reproduces bit
# for bit). Prints one line per run; the figures go into BENCHMARKS.md, "NEST's semantics of coinciding spikes".
# To compare with an older engine, run it on a checkout of that commit. About 1 minute on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/nmnist}
echo "# date=$(date -Iseconds) commit=$(git rev-parse --short HEAD) cpus=$(nproc) load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\""
./spikestream --version > /dev/null   # builds on first use
run() { # label, args...
  local label=$1; shift
  local out
  out=$(./spikestream nmnist --train "$DATA/Train" --test "$DATA/Test" --direct "$@" 2>/dev/null)
  echo "label=$label $(echo "$out" | grep -E '^(train_accuracy|test_accuracy)' | tr '\n' ' ')"
}
run default
run nest_protocol --set sensor.blocklist="$DATA/nest_pixel_blocklist.txt"
