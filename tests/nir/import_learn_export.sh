#!/usr/bin/env bash
# A NIR graph written by the reference package, imported, trained by `learn` from Kafka, exported again:
#   1. tests/nir/write_nmnist_shaped.py writes an snnTorch-shaped graph (2312 -> 40 LIF (+recurrent) -> 10 LI)
#   2. ./spikestream import nir   -> a model in a checkpoint store and its settings file
#   3. ./spikestream broker + replay of data/nmnist/Train (labels in the events topic)
#   4. ./spikestream learn --until-end with those settings: the model is restored (models_restored=1) and learns
#   5. ./spikestream export nir, loaded by the reference package; prints how many weights learning changed
# Needs /usr/bin/python3 with h5py and numpy (Debian python3-h5py, python3-numpy) and the NIR source tree in
# NIR_SRC (default /tmp/nir-src; see tests/nir/write_fixtures.py). Run by hand (docs/nir.md), not in the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NIR_SRC="${NIR_SRC:-/tmp/nir-src}"
WORK="${1:-$(mktemp -d)}"
mkdir -p "$WORK"
PORT="${PORT:-19092}"
export SPIKESTREAM_JAVA_OPTS="${SPIKESTREAM_JAVA_OPTS:--Xmx1g}"
cd "$ROOT"
PYTHONPATH="$NIR_SRC" /usr/bin/python3 tests/nir/write_nmnist_shaped.py "$WORK/trained.nir"
./spikestream import nir "$WORK/trained.nir" --checkpoint-dir "$WORK/store" --model cam-1
./spikestream broker --port "$PORT" > "$WORK/broker.log" 2>&1 &
BROKER=$!
trap 'kill $BROKER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do grep -q "broker bootstrap" "$WORK/broker.log" && break; sleep 2; done
./spikestream replay --as-fast-as-possible --bootstrap-servers "127.0.0.1:$PORT" --topic nir.events \
    --labels-topic nir.events --sensor-id cam-1 --no-progress data/nmnist/Train | tail -1
./spikestream learn --bootstrap-servers "127.0.0.1:$PORT" --topic nir.events --group nir-e2e \
    --checkpoint-dir "$WORK/store" --config "$WORK/store/cam-1.settings.json" --until-end | tail -1
./spikestream export nir --checkpoint-dir "$WORK/store" --model cam-1 --out "$WORK/learned.nir"
PYTHONPATH="$NIR_SRC" /usr/bin/python3 tests/nir/check_load.py "$WORK/learned.nir" | tail -1
PYTHONPATH="$NIR_SRC" /usr/bin/python3 - "$WORK/trained.nir" "$WORK/learned.nir" <<'PY'
import sys
import numpy as np
import nir
a, b = nir.read(sys.argv[1]), nir.read(sys.argv[2])
for x, y in [("fc1", "w_in"), ("rec1", "w_rec"), ("fc2", "w_out")]:
    wa = np.asarray(a.nodes[x].weight, dtype=np.float64)
    wb = np.asarray(b.nodes[y].weight, dtype=np.float64)
    print(f"{x} -> {y}: {np.count_nonzero(wa != wb)} of {wa.size} weights changed by learning, max |dw| {np.abs(wa - wb).max():.4g}")
PY
