#!/usr/bin/env bash
# Before/after of an engine change, measured in one run: the benchmark network (EpropScaling --mode fast, 2 threads)
# from two builds, in REPS alternating pairs (A, B, A, B, ...), so that a drift in the machine's load hits both alike.
# Prints per pair wall seconds and the Java threads' CPU seconds per simulated second (a steadier measure on a loaded
# machine than wall time) and their ratios A/B, plus the recurrent spike count of each (equal counts: the change kept
# the dynamics).
#
#   BEFORE_JARS=DIR benchmarks/engine-ab.sh
#
# DIR holds the "before" build's spikestream-network, spikestream-plasticity and spikestream-benchmarks jars, e.g.
#   git archive REF | tar -x -C /tmp/ref && (cd /tmp/ref && ./mvnw -o -q -B -DskipTests package -pl benchmarks -am)
#   mkdir -p /tmp/before && cp /tmp/ref/{network,plasticity,benchmarks}/target/spikestream-*.jar /tmp/before/
# B is this working tree's build. BEFORE_FLAGS / AFTER_FLAGS add JVM options to one side (e.g.
# BEFORE_FLAGS=-Dspikestream.hugePages=false). AFTER_JARS=DIR takes B from such a folder too (a snapshot: the working
# tree may be rebuilt while the pairs run). COLD=1 runs without warm-up (WARMUP_MS=0: the JIT's compilation inside
# the measured stretch). NETS (default "--p 0.1;--k 100"), N (10000), SIM_MS (500),
# WARMUP_MS (300), REPS (3).
# "weights equal" compares the two builds' weights_crc; since 4 December 2026 (commit 1b48312) that hashes the weights
# in a canonical order (the same for any thread count), before it hashed each part's column as laid out: a build older
# than that against a newer one always shows "no".
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BEFORE_JARS:?set BEFORE_JARS to a folder with the network, plasticity and benchmarks jars of the build before}"
N=${N:-10000}
SIM_MS=${SIM_MS:-500}
WARMUP_MS=${WARMUP_MS:-300}
[ -z "${COLD:-}" ] || WARMUP_MS=0
REPS=${REPS:-3}
NETS=${NETS:-"--p 0.1;--k 100"}
[ -n "${SKIP_BUILD:-}" ] || ./mvnw -q -B -DskipTests package -pl benchmarks -am
JAVA=$(ls -d /usr/lib/jvm/temurin-25* | head -1)/bin/java
jars_cp() { # a folder with the three jars -> class path (the other dependencies from this build's class path)
  local cp entry name
  cp="$(ls "$1"/spikestream-benchmarks-*.jar | head -1)"
  for entry in $(tr ':' ' ' < benchmarks/target/classpath.txt); do
    name=$(basename "$entry")
    case "$name" in
      spikestream-network-*|spikestream-plasticity-*) cp="$cp:$(ls "$1"/"${name%%-0*}"-*.jar | head -1)" ;;
      *) cp="$cp:$entry" ;;
    esac
  done
  echo "$cp"
}
BEFORE_CP=$(jars_cp "$BEFORE_JARS")
if [ -n "${AFTER_JARS:-}" ]; then
  AFTER_CP=$(jars_cp "$AFTER_JARS")
else
  AFTER_CP="$(ls benchmarks/target/spikestream-benchmarks-*.jar | head -1):$(cat benchmarks/target/classpath.txt)"
fi
OUT=benchmarks/results
mkdir -p "$OUT"
RAW="$OUT/engine-ab-$(date +%Y%m%d-%H%M%S).txt"
echo "# date=$(date -Iseconds) host=$(hostname) cpus=$(nproc) commit=$(git rev-parse --short HEAD) before=$BEFORE_JARS after=${AFTER_JARS:-working-tree} warmup_ms=$WARMUP_MS sim_ms=$SIM_MS before_flags=\"${BEFORE_FLAGS:-}\" after_flags=\"${AFTER_FLAGS:-}\" load_at_start=\"$(cut -d" " -f1-3 /proc/loadavg)\"" > "$RAW"
run() { # side, cp, flags, net args...
  local side=$1 cp=$2 flags=$3; shift 3
  # shellcheck disable=SC2086
  echo "side=$side net=\"$*\" $("$JAVA" -Xmx4g -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED $flags -cp "$cp" \
    io.spikestream.benchmarks.EpropScaling --n "$N" "$@" --threads 2 --mode fast --warmup-ms "$WARMUP_MS" \
    --sim-ms "$SIM_MS" | grep '^mode=')" | tee -a "$RAW" >&2
}
IFS=';' read -ra nets <<< "$NETS"
for net in "${nets[@]}"; do
  for ((r = 1; r <= REPS; r++)); do
    # shellcheck disable=SC2086
    run A "$BEFORE_CP" "${BEFORE_FLAGS:-}" $net
    # shellcheck disable=SC2086
    run B "$AFTER_CP" "${AFTER_FLAGS:-}" $net
  done
done
echo "# load_at_end=\"$(cut -d" " -f1-3 /proc/loadavg)\"" >> "$RAW"
python3 - "$RAW" <<'PY' | tee "$RAW.md"
import sys, re, collections
rows = collections.defaultdict(lambda: {"A": [], "B": []})
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    net = re.search(r'net="([^"]*)"', line).group(1)
    kv = dict(t.split("=", 1) for t in line.split() if "=" in t and not t.startswith("net="))
    rows[net][kv["side"]].append(kv)
print("| network | pair | wall s / sim s A (before), B (after) | A/B | Java threads' CPU s / sim s A, B | A/B | rec. spikes A, B | weights equal |")
print("|---|---|---|---|---|---|---|---|")
for net, sides in rows.items():
    rw, rc = [], []
    for i, (a, b) in enumerate(zip(sides["A"], sides["B"]), 1):
        s = float(a["sim_ms"]) / 1000
        wa, wb = float(a["wall_per_sim_s"]), float(b["wall_per_sim_s"])
        ca, cb = float(a["java_threads_cpu_s"]) / s, float(b["java_threads_cpu_s"]) / s
        rw.append(wa / wb)
        rc.append(ca / cb)
        same = "yes" if a.get("weights_crc") is not None and a.get("weights_crc") == b.get("weights_crc") else "no"
        print(f"| {net} | {i} | {wa:.3f}, {wb:.3f} | {wa / wb:.2f}x | {ca:.3f}, {cb:.3f} | {ca / cb:.2f}x | {a['rec_spikes']}, {b['rec_spikes']} | {same} |")
    if rw:
        gm = lambda xs: __import__("math").prod(xs) ** (1 / len(xs))
        print(f"| {net} | geometric mean | | {gm(rw):.2f}x | | {gm(rc):.2f}x | |")
PY
echo "wrote $RAW and $RAW.md" >&2
