#!/usr/bin/env bash
# Regenerates every chart for one results document: scripts/charts.sh RESULTS.json OUTDIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/charts.sh RESULTS.json OUTDIR" >&2; exit 2; }
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for script in plots/*.py; do
  case "$(basename "$script")" in _*) continue ;; esac
  "$PY" "$script" "$1" "$2"
done
