#!/usr/bin/env bash
# A soak of `learn` on a replayed stream at live rate (issue 12): N-MNIST training recordings replayed at their own
# pace (--rate-scale 1), pass after pass, each pass as a new sensor id (so every previous sensor goes quiet and must be
# checkpointed by checkpoint.max_dirty_ms, and released from memory two minutes later by models.idle_release_ms), into
# one partition that `learn --checkpoint-dir` consumes. Once a minute it
# records the learner JVM's heap after a full GC (jcmd GC.run, then GC.heap_info) and the group's committed offset
# against the topic's end, plus lag and checkpoint series from learn's /metrics. Both should be flat / steady: heap
# after GC bounded, committed offset following the end within about checkpoint.max_dirty_ms.
#
#   benchmarks/soak.sh                      # 30 minutes
#   SOAK_MINUTES=5 benchmarks/soak.sh       # a short check
#   SOAK_SET="network.n_rec=40" ...          # learner settings (space-separated KEY=VALUE; default below)
#
# Wall-clock bound, not CPU bound; the learner must keep up with live rate (real-time factor > 1), hence the small
# default network. Writes benchmarks/results/soak-<date>.txt and prints a Markdown table for BENCHMARKS.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MINUTES="${SOAK_MINUTES:-30}"
PORT="${SOAK_BROKER_PORT:-19392}"
METRICS="${SOAK_METRICS_PORT:-19465}"
SET="${SOAK_SET:-network.n_rec=40 checkpoint.max_dirty_ms=10000 models.idle_release_ms=120000}"
TOPIC=soak.events
GROUP=soak
WORK="$(mktemp -d)"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/soak-$(date +%Y%m%d-%H%M%S).txt"
JAVA_BIN="$(dirname "$(readlink -f "$(command -v java)")")"
[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ] && JAVA_BIN=/usr/lib/jvm/temurin-25-jdk-amd64/bin

./spikestream --help > /dev/null   # builds the app if needed
CP="$ROOT/app/target/classes:$(cat "$ROOT/app/target/classpath.txt")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

./spikestream broker --port "$PORT" --partitions 1 > "$WORK/broker.log" 2>&1 &
pids+=($!)
BS="127.0.0.1:$PORT"
until "$JAVA_BIN/java" -cp "$CP" benchmarks/soak/CommittedOffsets.java "$BS" "$GROUP" "$TOPIC" > /dev/null 2>&1 \
  || grep -q "^broker bootstrap=" "$WORK/broker.log"; do sleep 2; done

args=()
for kv in $SET; do args+=(--set "$kv"); done
SPIKESTREAM_JAVA_OPTS="-Xmx512m" ./spikestream learn --bootstrap-servers "$BS" --topic "$TOPIC" --group "$GROUP" \
  --checkpoint-dir "$WORK/store" --set "output.metrics_port=$METRICS" "${args[@]}" > "$WORK/learn.out" 2> "$WORK/learn.log" &
LEARN=$!
pids+=($LEARN)

# the JVM directly, not the launcher: the launcher would rebuild mid-soak if a source changed meanwhile
(pass=0; while true; do
   "$JAVA_BIN/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow -cp "$CP" \
     io.spikestream.app.Main replay --bootstrap-servers "$BS" --topic "$TOPIC" --labels-topic "$TOPIC" --partitions 1 \
     --rate-scale 1 --no-progress --sensor-id "soak-$pass" data/nmnist/Train >> "$WORK/replay.log" 2>&1 \
     || { echo "soak.sh: replay pass $pass failed (see the table's end offset)" >&2; tail -5 "$WORK/replay.log" >&2; exit 1; }
   pass=$((pass + 1))
 done) &
pids+=($!)

LEARN_JVM=""
for _ in $(seq 1 60); do
  LEARN_JVM="$(pgrep -P "$LEARN" java || true)"
  [ -z "$LEARN_JVM" ] && LEARN_JVM="$(pgrep -f "io.spikestream.app.Main learn --bootstrap-servers $BS" | head -1 || true)"
  [ -n "$LEARN_JVM" ] && break
  sleep 1
done
[ -n "$LEARN_JVM" ] || { echo "soak.sh: learn did not start" >&2; cat "$WORK/learn.log" >&2; exit 1; }

metric() { curl -s "http://127.0.0.1:$METRICS/metrics" | awk -v n="$1" '$1 == n {print $2}'; }
{
  echo "# soak: date=$(date -u +%FT%TZ) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" load=\"$(cut -d' ' -f1-3 /proc/loadavg)\" minutes=$MINUTES settings=\"$SET\" learn_heap=-Xmx512m"
  echo "minute heap_after_gc_mib committed end lag checkpoints dirty_age_s processing_errors idle_released"
} | tee "$RAW"
for m in $(seq 1 "$MINUTES"); do
  sleep 60
  kill -0 "$LEARN" 2>/dev/null || { echo "soak.sh: learn exited" >&2; tail -20 "$WORK/learn.log" >&2; exit 1; }
  jcmd "$LEARN_JVM" GC.run > /dev/null
  heap_kib="$(jcmd "$LEARN_JVM" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')"
  read -r committed end < <("$JAVA_BIN/java" -cp "$CP" benchmarks/soak/CommittedOffsets.java "$BS" "$GROUP" "$TOPIC" 2>/dev/null)
  printf '%d %.1f %s %s %s %s %s %s %s\n' "$m" "$(echo "$heap_kib / 1024" | bc -l)" "$committed" "$end" \
    "$(metric spikestream_consumer_lag_records)" "$(metric spikestream_checkpoints_total)" \
    "$(metric spikestream_checkpoint_dirty_age_seconds)" "$(metric spikestream_processing_errors_total)" \
    "$(metric spikestream_models_idle_released_total)" | tee -a "$RAW"
done
echo
echo "| minute | heap after GC (MiB) | committed offset | end offset | lag | checkpoints | dirty age (s) | idle released |"
echo "|---|---|---|---|---|---|---|---|"
awk 'NR > 2 {printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $9}' "$RAW"
echo "(raw: $RAW)"
