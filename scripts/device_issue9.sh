#!/usr/bin/env bash
# Issue 9 on the GPU machine: goldens for the tiling pipelines (hf/float, device="cuda") and for pil mode (Pillow and
# HF's PIL backend), the CUDA parity suite (all pipelines), compute-sanitizer on two variants over the new pipelines,
# the first timings of the tiling pipelines and their hf_processor peer. Writes under $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/prepbench-issue9}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/build/devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" PYTHONUNBUFFERED=1
export PB_GOLDEN_DIR="$PWD/build/tests/golden" PB_PREPBENCH_BIN="$PWD/build/prepbench" PB_TEST_TMP=/tmp/pbtest
B=build/prepbench
status=0
python3 -c "import PIL, transformers; print('pillow', PIL.__version__, 'transformers', transformers.__version__)" | tee "$OUT/log.txt"
for set in tiling pil; do
  python3 peers/make_golden.py --set $set --out "$OUT" > "$OUT/make_golden_$set.log" 2>&1 || { status=1; tail -5 "$OUT/make_golden_$set.log"; }
  tail -1 "$OUT/make_golden_$set.log"
done
build/tests/pb_tests --gtest_filter='CudaVariants*' 2>&1 | tee -a "$OUT/log.txt" | grep -E '^\[  (PASSED|FAILED)|Failure' || status=1
for v in cuda_separable_ring cuda_naive_per_stage; do for tool in memcheck racecheck; do
  compute-sanitizer --tool $tool --error-exitcode 9 $B run --variants $v --pipelines internvl3-448,llava-next-336 \
    --workloads ragged-n3-100-900 --modes hf --layouts hwc,chw --reps 1 --warmup 0 --out /tmp/san.json > /tmp/san.log 2>&1
  rc=$?; echo "$tool $v exit $rc $(grep -E 'ERROR SUMMARY|RACECHECK SUMMARY' /tmp/san.log | tail -1)" | tee -a "$OUT/log.txt"
  [ $rc -eq 0 ] || status=1
done; done
$B run --sweep sweeps/tiling.json --out "$OUT/tiling.json" > "$OUT/tiling_table.txt" 2>> "$OUT/log.txt" || status=1
grep -E "fp32" "$OUT/tiling_table.txt"
$B workload dump --workload ragged-n32-384-1024 --out /tmp/wl9 > /dev/null
python3 peers/run_peers.py --prepbench $B --workload-dirs /tmp/wl9 --pipelines internvl3-448,llava-next-336 \
  --peers hf_processor,torchvision_loop_uint8 --out "$OUT/peers_tiling.json" 2>&1 | tee -a "$OUT/log.txt" | grep -E "^(hf|torch)" || status=1
exit $status
