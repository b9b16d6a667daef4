#!/usr/bin/env bash
# Lists every test that the last ctest run in BUILD_DIR skipped, with the reason the test gave (ctest itself
# prints only "Skipped").   scripts/ctest_skips.sh BUILD_DIR
set -euo pipefail
log=${1:?usage: scripts/ctest_skips.sh BUILD_DIR}/Testing/Temporary/LastTest.log
[ -f "$log" ] || { echo "ctest_skips: no $log (run ctest first)" >&2; exit 2; }
rows=$(awk '/ Testing: / { name = $3 }
            /: Skipped$/ { getline why; printf "  %-64s %s\n", name, why }' "$log" | sort)
[ -n "$rows" ] || exit 0
echo "ctest: $(printf '%s\n' "$rows" | wc -l) tests skipped, each with its reason (skipped is not passed):"
printf '%s\n' "$rows"
