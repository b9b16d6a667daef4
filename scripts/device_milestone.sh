#!/usr/bin/env bash
# The milestone on the GPU machine: variants (sweeps/milestone.json + sweeps/scaling.json) and every peer, on
# the same workload files (prepbench workload dump). Stages: variants gpu_peers compile_peer cpu_peers.
# Writes component JSONs + logs under $OUT; merge them with peers/merge.py and draw with scripts/charts.sh.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/prepbench-milestone}
mkdir -p "$OUT"
export LD_LIBRARY_PATH="$PWD/build/devlibs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED=1
B=build/prepbench
MAIN="uniform-n32-512 ragged-n32-384-1024 large-n4-3000-4096"
SCALE="uniform-n1-512 uniform-n8-512 uniform-n32-512 uniform-n128-512 uniform-n8-256 uniform-n8-1024 uniform-n8-2048"
dirs() { local d=""; for w in "$@"; do
  [ -f /tmp/wl/$w/manifest.json ] || $B workload dump --workload "$w" --out /tmp/wl/$w >/dev/null
  d="$d${d:+,}/tmp/wl/$w"; done; echo "$d"; }
status=0
for stage in ${*:-variants gpu_peers compile_peer cpu_peers}; do
  echo "== $stage $(date -u +%T)"
  case $stage in
  variants)
    nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu --format=csv > "$OUT/env.txt"
    $B run --sweep sweeps/milestone.json --out "$OUT/variants.json" > "$OUT/variants_table.txt" 2> "$OUT/variants.log" || status=1
    $B run --sweep sweeps/scaling.json --out "$OUT/scaling.json" >> "$OUT/variants_table.txt" 2>> "$OUT/variants.log" || status=1
    tail -n 2 "$OUT/variants.log" ;;
  gpu_peers)
    python3 peers/run_peers.py --prepbench $B --workload-dirs "$(dirs $MAIN)" \
      --peers torchvision_loop_uint8,torchvision_loop_float,hf_processor --out "$OUT/peers_gpu.json" | tee "$OUT/peers.log" || status=1
    python3 peers/run_peers.py --prepbench $B --workload-dirs "$(dirs $SCALE)" --pipelines siglip-so400m-384 \
      --peers torchvision_loop_uint8,hf_processor --out "$OUT/peers_scaling.json" | tee -a "$OUT/peers.log" || status=1 ;;
  compile_peer)
    python3 peers/run_peers.py --prepbench $B --workload-dirs "$(dirs $MAIN)" --peers torch_compile \
      --out "$OUT/peers_compile.json" 2>&1 | grep -v Warning | tee -a "$OUT/peers.log" || status=1 ;;
  cpu_peers)
    python3 peers/run_peers.py --prepbench $B --workload-dirs "$(dirs $MAIN)" --cpu-reps 3 \
      --peers hf_processor_cpu,hf_processor_pil,opencv_cpu --out "$OUT/peers_cpu.json" | tee -a "$OUT/peers.log" || status=1 ;;
  esac
done
exit $status
