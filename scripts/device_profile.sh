#!/usr/bin/env bash
# Profiling on the GPU machine: CUDA tests (incl. CUPTI), compute-sanitizer on $VARIANTS, per-kernel tables and
# Nsight Compute summaries of $VARIANTS on the headline case, the ladder sweep (sweeps/roofline.json), and the
# timing-gate demonstration (two identical runs, one with --inject-delay). Writes under $OUT. The sanitizer runs
# cover the output layouts in $OUT_LAYOUTS (default nchw; e.g. OUT_LAYOUTS=nchw,nhwc).
#   VARIANTS="cuda_naive_per_stage cuda_separable_two_pass" scripts/device_profile.sh tests sanitize profile ncu ladder gate
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/prepbench-profile}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/build/devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PB_GOLDEN_DIR="$PWD/build/tests/golden" PB_PREPBENCH_BIN="$PWD/build/prepbench" PB_TEST_TMP=/tmp/pbtest
B=build/prepbench
VARIANTS=${VARIANTS:-cuda_naive_per_stage cuda_separable_two_pass}
HEAD=(--pipelines siglip-so400m-384 --workloads ragged-n32-384-1024 --layouts chw --dtypes fp32 --modes hf)
status=0
for stage in ${*:-tests profile ncu gate}; do
  echo "== $stage $(date -u +%T)"
  case $stage in
  tests)  # the exit status of the test binary decides, not what the summary grep finds
    build/tests/pb_tests --gtest_filter='CudaVariants*' > "$OUT/tests.log" 2>&1 || status=1
    grep -E '^\[  (PASSED|FAILED)|^\[       OK|Failure' "$OUT/tests.log" | tee -a "$OUT/log.txt" ;;
  sanitize)
    for v in $VARIANTS; do for tool in memcheck racecheck; do
      compute-sanitizer --tool $tool --error-exitcode 9 $B run --variants "$v" --pipelines '*' --workloads ragged-n3-100-600 \
        --modes hf --layouts hwc,chw --dtypes fp32,bf16 --out-layouts "${OUT_LAYOUTS:-nchw}" --reps 1 --warmup 0 \
        --out /tmp/san.json > /tmp/san.log 2>&1
      rc=$?; echo "$tool $v exit $rc $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san.log | tail -1)" | tee -a "$OUT/log.txt"
      [ $rc -eq 0 ] || status=1
    done; done ;;
  profile) $B profile --variants "${VARIANTS// /,}" "${HEAD[@]}" --reps 10 | tee "$OUT/profile.txt" | grep -E 'median|kernels, sum' ;;
  ladder)
    $B run --sweep sweeps/roofline.json --out "$OUT/ladder.json" > "$OUT/ladder_table.txt" 2>> "$OUT/log.txt" || status=1
    grep -E 'ragged-n32-384-1024 +chw' "$OUT/ladder_table.txt" ;;
  ncu)
    for v in $VARIANTS; do
      profiling/ncu.sh $v siglip-so400m-384 ragged-n32-384-1024 chw fp32 hf "$OUT/ncu_$v.json" 2>&1 | tee -a "$OUT/log.txt" | head -4 || status=1
    done ;;
  gate)
    $B run --sweep sweeps/gate.json --out "$OUT/gate_A.json" > /dev/null 2>> "$OUT/log.txt" || status=1
    $B run --sweep sweeps/gate.json --out "$OUT/gate_B.json" > /dev/null 2>> "$OUT/log.txt" || status=1
    $B run --sweep sweeps/gate.json --inject-delay 50 --out "$OUT/gate_C.json" > /dev/null 2>> "$OUT/log.txt" || status=1
    { echo "## identical code: prepbench gate --baseline gate_A.json --candidate gate_B.json"
      $B gate --baseline "$OUT/gate_A.json" --candidate "$OUT/gate_B.json"; echo "exit $?"
      echo; echo "## injected 50 us busy kernel: prepbench gate --baseline gate_A.json --candidate gate_C.json"
      $B gate --baseline "$OUT/gate_A.json" --candidate "$OUT/gate_C.json"; echo "exit $?"; } > "$OUT/gate.md" 2>&1
    grep -E '^exit|regressed,' "$OUT/gate.md" ;;
  esac
done
exit $status
