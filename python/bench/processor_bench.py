"""What users see: the HF image processor call (a list of uint8 CUDA tensors, return_tensors="pt",
device="cuda") with and without `prepbench.hf.accelerate`, for the six pipelines, on a prepbench workload and on real
photographs (scikit-image's sample photos, where installed); plus the Python call's host overhead over its GPU time.

    python python/bench/processor_bench.py --prepbench build/prepbench --out bench.json [--reps 30]

Each timing: warm-up calls, then --reps calls each followed by torch.cuda.synchronize(), wall clock per call
(median, p10, p90, ms). Parity: max |delta| of pixel_values against the processor, the fraction bit-equal (within
1e-5), side outputs (image_grid_thw, num_patches, image_sizes) equal.

With --cv-utils-path DIR (the torch-ext/cv_utils folder of a huggingface/kernels-community checkout; it is never
part of this repository), the processor-equivalent calls of cv-utils v2's Triton functions are timed beside it, for
the pipelines it has a call for (SigLIP, CLIP, DINOv2, Qwen2.5-VL; it has no tiling), with round_to_uint8 off and on,
and prepbench's functions of the same signature with the same arguments.
"""

import argparse
import json
import os
import pathlib
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "peers"))
import common  # noqa: E402
import cv_utils_peer  # noqa: E402
from run_peers import hf_processors  # noqa: E402

import prepbench  # noqa: E402
import prepbench.hf  # noqa: E402


def timed(fn, reps, warmup=3):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    s = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        s.append((time.perf_counter() - t0) * 1e3)
    s = np.array(s)
    return {"median_ms": float(np.median(s)), "p10_ms": float(np.percentile(s, 10)),
            "p90_ms": float(np.percentile(s, 90)), "n": len(s)}


def host_and_gpu(fn, reps):
    """Host time of the call alone (no sync) and GPU time between events around it, medians in ms."""
    host, gpu = [], []
    for _ in range(reps):
        torch.cuda.synchronize()
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        t0 = time.perf_counter()
        fn()
        host.append((time.perf_counter() - t0) * 1e3)
        b.record()
        b.synchronize()
        gpu.append(a.elapsed_time(b))
    return {"host_ms": float(np.median(host)), "gpu_ms": float(np.median(gpu))}


def host_breakdown(name, xs, reps=200):
    """Host time per call (no sync; a sync every 10 calls keeps the queue short), medians in microseconds: the
    input checks, the op's implementation, the whole eager call, and the same call through torch's dispatcher."""
    from prepbench import _spec, _torch_ops, functional as F

    _, batch, layout = F._prepare(xs, None)
    spec = _spec.named(name)
    args = (batch, *spec, "hf", False, None, layout, torch.float32, "auto")
    parts = {"checks_us": lambda: F._prepare(xs, None), "impl_us": lambda: _torch_ops._impl(*args),
             "call_us": lambda: prepbench.preprocess(name, xs),
             "dispatcher_call_us": lambda: torch.ops.prepbench.preprocess(*args)}
    res = {}
    for k, fn in parts.items():
        fn()
        s = []
        for i in range(reps):
            if i % 10 == 0:
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            fn()
            s.append((time.perf_counter() - t0) * 1e6)
        res[k] = float(np.median(s))
    torch.cuda.synchronize()
    return res


def photos():
    try:
        from skimage import data
    except ImportError as e:
        return None, f"scikit-image not installed ({e})"
    names = ["astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "retina", "immunohistochemistry",
             "colorwheel", "logo", "cat", "motorcycle_left", "motorcycle_right"]
    imgs = []
    for n in names:
        try:
            im = np.asarray(getattr(data, n)())
        except Exception:  # noqa: BLE001 - a sample missing from this scikit-image
            continue
        if im.ndim == 3 and im.shape[2] == 4:
            im = im[..., :3]
        if im.ndim == 3 and im.shape[2] == 3 and im.dtype == np.uint8:
            imgs.append(np.ascontiguousarray(im))
    return imgs, None


def compare(ref, got):
    """Parity of one accelerated call against the processor's."""
    r, g = ref["pixel_values"], got["pixel_values"]
    res = {"shape_ref": list(r.shape), "shape": list(g.shape), "keys_equal": sorted(ref.keys()) == sorted(got.keys())}
    if r.shape != g.shape:
        res["ok"] = False
        return res
    d = (r.float() - g.float()).abs()
    res["max_abs"] = float(d.max())
    res["frac_exact"] = float((d <= 1e-5).float().mean())
    side_ok = True
    for k in ref.keys():
        if k == "pixel_values":
            continue
        a, b = ref[k], got.get(k)
        side_ok &= b is not None and np.array_equal(np.asarray(a.cpu() if hasattr(a, "cpu") else a),
                                                    np.asarray(b.cpu() if hasattr(b, "cpu") else b))
    res["side_equal"] = bool(side_ok)
    res["ok"] = bool(res["keys_equal"] and side_ok)
    return res


def cv_call(module_fns, name, xs, ref, round_to_uint8):
    """The call of cv-utils' signature that does what the processor does for pipeline `name`
    (peers/cv_utils_peer.py; Qwen's target sizes read back from the processor's own `image_grid_thw`), with
    `module_fns` = (resize_normalize, resize_normalize_patchify) of cv-utils or of prepbench; None for tiling."""
    p = common.PIPELINES[name]
    targets = None
    if p["kind"] == "qwen":
        targets = [(int(h) * p["patch"], int(w) * p["patch"]) for _, h, w in ref["image_grid_thw"].tolist()]
    return cv_utils_peer.pipeline_call(module_fns, p, xs, targets, round_to_uint8)


def bench_cv_utils(row, name, xs, ref, cv_fns, reps):
    """cv-utils v2 and prepbench through the same cv-utils-signature call: time and parity against the processor."""
    ours = (prepbench.resize_normalize, prepbench.resize_normalize_patchify)
    for label, fns in (("cv_utils", cv_fns), ("prepbench_fn", ours)):
        for rnd in (False, True):
            fn = cv_call(fns, name, xs, ref, rnd)
            key = f"{label}_round{int(rnd)}"
            if fn is None:
                row[key] = {"error": "no equivalent call (tiling)"}
                continue
            try:
                p = compare({"pixel_values": ref["pixel_values"]}, {"pixel_values": fn()})
                row[key] = dict(timed(fn, reps), max_abs=p.get("max_abs"), frac_exact=p.get("frac_exact"),
                                shape=p["shape"])
            except Exception as e:  # noqa: BLE001 - one failing call must not lose the others
                row[key] = {"error": f"{type(e).__name__}: {e}"}


def bench_set(label, images, procs, accel, reps, rows, cv_fns=None):
    xs = [torch.from_numpy(im).permute(2, 0, 1).contiguous().cuda() for im in images]
    kw = dict(return_tensors="pt", device="cuda", input_data_format="channels_first")
    for name in procs:
        row = {"set": label, "pipeline": name, "images": len(xs)}
        try:
            ref = procs[name](images=xs, **kw)
            got = accel[name](images=xs, **kw)
            stats = accel[name].image_processor._prepbench if hasattr(accel[name], "image_processor") \
                else accel[name]._prepbench
            row["accelerated_calls"] = stats["accelerated"]
            row["fallback_reason"] = stats["reason"]
            row["variant"] = prepbench.last_variant()
            row["parity"] = compare(ref, got)
            row["off"] = timed(lambda: procs[name](images=xs, **kw)["pixel_values"], reps)
            row["on"] = timed(lambda: accel[name](images=xs, **kw)["pixel_values"], reps)
            row["speedup"] = row["off"]["median_ms"] / row["on"]["median_ms"]
            row["preprocess"] = timed(lambda: prepbench.preprocess(name, xs)["pixel_values"], reps)
            row["call_split"] = host_and_gpu(lambda: prepbench.preprocess(name, xs)["pixel_values"], reps)
            row["host_breakdown"] = host_breakdown(name, xs)
            if cv_fns is not None:
                bench_cv_utils(row, name, xs, ref, cv_fns, reps)
        except Exception as e:  # noqa: BLE001 - record and go on: one run of the GPU machine gives every row
            row["error"] = f"{type(e).__name__}: {e}"
        rows.append(row)
        p = row.get("parity", {})
        print(f"{label:8s} {name:18s} off {row.get('off', {}).get('median_ms', float('nan')):8.3f} ms  "
              f"on {row.get('on', {}).get('median_ms', float('nan')):8.3f} ms  x{row.get('speedup', float('nan')):6.1f}  "
              f"max|d| {p.get('max_abs', float('nan')):.2e}  exact {p.get('frac_exact', float('nan')):.5f}  "
              f"{row.get('variant', '')} {row.get('error', '')}", flush=True)
        if "host_breakdown" in row:
            print("         host per call (us): " + ", ".join(f"{k[:-3]} {v:.0f}" for k, v in row["host_breakdown"].items()))
        for key in [k for k in row if k.startswith(("cv_utils_round", "prepbench_fn_round"))]:
            r, nan = row[key], float("nan")
            print(f"         {key:20s} {r.get('median_ms', nan):8.3f} ms  max|d| "
                  f"{nan if r.get('max_abs') is None else r['max_abs']:.2e}  "
                  f"exact {nan if r.get('frac_exact') is None else r['frac_exact']:.5f} {r.get('error', '')}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prepbench", required=True, help="the CLI, for `workload dump`")
    ap.add_argument("--workload", default="ragged-n32-384-1024")
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--out", required=True)
    ap.add_argument("--cv-utils-path", help="cv-utils v2's torch-ext/cv_utils folder, to time it beside (a peer)")
    a = ap.parse_args()
    common.FACTS.load(a.prepbench)
    try:
        cv_fns = cv_utils_peer.load(a.cv_utils_path) if a.cv_utils_path else None
    except ValueError as e:
        sys.exit(f"processor_bench: {e}")
    if not torch.cuda.is_available():
        sys.exit("processor_bench: no CUDA device: the processor comparison runs on the GPU machine")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run([a.prepbench, "workload", "dump", "--workload", a.workload, "--out", d], check=True,
                       capture_output=True)
        _, images = common.load_workload(d)
    procs, accel = hf_processors(), hf_processors()
    for name in accel:
        prepbench.hf.accelerate(accel[name])
    rows = []
    bench_set(a.workload, images, procs, accel, a.reps, rows, cv_fns)
    real, why = photos()
    if real:
        bench_set(f"photos-{len(real)}", real, procs, accel, a.reps, rows, cv_fns)
    import transformers
    doc = {"schema": "prepbench.python_bench/1",
           "meta": {"gpu": torch.cuda.get_device_name(), "torch": torch.__version__,
                    "transformers": transformers.__version__, "python": platform.python_version(),
                    "prepbench": prepbench.version(), "host": platform.node(),
                    "photos": why or f"{len(real)} scikit-image sample photos",
                    "cv_utils": a.cv_utils_path or "not given (--cv-utils-path)",
                    "command": " ".join(sys.argv)},
           "rows": rows}
    pathlib.Path(a.out).write_text(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
