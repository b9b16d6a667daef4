#!/usr/bin/env python3
"""Time what users would pick instead of prepbench, on the same workload files, into the same results schema.

Peers (names fixed): torchvision_loop_uint8, torchvision_loop_float, hf_processor, hf_processor_cpu,
hf_processor_pil, torch_compile, opencv_cpu, and cv-utils v2 (huggingface/kernels-community's Triton kernels, not
pip-installable: from --cv-utils-path DIR, its torch-ext/cv_utils folder; skipped without it) as cv_utils (its
default call, float intermediate: float numerics) and cv_utils_uint8 (round_to_uint8=True, which rounds after each
pass: compared in hf mode, where it cannot be bit-equal, as torchvision rounds once). GPU peers are timed with CUDA
events around the whole batch after warm-up, rewriting a 2x-L2 buffer between repetitions (cold L2, as the harness
does); CPU peers by wall clock.
Every peer's output is compared with prepbench's float64 reference of the same bytes (peer parity is reported,
not enforced: Pillow, OpenCV and ATen's CPU uint8 path round differently by design).

    python3 peers/run_peers.py --prepbench build/prepbench --workload-dirs W1,W2 --out peers.json
"""
import argparse
import datetime
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import cv_utils_peer  # noqa: E402

GPU_PEERS = ["torchvision_loop_uint8", "torchvision_loop_float", "hf_processor", "torch_compile", "cv_utils",
             "cv_utils_uint8"]
CPU_PEERS = ["hf_processor_cpu", "hf_processor_pil", "opencv_cpu"]
MODE = {"torchvision_loop_uint8": "hf", "torchvision_loop_float": "float", "hf_processor": "hf",
        "torch_compile": "hf", "cv_utils": "float", "cv_utils_uint8": "hf", "hf_processor_cpu": "hf",
        "hf_processor_pil": "hf", "opencv_cpu": "hf"}


class Torch:
    """Lazy torch imports, so that `--help` and the CPU-only peers need no GPU."""

    def __init__(self):
        import torch
        import torchvision.transforms.v2.functional as tvF
        self.torch, self.tvF = torch, tvF
        self.cuda = torch.cuda.is_available()
        if self.cuda:
            props = torch.cuda.get_device_properties(0)
            self.scrub = torch.empty(2 * props.L2_cache_size, dtype=torch.uint8, device="cuda")
            self.start, self.stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)

    def time_gpu(self, fn, reps, warmup):
        for _ in range(warmup):
            fn()
        self.torch.cuda.synchronize()
        samples = []
        for i in range(reps):
            self.scrub.fill_(i & 0xFF)  # cold L2, outside the timed region
            self.torch.cuda.synchronize()
            self.start.record()
            fn()
            self.stop.record()
            self.stop.synchronize()
            samples.append(self.start.elapsed_time(self.stop))
        return samples


def time_cpu(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return samples


def hf_processors(pil=False):
    import transformers as tf
    from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
    from make_golden import make_tiling_processors
    sfx = "Pil" if pil else ""
    return dict(make_tiling_processors(pil), **{
        "siglip-so400m-384": getattr(tf, "SiglipImageProcessor" + sfx)(size={"height": 384, "width": 384}),
        "clip-vit-b32": getattr(tf, "CLIPImageProcessor" + sfx)(),
        "dinov2-small": getattr(tf, "BitImageProcessor" + sfx)(size={"shortest_edge": 256},
                                                              crop_size={"height": 224, "width": 224},
                                                              image_mean=IMAGENET_DEFAULT_MEAN,
                                                              image_std=IMAGENET_DEFAULT_STD),
        "qwen2.5-vl-7b": getattr(tf, "Qwen2VLImageProcessor" + sfx)(size={"shortest_edge": 3136,
                                                                          "longest_edge": 12845056}),
    })


def torch_pipeline(T, pipeline, geoms, as_float):
    """The HF torchvision-backend recipe as a per-image loop: resize (AA bicubic), [uint8 round], crop, fused
    rescale+normalize in float32, [Qwen patchify]."""
    torch, tvF = T.torch, T.tvF
    p = common.PIPELINES[pipeline]
    m255 = (torch.tensor(p["mean"], device="cuda") * 255.0)[:, None, None]
    s255 = (torch.tensor(p["std"], device="cuda") * 255.0)[:, None, None]

    def one(x, g):
        (rh, rw), (top, left, ch, cw) = g
        y = tvF.resize(x, [rh, rw], interpolation=tvF.InterpolationMode.BICUBIC, antialias=True)
        y = y[:, top:top + ch, left:left + cw]
        y = (y.to(torch.float32) - m255) / s255
        return common.qwen_patchify(y) if p["kind"] == "qwen" else y

    def run(xs):
        outs = [one(x, g) for x, g in zip(xs, geoms)]
        return torch.cat(outs) if p["kind"] == "qwen" else torch.stack(outs)
    return run


def compiled_pipeline(T, pipeline, geoms):
    torch = T.torch
    p = common.PIPELINES[pipeline]
    m255 = (torch.tensor(p["mean"], device="cuda") * 255.0)[:, None, None]
    s255 = (torch.tensor(p["std"], device="cuda") * 255.0)[:, None, None]

    def one(x, rh: int, rw: int, top: int, left: int, ch: int, cw: int):
        y = torch.nn.functional.interpolate(x[None].to(torch.float32), size=(rh, rw), mode="bicubic",
                                            antialias=True, align_corners=False)[0]
        y = y.clamp(0, 255).round()[:, top:top + ch, left:left + cw]
        return (y - m255) / s255

    f = torch.compile(one, dynamic=True)

    def run(xs):
        outs = []
        for x, ((rh, rw), (top, left, ch, cw)) in zip(xs, geoms):
            y = f(x, rh, rw, top, left, ch, cw)
            outs.append(common.qwen_patchify(y) if p["kind"] == "qwen" else y)
        return torch.cat(outs) if p["kind"] == "qwen" else torch.stack(outs)
    return run


def opencv_pipeline(pipeline, geoms):
    import cv2
    p = common.PIPELINES[pipeline]
    m255 = (np.asarray(p["mean"], np.float32) * np.float32(255))[:, None, None]
    s255 = (np.asarray(p["std"], np.float32) * np.float32(255))[:, None, None]

    def one(img, g):
        (rh, rw), (top, left, ch, cw) = g
        down = rh < img.shape[0] and rw < img.shape[1]
        y = cv2.resize(img, (rw, rh), interpolation=cv2.INTER_AREA if down else cv2.INTER_CUBIC)
        y = y[top:top + ch, left:left + cw].transpose(2, 0, 1).astype(np.float32)
        y = (y - m255) / s255
        return common.qwen_patchify(y) if p["kind"] == "qwen" else y

    def run(imgs):
        outs = [one(im, g) for im, g in zip(imgs, geoms)]
        return np.concatenate(outs) if p["kind"] == "qwen" else np.stack(outs)
    return run


def layout_of(peer):
    return "hwc" if peer in ("hf_processor_pil", "opencv_cpu") else "chw"


def gpu_record(T, fn, args, ref, pipeline, mode, out_bytes, base, extra):
    """Run the GPU peer fn once (its first call: any compilation), measure its peak workspace on a second call,
    time it, and compare its output with the reference."""
    torch = T.torch
    fn()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    out = fn()
    torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() - before
    samples = T.time_gpu(fn, args.reps, args.warmup)
    got = out.float().cpu().numpy()
    return common.record(samples=samples, peak_workspace_bytes=max(0, peak - out_bytes),
                         parity_result=common.parity(got, ref, pipeline, mode), **base, **extra)


def run_peer(peer, pipeline, workload, images, T, procs, args, ref):
    mode = MODE[peer]
    backend = "cuda" if peer in GPU_PEERS else "cpu"
    layout = layout_of(peer)
    in_bytes = sum(im.nbytes for im in images)
    out_bytes = int(ref.size) * 4
    repro = (f"python3 peers/run_peers.py --peers {peer} --pipelines {pipeline} --workload-dirs <dump of {workload}> "
             f"--reps {args.reps} --cpu-reps {args.cpu_reps}"
             + (f" --cv-utils-path {args.cv_utils_path}" if peer.startswith("cv_utils") else ""))
    base = dict(peer=peer, backend=backend, pipeline=pipeline, workload=workload, layout=layout, mode=mode,
                bytes_moved=in_bytes + out_bytes, output_bytes=out_bytes, repro=repro)
    if backend == "cuda" and (T is None or not T.cuda):
        return common.record(status="skipped", reason="no CUDA device", **base)
    geoms = None
    if peer not in ("hf_processor", "hf_processor_cpu", "hf_processor_pil"):
        try:
            geoms = [common.geometry(pipeline, im.shape[0], im.shape[1]) for im in images]
        except ValueError as e:
            return common.record(status="unsupported", reason=f"pipeline rejects this workload: {e}", **base)
        except NotImplementedError as e:
            return common.record(status="unsupported", reason=str(e), **base)
    extra = {}
    torch = T.torch if T else None
    gpu_chw = lambda: [torch.from_numpy(im).permute(2, 0, 1).contiguous().cuda() for im in images]  # noqa: E731
    if peer.startswith("cv_utils"):
        if args.cv_fns is None:
            return common.record(status="skipped", reason="cv-utils v2 not given (--cv-utils-path DIR)", **base)
        fn = cv_utils_peer.pipeline_call(args.cv_fns, common.PIPELINES[pipeline], gpu_chw(), [g[0] for g in geoms],
                                         peer.endswith("uint8"))
        if fn is None:
            return common.record(status="unsupported", reason="cv-utils has no call for this pipeline", **base)
        extra["source"] = args.cv_utils_path
        return gpu_record(T, fn, args, ref, pipeline, mode, out_bytes, base, extra)
    if peer in ("torchvision_loop_uint8", "torchvision_loop_float", "hf_processor", "torch_compile"):
        xs = gpu_chw()
        if peer == "torchvision_loop_float":
            xs = [x.to(torch.float32) for x in xs]
        if peer == "hf_processor":
            proc = procs["torch"][pipeline]
            fn = lambda: proc(images=xs, return_tensors="pt", device="cuda",  # noqa: E731
                              input_data_format="channels_first")["pixel_values"]
        elif peer == "torch_compile":
            fn = compiled_pipeline(T, pipeline, geoms)
            t0 = time.perf_counter()
            fn(xs)
            torch.cuda.synchronize()
            extra["compile_s"] = time.perf_counter() - t0  # first pass over the batch: tracing + compilation
            extra["note"] = "compile_s is the first full pass over the batch; timing starts after it"
            fn = (lambda f: (lambda: f(xs)))(fn)
        else:
            loop = torch_pipeline(T, pipeline, geoms, peer.endswith("float"))
            fn = lambda: loop(xs)  # noqa: E731
        return gpu_record(T, fn, args, ref, pipeline, mode, out_bytes, base, extra)
    if peer == "hf_processor_cpu":
        xs = [torch.from_numpy(im).permute(2, 0, 1).contiguous() for im in images]
        proc = procs["torch"][pipeline]
        fn = lambda: proc(images=xs, return_tensors="pt", input_data_format="channels_first")["pixel_values"]  # noqa
        extra["threads"] = torch.get_num_threads()
    elif peer == "hf_processor_pil":
        from PIL import Image
        pil = [Image.fromarray(im) for im in images]
        proc = procs["pil"][pipeline]
        fn = lambda: proc(images=pil, return_tensors="np")["pixel_values"]  # noqa: E731
        extra["threads"] = 1
    else:
        import cv2
        cv2.setNumThreads(os.cpu_count())
        fn = (lambda f: (lambda: f(images)))(opencv_pipeline(pipeline, geoms))
        extra["threads"] = cv2.getNumThreads()
    out = np.asarray(fn(), dtype=np.float32)
    samples = time_cpu(fn, args.cpu_reps, 1)
    return common.record(samples=samples, parity_result=common.parity(out, ref, pipeline, mode), **base, **extra)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prepbench", default="build/prepbench")
    ap.add_argument("--workload-dirs", required=True, help="comma-separated folders from `prepbench workload dump`")
    ap.add_argument("--pipelines", default=None, help="comma-separated (default: every pipeline prepbench lists)")
    ap.add_argument("--peers", default=",".join(GPU_PEERS + CPU_PEERS))
    ap.add_argument("--reps", type=int, default=30)
    ap.add_argument("--cpu-reps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--cache-dir", default="/tmp/prepbench-reference-cache",
                    help="where the float64 references of the workloads are kept between peers")
    ap.add_argument("--shard", default=None, help="I/N: run only the I-th (0-based) of N parts, as prepbench run does")
    ap.add_argument("--cv-utils-path", default=None,
                    help="cv-utils v2's source folder (torch-ext/cv_utils of huggingface/kernels-community), for the "
                         "cv_utils peers; never part of this repository")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    args.cv_fns = None
    try:
        common.FACTS.load(args.prepbench)
    except RuntimeError as e:
        print(f"run_peers: {e}", file=sys.stderr)
        return 2
    peers = args.peers.split(",")
    for p in peers:
        if p not in MODE:
            print(f"run_peers: unknown peer {p!r} (valid: {', '.join(MODE)})", file=sys.stderr)
            return 2
    pipelines = args.pipelines.split(",") if args.pipelines else list(common.PIPELINES)
    for p in pipelines:
        if p not in common.PIPELINES:
            print(f"run_peers: unknown pipeline {p!r} (valid: {', '.join(common.PIPELINES)})", file=sys.stderr)
            return 2
    if args.cv_utils_path:
        try:
            args.cv_fns = cv_utils_peer.load(args.cv_utils_path)
        except (ValueError, ImportError) as e:
            print(f"run_peers: {type(e).__name__}: {e}", file=sys.stderr)
            return 2
    try:
        T = Torch()
    except ImportError:
        T = None
    if T:
        T.torch.set_num_threads(os.cpu_count())
    procs = {"torch": hf_processors(False) if T else {}, "pil": hf_processors(True)}
    meta = {"peers_runner": "peers/run_peers.py", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "cpu_count": os.cpu_count(), "command": " ".join(sys.argv), **common.git_state()}
    try:
        import torch, torchvision, transformers, cv2, PIL  # noqa: E401
        meta.update(torch=torch.__version__, torchvision=torchvision.__version__, transformers=transformers.__version__,
                    opencv=cv2.__version__, pillow=PIL.__version__,
                    gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    except ImportError as e:
        meta["import_error"] = str(e)
    records = []
    cache = args.cache_dir
    folders = args.workload_dirs.split(",")
    manifests = {f: common.load_manifest(f) for f in folders}
    cases = [(f, p, peer) for f in folders for p in pipelines for peer in peers]
    key = lambda c: common.case_key(c[2], c[1], manifests[c[0]]["workload"], layout_of(c[2]), "fp32", MODE[c[2]])
    mine = set(cases)
    if args.shard:
        index, count = common.parse_shard(args.shard)
        costs = {c: sum(im["h"] * im["w"] for im in manifests[c[0]]["images"]) * (200 if c[2] in CPU_PEERS else 1)
                 for c in cases}
        part = common.partition([key(c) for c in cases], [costs[c] for c in cases], count)
        mine = {c for c, s in zip(cases, part) if s == index}
        meta["shard"] = {"index": index, "count": count, "cases": [key(c) for c in cases],
                         "cases_sha256": common.sha256_of_keys([key(c) for c in cases]), "assigned": len(mine)}
        print(f"run_peers: shard {index}/{count}: {len(mine)} of {len(cases)} cases", flush=True)
    started = time.time()
    for folder in folders:
        if not any(c[0] == folder for c in mine):
            continue
        manifest, images = common.load_workload(folder)
        for pipeline in pipelines:
            refs = {}
            for peer in peers:
                if (folder, pipeline, peer) not in mine:
                    continue
                mode = MODE[peer]
                try:
                    if mode not in refs:
                        refs[mode] = common.reference(args.prepbench, pipeline, mode, folder, cache)
                    rec = run_peer(peer, pipeline, manifest["workload"], images, T, procs, args, refs[mode])
                except Exception as e:  # a peer that breaks is recorded, and the run goes on
                    rec = common.record(peer, "cuda" if peer in GPU_PEERS else "cpu", pipeline, manifest["workload"],
                                        layout_of(peer), mode, status="failed", reason=f"{type(e).__name__}: {e}"[:500])
                records.append(rec)
                t = rec["time_ms"]["median"] if rec["time_ms"] else float("nan")
                par = rec["parity"]["max_abs"] if rec["parity"] else None
                print(f"{peer:24s} {pipeline:18s} {manifest['workload']:22s} {rec['status']:11s} "
                      f"median {t:10.3f} ms  parity max_abs {par}  {rec['reason'] or ''}", flush=True)
    if "shard" in meta:
        meta["shard"]["wall_s"] = time.time() - started
    common.write_results(args.out, meta, records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
