#!/usr/bin/env bash
# Everything one GPU-machine session does, in one call (build here first: scripts/device_prepare.sh).
#   1. environment facts   2. CUDA + golden test suites   3. compute-sanitizer memcheck + racecheck per CUDA
#   variant   4. direct comparison with HF processors   5. the milestone sweep
# Writes its logs and results under $OUT. Stages can be picked: scripts/device_run.sh tests sanitize compare sweep
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/prepbench-device}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/build/devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED=1
B=build
export PB_GOLDEN_DIR="$PWD/build/tests/golden" PB_PREPBENCH_BIN="$PWD/build/prepbench" PB_TEST_TMP=/tmp/pbtest
stages=${*:-tests sanitize compare sweep}
CUDA_VARIANTS=$($B/prepbench list | awk '$2 == "cuda" {print $1}' | paste -sd, -)
status=0

{
  date -u +%FT%TZ
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu --format=csv
  nvcc --version | tail -1
  python3 -c "import torch, torchvision, transformers; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'transformers', transformers.__version__)"
  echo "cuda variants: $CUDA_VARIANTS"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

for stage in $stages; do
  case $stage in
  tests)
    echo "== tests (CUDA variants, goldens)"
    $B/tests/pb_tests --gtest_filter='CudaVariants*:Golden*:CpuVariants*' 2>&1 | tee "$OUT/tests.log" | grep -E '^\[  (PASSED|FAILED|SKIPPED) |^\[==|Failure' || true
    grep -q '^\[  PASSED  \]' "$OUT/tests.log" && ! grep -q '^\[  FAILED  \]\|SKIPPED' "$OUT/tests.log" || status=1
    ;;
  sanitize)
    echo "== compute-sanitizer"
    : > "$OUT/sanitizer.log"
    for v in ${CUDA_VARIANTS//,/ }; do
      for tool in memcheck racecheck; do
        echo "--- $tool $v" | tee -a "$OUT/sanitizer.log"
        compute-sanitizer --tool $tool --error-exitcode 9 $B/prepbench run --variants "$v" --pipelines '*' \
          --workloads ragged-n3-100-600 --modes hf --layouts hwc,chw --dtypes fp32 --reps 1 --warmup 0 \
          --out /tmp/sanitize.json >> "$OUT/sanitizer.log" 2>&1
        rc=$?
        tail -n 2 "$OUT/sanitizer.log" | grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' || true
        echo "exit $rc" | tee -a "$OUT/sanitizer.log"
        [ $rc -eq 0 ] || status=1
      done
    done
    ;;
  compare)
    echo "== HF comparison"
    python3 peers/compare_hf.py --bin $B/prepbench --variants "$CUDA_VARIANTS" --out "$OUT/hf_compare.json" 2>&1 | tail -30 || status=1
    ;;
  sweep)
    echo "== milestone sweep"
    $B/prepbench run --sweep sweeps/milestone.json --out "$OUT/milestone.json" 2> "$OUT/sweep.log" > "$OUT/sweep_table.txt" || status=1
    tail -n 3 "$OUT/sweep.log"
    grep -E 'siglip-so400m-384 +ragged-n32-384-1024 +chw +fp32' "$OUT/sweep_table.txt" || true
    ;;
  esac
done
exit $status
