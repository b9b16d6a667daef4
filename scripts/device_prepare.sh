#!/usr/bin/env bash
# Before a device call: build here (sm_90 SASS + PTX) and put the shared libraries the GPU machine lacks (Debian's
# Google Benchmark soname) next to the binaries, in build/devlibs, so that `carry: ["build"]` is all it needs.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default -G Ninja >/dev/null
cmake --build build -j"$(nproc)"
mkdir -p build/devlibs
for lib in libbenchmark.so.1debian libcudart.so.13 libcupti.so.13; do
  src=$(ldd build/prepbench | awk -v l="$lib" '$1 == l {print $3}')
  [ -n "$src" ] && cp -L "$src" build/devlibs/
done
rm -rf build/tests/tmp build/Testing
du -sh build | awk '{print "build folder to carry: " $1}'
git status --porcelain --untracked-files=no | grep -q . && echo "warning: uncommitted changes: results will say dirty=true" || true
