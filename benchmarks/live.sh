#!/usr/bin/env bash
# Live streams (time.mode=continuous): the cost of an idle gap, heap after GC per simulated minute, throughput, and
# the latency a camera user feels (producer send -> first prediction covering the event on the predictions topic).
# Raw key=value lines go to benchmarks/results/live-<date>.txt; copy the figures into BENCHMARKS.md ("Live streams").
#
#   benchmarks/live.sh                      # all: 60 s gap, 30 simulated minutes, 20 s of live-rate latency
#   GAP_S=60 MINUTES=30 LATENCY_S=20 N_REC=150 benchmarks/live.sh
#   ONLY=latency benchmarks/live.sh         # one of idle-gap, heap, latency
#   LATENCY_JOPTS="-Xmx1g -XX:+UseSerialGC" ONLY=latency benchmarks/live.sh   # another collector for `run`
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
    # As deployed: the broker in a JVM of its own (unless BOOTSTRAP names one), `run` with the launcher's collector
    # (G1, which the JVM picks itself on a machine of 2 or more cores and 2 GiB), the harness's producer and checking
    # consumer beside `run`. LATENCY_JOPTS replaces the JVM options of that JVM, BROKER_JOPTS those of the broker's.
    LAT_BS="${BOOTSTRAP:-}"
    BROKER_PID=""
    if [ -z "$LAT_BS" ]; then
      BROKER_OUT="$(mktemp)"
      read -r -a BROKER_JOPTS_A <<< "${BROKER_JOPTS:--Xmx1g -XX:+UseG1GC}"
      "$JAVA" "${BROKER_JOPTS_A[@]}" "${JOPTS[@]:2}" -cp "$CP" io.spikestream.app.Main broker >"$BROKER_OUT" 2>/dev/null &
      BROKER_PID=$!
      trap 'kill "$BROKER_PID" 2>/dev/null || true' EXIT   # also when the measurement fails
      for _ in $(seq 1 240); do
        LAT_BS="$(sed -n 's/^broker bootstrap=//p' "$BROKER_OUT")"
        [ -n "$LAT_BS" ] && break
        sleep 0.5
      done
      [ -n "$LAT_BS" ] || { kill "$BROKER_PID"; echo "live.sh: the broker did not start" >&2; exit 2; }
    fi
    read -r -a LAT_JOPTS <<< "${LATENCY_JOPTS:--Xmx1g -XX:+UseG1GC}"
    "$JAVA" "${LAT_JOPTS[@]}" "${JOPTS[@]:2}" -cp "$CP" io.spikestream.benchmarks.live.LiveLatencyBench "$DATA" \
      "$LATENCY_S" "$N_REC" "$LAT_BS" 2>/dev/null | grep '^latency'
    if [ -n "$BROKER_PID" ]; then
      kill "$BROKER_PID"
      wait "$BROKER_PID" 2>/dev/null || true
      rm -f "$BROKER_OUT"
    fi
  fi
} | tee "$RAW"
echo "raw results: $RAW" >&2
