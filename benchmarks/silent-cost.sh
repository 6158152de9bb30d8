#!/usr/bin/env bash
# Cost follows spikes (issue 11, item 3), measured in one JVM per run: SilentCost builds the benchmark network
# (N_rec = N, K = 100, fast e-prop, 2 threads) twice, without and with SILENT extra plastic neurons that never spike,
# and simulates the two in alternating stretches of CHUNK_MS (A B B A ...), so that the machine's drifting speed hits
# both alike (separate processes, as in neuron-step.sh, scatter by 20-30 % pair to pair on this machine). REPS runs;
# each prints the ratio of the totals, the median and quartiles of its per-stretch ratios and the wall nanoseconds per
# silent neuron and step. Doubling N with silent neurons (SILENT = N) should cost at most 1.2x.
#
#   benchmarks/silent-cost.sh                          # N = SILENT = 10000, 5 runs of 60 stretches of 100 ms
#   SILENT=1000000 N=10000 REPS=1 ROUNDS=10 benchmarks/silent-cost.sh   # the per-neuron-step cost at 10^6 (~10 GiB)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
SILENT=${SILENT:-10000}
REPS=${REPS:-5}
ROUNDS=${ROUNDS:-60}
CHUNK_MS=${CHUNK_MS:-100}
WARMUP_MS=${WARMUP_MS:-1500}
XMX=${XMX:-12g}
[ -n "${SKIP_BUILD:-}" ] || ./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/silent-cost-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) host=$(hostname) cpus=$(nproc) commit=$(git rev-parse --short HEAD) n=$N silent=$SILENT rounds=$ROUNDS chunk_ms=$CHUNK_MS warmup_ms=$WARMUP_MS load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\"" > "$RAW"
for ((r = 1; r <= REPS; r++)); do
  "$JAVA" -Xmx"$XMX" -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -cp "$CP" io.spikestream.benchmarks.SilentCost \
    --n "$N" --silent "$SILENT" --k 100 --threads 2 --warmup-ms "$WARMUP_MS" --chunk-ms "$CHUNK_MS" --rounds "$ROUNDS" \
    | grep '^silent_cost' | tee -a "$RAW" >&2
done
echo "# load_at_end=\"$(cut -d" " -f1-3 /proc/loadavg)\"" >> "$RAW"
python3 - "$RAW" <<'PY' | tee "$RAW.md"
import statistics, sys
rows = []
for line in open(sys.argv[1]):
    if line.startswith("silent_cost"):
        rows.append(dict(t.split("=", 1) for t in line.split()[1:]))
print("| run | N_rec | silent neurons | wall s / sim s (base, with silent) | ratio of totals | per-stretch ratio: median (q1-q3) | ns per silent neuron-step (wall) | rec. spikes (base, with silent) |")
print("|---|---|---|---|---|---|---|---|")
for i, r in enumerate(rows, 1):
    print(f"| {i} | {r['n_rec']} | {r['silent']} | {float(r['base_wall_per_sim_s']):.3f}, {float(r['silent_wall_per_sim_s']):.3f} | "
          f"{float(r['ratio']):.3f}x | {float(r['ratio_median']):.3f}x ({float(r['ratio_q1']):.3f}-{float(r['ratio_q3']):.3f}) | "
          f"{float(r['ns_per_silent_neuron_step']):.1f} | {r['rec_spikes_base']}, {r['rec_spikes_silent']} |")
ratios = [float(r["ratio"]) for r in rows]
if len(ratios) > 1:
    print(f"\nratio of totals over {len(ratios)} runs: mean {statistics.mean(ratios):.3f}x, sd {statistics.stdev(ratios):.3f}, "
          f"median {statistics.median(ratios):.3f}x")
PY
