"""A local kernel repository of this prepbench, in the layout the Hugging Face `kernels` package loads:

    python -m prepbench.kernel_repo DIR
    kernels.get_local_kernel(pathlib.Path(DIR)).resize_normalize(...)
    LOCAL_KERNELS=kernels-community/cv-utils=DIR   # transformers' processor-kernel adapter then loads prepbench

DIR/build/<variant>/ holds this package's modules, its native library and a metadata.json, for the variants the
library serves: torch-cpu always, torch-cuda when it was built with CUDA. The package needs no particular torch
(one C ABI library, called through ctypes), so the variants are noarch. metadata.json's version is 2: the functions
keep cv-utils v2's signatures. The folder is written next to DIR and renamed into place, so a failed run leaves
nothing; an existing DIR is refused unless --force.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile

from . import _native


def write(out, force=False):
    """Writes the repository at `out`; returns the variant folders written."""
    out = os.path.abspath(out)
    if os.path.lexists(out):
        if not force:
            raise FileExistsError(f"{out} exists (--force replaces it)")
        if not os.path.isdir(out) or os.path.islink(out):
            raise FileExistsError(f"{out} exists and is not a folder: not replaced")
    here = os.path.dirname(os.path.abspath(__file__))
    lib = _native.library_path()
    version = _native.version()  # "0.1.0 (commit 0123456789ab)"
    commit = version.split("commit ", 1)[1].rstrip(")").split()[0] if "commit " in version else "unknown"
    backends = ["cpu"] + (["cuda"] if _native.has_cuda() else [])
    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".kernel_repo.", dir=parent)
    try:
        for b in backends:
            d = os.path.join(tmp, "build", f"torch-{b}")
            os.makedirs(d)
            for f in sorted(os.listdir(here)):
                if f.endswith(".py"):
                    shutil.copy2(os.path.join(here, f), d)
            shutil.copy2(lib, os.path.join(d, os.path.basename(lib)))
            meta = {"name": "prepbench", "id": f"_prepbench_{commit[:12]}".replace("-", "_"), "version": 2, "license": "Apache-2.0",
                    "backend": {"type": b}, "python-depends": []}
            with open(os.path.join(d, "metadata.json"), "w") as f:
                json.dump(meta, f, indent=1)
        if os.path.isdir(out):
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [os.path.join(out, "build", f"torch-{b}") for b in backends]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m prepbench.kernel_repo", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="the repository folder to write")
    ap.add_argument("--force", action="store_true", help="replace an existing folder")
    a = ap.parse_args(argv)
    try:
        dirs = write(a.out, a.force)
    except (OSError, _native.PrepbenchError) as e:
        print(f"prepbench.kernel_repo: {e}", file=sys.stderr)
        return 2
    for d in dirs:
        print(f"prepbench.kernel_repo: wrote {d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
