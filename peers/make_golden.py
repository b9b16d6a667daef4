#!/usr/bin/env python3
"""Make the golden files that prove prepbench's float64 reference against the real libraries.

Runs on the GPU machine (torch 2.11, torchvision 0.26, transformers 5.17). For each photo-like test image and each
pipeline it records what the real Hugging Face processor returns:

* ``hf`` mode: the processor on uint8 tensors with ``device="cuda"`` (torchvision uint8 resize on CUDA, HF's fused
  float32 rescale+normalize), exactly what users get;
* ``float`` mode: the same processor fed float32 tensors holding the 0..255 values, so torchvision resizes in
  float32 with no uint8 rounding (the numerics of prepbench's ``float`` mode) while HF keeps its own geometry, crop,
  normalisation and Qwen patchify.

To stay under the 5 MB budget each output is stored as ``flat[::stride]`` with a stride coprime with the last axis
(so every column and row is sampled); the full shape is kept. Geometry (smart_resize, shortest-edge sizes, center
crop offsets) is recorded for many shapes straight from transformers' own functions.

    python3 peers/make_golden.py --out DIR                # DIR/goldens.tar.xz -> tests/golden/goldens.tar.xz
    python3 peers/make_golden.py --set tiling --out DIR   # DIR/goldens_tiling.tar.xz: InternVL, LLaVA-NeXT
    python3 peers/make_golden.py --set pil --out DIR      # DIR/goldens_pil.tar.xz: Pillow resizes, PIL backend
    python3 peers/make_golden.py --set photos --out DIR   # DIR/goldens_photos.tar.xz: real photos (JPEG), six
                                                          # pipelines, hf mode, from Pillow's decode of each file
"""
import argparse
import datetime
import io
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile

import numpy as np

SAMPLES_PER_OUTPUT = 10000
IMAGES = [  # (name, h, w): what each one exercises
    ("tiny_37x53", 37, 53),        # upscaling everywhere; Qwen's min_pixels rule
    ("odd_127x93", 127, 93),       # odd sizes, upscaling
    ("aspect_97x971", 97, 971),    # aspect ratio near 1:10
    ("tall_1600x200", 1600, 200),  # SigLIP downscales H by 4.2x
    ("big_900x920", 900, 920),     # CLIP downscales by 4.02x
    ("photo_480x640", 480, 640),   # the common camera shape
    ("same_384x384", 384, 384),    # SigLIP identity resize (torchvision returns the input)
]
PIPELINES = ["siglip-so400m-384", "clip-vit-b32", "dinov2-small", "qwen2.5-vl-7b"]
TILING_IMAGES = [  # (name, h, w): InternVL grid / LLaVA-NeXT pinpoint each exercises
    ("sq_640", 640, 640),         # InternVL tie among 1x1, 2x2 (area > half of 4 tiles): 2x2 + thumbnail
    ("sq_400", 400, 400),         # the same tie, area too small: stays 1x1 (no thumbnail)
    ("tile_448", 448, 448),       # exactly one tile
    ("tall_448x224", 448, 224),   # 1x2 tiles + thumbnail; LLaVA 672x336
    ("wide_150x500", 150, 500),   # InternVL 3x1; LLaVA 336x1008 with 303 rows: pad 16 top, 17 bottom
    ("extreme_50x950", 50, 950),  # 1:19: InternVL 12x1 + thumbnail; LLaVA pads 282 rows
    ("photo_240x320", 240, 320),  # 4x3
]
PIL_RESIZES = [  # (image name, (h, w), target (h, w)): up and down
    ("tiny_37x53", (37, 53), (130, 170)), ("odd_127x93", (127, 93), (200, 150)),
    ("down_300x280", (300, 280), (64, 64)), ("photo_240x320", (240, 320), (96, 128))]


def photo_like(h, w, seed):
    """Smooth shading + hard-edged shapes + a striped patch + mild noise (never constant, never zeros)."""
    rng = np.random.default_rng(seed)
    gy, gx = rng.integers(2, 6, size=2)
    grid = rng.uniform(30, 225, size=(gy + 1, gx + 1, 3))
    yy = np.linspace(0, gy, h)[:, None]
    xx = np.linspace(0, gx, w)[None, :]
    iy = np.minimum(yy.astype(int), gy - 1)
    ix = np.minimum(xx.astype(int), gx - 1)
    ty = (yy - iy)[..., None]
    tx = (xx - ix)[..., None]
    img = ((1 - ty) * ((1 - tx) * grid[iy, ix] + tx * grid[iy, ix + 1])
           + ty * ((1 - tx) * grid[iy + 1, ix] + tx * grid[iy + 1, ix + 1]))
    Y, X = np.mgrid[0:h, 0:w]
    for _ in range(rng.integers(3, 8)):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(h / 12 + 1, h / 3 + 1), rng.uniform(w / 12 + 1, w / 3 + 1)
        if rng.random() < 0.5:
            m = ((Y - cy) / ry) ** 2 + ((X - cx) / rx) ** 2 <= 1
        else:
            m = (np.abs(Y - cy) <= ry) & (np.abs(X - cx) <= rx)
        img[m] = rng.uniform(0, 255, size=3)
    y0, x0 = rng.integers(0, h), rng.integers(0, w)
    patch = (slice(y0, y0 + h // 3 + 1), slice(x0, x0 + w // 3 + 1))
    period = int(rng.integers(2, 5))
    img[patch] += np.where(((X[patch] + Y[patch]) // period) % 2 == 0, 40.0, -40.0)[..., None]
    img += rng.uniform(-1.5, 1.5, size=img.shape)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def make_tiling_processors(pil=False):
    import transformers as tf
    from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
    sfx = "Pil" if pil else ""
    return {
        "internvl3-448": getattr(tf, "GotOcr2ImageProcessor" + sfx)(
            size={"height": 448, "width": 448}, crop_to_patches=True, min_patches=1, max_patches=12,
            image_mean=IMAGENET_DEFAULT_MEAN, image_std=IMAGENET_DEFAULT_STD),
        "llava-next-336": getattr(tf, "LlavaNextImageProcessor" + sfx)(
            size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336},
            image_grid_pinpoints=[[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]),
    }


def make_pil_processors():
    import transformers as tf
    from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
    procs = {
        "siglip-so400m-384": tf.SiglipImageProcessorPil(size={"height": 384, "width": 384}),
        "clip-vit-b32": tf.CLIPImageProcessorPil(),
        "dinov2-small": tf.BitImageProcessorPil(size={"shortest_edge": 256}, crop_size={"height": 224, "width": 224},
                                                image_mean=IMAGENET_DEFAULT_MEAN, image_std=IMAGENET_DEFAULT_STD),
        "qwen2.5-vl-7b": tf.Qwen2VLImageProcessorPil(size={"shortest_edge": 3136, "longest_edge": 12845056}),
    }
    procs.update(make_tiling_processors(pil=True))
    return procs


def side_outputs(res):
    out = {}
    for key in ("image_grid_thw", "num_patches", "image_sizes"):
        if key in res:
            v = res[key]
            out[key] = v.tolist() if hasattr(v, "tolist") else [list(map(int, x)) if hasattr(x, "__len__") else int(x)
                                                                 for x in v]
    return out


def add_output(files, index, name, pipeline, mode, pv, proc, res, input_kind):
    arr = np.asarray(pv, dtype=np.float32)
    flat = arr.reshape(-1)
    stride = coprime_stride(flat.size, arr.shape[-1])
    f = f"outputs/{pipeline}/{name}.{mode}.npy"
    files[f] = npy_bytes(np.ascontiguousarray(flat[::stride]))
    rec = {"image": name, "pipeline": pipeline, "mode": mode, "shape": list(arr.shape), "stride": stride, "file": f,
           "processor": type(proc).__name__, "input": input_kind}
    rec.update(side_outputs(res))
    index["outputs"].append(rec)
    print(f"{pipeline:18s} {mode:5s} {name:14s} shape={tuple(arr.shape)} stride={stride} {side_outputs(res)}", flush=True)


def make_tiling(args, files, index):
    import torch
    procs = make_tiling_processors()
    for i, (name, h, w) in enumerate(TILING_IMAGES):
        img = photo_like(h, w, seed=2000 + i)
        files[f"images/{name}.npy"] = npy_bytes(img)
        index["images"].append({"name": name, "file": f"images/{name}.npy", "h": h, "w": w})
        chw = torch.from_numpy(img).permute(2, 0, 1).contiguous()
        for pipeline, proc in procs.items():
            for mode in ("hf", "float"):
                x = chw if mode == "hf" else chw.to(torch.float32)
                res = proc(images=[x], return_tensors="pt", device=args.device, input_data_format="channels_first")
                add_output(files, index, name, pipeline, mode, res["pixel_values"].detach().float().cpu().numpy(), proc,
                           res, "uint8 CHW" if mode == "hf" else "float32 CHW (0..255)")


def make_pil(args, files, index):
    from PIL import Image
    import PIL
    index["versions"]["pillow"] = PIL.__version__
    index["resizes"] = []
    images = {}
    for i, (name, h, w) in enumerate(IMAGES[:2] + [("down_300x280", 300, 280), ("photo_240x320", 240, 320)]):
        images[name] = photo_like(h, w, seed=3000 + i)
        files[f"images/{name}.npy"] = npy_bytes(images[name])
        index["images"].append({"name": name, "file": f"images/{name}.npy", "h": h, "w": w})
    for name, (h, w), (rh, rw) in PIL_RESIZES:
        for fname, f in (("bicubic", Image.BICUBIC), ("bilinear", Image.BILINEAR), ("lanczos", Image.LANCZOS)):
            out = np.asarray(Image.fromarray(images[name]).resize((rw, rh), f, reducing_gap=None))
            fn = f"resizes/{name}.{fname}.{rh}x{rw}.npy"
            files[fn] = npy_bytes(out)
            index["resizes"].append({"image": name, "filter": fname, "size": [rh, rw], "file": fn})
    procs = make_pil_processors()
    for name, img in images.items():
        for pipeline, proc in procs.items():
            res = proc(images=[Image.fromarray(img)], return_tensors="np")
            add_output(files, index, name, pipeline, "pil", res["pixel_values"], proc, res, "PIL RGB image")


PHOTOS = {"n": 12, "quality": 90, "max_side": 1024}  # scripts/make_photos.py's arguments for the photos set


def make_photos_set(args, files, index):
    """Real photographs (scripts/make_photos.py: scikit-image's sample photos as JPEG at phone/web sizes, the longer
    side capped to keep the archive small), each decoded as transformers' load_image does (Pillow, EXIF transpose,
    RGB) and run through the six processors on uint8 CUDA tensors: hf mode end to end from the file. The JPEG bytes
    are stored, not the pixels: the test decodes them with prepbench's own decoder (bit-exact with Pillow)."""
    import torch
    from PIL import Image, ImageOps
    import PIL
    index["versions"]["pillow"] = PIL.__version__
    index["photos"] = dict(PHOTOS, generator="scripts/make_photos.py")
    procs = make_processors()
    procs.update(make_tiling_processors())
    with tempfile.TemporaryDirectory() as tmp:
        here = os.path.dirname(os.path.abspath(__file__))
        subprocess.run([sys.executable, os.path.join(here, "..", "scripts", "make_photos.py"), tmp,
                        "--n", str(PHOTOS["n"]), "--quality", str(PHOTOS["quality"]),
                        "--max-side", str(PHOTOS["max_side"])], check=True)
        for fn in sorted(os.listdir(tmp)):
            name = os.path.splitext(fn)[0]
            with open(os.path.join(tmp, fn), "rb") as f:
                data = f.read()
            with Image.open(io.BytesIO(data)) as im:
                img = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
            files[f"images/{fn}"] = data
            index["images"].append({"name": name, "file": f"images/{fn}", "h": int(img.shape[0]),
                                    "w": int(img.shape[1])})
            chw = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).contiguous()
            for pipeline, proc in procs.items():
                res = proc(images=[chw], return_tensors="pt", device=args.device, input_data_format="channels_first")
                add_output(files, index, name, pipeline, "hf", res["pixel_values"].detach().float().cpu().numpy(),
                           proc, res, "uint8 CHW from Pillow's decode of the JPEG")


def make_processors():
    from transformers import (BitImageProcessor, CLIPImageProcessor, Qwen2VLImageProcessor,
                              SiglipImageProcessor)
    from transformers.image_utils import IMAGENET_DEFAULT_MEAN, IMAGENET_DEFAULT_STD
    return {
        "siglip-so400m-384": SiglipImageProcessor(size={"height": 384, "width": 384}),
        "clip-vit-b32": CLIPImageProcessor(),
        "dinov2-small": BitImageProcessor(size={"shortest_edge": 256}, crop_size={"height": 224, "width": 224},
                                          image_mean=IMAGENET_DEFAULT_MEAN, image_std=IMAGENET_DEFAULT_STD),
        "qwen2.5-vl-7b": Qwen2VLImageProcessor(size={"shortest_edge": 3136, "longest_edge": 12845056}),
    }


def coprime_stride(n, last):
    s = max(1, n // SAMPLES_PER_OUTPUT)
    while math.gcd(s, last) != 1:
        s += 1
    return s


def npy_bytes(a):
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def geometry_cases():
    import torch
    from transformers.image_processing_backends import TorchvisionBackend
    from transformers.image_processing_utils import SizeDict
    from transformers.image_transforms import get_resize_output_image_size
    from transformers.image_utils import ChannelDimension
    from transformers.models.qwen2_vl.image_processing_qwen2_vl import smart_resize

    rng = np.random.default_rng(7)
    shapes = [(int(h), int(w)) for h, w in rng.integers(1, 9000, size=(300, 2))]
    shapes += [(int(h), int(w)) for h, w in rng.integers(1, 200, size=(100, 2))]
    shapes += [(480, 640), (1080, 1920), (42, 70), (20, 30), (4000, 6000), (8000, 8000), (10, 2000), (10, 2001),
               (2001, 10), (1, 1), (28, 28), (14, 14), (56, 56), (3584, 3584), (3585, 3585), (98, 126)]
    out = {"smart_resize": [], "shortest_edge": [], "center_crop": []}
    for h, w in shapes:
        for mx in (12845056, 1003520):
            row = {"h": h, "w": w, "min_pixels": 3136, "max_pixels": mx}
            try:
                row["rh"], row["rw"] = smart_resize(h, w, factor=28, min_pixels=3136, max_pixels=mx)
            except ValueError as e:
                row["error"] = str(e)
            out["smart_resize"].append(row)
        for s in (224, 256, 336):
            rh, rw = get_resize_output_image_size(np.broadcast_to(np.zeros((1, 1, 1), np.uint8), (h, w, 3)), size=s,
                                                  default_to_square=False, input_data_format=ChannelDimension.LAST)
            out["shortest_edge"].append({"h": h, "w": w, "size": s, "rh": int(rh), "rw": int(rw)})
    backend = TorchvisionBackend()
    crop_shapes = [(224, 298), (256, 455), (224, 224), (225, 224), (200, 101), (101, 200), (223, 300), (5, 5),
                   (300, 223), (257, 999), (230, 230), (1, 224)]
    for h, w in crop_shapes:
        for ch, cw in ((224, 224), (224, 160), (100, 224)):
            img = (torch.arange(h * w, dtype=torch.float64) + 1).reshape(1, h, w)
            c = backend.center_crop(img, SizeDict(height=ch, width=cw))[0]
            nz = torch.nonzero(c)
            r0, c0 = int(nz[:, 0].min()), int(nz[:, 1].min())
            y, x = divmod(int(c[r0, c0]) - 1, w)
            out["center_crop"].append({"h": h, "w": w, "ch": ch, "cw": cw, "top": y - r0, "left": x - c0})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="directory for goldens.tar.xz")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--set", default="core", choices=["core", "tiling", "pil", "photos"])
    args = ap.parse_args()

    import transformers
    try:
        import torch
        import torchvision
        versions = {"torch": torch.__version__, "torchvision": torchvision.__version__}
        device = torch.cuda.get_device_name(0) if args.device == "cuda" else "cpu"
    except ImportError:  # the pil set needs neither
        versions, device = {}, "cpu"

    files = {}
    index = {
        "made_by": "peers/make_golden.py",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": dict(versions, transformers=transformers.__version__, numpy=np.__version__),
        "device": device,
        "sampling": "values = pixel_values.flatten()[::stride]; stride coprime with the last axis",
        "images": [], "outputs": [], "set": args.set,
    }
    if args.set == "tiling":
        make_tiling(args, files, index)
    elif args.set == "pil":
        make_pil(args, files, index)
    elif args.set == "photos":
        make_photos_set(args, files, index)
    procs = make_processors() if args.set == "core" else {}
    for i, (name, h, w) in enumerate(IMAGES if args.set == "core" else []):
        img = photo_like(h, w, seed=1000 + i)
        files[f"images/{name}.npy"] = npy_bytes(img)
        index["images"].append({"name": name, "file": f"images/{name}.npy", "h": h, "w": w})
        chw_u8 = torch.from_numpy(img).permute(2, 0, 1).contiguous()
        for pipeline in PIPELINES:
            proc = procs[pipeline]
            for mode in ("hf", "float"):
                x = chw_u8 if mode == "hf" else chw_u8.to(torch.float32)
                res = proc(images=[x], return_tensors="pt", device=args.device, input_data_format="channels_first")
                pv = res["pixel_values"].detach().to("cpu", torch.float32).contiguous()
                flat = pv.numpy().reshape(-1)
                stride = coprime_stride(flat.size, pv.shape[-1])
                f = f"outputs/{pipeline}/{name}.{mode}.npy"
                files[f] = npy_bytes(np.ascontiguousarray(flat[::stride]))
                rec = {"image": name, "pipeline": pipeline, "mode": mode, "shape": list(pv.shape), "stride": stride,
                       "file": f, "processor": type(proc).__name__,
                       "input": "uint8 CHW" if mode == "hf" else "float32 CHW (0..255)"}
                if "image_grid_thw" in res:
                    rec["image_grid_thw"] = res["image_grid_thw"].tolist()
                index["outputs"].append(rec)
                print(f"{pipeline:18s} {mode:5s} {name:14s} shape={tuple(pv.shape)} stride={stride}", flush=True)
    if args.set == "core":
        index["geometry"] = geometry_cases()
    files["golden.json"] = json.dumps(index, indent=1).encode()

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "goldens.tar.xz" if args.set == "core" else f"goldens_{args.set}.tar.xz")
    with tarfile.open(path + ".tmp", "w:xz", preset=9) as tar:
        for fname, data in sorted(files.items()):
            ti = tarfile.TarInfo(fname)
            ti.size = len(data)
            ti.mtime = 0
            tar.addfile(ti, io.BytesIO(data))
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: {os.path.getsize(path)} bytes, {len(index['outputs'])} outputs", flush=True)


if __name__ == "__main__":
    sys.exit(main())
