#!/usr/bin/env bash
# The continuous-time readout of eprop-rls (traces, no window clock) against per_window's window bins, chosen by
# 10-fold cross-validation on the 741 shared N-MNIST samples only (never the 72 test samples): one
# benchmarks/nmnist-cv.py run per setting, `nmnist --direct --config classpath:demo.json --set time.mode=continuous
# --gap-us 100000` plus the flags below, each into benchmarks/results/nmnist-cv-<label>-<date>.txt (a header line with
# the date, load and command, the folds, the summary). BENCHMARKS.md "Live streams" quotes them. About 5 minutes per
# setting on 2 idle cores (20-35 on the shared, loaded machine); ONLY=label runs one.
#   benchmarks/continuous-readout-cv.sh            # every setting
#   ONLY=eprop-rls-continuous-ridge300 benchmarks/continuous-readout-cv.sh
# The numpy emulation that picked what to run: benchmarks/continuous-features.py.
set -euo pipefail
cd "$(dirname "$0")/.."
ONLY=${ONLY:-}
JOBS=${JOBS:-2}
BASE=(--direct --config classpath:demo.json --set time.mode=continuous --gap-us 100000)
./spikestream --version > /dev/null   # builds on first use
cv() { # label, extra nmnist flags...
  local label=$1; shift
  [ -z "$ONLY" ] || [ "$ONLY" = "$label" ] || return 0
  local out
  out="benchmarks/results/nmnist-cv-$label-$(date -u +%Y%m%d-%H%M).txt"
  local cmd="benchmarks/nmnist-cv.py --jobs $JOBS --label $label --out $out -- ${BASE[*]} $*"
  echo "# date=$(date -u +%Y-%m-%dT%H:%MZ) cpus=$(nproc) load_at_start=\"$(cut -d' ' -f1-3 /proc/loadavg)\"; command: $cmd" > "$out"
  # shellcheck disable=SC2086
  benchmarks/nmnist-cv.py --jobs "$JOBS" --label "$label" --out "$out" -- "${BASE[@]}" "$@"
}
# network.rls.ridge is shared with per_window's window bins: these rows change it for the continuous run only
# (per_window's figures are those of nmnist-cv-eprop-rls-20261203-1329.txt). The rows after the first two were run on the
# 4x4 readout (before trace_input_pool_px existed, as --set network.rls.input_pool_px=...): P4 keeps them so.
P4=(--set network.rls.trace_input_pool_px=4)
cv eprop-rls-continuous-gap100                                  # demo.json as shipped: traces on 2x2 input blocks (= the pool2 run)
cv eprop-rls-continuous-pool4    "${P4[@]}"                     # the readout before (4x4 blocks, F = 1 387; = the 14:54 run)
cv eprop-rls-continuous-tail30   "${P4[@]}" --set supervision.interval_tail_us=30000   # learn and score 30 ms into the silence
cv eprop-rls-continuous-ridge10  "${P4[@]}" --set network.rls.ridge=10   # smaller (the input-only emulation: 10-30 best)
cv eprop-rls-continuous-ridge300 "${P4[@]}" --set network.rls.ridge=300
