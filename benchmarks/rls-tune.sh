#!/usr/bin/env bash
# demo.json's eprop-rls readout settings (network.rls.*) probed by 10-fold cross-validation only, never on the Test
# split (issue "Learning quality", item 5): one benchmarks/nmnist-cv.py run (--jobs 2, seed 1, the folds of the
# baselines) per setting, into benchmarks/results/nmnist-cv-eprop-rls-<key>-<value>-<date>.txt. The shipped settings'
# row is benchmarks/results/nmnist-cv-eprop-rls-20261203-1329.txt.
# Usage: benchmarks/rls-tune.sh network.rls.ridge=30 network.rls.ridge=300 network.rls.window_bins=4 ...
# Environment: SHARED (default ../shared), JOBS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
JOBS=${JOBS:-2}
OUT=benchmarks/results
mkdir -p "$OUT"
./spikestream --version > /dev/null   # builds on first use
for setting in "$@"; do
  label="eprop-rls-$(echo "${setting#network.rls.}" | tr '=' '-')"
  f="$OUT/nmnist-cv-$label-$(date +%Y%m%d-%H%M).txt"
  echo "# date=$(date -Iseconds) cpus=$(nproc) load_at_start=\"$(cut -d' ' -f1-3 /proc/loadavg)\"; command: benchmarks/nmnist-cv.py --jobs $JOBS --label $label -- --direct --config classpath:demo.json --set $setting" > "$f"
  python3 benchmarks/nmnist-cv.py --shared "$SHARED" --jobs "$JOBS" --label "$label" --out "$f" -- \
    --direct --config classpath:demo.json --set "$setting"
done
