#!/usr/bin/env bash
# Live streams (time.mode=continuous): the cost of an idle gap, heap after GC per simulated minute, throughput, and
# the latency a camera user feels (producer send -> first prediction covering the event on the predictions topic).
# Raw key=value lines go to benchmarks/results/live-<date>.txt; copy the figures into BENCHMARKS.md ("Live streams").
#
#   benchmarks/live.sh                      # all: 60 s gap, 30 simulated minutes, 20 s of live-rate latency
#   GAP_S=60 MINUTES=30 LATENCY_S=20 N_REC=150 benchmarks/live.sh
#   ONLY=latency benchmarks/live.sh         # one of idle-gap, heap, latency
#   BOOTSTRAP=host:9092 ONLY=latency benchmarks/live.sh   # against an external broker
#
# Needs the N-MNIST data in data/nmnist (Train/, Test/). Run it on an otherwise idle machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_java25() {
  local cand
  for cand in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /opt/java/openjdk; do
    [ -n "$cand" ] && [ -x "$cand/bin/java" ] || continue
    if "$cand/bin/java" -version 2>&1 | head -1 | grep -Eq 'version "(2[5-9]|[3-9][0-9])'; then
      echo "$cand/bin/java"; return 0
    fi
  done
  return 1
}
JAVA="$(find_java25)" || { echo "live.sh: needs a JDK 25" >&2; exit 2; }
./mvnw -q -B -o -pl benchmarks -am package -DskipTests 2>/dev/null || ./mvnw -q -B -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
DATA="${DATA:-data/nmnist}"
GAP_S="${GAP_S:-60}"
MINUTES="${MINUTES:-30}"
LATENCY_S="${LATENCY_S:-20}"
N_REC="${N_REC:-150}"
ONLY="${ONLY:-all}"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/live-$(date +%Y%m%d-%H%M%S).txt"
JOPTS=(-Xmx1g -XX:+UseSerialGC --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED)
{
  echo "# live.sh $(date -u +%Y-%m-%dT%H:%MZ) on $(uname -n): $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB;" \
       "GAP_S=$GAP_S MINUTES=$MINUTES LATENCY_S=$LATENCY_S N_REC=$N_REC"
  if [ "$ONLY" = all ] || [ "$ONLY" = idle-gap ]; then
    "$JAVA" "${JOPTS[@]}" -cp "$CP" io.spikestream.benchmarks.live.LiveStreamBench idle-gap "$DATA" "$GAP_S" "$N_REC" 2>/dev/null
  fi
  if [ "$ONLY" = all ] || [ "$ONLY" = heap ]; then
    "$JAVA" "${JOPTS[@]}" -cp "$CP" io.spikestream.benchmarks.live.LiveStreamBench heap "$DATA" "$MINUTES" "$N_REC" 2>/dev/null
  fi
  if [ "$ONLY" = all ] || [ "$ONLY" = latency ]; then
    "$JAVA" "${JOPTS[@]}" -cp "$CP" io.spikestream.benchmarks.live.LiveLatencyBench "$DATA" "$LATENCY_S" "$N_REC" \
      ${BOOTSTRAP:+"$BOOTSTRAP"} 2>/dev/null | grep '^latency'
  fi
} | tee "$RAW"
echo "raw results: $RAW" >&2
