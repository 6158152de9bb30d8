#!/usr/bin/env bash
# Every learning rule on the same single-pass N-MNIST stream (../shared/data/nmnist: 669 training samples shuffled
# with seed 1 and learned online, then 72 test samples with learning off), side by side: accuracy, speed, memory.
# Each run is its own JVM (peak RSS = VmHWM from /usr/bin/time -v; heap after GC from the JVM's GC log), one
# simulation thread, the sensor, time and supervision settings of learner-defaults.json for every rule and each
# rule's documented defaults (plus e-prop with Adam stepping once per sample). First straight from the files
# (--direct: the learner's own cost), then the whole path through the embedded Kafka broker. Writes the
# "N-MNIST: learning rules side by side" section of BENCHMARKS.md. About 5 minutes on 2 idle cores.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data/nmnist}
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/nmnist-rules-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) cpus=$(nproc) cpu=\"$(lscpu | sed -n 's/^Model name: *//p')\" mem=\"$(free -g | awk '/^Mem:/{print $2}') GiB\" load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\" data=$DATA" > "$RAW"
./spikestream --version > /dev/null   # builds on first use
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
run() { # label, direct|kafka, args...
  local label=$1 path=$2; shift 2
  local flag=()
  [ "$path" = direct ] && flag=(--direct)
  echo ">> $label ($path): $*" >&2
  rm -f "$TMP"/*
  SPIKESTREAM_JAVA_OPTS="-Xlog:gc:file=$TMP/gc.txt" /usr/bin/time -v -o "$TMP/time.txt" \
    ./spikestream nmnist --train "$DATA/Train" --test "$DATA/Test" "${flag[@]}" "$@" > "$TMP/out.txt" 2> /dev/null
  local rss heap net
  rss=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$TMP/time.txt")
  heap=$(grep -o 'Pause[^>]*->[0-9]*M' "$TMP/gc.txt" | sed 's/.*->//; s/M//' | sort -n | tail -1)
  net=$(sed -n 's/^network: //p' "$TMP/out.txt")
  echo "label=$label path=$path args=\"$*\" $(grep -E '^(train_accuracy|test_accuracy|throughput)' "$TMP/out.txt" | tr '\n' ' ')" \
       "plastic_synapses=$(echo "$net" | grep -o 'plastic_synapses=[0-9]*' | cut -d= -f2)" \
       "rule_state_bytes_per_synapse=$(echo "$net" | grep -o 'rule_state_bytes_per_synapse=[0-9.]*' | cut -d= -f2)" \
       "peak_rss_kb=$rss max_heap_after_gc_mb=${heap:--} load_after=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$RAW"
}
ADAM="--set optimizer.type=adam --set optimizer.eta=5e-4 --set optimizer.batch_size=300 --set network.rec.c_reg=666.6666666666666"
for path in direct kafka; do
  run eprop_fast "$path" --set network.rule=fast
  # shellcheck disable=SC2086
  run eprop_fast_adam "$path" --set network.rule=fast $ADAM
  # shellcheck disable=SC2086
  run eprop_nest_adam "$path" --set network.rule=nest $ADAM
  run bsshslm "$path" --set network.rule=bsshslm
  run bsshslm_blocklist "$path" --set network.rule=bsshslm --set sensor.blocklist="$DATA/nest_pixel_blocklist.txt"
  run superspike "$path" --set network.rule=superspike
  run eventprop "$path" --set network.rule=eventprop
done
python3 benchmarks/nmnist-rules-report.py "$RAW" BENCHMARKS.md
echo "wrote $RAW and updated BENCHMARKS.md" >&2
