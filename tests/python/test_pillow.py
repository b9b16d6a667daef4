"""pil mode against the real Pillow (Debian's python3-pil here; SPEC.md §6: it reproduces HF's PIL backend bit for
bit). prepbench's Pillow emulation must be bit-exact on every filter, up- and downscaling; the pil-mode pipelines
must equal HF's PIL-backend formula applied to Pillow's output."""
import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PREPBENCH_BIN", os.path.join(ROOT, "build", "prepbench"))
FILTERS = {"bicubic": Image.BICUBIC, "bilinear": Image.BILINEAR, "lanczos": Image.LANCZOS, "box": Image.BOX,
           "hamming": Image.HAMMING}


def photo(h, w, seed):
    tmp = tempfile.mkdtemp()
    subprocess.run([BIN, "workload", "dump", "--workload", f"uniform-n1-{h}", "--out", tmp, "--seed", str(seed)],
                   check=True, capture_output=True)
    img = np.load(os.path.join(tmp, "img_0000.npy"))
    return np.ascontiguousarray(img[:, :w] if w <= h else np.tile(img, (1, 2, 1))[:, :w])


class PillowBitExact(unittest.TestCase):
    def test_every_filter_up_and_down(self):
        tmp = tempfile.mkdtemp()
        shapes = [((37, 53), (130, 170)), ((127, 93), (200, 150)), ((300, 280), (64, 64)), ((480, 640), (96, 128)),
                  ((200, 200), (200, 77)), ((90, 300), (90, 300)),  # one pass skipped, both skipped
                  ((1200, 10), (300, 5)), ((1500, 12), (100, 24))]  # taller than 100:1, shrunk vertically
        for (h, w), (rh, rw) in shapes:
            img = photo(max(h, w), w, seed=h * 1000 + w)[:h]
            src = os.path.join(tmp, f"in_{h}x{w}.npy")
            np.save(src, img)
            for name, f in FILTERS.items():
                out = os.path.join(tmp, f"out_{name}.npy")
                subprocess.run([BIN, "pillow-resize", "--image", src, "--size", f"{rh}x{rw}", "--filter", name,
                                "--out", out], check=True, capture_output=True)
                want = np.asarray(Image.fromarray(img).resize((rw, rh), f, reducing_gap=None))
                got = np.load(out)
                diff = np.abs(got.astype(int) - want.astype(int))
                self.assertEqual(int(diff.max()), 0, f"{name} {h}x{w} -> {rh}x{rw}: {int((diff > 0).sum())} differ")

    def test_pil_mode_pipelines_equal_hf_pil_backend_formula(self):
        tmp = tempfile.mkdtemp()
        img = photo(301, 257, seed=5)[:301, :257]
        src = os.path.join(tmp, "img.npy")
        np.save(src, img)
        mean = np.array([0.48145466, 0.4578275, 0.40821073], np.float32)
        std = np.array([0.26862954, 0.26130258, 0.27577711], np.float32)
        # CLIP: shortest edge 224 -> 262x224 (int(224*301/257) = int(262.35)), crop top int((262-224)/2) = 19
        out = os.path.join(tmp, "clip.npy")
        subprocess.run([BIN, "reference", "--pipeline", "clip-vit-b32", "--mode", "pil", "--image", src, "--out", out],
                       check=True, capture_output=True)
        r = np.asarray(Image.fromarray(img).resize((224, 262), Image.BICUBIC, reducing_gap=None))[19:19 + 224]
        x = (r.astype(np.float64) * (1 / 255)).astype(np.float32)  # HF rescale: float64 multiply, cast
        want = ((x - mean) / std).transpose(2, 0, 1)[None]
        got = np.load(out)
        self.assertEqual(got.shape, (1, 3, 224, 224))
        self.assertEqual(float(np.abs(got - want).max()), 0.0)
        # LLaVA-NeXT in pil mode: base 336x336, padding is normalized zero, side outputs on stdout
        out = os.path.join(tmp, "llava.npy")
        res = subprocess.run([BIN, "reference", "--pipeline", "llava-next-336", "--mode", "pil", "--image", src,
                              "--out", out], check=True, capture_output=True, text=True)
        side = json.loads(res.stdout.strip().splitlines()[-1])
        self.assertEqual(side["image_sizes"], [[301, 257]])
        base = np.asarray(Image.fromarray(img).resize((336, 336), Image.BICUBIC, reducing_gap=None))
        xb = (base.astype(np.float64) * (1 / 255)).astype(np.float32)
        self.assertEqual(float(np.abs(np.load(out)[0, 0] - ((xb - mean) / std).transpose(2, 0, 1)).max()), 0.0)


if __name__ == "__main__":
    unittest.main()
