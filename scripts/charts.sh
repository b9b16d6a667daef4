#!/usr/bin/env bash
# Regenerates every chart for one results document: scripts/charts.sh RESULTS.json OUTDIR
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: scripts/charts.sh RESULTS.json OUTDIR" >&2; exit 2; }
cd "$(dirname "$0")/.."
if ! scripts/python -c "import numpy, matplotlib" 2>/dev/null; then
  echo "charts: $(scripts/python -c 'import sys; print(sys.executable)' 2>/dev/null || echo python) lacks numpy or matplotlib: run scripts/bootstrap.sh" >&2
  exit 2
fi
for script in plots/*.py; do
  case "$(basename "$script")" in _*) continue ;; esac
  scripts/python "$script" "$1" "$2"
done
