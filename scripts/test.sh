#!/usr/bin/env bash
# The test command: bootstrap, configure, build, run every C++ and Python suite through ctest, then list each
# skipped test with its reason (CUDA tests skip without a GPU).
#   scripts/test.sh [PRESET]    PRESET: default (CUDA when nvcc is found), cpu (no CUDA), debug (ASan+UBSan, CPU)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
case "$preset" in
  default) dir=build ;;
  cpu) dir=build-cpu ;;
  debug) dir=build-debug ;;
  -h|--help) sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "test.sh: unknown preset '$preset' (valid: default, cpu, debug)" >&2; exit 2 ;;
esac
scripts/bootstrap.sh
cmake --preset "$preset" -G Ninja >/dev/null
cmake --build "$dir" -j"$(nproc)"
status=0
ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" || status=$?
scripts/ctest_skips.sh "$dir"
exit $status
