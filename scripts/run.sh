#!/usr/bin/env bash
# The main job: bootstrap, build the prepbench binary, run the default sweep (sweeps/default.json) and draw its
# charts, all under results/latest/. Without a GPU the CPU variants run and the CUDA ones are recorded as skipped
# (prepbench says so once). Extra arguments go to `prepbench run` (e.g. --reps 10).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default -G Ninja >/dev/null
cmake --build build -j"$(nproc)" --target prepbench
mkdir -p results/latest
./build/prepbench run --sweep sweeps/default.json --out results/latest/results.json "$@"
scripts/charts.sh results/latest/results.json results/latest
echo "run: results in results/latest/ (results.json, table.md and the charts)"
