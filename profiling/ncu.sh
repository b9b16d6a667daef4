#!/usr/bin/env bash
# Nsight Compute on one case: speed-of-light and memory-workload figures of the kernels of one repetition, summarised
# into JSON (achieved DRAM throughput %, SM throughput %, L2 hit rate, registers, achieved/theoretical occupancy).
#   profiling/ncu.sh VARIANT PIPELINE WORKLOAD LAYOUT DTYPE MODE OUT.json
# The run is: parity check, 1 warm-up, 1 timed repetition (inside the NVTX range "rep"); CUPTI tracing is off so
# that ncu owns the profiler. The repetition is picked by NVTX; if this ncu's filter matches nothing, it falls back
# to --launch-skip/--launch-count from the variant's kernels per repetition (counted by `prepbench profile`).
set -uo pipefail
[ $# -eq 7 ] || { echo "usage: profiling/ncu.sh VARIANT PIPELINE WORKLOAD LAYOUT DTYPE MODE OUT.json" >&2; exit 2; }
cd "$(dirname "$0")/.."
V=$1 P=$2 W=$3 L=$4 D=$5 M=$6 OUTJSON=$7
B=${PREPBENCH:-build/prepbench}
. profiling/needs_gpu.sh
METRICS=gpu__time_duration.sum,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__throughput.avg.pct_of_peak_sustained_elapsed,lts__t_sector_hit_rate.pct,launch__registers_per_thread,sm__warps_active.avg.pct_of_peak_sustained_active,sm__maximum_warps_per_active_cycle_pct,dram__bytes_read.sum,dram__bytes_write.sum,launch__grid_size,launch__block_size,smsp__inst_executed.sum
CASE=(--variants "$V" --pipelines "$P" --workloads "$W" --layouts "$L" --dtypes "$D" --modes "$M")
RAW=$(mktemp)
RUN=($B run "${CASE[@]}" --reps 1 --warmup 1 --no-kernel-trace --out /tmp/ncu-run.json)
$NCU --clock-control none --nvtx --nvtx-include "rep/" --metrics "$METRICS" --csv --page raw "${RUN[@]}" \
  > "$RAW" 2>/tmp/ncu.err
how="nvtx range 'rep' (the timed repetition)"
if ! grep -q '"gpu__time_duration.sum"' "$RAW" || [ "$(grep -c '^"[0-9]' "$RAW")" -eq 0 ]; then
  K=$($B profile "${CASE[@]}" --reps 1 | awk '/ kernels, sum /{print $1}' | head -1)
  [ -n "$K" ] || { echo "ncu.sh: could not count the kernels per repetition" >&2; cat /tmp/ncu.err >&2; exit 1; }
  # parity run (K launches) and warm-up (K) come first; the timed repetition is the next K launches
  $NCU --clock-control none --launch-skip $((2 * K)) --launch-count "$K" --metrics "$METRICS" --csv --page raw \
    "${RUN[@]}" > "$RAW" 2>/tmp/ncu.err
  how="launch-skip $((2 * K)) launch-count $K (the NVTX filter matched nothing)"
fi
scripts/python profiling/ncu_summary.py "$RAW" --case "$V/$P/$W/$L/$D/$M" --selection "$how" --out "$OUTJSON"
