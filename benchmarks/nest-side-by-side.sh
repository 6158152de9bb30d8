#!/usr/bin/env bash
# Issue 11's bar: spikestream against NEST 3.10 on the benchmark network of ../shared/bench/README.md, both measured
# in this one run on this machine, N_rec = 10,000 with p = 0.1 and with K = 100, 2 threads, 1 s of biological time.
# Per network, in this order (so that a drift of the machine's load hits both programs alike):
#   NEST (../shared/bench/nest/bench_eprop.py; its wall_simulate_s: the simulation call alone), then REPS rounds of
#   cold JVMs of `EpropScaling --mode fast` (JIT included), each round: plain; with Java's AOT cache; with the kernels
#   primed during construction (`--prime-ms`, KernelPrimer: the JIT compiles on miniatures of the network before the
#   first step, and build_s includes it); with both. Then one warm run (after 2 s of warm-up), then NEST again when
#   NEST_REPS=2 (default).
# The figure of a spikestream run is its wall seconds per simulated second from the start of `simulate` (network
# construction excluded, as for NEST's wall_simulate_s; both construction times are in the report, and so is each
# program's whole run: NEST's construction + simulation, the JVM's uptime at the end).
# Rewrites the "NEST side by side" section of BENCHMARKS.md.
#
#   benchmarks/nest-build.sh ...                           # once per machine (prints NEST_PYTHONPATH)
#   NEST_PYTHONPATH=~/.cache/spikestream/nest-3.10/lib/python3.11/site-packages benchmarks/nest-side-by-side.sh
#   REPS=3 NEST_REPS=1 ONLY=k100 benchmarks/nest-side-by-side.sh
#   POOL_WITH="benchmarks/results/nest-side-by-side-A.txt" benchmarks/nest-side-by-side.sh   # pool with earlier runs
#
# Run it on an otherwise idle machine: NEST's OpenMP threads slow down several-fold when another process competes
# for the cores, which would flatter spikestream. The script records the load average before every run.
set -euo pipefail
cd "$(dirname "$0")/.."
NEST_PYTHONPATH=${NEST_PYTHONPATH:-$(ls -d "$HOME"/.cache/spikestream/nest-3.10/lib/python3*/site-packages 2>/dev/null | head -1)}
[ -n "$NEST_PYTHONPATH" ] || { echo "NEST not found: run benchmarks/nest-build.sh, then set NEST_PYTHONPATH" >&2; exit 2; }
BENCH_PY=../shared/bench/nest/bench_eprop.py
[ -f "$BENCH_PY" ] || { echo "missing $BENCH_PY (../shared beside the project root)" >&2; exit 2; }
[ -n "${SKIP_BUILD:-}" ] || ./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
CP="$(ls benchmarks/target/spikestream-benchmarks-*.jar | head -1):$(cat benchmarks/target/classpath.txt)"
# the JVM options of benchmarks/eprop-scaling.sh: C2 only (BENCHMARKS.md, "Engine": less JIT time from a cold JVM)
JVM_FLAGS=(-Xmx8g -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -XX:-TieredCompilation)
REPS=${REPS:-2}
NEST_REPS=${NEST_REPS:-2}
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/nest-side-by-side-$(date +%Y%m%d-%H%M%S).txt"
NEST_VERSION=$(PYTHONPATH="$NEST_PYTHONPATH" /usr/bin/python3 -c 'import nest; print(nest.__version__)' 2>/dev/null | tail -1)
echo "# date=$(date -Iseconds) host=$(hostname) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" java=\"$("$JAVA" -version 2>&1 | head -1)\" nest=\"$NEST_VERSION\" commit=$(git rev-parse --short HEAD) load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\" jvm_flags=\"${JVM_FLAGS[*]}\"" > "$RAW"
load() { cut -d" " -f1 /proc/loadavg; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
nest_run() { # label, bench_eprop args...
  local label=$1; shift
  local json
  json=$(mktemp)
  echo ">> $label (NEST): $*" >&2
  local l
  l=$(load)
  local t0 t1
  t0=$(date +%s.%N)
  PYTHONPATH="$NEST_PYTHONPATH" OMP_NUM_THREADS=2 /usr/bin/python3 "$BENCH_PY" "$@" --threads 2 --t-sim 1000 --json "$json" >/dev/null 2>"$json.err" \
    || { tail -20 "$json.err" >&2; exit 1; }
  t1=$(date +%s.%N)
  python3 - "$json" "$label" "$l" "$(elapsed "$t0" "$t1")" <<'PY' | tee -a "$RAW"
import json, sys
r = json.load(open(sys.argv[1]))
print(f"label={sys.argv[2]} program=nest load_before={sys.argv[3]} wall_per_sim_s={r['rtf_wall_per_bio']} "
      f"build_s={r['wall_build_s']} process_s={sys.argv[4]} rec_spikes={r['spikes_rec']} eprop_synapses={r['num_eprop_synapses']} "
      f"peak_rss_mib={r['peak_rss_mib']}")
PY
  rm -f "$json" "$json.err"
}
java_run() { # label, extra JVM flags (one word or ""), EpropScaling args...
  local label=$1 extra=$2; shift 2
  echo ">> $label: $*" >&2
  local l
  l=$(load)
  local t0 t1 line
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  line=$("$JAVA" "${JVM_FLAGS[@]}" $extra -cp "$CP" io.spikestream.benchmarks.EpropScaling "$@" | tail -1)
  t1=$(date +%s.%N)
  # process_s: the whole JVM, from launch to exit (NEST's: the python process, import + build + simulate)
  echo "label=$label program=spikestream load_before=$l process_s=$(elapsed "$t0" "$t1") $line" | tee -a "$RAW"
}
AOT_CACHE=benchmarks/target/eprop-scaling.aot
# 4000 + 1000 steps of the miniatures: C2 alone compiles a method after about 10^4 calls, and the per-step methods
# (Network.runStep, FastEpropRule.beginStep, the readouts' update, the rarer row kernels) are called about twice a step;
# with 800 + 200 they were compiled within the measured second, 86-162 ms of JIT on the workers' cores (BENCHMARKS.md)
PRIME_MS=${PRIME_MS:-4000}
rm -f "$AOT_CACHE"
echo ">> training the AOT cache ($AOT_CACHE)" >&2
# trained on the layout the measured networks run (the compact, hot layout of N_rec = 10^4; a small network keeps the
# classic one, whose kernels would be the ones profiled), with another seed, and through the primer's path too
"$JAVA" "${JVM_FLAGS[@]}" -XX:AOTCacheOutput="$AOT_CACHE" -Xlog:aot=error:stderr -cp "$CP" \
  io.spikestream.benchmarks.EpropScaling --n 10000 --k 100 --threads 2 --mode fast --sim-ms 500 --seed 2 \
  --prime-ms "$PRIME_MS" >/dev/null 2>"$RAW.aot-train.log"
for cfg in "n10000_p0.1:--n 10000 --p 0.1:--n-rec 10000 --p 0.1" "n10000_k100:--n 10000 --k 100:--n-rec 10000 --indegree 100"; do
  IFS=: read -r name ours theirs <<< "$cfg"
  case "${ONLY:-}" in ""|"${name#n10000_}") ;; *) continue ;; esac
  # shellcheck disable=SC2086
  nest_run "${name}_nest" $theirs
  for ((r = 1; r <= REPS; r++)); do
    # shellcheck disable=SC2086
    java_run "${name}_cold" "" $ours --threads 2 --mode fast
    # shellcheck disable=SC2086
    java_run "${name}_cold_aot" "-XX:AOTCache=$AOT_CACHE" $ours --threads 2 --mode fast
    # shellcheck disable=SC2086
    java_run "${name}_cold_primed" "" $ours --threads 2 --mode fast --prime-ms "$PRIME_MS"
    # shellcheck disable=SC2086
    java_run "${name}_cold_aot_primed" "-XX:AOTCache=$AOT_CACHE" $ours --threads 2 --mode fast --prime-ms "$PRIME_MS"
  done
  # shellcheck disable=SC2086
  java_run "${name}_warm" "" $ours --threads 2 --mode fast --warmup-ms 2000
  if [ "$NEST_REPS" -ge 2 ]; then
    # shellcheck disable=SC2086
    nest_run "${name}_nest" $theirs
  fi
done
echo "load_at_end=\"$(cut -d" " -f1-3 /proc/loadavg)\"" >> "$RAW"
python3 benchmarks/nest-side-by-side-report.py ${POOL_WITH:-} "$RAW" BENCHMARKS.md
echo "wrote $RAW and updated BENCHMARKS.md" >&2
