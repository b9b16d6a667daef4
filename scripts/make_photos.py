#!/usr/bin/env python3
"""A real-photo workload with no download: scikit-image's sample photographs (Debian's python3-skimage ships them:
astronaut, chelsea, coffee, rocket, hubble_deep_field, retina, ...), each center-cropped to a phone or web aspect,
resized (Pillow, LANCZOS) to a ragged spread of phone/web sizes and re-encoded as JPEG (Pillow, 4:2:0) at a stated
quality. Deterministic: the same arguments write the same bytes. The files stay out of the repository.

    scripts/python scripts/make_photos.py DIR [--n 32] [--quality 90] [--max-side 4032]
    prepbench run --workloads files:DIR ...
"""

import argparse
import os
import pathlib
import sys

import numpy as np
from PIL import Image

# RGB photographs among scikit-image's bundled data (name, file); others are synthetic, gray or need a download
SOURCES = ["astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg", "retina.jpg",
           "motorcycle_left.png", "motorcycle_right.png", "ihc.png", "color.png"]
# (width, height): phone photos in both orientations, web and social sizes, thumbnails
SIZES = [(4032, 3024), (3024, 4032), (1920, 1080), (1080, 1920), (1280, 720), (1600, 1200), (1200, 1600), (1080, 1080),
         (1024, 768), (800, 600), (640, 480), (480, 640), (2048, 1536), (720, 1280), (512, 512), (320, 240)]


def data_dir():
    try:
        import skimage
    except ImportError:
        sys.exit("make_photos: scikit-image is not installed (Debian: apt-get install python3-skimage)")
    return pathlib.Path(skimage.data_dir)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="folder to write photo_NN.jpg into (created)")
    ap.add_argument("--n", type=int, default=32, help="number of photos (default 32)")
    ap.add_argument("--quality", type=int, default=90, help="JPEG quality (default 90)")
    ap.add_argument("--max-side", type=int, default=4032, help="cap on the longer side, scaling the size list down")
    ap.add_argument("--seed", type=int, default=20261201)
    a = ap.parse_args()
    if not 1 <= a.n <= 4096 or not 1 <= a.quality <= 100 or a.max_side < 16:
        sys.exit("make_photos: need 1 <= --n <= 4096, 1 <= --quality <= 100, --max-side >= 16")
    src = data_dir()
    photos = []
    for name in SOURCES:
        p = src / name
        if p.is_file():
            with Image.open(p) as im:
                photos.append((name, im.convert("RGB")))
    if not photos:
        sys.exit(f"make_photos: none of the sample photos is in {src}")
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.n):
        name, im = photos[i % len(photos)]
        w, h = SIZES[int(rng.integers(len(SIZES)))]
        scale = min(1.0, a.max_side / max(w, h))
        w, h = max(1, round(w * scale)), max(1, round(h * scale))
        # the largest centered crop of the source with the target's aspect
        sw, sh = im.size
        cw, ch = (sw, round(sw * h / w)) if sw * h <= sh * w else (round(sh * w / h), sh)
        left, top = (sw - cw) // 2, (sh - ch) // 2
        out = im.crop((left, top, left + cw, top + ch)).resize((w, h), Image.Resampling.LANCZOS)
        out.save(os.path.join(a.out, f"photo_{i:02d}.jpg"), quality=a.quality, subsampling=2)
    print(f"make_photos: wrote {a.n} JPEGs (quality {a.quality}) from {len(photos)} sample photos to {a.out}")


if __name__ == "__main__":
    main()
