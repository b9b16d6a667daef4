# Sourced by the Nsight Compute scripts: one line and exit 2 unless ncu ($NCU) and a GPU are present.
NCU=${NCU:-ncu}
me=$(basename "$0")
command -v "$NCU" >/dev/null || { echo "$me: needs Nsight Compute ('$NCU' not found; set NCU=/path/to/ncu) and a GPU" >&2; exit 2; }
nvidia-smi -L >/dev/null 2>&1 || { echo "$me: needs a GPU: no CUDA device on this machine" >&2; exit 2; }
