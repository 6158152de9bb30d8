#!/usr/bin/env bash
# Single-pass N-MNIST accuracy and whole-path throughput (Kafka -> network -> sinks) on ../shared/data/nmnist,
# written into the "N-MNIST online learning" section of BENCHMARKS.md. Every run goes through the embedded
# Kafka broker (replay -> topic -> reactive source -> learner), train split streamed once (or N times), test split
# with learning off. Run it on an otherwise idle machine: about 15 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/nmnist}
BL="$DATA/nest_pixel_blocklist.txt"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/nmnist-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\" data=$DATA" > "$RAW"
./spikestream --version > /dev/null   # builds on first use
run() { # label, args...
  local label=$1; shift
  echo ">> $label: $*" >&2
  local start=$(date +%s.%N)
  local out
  out=$(./spikestream nmnist --train "$DATA/Train" --test "$DATA/Test" "$@" 2>/dev/null)
  local wall=$(echo "$(date +%s.%N) - $start" | bc)
  echo "label=$label args=\"$*\" $(echo "$out" | grep -E '^(train_accuracy|test_accuracy|throughput)' | tr '\n' ' ') command_wall_s=$wall" | tee -a "$RAW"
}
NEST="--set sensor.blocklist=$BL"
run nest_protocol_1pass $NEST
run nest_protocol_1pass_t2 $NEST --set network.threads=2
run nest_protocol_adam_per_sample_1pass $NEST --set optimizer.type=adam --set optimizer.eta=5e-4 \
    --set optimizer.batch_size=300 --set network.rec.c_reg=666.6666666666666
run demo_1pass --config classpath:demo.json
run demo_3pass --config classpath:demo.json --passes 3
run nest_protocol_10x_1pass_t2 $NEST --set network.n_rec=1500 --set network.p_rec=0.001 --set network.threads=2
python3 benchmarks/nmnist-report.py "$RAW" BENCHMARKS.md
echo "wrote $RAW and updated BENCHMARKS.md" >&2
