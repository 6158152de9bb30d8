#!/usr/bin/env bash
# Builds NEST 3.10 (e-prop model set, OpenMP, no MPI) for the side-by-side benchmarks, following
# ../shared/bench/nest/README.md. About 10 minutes on 2 cores; run once per machine.
#
#   NEST_GIT=/path/to/nest-simulator.git CYTHON_GIT=/path/to/cython.git benchmarks/nest-build.sh
#
# NEST_GIT and CYTHON_GIT: git directories (bare mirrors are fine) of the public repositories nest/nest-simulator
# and cython/cython; tags v3.10 and 3.1.8 are extracted. Installs into NEST_PREFIX (default
# ~/.cache/spikestream/nest-3.10) and prints the PYTHONPATH line that benchmarks/eprop-scaling.sh reads (NEST_PYTHONPATH).
set -euo pipefail
: "${NEST_GIT:?git directory of nest/nest-simulator}" "${CYTHON_GIT:?git directory of cython/cython}"
PREFIX=${NEST_PREFIX:-$HOME/.cache/spikestream/nest-3.10}
WORK=${NEST_WORK:-$PREFIX.build}
if [ -z "${SKIP_APT:-}" ]; then
  pkgs=(cmake g++ libgsl-dev libltdl-dev libboost-dev python3-dev python3-numpy python3-scipy python3-pandas
        python3-pytest python3-matplotlib libomp-dev)
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "${missing[@]}"
  fi
fi
mkdir -p "$WORK/src" "$WORK/cython"
# NEST's tag v3.10 (commit acca9704); a mirror may lack a few large binary files, which the build does not need
git --git-dir="$NEST_GIT" archive v3.10 -- . ':(exclude)pynest/examples/sudoku/output' ':(exclude)doc/htmldoc/static' \
  | tar -x -C "$WORK/src"
# NEST 3.10 needs Cython >= 3.0; Debian bookworm has 0.29: a pure-Python Cython 3.1.8 behind a wrapper script
git --git-dir="$CYTHON_GIT" archive 3.1.8 | tar -x -C "$WORK/cython"
cat > "$WORK/cython-wrapper" <<W
#!/bin/sh
exec /usr/bin/python3 "$WORK/cython/cython.py" "\$@"
W
chmod +x "$WORK/cython-wrapper"
cmake -S "$WORK/src" -B "$WORK/build" -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_BUILD_TYPE=Release \
  -Dwith-modelset=eprop -Dwith-openmp=ON -Dwith-mpi=OFF -DPython_EXECUTABLE=/usr/bin/python3 \
  -DCYTHON_EXECUTABLE="$WORK/cython-wrapper" > "$WORK/cmake.log"
make -C "$WORK/build" -j"$(nproc)" install > "$WORK/make.log" 2>&1 || { tail -40 "$WORK/make.log"; exit 1; }
site=$(ls -d "$PREFIX"/lib/python3*/site-packages | head -1)
PYTHONPATH="$site" /usr/bin/python3 -c 'import nest; print("nest", nest.__version__)' 2>/dev/null | tail -1
echo "NEST_PYTHONPATH=$site"
