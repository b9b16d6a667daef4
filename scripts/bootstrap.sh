#!/usr/bin/env bash
# Installs what the build, tests and charts need (Debian packages). Idempotent: installs only what is missing.
set -euo pipefail
# libbenchmark-tools + python3-scipy: Google Benchmark's compare.py, which the export test runs on prepbench's output.
# clang + libclang-rt-14-dev: the libFuzzer harnesses (the fuzz preset).
pkgs=(cmake g++ ninja-build libgtest-dev nlohmann-json3-dev libjpeg62-turbo-dev libpng-dev
      python3 python3-numpy python3-matplotlib python3-jsonschema python3-pil python3-scipy python3-venv python3-skimage
      libbenchmark-tools xz-utils clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "bootstrap: all build dependencies present"
fi
if [ -x /usr/local/cuda/bin/nvcc ] || command -v nvcc >/dev/null; then
  echo "bootstrap: nvcc found: CUDA variants will be compiled"
else
  echo "bootstrap: no nvcc: CPU-only build"
fi
