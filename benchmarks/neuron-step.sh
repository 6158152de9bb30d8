#!/usr/bin/env bash
# Cost follows spikes (issue 11, item 3): the time a plastic neuron costs per step when it is silent. Runs the
# benchmark network (N_rec = N, K = 100, fast e-prop, 2 threads) without and with SILENT extra plastic neurons (each
# with K = 100 plastic synapses from a silent input population, archiving a history every step, never spiking),
# after a warm-up, in REPS alternating pairs (so that a drift in the machine's load hits both alike), and prints a
# table: per pair the wall and the Java threads' CPU seconds per simulated second, their ratios, and the cost per
# silent neuron and step. Doubling N with silent neurons (SILENT = N) should cost at most 1.2x.
# The defaults measure the steady state: 2 s simulated after 1.5 s of warm-up. With a shorter warm-up the JIT still
# compiles inside the measured stretch, in both runs of a pair alike, and that dilutes the ratio (4 December 2026:
# 0.5 s + 1 s gave 0.88-1.25x where 1.5 s + 2 s gave 1.19-1.36x on the same build; BENCHMARKS.md).
#
#   benchmarks/neuron-step.sh                        # SILENT=1000000 (about 8 GiB), 2 s simulated after 1.5 s warm-up
#   SILENT=10000 N=10000 benchmarks/neuron-step.sh   # the doubling check of BENCHMARKS ("cost follows spikes")
#   SILENT=1000 N=1000 SIM_MS=300 WARMUP_MS=300 REPS=2 benchmarks/neuron-step.sh   # small: checks the script
set -euo pipefail
cd "$(dirname "$0")/.."
SILENT=${SILENT:-1000000}
N=${N:-1000}
SIM_MS=${SIM_MS:-2000}
WARMUP_MS=${WARMUP_MS:-1500}
REPS=${REPS:-1}
XMX=${XMX:-12g}
[ -n "${SKIP_BUILD:-}" ] || ./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/neuron-step-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) host=$(hostname) cpus=$(nproc) commit=$(git rev-parse --short HEAD) n=$N silent=$SILENT sim_ms=$SIM_MS warmup_ms=$WARMUP_MS load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\"" > "$RAW"
run() { # label, args...
  local label=$1; shift
  echo "label=$label $("$JAVA" -Xmx"$XMX" -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -cp "$CP" \
    io.spikestream.benchmarks.EpropScaling --n "$N" --k 100 --threads 2 --mode fast --warmup-ms "$WARMUP_MS" \
    --sim-ms "$SIM_MS" "$@" | grep '^mode=')" | tee -a "$RAW" >&2
}
for ((r = 1; r <= REPS; r++)); do
  run base --silent 0
  run silent --silent "$SILENT"
done
echo "# load_at_end=\"$(cut -d" " -f1-3 /proc/loadavg)\"" >> "$RAW"
python3 - "$RAW" "$SILENT" <<'PY' | tee -a "$RAW.md"
import sys
raw, silent = sys.argv[1], int(sys.argv[2])
rows = {"base": [], "silent": []}
for line in open(raw):
    if line.startswith("#"):
        continue
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
    rows[kv["label"]].append(kv)
print("| pair | N_rec | silent neurons | wall s / sim s (base, with silent) | ratio | Java threads' CPU s / sim s (base, with silent) | ratio | ns per silent neuron-step (wall) | rec. spikes (base, with silent) |")
print("|---|---|---|---|---|---|---|---|---|")
for i, (a, b) in enumerate(zip(rows["base"], rows["silent"]), 1):
    sim_s = float(a["sim_ms"]) / 1000
    wa, wb = float(a["wall_per_sim_s"]), float(b["wall_per_sim_s"])
    ca, cb = float(a["java_threads_cpu_s"]) / sim_s, float(b["java_threads_cpu_s"]) / sim_s
    steps_per_sim_s = 1000  # h = 1 ms
    ns = (wb - wa) / (silent * steps_per_sim_s) * 1e9
    print(f"| {i} | {a['n_rec']} | {silent} | {wa:.3f}, {wb:.3f} | {wb / wa:.2f}x | {ca:.3f}, {cb:.3f} | {cb / ca:.2f}x | "
          f"{ns:.1f} | {a['rec_spikes']}, {b['rec_spikes']} |")
PY
echo "wrote $RAW and $RAW.md" >&2
