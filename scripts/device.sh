#!/usr/bin/env bash
# The GPU machine's work as stages of one script. Here, first: `scripts/device.sh prepare`, which builds and puts
# what the GPU machine needs into build-device/ (the device call carries that folder; the tree travels anyway).
# There: `scripts/device.sh STAGE...`; everything lands in $OUT/device/ and is packed into $OUT/device.tgz.
#
# stages:
#   prepare       (here) build the default preset (with nvJPEG from PyPI's wheel, scripts/fetch_nvjpeg.sh); copy
#                 prepbench, pb_tests, the shared libraries the GPU machine may lack, and any older binaries to A/B
#                 against (put them in build-ab/), into build-device/
#   env           GPU, driver, clocks, nvcc, library versions                          -> env.txt
#   tests         the whole C++ suite, CUDA parity of every variant included            -> tests.log
#   check         parity of $VARIANTS everywhere (all pipelines, layouts, dtypes, modes, nchw + nhwc), time-boxed
#                                                                                        -> check_nchw/nhwc.json/.txt
#   sanitize      compute-sanitizer memcheck + racecheck of $VARIANTS, nchw and nhwc, then sanitize_new -> sanitize.log
#   sanitize_new  the same of the rebind test, and memcheck of e2e --from files (nvJPEG)  -> sanitize.log
#   sweep         prepbench run --sweep sweeps/$SWEEP.json for each name in $SWEEP      -> sweep_NAME.json/.txt
#   peers         GPU peers ($GPU_PEERS) on $WORKLOADS x $PIPELINES                     -> peers_gpu.json
#   compile_peer  torch.compile peer on the same                                       -> peers_compile.json
#   cpu_peers     CPU peers ($CPU_PEERS) on the same                                   -> peers_cpu.json
#   merge         peers/merge.py of the sweeps and peers of this call                   -> merged.json
#   e2e           prepbench e2e of $VARIANTS on $PIPELINES x $WORKLOADS                 -> e2e.json/.txt
#   ncu           profiling/ncu.sh of $VARIANTS on the headline case                     -> ncu_VARIANT.json
#   ab            same-session A/B: this build and each build-device/ab/prepbench_* run $VARIANTS on each
#                 "pipeline:workload" of $CASES, interleaved case by case, the binaries' order alternating
#                 round by round, $ROUNDS rounds -> ab.txt, ab_json.tgz
#   shard         sweeps/$SWEEP.json in $SHARDS shards (default 3), one process per GPU at a time (--device K, the
#                 GPUs taken in turn), merged, and gated for parity against one unsharded run; an absent --device
#                 index must be refused                                                -> shard/, shard.txt
#   python        the Python package's torch tests (python/tests/test_torch.py) and the processor comparison
#                 (python/bench/processor_bench.py; cv-utils v2 beside it where $CV_UTILS_PATH, default
#                 .peers/cv_utils, holds its source) with this build's libprepbench_c.so, the carried .whl/*.whl
#                 installed first                                    -> python_tests.log, python_bench.json/.txt
#   files         real photos (issue 18): the four stages below
#   photo_goldens the photo goldens (peers/make_golden.py --set photos)              -> goldens_photos.tar.xz
#   files_run     $PHOTOS JPEGs of scripts/make_photos.py run by $VARIANTS and cpu_separable_ring -> files_run.*
#   files_e2e     e2e --from files of cpu_separable_ring (16 decode threads) and $VARIANTS (nvJPEG) -> files_e2e.*
#   decode_shares e2e --from files of $VARIANTS on SigLIP at each --cuda-decode-share of $SHARES, 32 and 128 photos
#                                                                           -> decode_shares.txt, decode_share_*.json
#   files_peers   the file peers ($FILE_PEERS, default all) on the same photos          -> files_peers.*
#   charts        scripts/charts.sh of merged.json, where this machine's Python has matplotlib -> charts/
# Settings (environment): VARIANTS (default cuda_separable_mma), SWEEP (default "default"), WORKLOADS (default
# ragged-n32-384-1024), PIPELINES (default the four core ones), GPU_PEERS, CPU_PEERS, CASES (default the SigLIP
# headline and Qwen ragged-n32), ROUNDS (default 4).
# Draw charts afterwards, here: scripts/charts.sh merged.json DIR.
set -uo pipefail
cd "$(dirname "$0")/.."
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
[ $# -gt 0 ] || { usage >&2; exit 2; }
case "$1" in -h|--help) usage; exit 0 ;; esac

D=build-device
if [ "$1" = prepare ]; then
  set -e
  # nvJPEG for the GPU decoder (e2e --from files): the wheel's, as this machine's toolkit has none
  nvj=${PB_NVJPEG_ROOT:-$(scripts/fetch_nvjpeg.sh "${TMPDIR:-/tmp}/pb-nvjpeg" || true)}
  cmake --preset default -G Ninja ${nvj:+-DPB_NVJPEG_ROOT=$nvj} >/dev/null
  cmake --build build -j"$(nproc)"
  rm -rf "$D" && mkdir -p "$D/lib"
  cp build/prepbench build/tests/pb_tests build/libprepbench_c.so "$D/"
  if ls build-ab/prepbench_* >/dev/null 2>&1; then mkdir -p "$D/ab" && cp build-ab/prepbench_* "$D/ab/"; fi
  # the CUDA runtime, CUPTI and nvJPEG of this build, Debian's JPEG/PNG decoders (the GPU machine has neither
  # libjpeg.so.62 nor libpng16), and Debian's libraries an older A/B binary may need
  for bin in "$D"/prepbench "$D"/pb_tests "$D"/libprepbench_c.so "$D"/ab/prepbench_*; do
    [ -f "$bin" ] || continue
    ldd "$bin" | awk '$1 ~ /^lib(cudart|cupti|benchmark|nvjpeg|jpeg|png16|z)\./ {print $3}' | while read -r src; do cp -L "$src" "$D/lib/"; done
  done
  strip "$D"/prepbench "$D"/pb_tests "$D"/libprepbench_c.so  # the carry limit is 64 MiB, the tree included
  du -sh "$D" | awk '{print "device.sh: carry build-device (" $1 ")"}'
  git status --porcelain --untracked-files=no | grep -q . && echo "device.sh: warning: uncommitted changes: results will say dirty=true" || true
  exit 0
fi

[ -x "$D/prepbench" ] || { echo "device.sh: no $D/prepbench: run scripts/device.sh prepare here and carry $D" >&2; exit 2; }
OUT=${OUT:-/tmp/prepbench-device}
R=$OUT/device
mkdir -p "$R"
export LD_LIBRARY_PATH="$PWD/$D/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONUNBUFFERED=1
export PB_PYTHON=${PB_PYTHON:-$(command -v python3)}  # the GPU machine's Python has torch
B=$D/prepbench
VARIANTS=${VARIANTS:-cuda_separable_mma}
SWEEP=${SWEEP:-default}
WORKLOADS=${WORKLOADS:-ragged-n32-384-1024}
PIPELINES=${PIPELINES:-siglip-so400m-384,clip-vit-b32,dinov2-small,qwen2.5-vl-7b}
GPU_PEERS=${GPU_PEERS:-torchvision_loop_uint8,torchvision_loop_float,hf_processor,cv_utils,cv_utils_uint8}
# cv-utils v2's public Triton source, carried in the ignored .peers/cv_utils (never committed): the cv_utils peers
# and the python stage's comparison use it where it is there, and record "skipped" where it is not
CV_UTILS_PATH=${CV_UTILS_PATH:-.peers/cv_utils}
cv_arg() { [ -f "$CV_UTILS_PATH/resize.py" ] && echo --cv-utils-path "$CV_UTILS_PATH"; }
CPU_PEERS=${CPU_PEERS:-hf_processor_cpu,hf_processor_pil,opencv_cpu}
dirs() { local d=""; for w in ${WORKLOADS//,/ }; do
  [ -f /tmp/wl/$w/manifest.json ] || $B workload dump --workload "$w" --out /tmp/wl/$w >/dev/null
  d="$d${d:+,}/tmp/wl/$w"; done; echo "$d"; }
peers() {  # peers NAMES OUT.json [extra args]
  local names=$1 out=$2; shift 2
  "$PB_PYTHON" peers/run_peers.py --prepbench $B --workload-dirs "$(dirs)" --pipelines "$PIPELINES" --peers "$names" \
    --out "$R/$out" $(cv_arg) "$@" 2>&1 | grep -v Warning | tee -a "$R/peers.log"
}
photos() {  # photos [N [MAX_SIDE]] -> P: N (default $PHOTOS, 32) JPEGs of scripts/make_photos.py, made once per machine
  local n=${1:-${PHOTOS:-32}} side=${2:-}
  P=/tmp/photos-n$n${side:+-$side}
  [ -d "$P" ] || "$PB_PYTHON" scripts/make_photos.py "$P" --n "$n" ${side:+--max-side $side} | tee -a "$R/log.txt" \
    || status=1
}
status=0
while [ $# -gt 0 ]; do
  stage=$1; shift
  echo "== $stage $(date -u +%T)" | tee -a "$R/log.txt"
  case $stage in
  env)
    { date -u +%FT%TZ
      nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu --format=csv
      nvcc --version 2>/dev/null | tail -1
      "$PB_PYTHON" -c "import torch, torchvision, transformers; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'transformers', transformers.__version__)"
    } > "$R/env.txt" 2>&1
    cat "$R/env.txt" ;;
  tests)
    G=/tmp/pb-golden; mkdir -p $G
    for a in tests/golden/goldens*.tar.xz; do
      set_name=$(basename "$a" .tar.xz); set_name=${set_name#goldens}; set_name=${set_name#_}
      mkdir -p "$G/$set_name" && tar -xJf "$a" -C "$G/$set_name"
    done
    PB_GOLDEN_DIR=$G PB_PREPBENCH_BIN=$PWD/$B PB_TEST_TMP=/tmp/pbtest $D/pb_tests > "$R/tests.log" 2>&1 || status=1
    grep -E '^\[  (PASSED|FAILED|SKIPPED) |^\[==========\] [0-9]+ tests' "$R/tests.log" | tee -a "$R/log.txt" ;;
  check)
    # a new kernel's first run: parity of $VARIANTS on every pipeline, both input layouts, dtypes and modes, NCHW
    # (Qwen: its patches) and NHWC, small ragged batches; 150 s each at most, so that a hang fails instead of
    # eating the call
    for ol in nchw nhwc; do
      timeout 150 $B run --variants "$VARIANTS" --pipelines '*' --workloads ragged-n5-33-700,aspect-n2-40-400 \
        --layouts hwc,chw --dtypes fp32,bf16 --modes hf,float --out-layouts $ol --reps 3 --warmup 1 \
        --no-kernel-trace --out "$R/check_$ol.json" > "$R/check_$ol.txt" 2>&1 \
        || { rc=$?; status=1; echo "check $ol: rc $rc (124: timed out)" | tee -a "$R/log.txt"; }
      tail -n 4 "$R/check_$ol.txt" | tee -a "$R/log.txt"
    done ;;
  sanitize)
    : >> "$R/sanitize.log"
    for v in ${VARIANTS//,/ }; do
      for tool in memcheck racecheck; do
        for ol in nchw nhwc; do
          echo "--- $tool $v $ol" >> "$R/sanitize.log"
          compute-sanitizer --tool $tool --error-exitcode 9 $B run --variants "$v" --pipelines '*' \
            --workloads ragged-n3-60-500 --layouts hwc,chw --dtypes fp32,bf16 --modes hf,float --out-layouts $ol \
            --reps 1 --warmup 0 --no-kernel-trace --out /tmp/san.json >> "$R/sanitize.log" 2>&1 || status=1
          tail -n 1 "$R/sanitize.log" | sed "s/^/$tool $v $ol: /" | tee -a "$R/log.txt"
        done
      done
    done
    set -- sanitize_new "$@" ;;
  sanitize_new)
    # the rebind kernel (re-pointed inputs, the Python package's repeated shapes) and the nvJPEG path
    for tool in memcheck racecheck; do
      echo "--- $tool rebind" >> "$R/sanitize.log"
      compute-sanitizer --tool $tool --error-exitcode 9 $D/pb_tests --gtest_filter='CudaVariants.Rebind*' \
        >> "$R/sanitize.log" 2>&1 || status=1
      tail -n 1 "$R/sanitize.log" | sed "s/^/$tool rebind: /" | tee -a "$R/log.txt"
    done
    photos 4 640
    echo "--- memcheck e2e --from files" >> "$R/sanitize.log"
    compute-sanitizer --tool memcheck --error-exitcode 9 $B e2e --from files --variants "$VARIANTS" \
      --pipelines siglip-so400m-384 --workloads "files:$P" --reps 1 --out /tmp/san_e2e.json >> "$R/sanitize.log" 2>&1 || status=1
    tail -n 1 "$R/sanitize.log" | sed "s/^/memcheck e2e files: /" | tee -a "$R/log.txt" ;;
  shard)
    gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU')
    [ "$gpus" -ge 1 ] || gpus=1
    n=${SHARDS:-3} sw=sweeps/${SWEEP%%,*}.json
    mkdir -p "$R/shard"
    {
      echo "shard: $sw in $n shards over $gpus GPU(s)"
      start=$(date +%s)
      for ((w = 0; w < n; w += gpus)); do  # a wave: at most one timed process per GPU
        for ((i = w; i < n && i < w + gpus; i++)); do
          $B run --sweep "$sw" --shard "$i/$n" --device $((i - w)) --out "$R/shard/s$i.json" \
            > "$R/shard/s$i.txt" 2> "$R/shard/s$i.log" &
        done
        wait
      done
      echo "shards: $(( $(date +%s) - start )) s"
      $B merge "$R/shard/merged.json" $(for ((i = 0; i < n; i++)); do echo "$R/shard/s$i.json"; done) || status=1
      start=$(date +%s)
      $B run --sweep "$sw" --out "$R/shard/whole.json" > "$R/shard/whole.txt" 2>&1 || status=1
      echo "unsharded: $(( $(date +%s) - start )) s"
      $B gate --parity-only --baseline "$R/shard/whole.json" --candidate "$R/shard/merged.json" | tail -n 2 || status=1
      if $B run --sweep "$sw" --device "$gpus" --out "$R/shard/absent.json" 2> "$R/shard/absent.log"; then
        echo "shard: --device $gpus was not refused"; status=1
      else
        echo "--device $gpus refused: $(cat "$R/shard/absent.log")"
      fi
    } > "$R/shard.txt" 2>&1
    cat "$R/shard.txt" | tee -a "$R/log.txt" ;;
  sweep)
    for s in ${SWEEP//,/ }; do
      $B run --sweep sweeps/$s.json --out "$R/sweep_$s.json" > "$R/sweep_$s.txt" 2> "$R/sweep_$s.log" || status=1
      tail -n 3 "$R/sweep_$s.txt" | tee -a "$R/log.txt"
    done ;;
  peers) peers "$GPU_PEERS" peers_gpu.json || status=1 ;;
  compile_peer) peers torch_compile peers_compile.json || status=1 ;;
  cpu_peers) peers "$CPU_PEERS" peers_cpu.json --cpu-reps 3 || status=1 ;;
  merge)
    v=$(ls "$R"/sweep_*.json 2>/dev/null | paste -sd, -) p=$(ls "$R"/peers_*.json 2>/dev/null | paste -sd, -)
    "$PB_PYTHON" peers/merge.py --variants "$v" --peers "$p" --out "$R/merged.json" || status=1 ;;
  e2e)
    $B e2e --variants "$VARIANTS" --pipelines "$PIPELINES" --workloads "$WORKLOADS" --out "$R/e2e.json" \
      > "$R/e2e.txt" 2>> "$R/log.txt" || status=1
    cat "$R/e2e.txt" ;;
  ncu)
    for v in ${VARIANTS//,/ }; do
      PREPBENCH=$B profiling/ncu.sh "$v" siglip-so400m-384 ragged-n32-384-1024 chw fp32 hf "$R/ncu_$v.json" \
        >> "$R/log.txt" 2>&1 || status=1
    done ;;
  ab)
    CASES=${CASES:-"siglip-so400m-384:ragged-n32-384-1024 qwen2.5-vl-7b:ragged-n32-384-1024"}
    : > "$R/ab.txt"
    bins="$B $(ls $D/ab/prepbench_* 2>/dev/null | tr '\n' ' ')"
    rbins=$(echo $bins | tr ' ' '\n' | tac | tr '\n' ' ')
    for round in $(seq 1 "${ROUNDS:-4}"); do
      for c in $CASES; do
        # the binaries' order alternates round by round (ABBA), so that running first or second cancels out
        [ $((round % 2)) -eq 1 ] && order=$bins || order=$rbins
        for bin in $order; do
          [ -x "$bin" ] || continue
          name=$(basename "$bin") json="$R/ab_${round}_$(basename "$bin")_${c//:/_}.json"
          "$bin" run --variants "$VARIANTS" --pipelines "${c%%:*}" --workloads "${c#*:}" --layouts chw --dtypes fp32 \
            --modes hf --reps 30 --warmup 3 --no-kernel-trace --out "$json" > /dev/null 2>> "$R/log.txt" || status=1
          "$PB_PYTHON" - "$json" "$round" "$name" >> "$R/ab.txt" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["records"]:
    t = r.get("time_ms") or {}
    print(sys.argv[2], sys.argv[3], r["variant"], r["pipeline"], r["workload"], r["status"], "%.4f" % t["median"] if t else "-")
PY
        done
      done
    done
    cat "$R/ab.txt"
    (cd "$R" && tar czf ab_json.tgz ab_[0-9]*_*.json && rm -f ab_[0-9]*_*.json) ;;
  python)
    export PREPBENCH_LIB=$PWD/$D/libprepbench_c.so PYTHONPATH=$PWD/python
    if ls .whl/*.whl > /dev/null 2>&1; then  # wheels carried for it (the `kernels` package: device README)
      "$PB_PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        .whl/*.whl && PYTHONPATH=$PYTHONPATH:/tmp/site
    fi
    "$PB_PYTHON" python/tests/test_torch.py > "$R/python_tests.log" 2>&1 || status=1
    grep -E '^(Ran|OK|FAILED)|\.\.\. (FAIL|ERROR|skipped)' "$R/python_tests.log" | tee -a "$R/log.txt"
    "$PB_PYTHON" python/bench/processor_bench.py --prepbench $B --out "$R/python_bench.json" \
      ${REPS:+--reps $REPS} $(cv_arg) 2>&1 \
      | grep -v Warning | tee "$R/python_bench.txt" | tee -a "$R/log.txt" || status=1 ;;
  files) set -- photo_goldens files_run files_e2e files_peers "$@" ;;  # the loop runs them next
  photo_goldens)
    "$PB_PYTHON" peers/make_golden.py --set photos --out "$R" 2>&1 | tail -n 2 | tee -a "$R/log.txt" || status=1 ;;
  files_run)
    photos
    $B run --variants "$VARIANTS,cpu_separable_ring" --pipelines '*' --workloads "files:$P" --layouts hwc,chw \
      --modes hf,float --out "$R/files_run.json" > "$R/files_run.txt" 2>&1 || status=1
    tail -n 3 "$R/files_run.txt" | tee -a "$R/log.txt" ;;
  files_e2e)
    photos
    $B e2e --from files --variants "cpu_separable_ring,$VARIANTS" --pipelines siglip-so400m-384,qwen2.5-vl-7b \
      --workloads "files:$P" --decode-threads 16 --out "$R/files_e2e.json" > "$R/files_e2e.txt" 2>&1 || status=1
    cat "$R/files_e2e.txt" | tee -a "$R/log.txt" ;;
  decode_shares)
    # nvJPEG's CUDA backend beside the hardware engine: SigLIP e2e of $VARIANTS at each share in $SHARES, on the
    # 32 photos and (the decoder's ceiling, per-call costs amortised) on 128
    for n in 32 128; do
      photos "$n"
      for f in ${SHARES:-0 0.2 0.3 0.4 0.5}; do
        $B e2e --from files --variants "$VARIANTS" --pipelines siglip-so400m-384 --workloads "files:$P" \
          --cuda-decode-share "$f" --out "$R/decode_share_${n}_$f.json" 2>&1 | grep -v "^case\|^wrote" | sed "s/^/n$n share $f: /" \
          | tee -a "$R/decode_shares.txt" || status=1
      done
    done
    cat "$R/decode_shares.txt" >> "$R/log.txt" ;;
  files_peers)
    photos
    "$PB_PYTHON" peers/run_file_peers.py --prepbench $B --dir "$P" --threads 16 ${FILE_PEERS:+--peers $FILE_PEERS} \
      --out "$R/files_peers.json" 2>&1 | grep -v Warn > "$R/files_peers.txt" || status=1
    cat "$R/files_peers.txt" | tee -a "$R/log.txt" ;;
  charts)
    if "$PB_PYTHON" -c "import matplotlib" 2>/dev/null; then
      PB_PYTHON=$PB_PYTHON scripts/charts.sh "$R/merged.json" "$R/charts" || status=1
    else
      echo "device.sh: no matplotlib on this machine: draw the charts where it is, scripts/charts.sh merged.json DIR"
    fi ;;
  *) echo "device.sh: unknown stage '$stage' (scripts/device.sh --help)" >&2; exit 2 ;;
  esac
done
tar -czf "$OUT/device.tgz" -C "$OUT" device
echo "device.sh: status $status; results in \$OUT/device.tgz"
exit $status
