#!/usr/bin/env bash
# Checkpoint size, write and restore time for 10^6 and 10^7 plastic synapses, and the throughput cost of
# checkpointing every 10 s of stream time; rewrites the "Checkpoints" section of BENCHMARKS.md (between its
# checkpoint-bench markers). About 5 minutes on 2 cores; run it on an otherwise idle machine.
#
#   benchmarks/checkpoint.sh                 # both sizes
#   SIZES="1e6" benchmarks/checkpoint.sh     # one size
#   CKPT_DIR=/data/ckpt benchmarks/checkpoint.sh   # where the files go (default: a temporary folder)
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
JAVA="$(find_java25)" || { echo "checkpoint.sh: needs a JDK 25" >&2; exit 2; }
./mvnw -q -B -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
DIR="${CKPT_DIR:-$(mktemp -d)}"
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/checkpoint-$(date +%Y%m%d-%H%M%S).txt"
{
  echo "# date=$(date -I) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" java=\"$("$JAVA" -version 2>&1 | sed -n 3p | tr -d '"')\" fs=\"$(df -T "$DIR" | awk 'NR==2 {print $2}')\""
} > "$RAW"
for size in ${SIZES:-1e6 1e7}; do
  # a simulated minute for 10^6 synapses, half a minute for 10^7 (about 2.5 minutes of wall time each)
  stream=60000
  [ "$size" = "1e7" ] && stream=30000
  echo ">> $size synapses" >&2
  "$JAVA" -Xmx4g -XX:+UseParallelGC -cp "$CP" io.spikestream.benchmarks.CheckpointBench --synapses "$size" --threads 2 \
    --dir "$DIR" --repeat 5 --warmup-ms 1000 --stream-ms "$stream" --every-ms 10000 | tee -a "$RAW"
done
[ -z "${CKPT_DIR:-}" ] && rm -rf "$DIR"
python3 benchmarks/checkpoint-report.py "$RAW" BENCHMARKS.md "benchmarks/checkpoint.sh"
