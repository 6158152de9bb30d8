#!/usr/bin/env bash
# Cost of the eprop-rls readout's recursive-least-squares step (RecursiveLeastSquares.update: P x, the gain, W and
# the rank-1 update of P) and of one prediction (W x), at F features (default 1387 = the demo's: (300 hidden + 162
# pooled input groups) x 3 bins + bias), 10 classes; three rounds of 200 updates and 2000 predictions, one thread.
#   benchmarks/rls-update-cost.sh [F ...]
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -o -DskipTests compile -pl plasticity -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
echo "# date=$(date -Iseconds) cpus=$(nproc) load=\"$(cut -d" " -f1-3 /proc/loadavg)\""
for f in "${@:-1387}"; do
  "$JAVA" -cp plasticity/target/classes:network/target/classes benchmarks/RlsUpdateCost.java "$f"
done
