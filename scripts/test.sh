#!/usr/bin/env bash
# The test command: bootstrap, configure, build, run every test suite. CUDA tests skip (and say so) without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset default -G Ninja >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
