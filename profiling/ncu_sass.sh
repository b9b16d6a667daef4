#!/usr/bin/env bash
# Nsight Compute source-level view of one case's timed repetition: executed instructions and stall samples per SASS
# opcode (where the instructions go, and where warps wait), plus the warp-state section.
#   profiling/ncu_sass.sh VARIANT PIPELINE WORKLOAD LAYOUT DTYPE MODE OUT_PREFIX
# Writes OUT_PREFIX.json (opcode histogram), OUT_PREFIX_sass.csv (per instruction) and OUT_PREFIX_stalls.txt.
set -uo pipefail
[ $# -eq 7 ] || { echo "usage: profiling/ncu_sass.sh VARIANT PIPELINE WORKLOAD LAYOUT DTYPE MODE OUT_PREFIX" >&2; exit 2; }
cd "$(dirname "$0")/.."
V=$1 P=$2 W=$3 L=$4 D=$5 M=$6 PREFIX=$7
B=${PREPBENCH:-build/prepbench}
. profiling/needs_gpu.sh
REP=$(mktemp -d)/rep
$NCU --clock-control none --nvtx --nvtx-include "rep/" --section SourceCounters --section WarpStateStats \
  --section LaunchStats --section Occupancy -o "$REP" -f \
  $B run --variants "$V" --pipelines "$P" --workloads "$W" --layouts "$L" --dtypes "$D" --modes "$M" \
  --reps 1 --warmup 1 --no-kernel-trace --out /tmp/ncu-sass-run.json > /tmp/ncu-sass.log 2>&1 \
  || { echo "ncu_sass.sh: ncu failed" >&2; tail -5 /tmp/ncu-sass.log >&2; exit 1; }
$NCU -i "$REP.ncu-rep" --page source --csv --print-source sass > "${PREFIX}_sass.csv" 2>/dev/null
$NCU -i "$REP.ncu-rep" --page details --section WarpStateStats --section LaunchStats --section Occupancy \
  > "${PREFIX}_stalls.txt" 2>&1
scripts/python profiling/ncu_sass_summary.py "${PREFIX}_sass.csv" --case "$V/$P/$W/$L/$D/$M" --out "${PREFIX}.json"
