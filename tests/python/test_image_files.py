"""JPEG / PNG decode (workloads/image_file.cpp) against Pillow, bit for bit: files written here by Pillow (and a
small PNG writer for what Pillow cannot write: 16-bit RGB, Adam7 interlace), decoded by `prepbench workload dump
--workload files:DIR`, compared with `ImageOps.exif_transpose(Image.open(f)).convert("RGB")` (what transformers'
load_image gives a processor). Files prepbench refuses exit 2 with one line and write nothing."""

import io
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

import numpy as np
from PIL import Image, ImageOps

BIN = os.environ.get("PREPBENCH_BIN", "build/prepbench")


def photo(h, w, seed):
    """Smooth shading, an edge, texture and noise: what JPEG's DCT and chroma subsampling are tuned for."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.empty((h, w, 3))
    for c in range(3):
        v = 120 + 70 * np.sin(x / rng.uniform(6, 30) + c) * np.cos(y / rng.uniform(6, 30))
        v += 50 * ((x + 2 * y) > (w + h) * rng.uniform(0.6, 1.2)) + 20 * np.sin((x + y) / 1.7) + rng.normal(0, 5, (h, w))
        img[..., c] = v
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path, arr, bit_depth, color_type, interlace=False):
    """A PNG of `arr` (H, W, C) in big-endian samples, filter 0; Adam7 passes when interlaced."""
    h, w = arr.shape[:2]
    dt = ">u2" if bit_depth == 16 else "u1"

    def rows(a):
        return b"".join(b"\0" + a[r].astype(dt).tobytes() for r in range(a.shape[0]))

    if interlace:
        raw = b""
        for y0, x0, dy, dx in [(0, 0, 8, 8), (0, 4, 8, 8), (4, 0, 8, 4), (0, 2, 4, 4), (2, 0, 4, 2), (0, 1, 2, 2), (1, 0, 2, 1)]:
            sub = arr[y0::dy, x0::dx]
            if sub.size:
                raw += rows(sub)
    else:
        raw = rows(arr)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(raw)) +
                png_chunk(b"IEND", b""))


def pillow_rgb(path):
    with Image.open(path) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


def dump(folder, out):
    return subprocess.run([BIN, "workload", "dump", "--workload", f"files:{folder}", "--out", out],
                          capture_output=True, text=True)


class DecodeEqualsPillow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.dir = os.path.join(cls.tmp.name, "files")
        os.makedirs(d)
        a = photo(173, 251, 1)
        im = Image.fromarray(a)
        im.save(f"{d}/jpeg_420_q90.jpg", quality=90)
        im.save(f"{d}/jpeg_444_q95.jpg", quality=95, subsampling=0)
        im.save(f"{d}/jpeg_422_q75.jpeg", quality=75, subsampling=1)
        im.save(f"{d}/jpeg_progressive.jpg", quality=85, progressive=True, optimize=True)
        Image.fromarray(photo(64, 1000, 2)).save(f"{d}/jpeg_wide.JPG", quality=80)
        im.convert("L").save(f"{d}/jpeg_gray.jpg", quality=90)
        b = Image.fromarray(photo(37, 61, 3))
        for o in range(1, 9):
            exif = Image.Exif()
            exif[0x0112] = o
            b.save(f"{d}/jpeg_exif_{o}.jpg", quality=92, exif=exif.tobytes())
        im.save(f"{d}/png_rgb.png")
        rgba = np.dstack([a, photo(173, 251, 4)[..., 0]])
        Image.fromarray(rgba, "RGBA").save(f"{d}/png_rgba.png")
        Image.fromarray(rgba[..., [0, 3]], "LA").save(f"{d}/png_la.png")
        im.convert("L").save(f"{d}/png_gray.png")
        im.convert("1").save(f"{d}/png_bilevel.png")
        pal = im.convert("P", palette=Image.Palette.ADAPTIVE, colors=37)
        pal.save(f"{d}/png_palette.png")
        pal.save(f"{d}/png_palette_trns.png", transparency=5)
        im.convert("P", palette=Image.Palette.ADAPTIVE, colors=4).save(f"{d}/png_palette_2bit.png", bits=2)
        wide16 = photo(40, 70, 5).astype(np.uint16) * 257 + np.random.default_rng(6).integers(0, 257, (40, 70, 3)).astype(np.uint16)
        write_png(f"{d}/png_rgb16.png", wide16, 16, 2)
        write_png(f"{d}/png_interlaced.png", photo(45, 29, 7), 8, 2, interlace=True)
        write_png(f"{d}/png_gray_interlaced.png", photo(23, 31, 8)[..., :1], 8, 0, interlace=True)
        with open(f"{d}/notes.txt", "w") as f:  # not an image name: ignored
            f.write("not an image")
        cls.out = os.path.join(cls.tmp.name, "dump")
        cls.dumped = dump(d, cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_file_decodes_as_pillow_decodes_it(self):
        self.assertEqual(self.dumped.returncode, 0, self.dumped.stderr)
        files = sorted(f for f in os.listdir(self.dir) if f.lower().endswith((".jpg", ".jpeg", ".png")))
        with open(os.path.join(self.out, "manifest.json")) as f:
            m = json.load(f)
        self.assertEqual(len(m["images"]), len(files))
        for name, entry in zip(files, m["images"]):
            with self.subTest(file=name):
                ours = np.load(os.path.join(self.out, entry["file"]))
                want = pillow_rgb(os.path.join(self.dir, name))
                self.assertEqual(ours.shape, want.shape)
                np.testing.assert_array_equal(ours, want)

    def test_exif_orientation_moves_pixels(self):
        # orientations 5..8 swap the sides; 6 is a clockwise quarter turn of the stored pixels
        with Image.open(os.path.join(self.dir, "jpeg_exif_1.jpg")) as im:
            stored = np.asarray(im.convert("RGB"))
        rotated = pillow_rgb(os.path.join(self.dir, "jpeg_exif_6.jpg"))
        self.assertEqual(rotated.shape, (61, 37, 3))
        np.testing.assert_array_equal(rotated, np.rot90(stored, k=-1))

    def test_reference_of_a_jpeg_is_the_reference_of_its_pillow_decode(self):
        src = os.path.join(self.dir, "jpeg_progressive.jpg")
        npy = os.path.join(self.tmp.name, "decoded.npy")
        np.save(npy, pillow_rgb(src))
        outs = []
        for i, image in enumerate((src, npy)):
            out = os.path.join(self.tmp.name, f"ref{i}.npy")
            r = subprocess.run([BIN, "reference", "--pipeline", "clip-vit-b32", "--mode", "hf", "--image", image,
                                "--out", out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            outs.append(np.load(out))
        np.testing.assert_array_equal(outs[0], outs[1])


class Refused(unittest.TestCase):
    def check_refused(self, make, words):
        with tempfile.TemporaryDirectory() as d:
            os.makedirs(f"{d}/in")
            name = make(f"{d}/in")
            r = dump(f"{d}/in", f"{d}/out")
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
            self.assertIn(words, r.stderr)
            self.assertIn(name, r.stderr)
            self.assertFalse(os.path.exists(f"{d}/out/manifest.json"))
            out = f"{d}/ref.npy"
            r = subprocess.run([BIN, "reference", "--pipeline", "siglip-so400m-384", "--mode", "hf", "--image",
                                f"{d}/in/{name}", "--out", out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 2)
            self.assertFalse(os.path.exists(out))

    def test_truncated_jpeg(self):
        def make(d):
            buf = io.BytesIO()
            Image.fromarray(photo(120, 160, 9)).save(buf, "JPEG", quality=90)
            with open(f"{d}/cut.jpg", "wb") as f:
                f.write(buf.getvalue()[: len(buf.getvalue()) * 6 // 10])
            return "cut.jpg"
        self.check_refused(make, "truncated")

    def test_cmyk_jpeg(self):
        def make(d):
            Image.fromarray(photo(30, 40, 10)).convert("CMYK").save(f"{d}/cmyk.jpg", quality=90)
            return "cmyk.jpg"
        self.check_refused(make, "CMYK")

    def test_sixteen_bit_gray_png(self):
        def make(d):
            write_png(f"{d}/g16.png", (photo(20, 30, 11)[..., :1].astype(np.uint16) * 200), 16, 0)
            return "g16.png"
        self.check_refused(make, "16-bit grayscale")

    def test_not_an_image(self):
        def make(d):
            with open(f"{d}/fake.png", "wb") as f:
                f.write(b"GIF89a not a png at all")
            return "fake.png"
        self.check_refused(make, "not a JPEG or PNG")

    def test_corrupt_png(self):
        def make(d):
            buf = io.BytesIO()
            Image.fromarray(photo(50, 50, 12)).save(buf, "PNG")
            b = bytearray(buf.getvalue())
            b[60:80] = b"\0" * 20  # inside IDAT: the CRC and the zlib stream both fail
            with open(f"{d}/bad.png", "wb") as f:
                f.write(bytes(b))
            return "bad.png"
        self.check_refused(make, "corrupt")

    def test_empty_folder(self):
        with tempfile.TemporaryDirectory() as d:
            r = dump(d, f"{d}/out")
            self.assertEqual(r.returncode, 2)
            self.assertIn("no .jpg, .jpeg or .png file", r.stderr)


class PhotoWorkload(unittest.TestCase):
    """scripts/make_photos.py: deterministic JPEGs of real photographs, run as a files:DIR workload."""

    def test_generated_photos_run_and_pass_parity(self):
        script = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "make_photos.py")
        try:
            import skimage  # noqa: F401
        except ImportError:
            self.skipTest("scikit-image is not installed (Debian: python3-skimage, which scripts/bootstrap.sh installs)")
        with tempfile.TemporaryDirectory() as d:
            for sub in ("a", "b"):
                r = subprocess.run([sys.executable, script, f"{d}/{sub}", "--n", "5", "--max-side", "320"],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
            names = sorted(os.listdir(f"{d}/a"))
            self.assertEqual(len(names), 5)
            for n in names:  # the same arguments write the same bytes
                with open(f"{d}/a/{n}", "rb") as x, open(f"{d}/b/{n}", "rb") as y:
                    self.assertEqual(x.read(), y.read(), n)
            sizes = {Image.open(f"{d}/a/{n}").size for n in names}
            self.assertGreater(len(sizes), 1)  # ragged
            self.assertLessEqual(max(max(s) for s in sizes), 320)
            r = subprocess.run([BIN, "run", "--variants", "cpu_separable_ring,cpu_pointwise_fused", "--pipelines",
                                "clip-vit-b32,qwen2.5-vl-7b", "--workloads", f"files:{d}/a", "--reps", "1", "--warmup",
                                "0", "--modes", "hf,float", "--out", f"{d}/r.json"], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(f"{d}/r.json") as f:
                recs = json.load(f)["records"]
            self.assertEqual(len(recs), 2 * 2 * 2)  # variants x pipelines x modes
            for rec in recs:
                self.assertEqual(rec["status"], "ok", rec)
                self.assertTrue(rec["parity"]["ok"], rec)
                self.assertEqual(rec["workload"], f"files:{d}/a")


class EndToEndFromFiles(unittest.TestCase):
    """prepbench e2e --from files: read, decode, resize, serial and overlapped, five records per case."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self.tmp.name, "imgs")
        os.makedirs(self.dir)
        for i, (h, w) in enumerate([(120, 90), (64, 200), (150, 150), (77, 131), (200, 60)]):
            Image.fromarray(photo(h, w, seed=i)).save(os.path.join(self.dir, f"p{i}.jpg"), quality=85)
        Image.fromarray(photo(50, 70, seed=9)).save(os.path.join(self.dir, "q.png"))

    def tearDown(self):
        self.tmp.cleanup()

    def e2e(self, *args):
        out = os.path.join(self.tmp.name, "e.json")
        r = subprocess.run([BIN, "e2e", "--from", "files", "--workloads", f"files:{self.dir}", "--out", out, *args],
                           capture_output=True, text=True)
        return r, out

    def test_five_stages_per_case_with_parity(self):
        r, out = self.e2e("--variants", "cpu_separable_ring", "--pipelines", "siglip-so400m-384,qwen2.5-vl-7b",
                          "--reps", "2", "--groups", "3", "--decode-threads", "2")
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        with open(out) as f:
            recs = json.load(f)["records"]
        self.assertEqual([x["measure"] for x in recs],
                         ["e2e_read", "e2e_decode", "e2e_resize", "e2e_serial", "e2e_overlap"] * 2)
        compressed = sum(os.path.getsize(os.path.join(self.dir, n)) for n in os.listdir(self.dir))
        decoded = 3 * (120 * 90 + 64 * 200 + 150 * 150 + 77 * 131 + 200 * 60 + 50 * 70)
        for x in recs:
            self.assertEqual(x["status"], "ok", x)
            self.assertEqual(x["layout"], "hwc")
            self.assertEqual(len(x["time_ms"]["samples"]), 2)
            self.assertEqual((x["images"], x["groups"], x["decode_threads"]), (6, 3, 2))
            self.assertEqual((x["compressed_bytes"], x["decoded_bytes"]), (compressed, decoded))
            self.assertIn(x["bound_by"], ("read", "decode", "resize"))
            if x["measure"] == "e2e_overlap":
                self.assertTrue(x["parity"]["ok"], x)
                self.assertLessEqual(x["parity"]["max_abs"], x["parity"]["tol"])

    def test_what_it_cannot_run_is_one_line_and_exit_2(self):
        for args, words in [
            (["--variants", "cuda_separable_mma", "--pipelines", "clip-vit-b32"], "CUDA variant"),
            (["--variants", "cpu_separable_ring", "--pipelines", "clip-vit-b32", "--layouts", "chw"], "--layouts hwc"),
            (["--variants", "cpu_separable_ring", "--pipelines", "clip-vit-b32", "--cuda-decode-share", "1.5"],
             "--cuda-decode-share"),
            (["--variants", "cpu_separable_ring", "--pipelines", "clip-vit-b32", "--cuda-decode-share", "nan"],
             "--cuda-decode-share"),
        ]:
            with self.subTest(words=words):
                r, out = self.e2e(*args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(words, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
                self.assertFalse(os.path.exists(out))
        out = os.path.join(self.tmp.name, "u.json")
        for source, workload, words in [("files", "uniform-n2-64", "files:DIR workload"),
                                        ("disk", f"files:{self.dir}", "pinned or files")]:
            with self.subTest(words=words):
                r = subprocess.run([BIN, "e2e", "--from", source, "--workloads", workload, "--variants",
                                    "cpu_separable_ring", "--pipelines", "clip-vit-b32", "--out", out],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertIn(words, r.stderr)
                self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
