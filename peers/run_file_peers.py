#!/usr/bin/env python3
"""What users run from encoded files instead of prepbench, on the same folder, into the same results schema.

Peers (names fixed), each timed per stage and as a whole, wall clock, after a warm-up pass:
  pil_hf_cpu       Pillow decode (exif_transpose + RGB, as transformers' load_image) on T threads, then the fast HF
                   processor on CPU tensors (torch with T threads): what most users run without a GPU pipeline.
  pil_hf_pil       the same decode, then the PIL-backend processor (transformers without torchvision).
  tv_cuda_hf       the files' bytes, torchvision.io.decode_jpeg(device="cuda") batched (PNG: decode_png on the CPU,
                   then copied), then the fast HF processor with device="cuda".
  nvimagecodec, dali   reported "not available" when their wheels are absent (they are not driven yet otherwise).
Records per peer and pipeline: e2e_read (the bytes), e2e_decode, e2e_resize (the processor), e2e_serial (the three
in sequence), each with images/s. The e2e_serial record carries parity against prepbench's reference of Pillow's
decode of the same files, in `pil` numerics for pil_hf_pil (bit-exact expected), `hf` for the others (reported,
not enforced: the fast processors on CPU take torchvision's int16 path; nvJPEG's IDCT differs from libjpeg's).

    python3 peers/run_file_peers.py --prepbench build/prepbench --dir scratch/photos-n32 --threads 16 --out f.json
"""
import argparse
import concurrent.futures
import datetime
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

PEERS = ["pil_hf_cpu", "pil_hf_pil", "tv_cuda_hf", "nvimagecodec", "dali"]
MEASURES = ["e2e_read", "e2e_decode", "e2e_resize", "e2e_serial"]
MODE = {"pil_hf_pil": "pil"}  # the numerics each peer's output is compared in; hf otherwise


def image_files(folder):
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png")))
    if not names:
        raise ValueError(f"{folder}: no .jpg, .jpeg or .png file")
    return [os.path.join(folder, n) for n in names]


def pil_decode(data):
    """transformers' load_image on bytes: Pillow, EXIF orientation applied, RGB; uint8 HWC."""
    import io
    from PIL import Image, ImageOps
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def read_all(files):
    out = []
    for f in files:
        with open(f, "rb") as fh:
            out.append(fh.read())
    return out


def wall(fn, sync=None):
    t0 = time.perf_counter()
    r = fn()
    if sync:
        sync()
    return r, (time.perf_counter() - t0) * 1e3


def stages(peer, files, pipeline, threads, procs):
    """(read, decode, resize) callables of one peer: read() -> bytes, decode(bytes) -> images, resize(images) ->
    pixel_values; and the sync that makes their wall time honest on the GPU. Raises LookupError when the peer cannot
    run here (its reason)."""
    pool = concurrent.futures.ThreadPoolExecutor(threads)  # Pillow releases the GIL while it decodes
    read = lambda: read_all(files)  # noqa: E731
    if peer in ("pil_hf_cpu", "pil_hf_pil"):
        decode = lambda bs: list(pool.map(pil_decode, bs))  # noqa: E731
        if peer == "pil_hf_pil":
            proc = procs["pil"][pipeline]
            from PIL import Image
            return read, decode, lambda ims: proc(images=[Image.fromarray(i) for i in ims],
                                                      return_tensors="np")["pixel_values"], None
        try:
            import torch
        except ImportError as e:
            raise LookupError(f"torch is not installed ({e})")
        torch.set_num_threads(threads)
        proc = procs["torch"][pipeline]
        to_t = lambda ims: [torch.from_numpy(i).permute(2, 0, 1).contiguous() for i in ims]  # noqa: E731
        return read, decode, lambda ims: proc(images=to_t(ims), return_tensors="pt",
                                                  input_data_format="channels_first")["pixel_values"], None
    if peer == "tv_cuda_hf":
        try:
            import torch
            import torchvision.io as tio
        except ImportError as e:
            raise LookupError(f"torch/torchvision is not installed ({e})")
        if not torch.cuda.is_available():
            raise LookupError("no CUDA device")
        proc = procs["torch"][pipeline]

        def decode(bs):
            raw = [torch.frombuffer(bytearray(b), dtype=torch.uint8) for b in bs]
            jpg = [i for i, b in enumerate(bs) if b[:3] == b"\xff\xd8\xff"]
            out = [None] * len(bs)
            for i, t in zip(jpg, tio.decode_jpeg([raw[i] for i in jpg], mode=tio.ImageReadMode.RGB, device="cuda")):
                out[i] = t
            for i in range(len(bs)):
                if out[i] is None:  # PNG: no GPU decoder in torchvision
                    out[i] = tio.decode_png(raw[i], mode=tio.ImageReadMode.RGB).cuda()
            return out
        return read, decode, lambda ims: proc(images=ims, return_tensors="pt", device="cuda",
                                              input_data_format="channels_first")["pixel_values"], \
            torch.cuda.synchronize
    module = {"nvimagecodec": "nvidia.nvimgcodec", "dali": "nvidia.dali"}[peer]
    try:
        __import__(module)
    except ImportError:
        raise LookupError(f"not available ({module} is not installed)")
    raise LookupError(f"{module} is installed, but this runner does not drive it yet")


def run(peer, files, pipeline, workload, threads, procs, reps, ref):
    mode = MODE.get(peer, "hf")
    base = dict(peer=peer, backend="cuda" if peer in ("tv_cuda_hf", "nvimagecodec", "dali") else "cpu",
                pipeline=pipeline, workload=workload, layout="hwc", mode=mode,
                repro=f"python3 peers/run_file_peers.py --peers {peer} --pipelines {pipeline} --dir <DIR> "
                      f"--threads {threads} --reps {reps}")
    try:
        read, decode, resize, sync = stages(peer, files, pipeline, threads, procs)
    except LookupError as e:
        return [common.record(status="skipped", reason=str(e), measure=m, **base) for m in MEASURES]
    bs = read()
    out = resize(decode(bs))  # warm-up: page cache, decoder, processor
    if sync:
        sync()
    t = {m: [] for m in MEASURES}
    for _ in range(reps):
        bs, ms = wall(read)
        t["e2e_read"].append(ms)
        ims, ms = wall(lambda: decode(bs), sync)
        t["e2e_decode"].append(ms)
        out, ms = wall(lambda: resize(ims), sync)
        t["e2e_resize"].append(ms)
        out, ms = wall(lambda: resize(decode(read())), sync)
        t["e2e_serial"].append(ms)
    got = out.float().cpu().numpy() if hasattr(out, "cpu") else np.asarray(out, dtype=np.float32)
    compressed = sum(len(b) for b in bs)
    recs = []
    for m in MEASURES:
        med = float(np.median(t[m]))
        recs.append(common.record(samples=t[m], bytes_moved=compressed, output_bytes=int(got.size) * 4,
                                  parity_result=common.parity(got, ref, pipeline, mode) if m == "e2e_serial" else None,
                                  measure=m, images=len(files), threads=threads, compressed_bytes=compressed,
                                  images_per_s=len(files) / (med / 1e3), **base))
    return recs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prepbench", default="build/prepbench")
    ap.add_argument("--dir", required=True, help="a folder of JPEG/PNG files (scripts/make_photos.py writes one)")
    ap.add_argument("--pipelines", default="siglip-so400m-384,qwen2.5-vl-7b")
    ap.add_argument("--peers", default=",".join(PEERS))
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="decode (and torch) threads")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    try:
        common.FACTS.load(args.prepbench)
        files = image_files(args.dir)
    except (RuntimeError, ValueError, OSError) as e:
        print(f"run_file_peers: {e}", file=sys.stderr)
        return 2
    peers, pipelines = args.peers.split(","), args.pipelines.split(",")
    for p in peers:
        if p not in PEERS:
            print(f"run_file_peers: unknown peer {p!r} (valid: {', '.join(PEERS)})", file=sys.stderr)
            return 2
    for p in pipelines:
        if p not in common.PIPELINES:
            print(f"run_file_peers: unknown pipeline {p!r} (valid: {', '.join(common.PIPELINES)})", file=sys.stderr)
            return 2
    if args.threads < 1 or args.reps < 1:
        print("run_file_peers: --threads and --reps must be at least 1", file=sys.stderr)
        return 2
    from run_peers import hf_processors
    procs = {"pil": hf_processors(True)}
    try:
        procs["torch"] = hf_processors(False)
    except Exception:  # noqa: BLE001 - no torchvision: the fast processors cannot be built, their peers skip
        procs["torch"] = {}
    workload = "files:" + args.dir
    meta = {"peers_runner": "peers/run_file_peers.py", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "cpu_count": os.cpu_count(), "command": " ".join(sys.argv), **common.git_state()}
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        # the reference of Pillow's decode: prepbench decodes the files bit-exactly as Pillow does
        dump = os.path.join(tmp, "dump")
        subprocess.run([args.prepbench, "workload", "dump", "--workload", workload, "--out", dump], check=True,
                       capture_output=True)
        for pipeline in pipelines:
            refs = {}
            for peer in peers:
                mode = MODE.get(peer, "hf")
                try:
                    if mode not in refs:
                        refs[mode] = common.reference(args.prepbench, pipeline, mode, dump, os.path.join(tmp, "ref"))
                    recs = run(peer, files, pipeline, workload, args.threads, procs, args.reps, refs[mode])
                except Exception as e:  # a peer that breaks is recorded, and the run goes on
                    recs = [common.record(peer, "cpu", pipeline, workload, "hwc", mode, status="failed",
                                          reason=f"{type(e).__name__}: {e}"[:500], measure=m) for m in MEASURES]
                records += recs
                s = recs[-1]
                t = s["time_ms"]["median"] if s["time_ms"] else float("nan")
                print(f"{peer:14s} {pipeline:18s} {s['status']:8s} serial {t:9.2f} ms "
                      f"{s.get('images_per_s', 0) or 0:8.1f} img/s  {s['reason'] or ''}", flush=True)
    common.write_results(args.out, meta, records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
