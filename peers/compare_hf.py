#!/usr/bin/env python3
"""Direct comparison of prepbench variants' `hf`-mode output with the real HF processors (device="cuda").

For every golden image (tests/golden/goldens.tar.xz), pipeline and variant: run `prepbench apply` (one image,
HWC uint8, fp32) and the transformers processor on the same bytes, then report the fraction of values that are
bit-equal, the fraction within 1e-5, and the max abs difference. Runs on the GPU machine.

    python3 peers/compare_hf.py --bin build/prepbench --variants cuda_gather_2d,... --out hf_compare.json
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import PIPELINES, make_processors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def golden_images():
    with tarfile.open(os.path.join(ROOT, "tests", "golden", "goldens.tar.xz")) as tar:
        for m in tar.getmembers():
            if m.name.startswith("images/") and m.name.endswith(".npy"):
                yield os.path.basename(m.name)[:-4], np.load(io.BytesIO(tar.extractfile(m).read()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--variants", required=True, help="comma-separated variant names")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import torch

    procs = make_processors()
    tmp = tempfile.mkdtemp()
    rows = []
    for name, img in golden_images():
        path = os.path.join(tmp, name + ".npy")
        np.save(path, img)
        chw = torch.from_numpy(img).permute(2, 0, 1).contiguous()
        for pipeline in PIPELINES:
            hf = procs[pipeline](images=[chw], return_tensors="pt", device="cuda", input_data_format="channels_first")
            ref = hf["pixel_values"].to("cpu", torch.float32).numpy()
            for variant in args.variants.split(","):
                out = os.path.join(tmp, f"{variant}.{pipeline}.{name}.npy")
                subprocess.run([args.bin, "apply", "--variant", variant, "--pipeline", pipeline, "--mode", "hf",
                                "--images", path, "--out", out], check=True, capture_output=True)
                got = np.load(out)
                if got.shape != ref.shape:
                    rows.append({"variant": variant, "pipeline": pipeline, "image": name, "error":
                                 f"shape {got.shape} vs HF {ref.shape}"})
                    continue
                d = np.abs(got.astype(np.float64) - ref.astype(np.float64))
                rows.append({"variant": variant, "pipeline": pipeline, "image": name, "n": int(d.size),
                             "bit_equal": float(np.mean(got.view(np.uint32) == ref.view(np.uint32))),
                             "within_1e-5": float(np.mean(d <= 1e-5)), "max_abs": float(d.max())})
    summary = {}
    for r in rows:
        if "n" not in r:
            continue
        s = summary.setdefault(f"{r['variant']} {r['pipeline']}", {"n": 0, "bit_equal": 0.0, "max_abs": 0.0})
        s["bit_equal"] += r["bit_equal"] * r["n"]
        s["n"] += r["n"]
        s["max_abs"] = max(s["max_abs"], r["max_abs"])
    for k, s in summary.items():
        s["bit_equal"] /= s["n"]
        print(f"{k:48s} values={s['n']:>9d} bit_equal={100 * s['bit_equal']:.4f}% max_abs={s['max_abs']:.4g}")
    import transformers
    with open(args.out, "w") as f:
        json.dump({"made_by": "peers/compare_hf.py", "transformers": transformers.__version__,
                   "torch": torch.__version__, "device": torch.cuda.get_device_name(0), "summary": summary,
                   "rows": rows}, f, indent=1)
    errors = [r for r in rows if "error" in r]
    for r in errors:
        print("ERROR", r)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
