#!/usr/bin/env bash
# Submits a sweep to Slurm as N shards and a merge that runs when all of them succeeded; prints the job ids.
#   scripts/slurm/submit.sh SWEEP.json N OUTDIR          (GRES=gpu:1 for one GPU per shard; PREPBENCH=binary)
# The results: OUTDIR/shard_I.json per shard, OUTDIR/merged.json (valid for gate, charts and export).
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: scripts/slurm/submit.sh SWEEP.json N OUTDIR" >&2; exit 2; }
cd "$(dirname "$0")/../.."
SWEEP=$1 N=$2 OUT=$3
case "$N" in ''|*[!0-9]*) echo "submit.sh: N must be a positive integer" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] || { echo "submit.sh: N must be at least 1" >&2; exit 2; }
[ -f "$SWEEP" ] || { echo "submit.sh: no sweep file $SWEEP" >&2; exit 2; }
mkdir -p "$OUT"
export PREPBENCH=${PREPBENCH:-$PWD/build/prepbench}
gres=()
[ -n "${GRES:-}" ] && gres=(--gres="$GRES")
array=$(sbatch --parsable --array=0-$((N - 1)) "${gres[@]}" --chdir="$PWD" --output="$OUT/sweep-%A_%a.out" \
  scripts/slurm/sweep.sbatch "$SWEEP" "$OUT" "$N")
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --chdir="$PWD" --output="$OUT/merge-%j.out" \
  scripts/slurm/merge.sbatch "$OUT" "$N")
merge=${merge%%;*}
echo "submitted: array job $array ($N shards), merge job $merge (after all of them); results in $OUT"
