#!/usr/bin/env bash
# nvJPEG's header and library for building the GPU decoder where the CUDA toolkit has none (this machine, CI):
# PyPI's nvidia-nvjpeg wheel for CUDA 13.0, unpacked into DIR. Prints the folder to pass as -DPB_NVJPEG_ROOT.
#   scripts/fetch_nvjpeg.sh DIR      (cmake --preset default -DPB_NVJPEG_ROOT="$(scripts/fetch_nvjpeg.sh DIR)")
set -euo pipefail
dir=${1:?usage: scripts/fetch_nvjpeg.sh DIR}
root=$dir/nvidia/cu13
if [ ! -f "$root/include/nvjpeg.h" ]; then
  mkdir -p "$dir/wheel"
  python3 -m pip download -q --no-deps --dest "$dir/wheel" "nvidia-nvjpeg==13.0.4.44" >&2
  python3 -m zipfile -e "$dir"/wheel/nvidia_nvjpeg-*.whl "$dir" >&2
fi
[ -f "$root/include/nvjpeg.h" ] && ls "$root"/lib/libnvjpeg.so* > /dev/null || { echo "fetch_nvjpeg: no nvJPEG in $dir" >&2; exit 1; }
echo "$root"
