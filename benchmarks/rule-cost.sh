#!/usr/bin/env bash
# Event-driven versus time-driven e-prop cost as activity and connection density vary (RuleCost), written into
# the "Event-driven versus time-driven e-prop" section of BENCHMARKS.md with its plot benchmarks/rule-cost.png.
# One JVM, one simulation thread; run it on an otherwise idle machine (about 10 minutes on 2 cores).
#
#   benchmarks/rule-cost.sh                 # full matrix
#   QUICK=1 benchmarks/rule-cost.sh         # p = 0.2 only, shorter runs
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/rule-cost-$(date +%Y%m%d-%H%M%S).txt"
echo "# Machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores visible, shared with other work; JVM: $("$JAVA" -version 2>&1 | sed -n 2p), -Xmx4g; date: $(date -I)" > "$RAW"
ARGS=()
if [ -n "${QUICK:-}" ]; then
  ARGS=(--p 0.2 --sim-ms 1000 --warmup-ms 300 --reps 2)
fi
"$JAVA" -Xmx4g -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED -cp "$CP" io.spikestream.benchmarks.RuleCost "${ARGS[@]}" | tee -a "$RAW"
"$JAVA" -cp "$CP" io.spikestream.benchmarks.RuleCostReport "$RAW" BENCHMARKS.md benchmarks/rule-cost.png
echo "wrote $RAW, BENCHMARKS.md and benchmarks/rule-cost.png" >&2
