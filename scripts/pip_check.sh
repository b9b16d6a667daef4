#!/usr/bin/env bash
# `pip install .` as a user does it, into a fresh virtual environment (Debian's python3 with its numpy and Pillow
# visible), then the package's tests against the installed package, not the tree: run from outside the tree, with no
# PREPBENCH_LIB, and checked to have loaded the library pip installed; then transformers from PyPI and the tests
# against its processors. CI runs it with and without nvcc.
#   scripts/pip_check.sh [PREPBENCH_CLI]     (the CLI, when given, is compared against by the reference test)
set -euo pipefail
cli=${1:+$(realpath "$1")}  # before any cd: a relative path is the caller's
[ -z "$cli" ] || [ -x "$cli" ] || { echo "pip_check: no prepbench CLI at $1" >&2; exit 2; }
cd "$(dirname "$0")/.."
root=$PWD
venv=$(mktemp -d /tmp/pb-venv.XXXXXX)
trap 'rm -rf "$venv"' EXIT
/usr/bin/python3 -m venv --system-site-packages "$venv"
echo "pip_check: pip install . (CUDA designs when CMake finds nvcc; the build says which below)"
start=$(date +%s)
"$venv/bin/pip" install -q --no-cache-dir "$root" 2>&1 | grep -v "^\s*$" || true
"$venv/bin/python" -c "import prepbench" 2>/dev/null || { echo "pip_check: FAILED: pip install . did not install an importable prepbench" >&2; exit 1; }
echo "pip_check: installed in $(( $(date +%s) - start )) s"
cd /tmp
unset PREPBENCH_LIB PYTHONPATH
lib=$("$venv/bin/python" -c "import prepbench; print(prepbench.library_path())")
case $lib in "$venv"/*) ;; *) echo "pip_check: FAILED: loaded $lib, not the installed library" >&2; exit 1 ;; esac
"$venv/bin/python" -c "import prepbench; print('pip_check:', prepbench.version(), 'cuda' if prepbench.has_cuda() else 'cpu-only', 'from', prepbench.library_path())"
PREPBENCH_BIN=$cli "$venv/bin/python" "$root/python/tests/test_package.py" 2>&1 | tail -n 4
# transformers' own processors against the installed package (its PIL backend needs no torch); the version of the
# GPU machine, where the torchvision-backed processors are compared (results/2026-12-01-h200-python/)
"$venv/bin/pip" install -q --no-cache-dir "transformers==5.17.0" 2>&1 | grep -v "^\s*$" || true
PREPBENCH_BIN=$cli "$venv/bin/python" "$root/python/tests/test_hf.py" 2>&1 | grep -v "^\[transformers\]" | tail -n 4
