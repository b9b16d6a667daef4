#!/usr/bin/env bash
# Same-session A/B of builds on the GPU machine: every binary in $BINS (default: build/prepbench plus any
# build/ab/prepbench_*) runs the same cases, interleaved, $ROUNDS times; medians into $OUT/ab.txt (round, binary,
# variant, pipeline, workload, layout, dtype, median ms) and the full JSON per binary and round.
#   VARIANTS=cuda_separable_mma CASES="siglip-so400m-384:ragged-n32-384-1024 clip-vit-b32:large-n4-3000-4096" scripts/device_ab.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/prepbench-ab}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/build/devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
BINS=${BINS:-"build/prepbench $(ls build/ab/prepbench_* 2>/dev/null | tr '\n' ' ')"}
ROUNDS=${ROUNDS:-2}
VARIANTS=${VARIANTS:?set VARIANTS (comma-separated)}
CASES=${CASES:-"siglip-so400m-384:ragged-n32-384-1024"}
LAYOUTS=${LAYOUTS:-chw} DTYPES=${DTYPES:-fp32}
status=0
for round in $(seq 1 "$ROUNDS"); do
  for bin in $BINS; do
    name=$(basename "$bin")
    for c in $CASES; do
      p=${c%%:*} w=${c#*:}
      json="$OUT/ab_${round}_${name}_${p}_${w}.json"
      "$bin" run --variants "$VARIANTS" --pipelines "$p" --workloads "$w" --layouts "$LAYOUTS" --dtypes "$DTYPES" \
        --modes hf --reps 30 --warmup 3 --out "$json" > /dev/null 2>> "$OUT/ab_log.txt" || status=1
      python3 -c "
import json, sys
for r in json.load(open(sys.argv[1]))['records']:
    print(sys.argv[2], sys.argv[3], r['variant'], r['pipeline'], r['workload'], r['layout'], r['dtype'], r.get('status'),
          '%.4f' % r['time_ms']['median'] if r.get('time_ms') else '-')" "$json" "$round" "$name" >> "$OUT/ab.txt"
    done
  done
done
cat "$OUT/ab.txt"
# the device returns few files: the per-run JSONs travel as one archive
(cd "$OUT" && tar czf ab_json.tgz ab_[0-9]*_*.json && rm -f ab_[0-9]*_*.json)
exit $status
