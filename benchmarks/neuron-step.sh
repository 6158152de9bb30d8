#!/usr/bin/env bash
# Cost follows spikes (issue 11, item 3): the wall time a plastic neuron costs per step when it is silent, at
# 10^6 silent neurons. Runs the benchmark network (N_rec = 1000, K = 100, fast e-prop, 2 threads) without and
# with SILENT extra plastic neurons (each with K = 100 plastic synapses from a silent input population, archiving
# a history every step, never spiking), after a warm-up, and prints the difference per silent neuron and step.
#
#   benchmarks/neuron-step.sh                 # SILENT=1000000 (about 8 GiB), 1 s simulated after 0.5 s warm-up
#   SILENT=10000 N=10000 benchmarks/neuron-step.sh   # the doubling check of BENCHMARKS ("cost follows spikes")
set -euo pipefail
cd "$(dirname "$0")/.."
SILENT=${SILENT:-1000000}
N=${N:-1000}
./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/neuron-step-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) host=$(hostname) cpus=$(nproc) commit=$(git rev-parse --short HEAD) load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\"" > "$RAW"
run() {
  "$JAVA" -Xmx12g -XX:+UseParallelGC -cp "$CP" io.spikestream.benchmarks.EpropScaling --n "$N" --k 100 --threads 2 \
    --mode fast --warmup-ms 500 --sim-ms 1000 "$@" | grep '^mode=' | tee -a "$RAW"
}
base=$(run --silent 0 | sed -n 's/.*wall_per_sim_s=\([0-9.]*\).*/\1/p')
with=$(run --silent "$SILENT" | sed -n 's/.*wall_per_sim_s=\([0-9.]*\).*/\1/p')
python3 - "$base" "$with" "$SILENT" <<'PY' | tee -a "$RAW"
import sys
base, with_, silent = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print("silent_neurons=%d base_wall_per_sim_s=%.3f with_silent_wall_per_sim_s=%.3f ratio=%.3f ns_per_silent_neuron_step=%.1f"
      % (silent, base, with_, with_ / base, (with_ - base) / (silent * 1000) * 1e9))
PY
