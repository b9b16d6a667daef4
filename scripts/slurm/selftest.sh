#!/usr/bin/env bash
# The Slurm scripts tested for real on one machine: installs Debian's slurm-wlm and munge when missing, starts a
# single-node cluster on localhost (munged, slurmctld, slurmd; everything under one temporary folder), and checks
#   1. submit.sh: sweeps/ci.json as a 3-task array plus the afterok merge job; the merged document holds exactly
#      the case list of a single-process run, each case once, passes the parity gate against it, validates
#      against the schema and exports;
#   2. one task cancelled (scancel): the merge names the missing cases and exits 2; that task re-run alone
#      completes the merge;
#   3. a shard from another commit is refused (exit 2).
#   scripts/slurm/selftest.sh [PREPBENCH]       (default build-cpu/prepbench; needs root for the install only)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=$(realpath "${1:-build-cpu/prepbench}")
[ -x "$B" ] || { echo "slurm selftest: no prepbench binary at $B (build it first)" >&2; exit 2; }
SWEEP=sweeps/ci.json N=3

say() { echo "slurm selftest: $*"; }
fail() { echo "slurm selftest: FAILED: $*" >&2; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  say "installing slurm-wlm and munge"
  [ "$(id -u)" = 0 ] || fail "slurm-wlm and munge are missing and installing them needs root"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

T=$(mktemp -d /tmp/pb-slurm.XXXXXX)
chmod 755 "$T"
pids=()
cleanup() {
  local rc=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  # The daemons write their last files (munged's seed, slurmd's state) as they exit: wait for them, up to 10 s,
  # before removing the folder, or rm races them ("Directory not empty").
  for _ in $(seq 50); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.2
  done
  if [ $rc -ne 0 ]; then
    for f in "$T"/*.log "$T"/out*/*.out; do [ -f "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done >&2
  fi
  rm -rf "$T" 2>/dev/null || rm -rf "$T" || echo "slurm selftest: warning: could not remove $T" >&2
  exit $rc
}
trap cleanup EXIT

# munge: a fresh key, its own socket; slurm finds the socket through AuthInfo.
mkdir -p "$T/munge" && chmod 700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none && chmod 400 "$T/munge/munge.key"
munged --force --key-file="$T/munge/munge.key" --socket="$T/munge/sock" --pid-file="$T/munge/pid" \
  --log-file="$T/munged.log" --seed-file="$T/munge/seed"
pids+=("$(cat "$T/munge/pid")")

host=$(hostname -s)
port=$((20000 + RANDOM % 20000))
mkdir -p "$T/state" "$T/spool"
export SLURM_CONF=$T/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=pbselftest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=$(id -un)
SlurmdUser=$(id -un)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -i
slurmd
for _ in $(seq 60); do [ -f "$T/slurmctld.pid" ] && [ -f "$T/slurmd.pid" ] && break; sleep 0.5; done
pids+=("$(cat "$T/slurmctld.pid")" "$(cat "$T/slurmd.pid")")
for _ in $(seq 60); do sinfo -h -o %t 2>/dev/null | grep -qx idle && break; sleep 1; done
sinfo -h -o %t | grep -qx idle || fail "the node never became idle: $(sinfo -h 2>&1)"
say "cluster up: $host, $(nproc) CPUs, slurmctld port $port"

# Waits until none of the given jobs is pending or running (5 minutes at most).
wait_jobs() {
  for _ in $(seq 300); do
    [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
    sleep 1
  done
  fail "jobs $1 still queued after 5 minutes: $(squeue 2>&1)"
}
keys() {  # the sorted case keys of a results document, one per line
  python3 -c 'import json,sys; [print("/".join(str(r[k]) for k in ("variant","pipeline","workload","layout","dtype","mode"))) for r in json.load(open(sys.argv[1]))["records"]]' "$1" | sort
}

say "reference: one process, the whole sweep"
"$B" run --sweep "$SWEEP" --out "$T/single.json" >"$T/single.log" 2>&1 || fail "the single-process run failed"

say "1. submit.sh $SWEEP $N"
sub=$(PREPBENCH=$B scripts/slurm/submit.sh "$SWEEP" "$N" "$T/out")
echo "  $sub"
array=$(sed -n 's/.*array job \([0-9]*\).*/\1/p' <<<"$sub")
merge=$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$sub")
[ -n "$array" ] && [ -n "$merge" ] || fail "submit.sh printed no job ids"
wait_jobs "$array,$merge"
[ -f "$T/out/merged.json" ] || fail "the merge job wrote no merged.json"
cat "$T"/out/merge-*.out
for i in $(seq 0 $((N - 1))); do
  grep -q "shard $i/$N: exit 0" "$T"/out/sweep-*_"$i".out || fail "shard $i did not log a clean exit"
done
keys "$T/single.json" >"$T/single.keys"
keys "$T/out/merged.json" >"$T/merged.keys"
[ "$(uniq -d "$T/merged.keys")" = "" ] || fail "a case is in the merged document twice"
diff "$T/single.keys" "$T/merged.keys" || fail "the merged case list differs from the single-process one"
"$B" gate --baseline "$T/single.json" --candidate "$T/out/merged.json" --parity-only >"$T/gate.log" || { cat "$T/gate.log"; fail "parity gate"; }
"$B" export --format gbench --in "$T/out/merged.json" --out "$T/gbench.json" >/dev/null || fail "export of the merge"
scripts/python -c 'import json, sys, jsonschema
jsonschema.validate(json.load(open(sys.argv[1])), json.load(open("harness/results.schema.json")))' "$T/out/merged.json" ||
  fail "the merged document does not validate against harness/results.schema.json"
say "   ok: $(wc -l <"$T/merged.keys") cases, each once, same list as one process, parity gate passed, schema-valid, exports"

say "2. one task cancelled"
sub=$(PREPBENCH=$B scripts/slurm/submit.sh "$SWEEP" "$N" "$T/out2")
array=$(sed -n 's/.*array job \([0-9]*\).*/\1/p' <<<"$sub")
merge=$(sed -n 's/.*merge job \([0-9]*\).*/\1/p' <<<"$sub")
scancel "${array}_1"
wait_jobs "$array"
[ ! -f "$T/out2/shard_1.json" ] || fail "task 1 finished before scancel reached it; the fault was not injected"
for _ in $(seq 30); do  # the merge can never start now (afterok): Slurm cancels it or leaves it pending
  st=$(squeue -h -j "$merge" -o %r 2>/dev/null || true)
  { [ -z "$st" ] || grep -q DependencyNeverSatisfied <<<"$st"; } && break
  sleep 1
done
scancel "$merge" 2>/dev/null || true
[ ! -f "$T/out2/merged.json" ] || fail "a merge ran although a task was cancelled"
set +e
"$B" merge "$T/out2/merged.json" "$T"/out2/shard_0.json "$T"/out2/shard_2.json 2>"$T/merge2.err"
rc=$?
set -e
cat "$T/merge2.err"
[ $rc -eq 2 ] || fail "merge with a missing shard exited $rc, not 2"
grep -q "missing" "$T/merge2.err" && grep -q "no document for shard 1" "$T/merge2.err" ||
  fail "the merge did not name the missing cases and shard"
[ ! -f "$T/out2/merged.json" ] || fail "the refused merge left a file behind"
rerun=$(PREPBENCH=$B sbatch --parsable --array=1 --chdir="$PWD" --output="$T/out2/sweep-%A_%a.out" \
  scripts/slurm/sweep.sbatch "$SWEEP" "$T/out2" "$N")
wait_jobs "${rerun%%;*}"
"$B" merge "$T/out2/merged.json" "$T"/out2/shard_{0,1,2}.json || fail "the merge after re-running task 1 failed"
keys "$T/out2/merged.json" | diff "$T/single.keys" - || fail "the completed merge's case list differs"
say "   ok: exit 2 naming the missing cases; task 1 re-run alone, then the merge completed"

say "3. a shard from another commit"
python3 - "$T/out/shard_1.json" "$T/other.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["meta"]["commit"] = "0" * 40
json.dump(d, open(sys.argv[2], "w"))
EOF
set +e
"$B" merge "$T/x.json" "$T/out/shard_0.json" "$T/other.json" "$T/out/shard_2.json" 2>"$T/merge3.err"
rc=$?
set -e
cat "$T/merge3.err"
[ $rc -eq 2 ] && grep -q "commit" "$T/merge3.err" || fail "a shard from another commit was not refused (exit $rc)"
say "   ok: refused"
say "passed"
