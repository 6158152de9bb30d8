#!/usr/bin/env bash
# Event-batch wire format (JMH) and replay + reactive source through the embedded broker; writes the "Kafka" section
# of BENCHMARKS.md. Takes about 3 minutes. Usage: benchmarks/kafka.sh
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
JAVA="$(find_java25)" || { echo "kafka.sh: needs a JDK 25" >&2; exit 2; }
SHARED="${SPIKESTREAM_SHARED:-$ROOT/../shared}"
[ -d "$SHARED/data" ] || { echo "kafka.sh: no recordings at $SHARED/data" >&2; exit 2; }

./mvnw -q -B -pl benchmarks -am package -DskipTests
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"
exec "$JAVA" -Dspikestream.shared="$SHARED" -cp "$CP" \
  io.spikestream.benchmarks.ingest.KafkaBenchmarkReport BENCHMARKS.md "benchmarks/kafka.sh"
