#!/usr/bin/env bash
# Runs the e-prop scaling benchmark of ../shared/bench/README.md (network of NEST's figures) for the
# configurations of BENCHMARKS.md and rewrites its "E-prop engine" section. One JVM per configuration, so that
# the peak RSS is that configuration's own. Run it on an otherwise idle machine.
#
#   benchmarks/eprop-scaling.sh            # full matrix (about 20 minutes on 2 cores)
#   QUICK=1 benchmarks/eprop-scaling.sh    # N_rec = 1000 only
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/eprop-scaling-$(date +%Y%m%d-%H%M%S).txt"
run() { # label, args...
  local label=$1; shift
  echo ">> $label: $*" >&2
  echo "label=$label $("$JAVA" -Xmx8g -XX:+UseParallelGC -cp "$CP" io.spikestream.benchmarks.EpropScaling "$@" | tr '\n' ' ')" | tee -a "$RAW"
}
{
  echo "# date=$(date -Iseconds) host=$(hostname) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" java=\"$("$JAVA" -version 2>&1 | head -1)\" load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\""
} > "$RAW"
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
python3 benchmarks/eprop-report.py "$RAW" BENCHMARKS.md
echo "wrote $RAW and updated BENCHMARKS.md" >&2
