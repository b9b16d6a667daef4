#!/usr/bin/env bash
# The main job: bootstrap, build, run the default sweep (sweeps/default.json) and draw its charts, all under
# results/latest/. Without a GPU the CPU variants run and the CUDA ones are recorded as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default -G Ninja >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p results/latest
if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "run: no GPU on this machine: running the CPU variants (CUDA variants are recorded as skipped)"
fi
./build/prepbench run --sweep sweeps/default.json --out results/latest/results.json "$@"
scripts/charts.sh results/latest/results.json results/latest
echo "run: results in results/latest/ (results.json and charts)"
