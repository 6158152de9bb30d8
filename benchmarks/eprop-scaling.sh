#!/usr/bin/env bash
# Runs the e-prop scaling benchmark of ../shared/bench/README.md (network of NEST's figures) for the
# configurations of BENCHMARKS.md and rewrites its "E-prop engine" section. One JVM per configuration, so that
# the peak RSS is that configuration's own. Run it on an otherwise idle machine.
#
#   benchmarks/eprop-scaling.sh            # full matrix (about 20 minutes on 2 cores)
#   QUICK=1 benchmarks/eprop-scaling.sh    # N_rec = 1000 only
#   AOT=0 benchmarks/eprop-scaling.sh      # without the cold-JVM runs with and without Java's AOT cache
#   AOT_ONLY=1 benchmarks/eprop-scaling.sh # only those (REPS pairs each, default 3), ratios printed, BENCHMARKS.md untouched
#   JVM_EXTRA="..." benchmarks/eprop-scaling.sh   # JVM options for every run (default -XX:-TieredCompilation; empty: none)
#
# Cold runs with and without the AOT cache (JEP 483/514/515): the cache is trained once by a short run of the same
# class (-XX:AOTCacheOutput, N_rec = 10^4, K = 100, 500 ms, another seed: the hot layout the measured networks run; a
# small network would profile the classic layout's kernels instead); then, per network, cold JVMs without and with -XX:AOTCache
# alternate, so that a drift in the machine's load hits both alike, and the ratio of each pair is reported.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || ./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
# the module's jar, not target/classes: an AOT cache holds only classes loaded from jar files
CP="$(ls benchmarks/target/spikestream-benchmarks-*.jar | head -1):$(cat benchmarks/target/classpath.txt)"
JVM_FLAGS=(-Xmx8g -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED)
# JVM_EXTRA: further JVM options for every run. Default -XX:-TieredCompilation: C2 only, no C1 tier, which halved the JIT's
# compilation time of a cold run and cut its CPU by 1.1-1.4x in every interleaved pair on the loaded development
# machine (BENCHMARKS.md, "Engine"); JVM_EXTRA= (empty) runs with the JVM's default tiered compilation.
JVM_EXTRA=${JVM_EXTRA--XX:-TieredCompilation}
read -ra jvm_extra <<< "$JVM_EXTRA"
JVM_FLAGS+=("${jvm_extra[@]}")
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/eprop-scaling-$(date +%Y%m%d-%H%M%S).txt"
run() { # label, args...
  local label=$1; shift
  echo ">> $label: $*" >&2
  echo "label=$label $("$JAVA" "${JVM_FLAGS[@]}" ${EXTRA_JVM_FLAGS:-} -cp "$CP" io.spikestream.benchmarks.EpropScaling "$@" | tr '\n' ' ')" | tee -a "$RAW"
}
AOT_CACHE=benchmarks/target/eprop-scaling.aot
aot_pairs() { # cold JVMs without and with the AOT cache, alternating; then the ratio of each pair
  rm -f "$AOT_CACHE"
  echo ">> training the AOT cache ($AOT_CACHE)" >&2
  "$JAVA" "${JVM_FLAGS[@]}" -XX:AOTCacheOutput="$AOT_CACHE" -Xlog:aot=error:stderr -cp "$CP" \
    io.spikestream.benchmarks.EpropScaling --n 10000 --k 100 --threads 2 --mode fast --sim-ms 500 --seed 2 >/dev/null \
    2> "$RAW.aot-train.log" || { echo "AOT cache training failed, see $RAW.aot-train.log" >&2; exit 1; }
  echo "# aot_cache_bytes=$(stat -c %s "$AOT_CACHE")" >> "$RAW"
  for cfg in "n10000_p0.1:--n 10000 --p 0.1" "n10000_k100:--n 10000 --k 100"; do
    local name=${cfg%%:*} args=${cfg#*:}
    for ((r = 1; r <= ${REPS:-3}; r++)); do
      # shellcheck disable=SC2086
      EXTRA_JVM_FLAGS="" run "${name}_fast_cold_t2" $args --threads 2 --mode fast
      # shellcheck disable=SC2086
      EXTRA_JVM_FLAGS="-XX:AOTCache=$AOT_CACHE -Xlog:aot=error:stderr" run "${name}_fast_cold_aot_t2" $args --threads 2 --mode fast
    done
  done
  python3 - "$RAW" <<'PY'
import sys, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
    if kv.get("label", "").endswith(("_cold_t2", "_cold_aot_t2")):
        rows[kv["label"]].append(kv)
print("| network | cold wall s / sim s (no cache) | with AOT cache | ratio (pairs) | JIT ms no cache / cache | JVM uptime s no cache / cache |")
print("|---|---|---|---|---|---|")
for name in ("n10000_p0.1", "n10000_k100"):
    a, b = rows.get(name + "_fast_cold_t2", []), rows.get(name + "_fast_cold_aot_t2", [])
    if not a or not b:
        continue
    w = lambda rs, k: [float(r[k]) for r in rs]
    ratios = [x / y for x, y in zip(w(a, "wall_per_sim_s"), w(b, "wall_per_sim_s"))]
    mean = lambda xs: sum(xs) / len(xs)
    print(f"| {name} | {mean(w(a, 'wall_per_sim_s')):.3f} | {mean(w(b, 'wall_per_sim_s')):.3f} | "
          f"{', '.join(f'{x:.2f}' for x in ratios)} (mean {mean(ratios):.2f}x) | "
          f"{mean(w(a, 'jit_ms')):.0f} / {mean(w(b, 'jit_ms')):.0f} | "
          f"{mean(w(a, 'jvm_uptime_s')):.2f} / {mean(w(b, 'jvm_uptime_s')):.2f} |")
PY
}
{
  echo "# date=$(date -Iseconds) host=$(hostname) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" java=\"$("$JAVA" -version 2>&1 | head -1)\" load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\" jvm_extra=\"$JVM_EXTRA\""
} > "$RAW"
if [ -n "${AOT_ONLY:-}" ]; then
  aot_pairs
  echo "wrote $RAW (BENCHMARKS.md not rewritten: AOT_ONLY)" >&2
  exit 0
fi
for t in 1 2; do
  run "n1000_p0.1_fast_t$t" --n 1000 --p 0.1 --threads $t --mode fast
  run "n1000_p0.1_fast_warm_t$t" --n 1000 --p 0.1 --threads $t --mode fast --warmup-ms 2000
  run "n1000_p0.1_nest_t$t" --n 1000 --p 0.1 --threads $t --mode nest --adam catch-up
done
run "n1000_p0.1_fast_catchup_t2" --n 1000 --p 0.1 --threads 2 --mode fast --adam catch-up
for eta in 1e-3 1e-4; do
  echo ">> Adam modes, eta $eta" >&2
  "$JAVA" -Xmx4g -cp "$CP" io.spikestream.benchmarks.AdamModes --iterations 400 --block 50 --eta $eta | tee -a "$RAW"
done
if [ -z "${QUICK:-}" ]; then
  for t in 1 2; do
    run "n10000_p0.1_fast_t$t" --n 10000 --p 0.1 --threads $t --mode fast
    run "n10000_k100_fast_t$t" --n 10000 --k 100 --threads $t --mode fast
    run "n100000_k100_fast_t$t" --n 100000 --k 100 --threads $t --mode fast
  done
  run "n10000_k100_fast_warm_t2" --n 10000 --k 100 --threads 2 --mode fast --warmup-ms 1000
  run "n10000_k100_silent10000_fast_warm_t2" --n 10000 --k 100 --threads 2 --mode fast --silent 10000 --warmup-ms 1000
  run "n10000_p0.1_nest_t2" --n 10000 --p 0.1 --threads 2 --mode nest --adam catch-up
  run "n10000_k100_nest_t2" --n 10000 --k 100 --threads 2 --mode nest --adam catch-up
fi
if [ "${AOT:-1}" != "0" ]; then
  aot_pairs | tee "$RAW.aot.md"
fi
python3 benchmarks/eprop-report.py "$RAW" BENCHMARKS.md
echo "wrote $RAW and updated BENCHMARKS.md" >&2
