#!/usr/bin/env bash
# The gate experiment: N pairs of identical binaries and N pairs with a slowdown injected into one design, each a
# `prepbench ab` of sweeps/gate_cpu.json at the default settings; counts the pairs that fail.
#   scripts/gate_experiment.sh BINARY N OUTDIR [INJECT]     INJECT: default "10% cpu_separable_ring"
set -uo pipefail
[ $# -ge 3 ] || { echo "usage: scripts/gate_experiment.sh BINARY N OUTDIR [\"P% VARIANT\"]" >&2; exit 2; }
cd "$(dirname "$0")/.."
B=$1 N=$2 OUT=$3 INJ=${4:-"10% cpu_separable_ring"}
mkdir -p "$OUT"
summary="$OUT/summary.txt"
echo "binary $B ($("$B" list --json | head -c 0; git rev-parse --short HEAD)), $N pairs each, inject $INJ, $(date -u +%FT%TZ), $(nproc) cores" > "$summary"
for kind in identical injected; do
  fails=0
  for i in $(seq 1 "$N"); do
    args=""
    [ $kind = injected ] && args="--inject-delay ${INJ% *} --inject-variants ${INJ#* }"
    start=$(date +%s)
    "$B" ab --baseline "$B" --candidate "$B" --candidate-args "$args" --sweep sweeps/gate_cpu.json \
      --out "$OUT/${kind}_$i.json" --markdown "$OUT/${kind}_$i.md" > /dev/null 2>> "$OUT/log.txt"
    rc=$?
    [ $rc -eq 1 ] && fails=$((fails + 1))
    echo "$kind $i exit $rc ($(( $(date +%s) - start )) s): $(tail -n 1 "$OUT/${kind}_$i.md")" | tee -a "$summary"
  done
  echo "$kind: $fails of $N pairs failed the gate" | tee -a "$summary"
done
