#!/usr/bin/env bash
# Issue 8 on the GPU machine in few calls (build here first: scripts/device_prepare.sh). Stages:
#   tests     the CUDA test suite (parity of every variant, graph replay, e2e, shared-memory limits)
#   sanitize  compute-sanitizer memcheck + racecheck of $VARIANTS (default cuda_separable_mma)
#   ladder    sweeps/roofline.json (two-pass, ring, mma on the four core pipelines and the target workloads)
#   ncu       Nsight Compute summary and per-opcode SASS profile of $VARIANTS on the headline
#   e2e       prepbench e2e: from pinned host memory, the three fastest designs on the four core pipelines
#   graph     every CUDA variant on the headline with stream launches and with --cuda-graph
#   ablation  sweeps/mma_ablation.json twice (rounds 1 and 2: the tensor-core design's ablations, NOTES step 7)
#   nhwc      sweeps/nhwc.json (channels-last against channels-first output)
# Everything lands under $OUT/issue8 and is packed into $OUT/issue8.tgz (the device returns few files).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/prepbench-issue8}
D="$OUT/issue8"
mkdir -p "$D"
export LD_LIBRARY_PATH="$PWD/build/devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
B=build/prepbench
VARIANTS=${VARIANTS:-cuda_separable_mma}
HEAD=(--pipelines siglip-so400m-384 --workloads ragged-n32-384-1024 --layouts chw --dtypes fp32 --modes hf)
status=0
for stage in ${*:-tests sanitize ladder ncu e2e graph}; do
  echo "== $stage $(date -u +%T)" | tee -a "$D/log.txt"
  case $stage in
  tests | sanitize)  # the same stages as the profiling script's, logged into this folder
    OUT="$D" VARIANTS="$VARIANTS" OUT_LAYOUTS="${OUT_LAYOUTS:-nchw,nhwc}" scripts/device_profile.sh "$stage" || status=1 ;;
  ladder)
    $B run --sweep sweeps/roofline.json --out "$D/ladder.json" > "$D/ladder_table.txt" 2> "$D/ladder.log" || status=1
    grep -E 'ragged-n32-384-1024 +chw +fp32' "$D/ladder_table.txt" | tee -a "$D/log.txt" ;;
  ncu)
    for v in $VARIANTS; do
      profiling/ncu.sh "$v" siglip-so400m-384 ragged-n32-384-1024 chw fp32 hf "$D/ncu_$v.json" 2>&1 | tail -2 | tee -a "$D/log.txt"
      profiling/ncu_sass.sh "$v" siglip-so400m-384 ragged-n32-384-1024 chw fp32 hf "$D/sass_$v" 2>&1 | head -8 | tee -a "$D/log.txt"
    done ;;
  e2e)
    $B e2e --variants cuda_separable_mma,cuda_separable_ring,cuda_separable_two_pass \
      --pipelines siglip-so400m-384,clip-vit-b32,dinov2-small,qwen2.5-vl-7b --workloads ragged-n32-384-1024 \
      --groups 4 --reps 20 --out "$D/e2e.json" > "$D/e2e_table.txt" 2>> "$D/log.txt" || status=1
    cat "$D/e2e_table.txt" | tee -a "$D/log.txt" ;;
  graph)
    $B run --variants 'cuda_*' "${HEAD[@]}" --reps 30 --warmup 3 --out "$D/launch_stream.json" > "$D/launch_stream.txt" 2>> "$D/ladder.log" || status=1
    $B run --variants 'cuda_*' "${HEAD[@]}" --reps 30 --warmup 3 --cuda-graph --out "$D/launch_graph.json" > "$D/launch_graph.txt" 2>> "$D/ladder.log" || status=1 ;;
  ablation)
    for round in 1 2; do
      $B run --sweep sweeps/mma_ablation.json --out "$D/ablation_$round.json" > "$D/ablation_$round.txt" 2>> "$D/ladder.log" || status=1
    done
    grep -E 'ragged-n32-384-1024' "$D/ablation_1.txt" | tee -a "$D/log.txt" ;;
  nhwc)
    $B run --sweep sweeps/nhwc.json --out "$D/nhwc.json" > "$D/nhwc.txt" 2>> "$D/ladder.log" || status=1
    grep -E 'ragged-n32-384-1024' "$D/nhwc.txt" | tee -a "$D/log.txt" ;;
  esac
done
tar czf "$OUT/issue8.tgz" -C "$OUT" issue8 && rm -rf "$D"
exit $status
