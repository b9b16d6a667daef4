"""The prepbench Python package without torch: the numpy path against the C++ reference and the CLI, the cv-utils
signatures against hand-derived values, Pillow numerics against Pillow itself, and every bad input raising a clear
exception. Runs from the tree (PYTHONPATH=python, PREPBENCH_LIB=the built library) or against an installed package.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import photos  # noqa: E402

import prepbench  # noqa: E402

CAT = prepbench.catalog()
PARITY = CAT["parity"]
PIPELINES = [p["name"] for p in CAT["pipelines"]]
SPECS = {p["name"]: p for p in CAT["pipelines"]}


def assert_parity(tc, out, ref, mode, std, what):
    """The contract of harness/parity.hpp: float within float_tol; hf within one uint8 step everywhere and exact
    (exact_tol) on all but 1 - hf_min_exact of the values."""
    tc.assertEqual(out.shape, ref.shape, what)
    tc.assertTrue(np.isfinite(out).all(), what + ": non-finite output")
    d = np.abs(out.astype(np.float64) - ref.astype(np.float64))
    if mode == "float":
        tc.assertLessEqual(d.max(), PARITY["float_tol"], what)
        return
    step = 1.0 / (255.0 * min(std)) + PARITY["exact_tol"]
    tc.assertLessEqual(d.max(), step, what)
    inexact = float((d > PARITY["exact_tol"]).mean())
    tc.assertLessEqual(inexact, 1.0 - PARITY["hf_min_exact"], f"{what}: {inexact:.5f} of values inexact")


class NumpyPath(unittest.TestCase):
    def test_every_pipeline_mode_and_layout_matches_the_reference(self):
        imgs = photos.batch(photos.RAGGED, seed=11)
        for name in PIPELINES:
            for mode in ("float", "hf"):
                for layout in ("channels_last", "channels_first"):
                    batch = imgs if layout == "channels_last" else [np.ascontiguousarray(i.transpose(2, 0, 1)) for i in imgs]
                    with self.subTest(pipeline=name, mode=mode, layout=layout):
                        out = prepbench.preprocess(name, batch, numerics=mode, input_data_format=layout)
                        variant = prepbench.last_variant()
                        self.assertTrue(variant.startswith("cpu_"), variant)
                        ref = prepbench.reference(name, imgs, numerics=mode)
                        assert_parity(self, out["pixel_values"], ref, mode, SPECS[name]["std"], f"{name}/{mode}/{layout}")

    def test_every_cpu_variant_runs_through_the_abi(self):
        imgs = photos.batch(photos.RAGGED[:3], seed=3)
        ref = prepbench.reference("clip-vit-b32", imgs, numerics="hf")
        for v in CAT["variants"]:
            if v["backend"] != "cpu":
                continue
            with self.subTest(variant=v["name"]):
                out = prepbench.preprocess("clip-vit-b32", imgs, variant=v["name"])["pixel_values"]
                self.assertEqual(prepbench.last_variant(), v["name"])
                assert_parity(self, out, ref, "hf", SPECS["clip-vit-b32"]["std"], v["name"])

    def test_channels_last_output_is_the_transpose(self):
        imgs = photos.batch(photos.RAGGED[:2], seed=5)
        first = prepbench.preprocess("dinov2-small", imgs)["pixel_values"]
        last = prepbench.preprocess("dinov2-small", imgs, data_format="channels_last")["pixel_values"]
        np.testing.assert_array_equal(last, first.transpose(0, 2, 3, 1))

    def test_side_outputs_are_the_processors(self):
        imgs = photos.batch([(300, 400), (512, 256)], seed=7)
        q = prepbench.preprocess("qwen2.5-vl-7b", imgs)
        # smart_resize by hand (SPEC.md): 300x400 -> 308x392 -> grid 22x28; 512x256 -> 504x252 -> 36x18
        np.testing.assert_array_equal(q["image_grid_thw"], [[1, 22, 28], [1, 36, 18]])
        self.assertEqual(q["pixel_values"].shape, (22 * 28 + 36 * 18, 3 * 2 * 14 * 14))
        i = prepbench.preprocess("internvl3-448", imgs)
        # 400x300 is 4:3 -> 4x3 tiles + thumbnail = 13; 256x512 -> 1x2 tiles + thumbnail = 3
        self.assertEqual(i["num_patches"], [13, 3])
        self.assertEqual(i["pixel_values"].shape, (16, 3, 448, 448))
        lv = prepbench.preprocess("llava-next-336", imgs)
        np.testing.assert_array_equal(lv["image_sizes"], [[300, 400], [512, 256]])
        self.assertNotIn("num_patches", lv)

    def test_repeated_shapes_reuse_the_plan(self):
        a = photos.batch([(200, 300)], seed=1)
        b = photos.batch([(200, 300)], seed=2)
        pa = prepbench.preprocess("siglip-so400m-384", a)["pixel_values"]
        pb = prepbench.preprocess("siglip-so400m-384", b)["pixel_values"]  # same cached plan, new pointers
        np.testing.assert_array_equal(pb, prepbench.preprocess("siglip-so400m-384", b)["pixel_values"])
        self.assertFalse(np.array_equal(pa, pb))
        ref = prepbench.reference("siglip-so400m-384", b)
        assert_parity(self, pb, ref, "hf", [0.5] * 3, "rebound plan")

    @unittest.skipUnless(os.environ.get("PREPBENCH_BIN"), "PREPBENCH_BIN (the CLI) not set")
    def test_reference_equals_the_cli_reference(self):
        img = photos.photo(333, 517, seed=9)
        with tempfile.TemporaryDirectory() as d:
            src, dst = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
            np.save(src, img)
            for name in ("clip-vit-b32", "qwen2.5-vl-7b", "llava-next-336"):
                subprocess.run([os.environ["PREPBENCH_BIN"], "reference", "--pipeline", name, "--mode", "hf",
                                "--image", src, "--out", dst], check=True, capture_output=True)
                cli = np.load(dst)
                ours = prepbench.reference(name, [img], numerics="hf")
                self.assertEqual(ours.size, cli.size, name)
                np.testing.assert_array_equal(ours.reshape(cli.shape), cli, name)


class CvUtilsSignatures(unittest.TestCase):
    """Hand-derived expectations: a resize to the image's own size is the identity (every filter's weights sum to
    1 and sit on the source pixel), so the output is (x * rescale - mean) / std exactly, cropped or patchified."""

    mean, std = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]

    def expected(self, chw):
        m = np.array(self.mean)[:, None, None]
        s = np.array(self.std)[:, None, None]
        return (chw.astype(np.float64) / 255.0 - m) / s

    def test_square_identity_and_center_crop(self):
        img = photos.photo(64, 80, seed=4).transpose(2, 0, 1).copy()
        for resample in ("bicubic", "bilinear", 3, 2):
            out = prepbench.resize_normalize([img], (64, 80), self.mean, self.std, 1 / 255, resample, True)
            self.assertEqual(out.shape, (1, 3, 64, 80))
            np.testing.assert_allclose(out[0], self.expected(img), atol=2e-6)
        # crop 32x40 of a 64x80 image: top (64-32)//2 = 16, left (80-40)//2 = 20
        out = prepbench.resize_normalize([img], (64, 80), self.mean, self.std, 1 / 255, "bilinear", True,
                                         crop_size=(32, 40), round_to_uint8=True)
        np.testing.assert_allclose(out[0], self.expected(img[:, 16:48, 20:60]), atol=2e-6)

    def test_shortest_edge_size(self):
        img = photos.photo(100, 150, seed=6).transpose(2, 0, 1).copy()
        # shortest edge 100 keeps 100x150 (identity); crop 100x100 starts at column 25
        out = prepbench.resize_normalize([img], 100, self.mean, self.std, 1 / 255, "bicubic", True, crop_size=(100, 100),
                                         resize_mode="shortest_edge")
        np.testing.assert_allclose(out[0], self.expected(img[:, :, 25:125]), atol=2e-6)

    def test_patchify_is_qwens_layout(self):
        p, m, t = 14, 2, 2
        imgs = [photos.photo(56, 84, seed=1).transpose(2, 0, 1).copy(), photos.photo(28, 56, seed=2).transpose(2, 0, 1).copy()]
        out, grid = prepbench.resize_normalize_patchify(imgs, [(56, 84), (28, 56)], [[1], [0]], self.mean, self.std,
                                                        1 / 255, "bicubic", True, p, m, t)
        self.assertEqual(grid, [(1, 2, 4), (1, 4, 6)])
        rows = []
        for i in (1, 0):  # transformers Qwen2VLImageProcessor: frames tiled to T, then its reshape and transpose
            x = np.repeat(self.expected(imgs[i])[None], t, axis=0)
            gh, gw = x.shape[2] // p, x.shape[3] // p
            x = x.reshape(1, t, 3, gh // m, m, p, gw // m, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
            rows.append(x.reshape(gh * gw, 3 * t * p * p))
        np.testing.assert_allclose(out, np.concatenate(rows), atol=2e-6)

    def test_video_items_are_qwens_video_layout(self):
        """Video items: transformers' Qwen2VLVideoProcessor.patchify (last frame repeated to a multiple of T, then
        its reshape and transpose), on identity resizes; an image item in the same call keeps the image layout."""
        p, m, t = 14, 2, 2
        video = [photos.photo(56, 84, seed=20 + k).transpose(2, 0, 1).copy() for k in range(3)]  # 3 frames: pad 1
        image = photos.photo(28, 56, seed=30).transpose(2, 0, 1).copy()
        frames = video + [image]
        sizes = [(56, 84)] * 3 + [(28, 56)]
        for round_to_uint8 in (False, True):
            out, grid = prepbench.resize_normalize_patchify(frames, sizes, [[0, 1, 2], [3]], self.mean, self.std,
                                                            1 / 255, "bicubic", True, p, m, t,
                                                            round_to_uint8=round_to_uint8)
            self.assertEqual(grid, [(2, 4, 6), (1, 2, 4)])
            x = np.stack([self.expected(f) for f in video + [video[-1]]])  # (4, 3, 56, 84): frames 0 1 2 2
            x = x.reshape(2, t, 3, 2, m, p, 3, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8).reshape(2 * 24, 3 * t * p * p)
            y = np.repeat(self.expected(image)[None], t, axis=0)
            y = y.reshape(1, t, 3, 1, m, p, 2, m, p).transpose(0, 3, 6, 4, 7, 2, 1, 5, 8).reshape(8, 3 * t * p * p)
            np.testing.assert_allclose(out, np.concatenate([x, y]), atol=2e-6)

    def test_video_frames_hold_their_own_resize(self):
        """A resized video: temporal slot s of group g holds frame padded[g * T + s], the same values as that frame
        alone as an image item; T = 3 with 4 frames pads two copies of the last."""
        p, m, t = 14, 2, 3
        frames = [photos.photo(70, 90, seed=40 + k).transpose(2, 0, 1).copy() for k in range(4)]
        out, grid = prepbench.resize_normalize_patchify(frames, [(56, 112)] * 4, [[0, 1, 2, 3]], self.mean, self.std,
                                                        1 / 255, "bilinear", True, p, m, t)
        self.assertEqual(grid, [(2, 4, 8)])
        out = out.reshape(2, 32, 3, t, p * p)
        for g, order in enumerate(([0, 1, 2], [3, 3, 3])):
            for s, f in enumerate(order):
                alone, _ = prepbench.resize_normalize_patchify([frames[f]], [(56, 112)], [[0]], self.mean, self.std,
                                                               1 / 255, "bilinear", True, p, m, t)
                np.testing.assert_array_equal(out[g, :, :, s], alone.reshape(32, 3, t, p * p)[:, :, 0],
                                              f"group {g} slot {s}")


class CvUtilsKeywordForm(unittest.TestCase):
    """cv-utils v2's second calling convention (mean first; size= or shortest_edge=; round_to_uint8 on by default;
    patchify's items= keyword and grid_thw as int64): the same numbers as the first form, on identity resizes
    derived by hand as above, and its errors."""

    mean, std = CvUtilsSignatures.mean, CvUtilsSignatures.std

    def setUp(self):
        self.img = photos.photo(64, 80, seed=4).transpose(2, 0, 1).copy()

    def test_same_numbers_as_the_first_form(self):
        e = CvUtilsSignatures.expected(self, self.img)
        out = prepbench.resize_normalize([self.img], self.mean, self.std, 1 / 255, "bicubic", size=(64, 80))
        np.testing.assert_allclose(out[0], e, atol=2e-6)
        out = prepbench.resize_normalize([self.img], self.mean, self.std, 1 / 255, "bilinear", size=(64, 80),
                                         crop_size=(32, 40))
        np.testing.assert_allclose(out[0], e[:, 16:48, 20:60], atol=2e-6)
        # shortest edge 64 keeps 64x80; crop 64x64 starts at column (80 - 64) // 2 = 8
        out = prepbench.resize_normalize([self.img], self.mean, self.std, 1 / 255, "bicubic", shortest_edge=64,
                                         crop_size=(64, 64))
        np.testing.assert_allclose(out[0], e[:, :, 8:72], atol=2e-6)
        other = photos.photo(90, 120, seed=8).transpose(2, 0, 1).copy()
        for rnd in (False, True):  # a real resize: both forms, both roundings, equal bit for bit
            a = prepbench.resize_normalize([other], (48, 40), self.mean, self.std, 1 / 255, "bicubic", True,
                                           round_to_uint8=rnd)
            b = prepbench.resize_normalize([other], self.mean, self.std, 1 / 255, "bicubic", size=(48, 40),
                                           round_to_uint8=rnd)
            np.testing.assert_array_equal(a, b)
        default = prepbench.resize_normalize([other], self.mean, self.std, 1 / 255, "bicubic", size=(48, 40))
        np.testing.assert_array_equal(default, b)  # round_to_uint8 defaults to True in this form
        one = prepbench.resize_normalize([other], 0.5, 0.5, 1 / 255, "bilinear", size=(32, 32))
        three = prepbench.resize_normalize([other], [0.5] * 3, [0.5] * 3, 1 / 255, "bilinear", size=(32, 32))
        np.testing.assert_array_equal(one, three)

    def test_patchify_items_keyword_and_int64_grid(self):
        p, m, t = 14, 2, 2
        imgs = [photos.photo(56, 84, seed=1).transpose(2, 0, 1).copy(), photos.photo(28, 56, seed=2).transpose(2, 0, 1).copy()]
        sizes = [(56, 84), (28, 56)]
        first, grid1 = prepbench.resize_normalize_patchify(imgs, sizes, [[0], [1]], self.mean, self.std, 1 / 255,
                                                           "bicubic", True, p, m, t, round_to_uint8=True)
        second, grid2 = prepbench.resize_normalize_patchify(imgs, sizes, self.mean, self.std, 1 / 255, "bicubic",
                                                            p, m, t)
        np.testing.assert_array_equal(first, second)
        self.assertEqual(grid2.dtype, np.int64)
        self.assertEqual(grid2.tolist(), [[1, 4, 6], [1, 2, 4]])
        self.assertEqual([list(g) for g in grid1], grid2.tolist())
        video, grid3 = prepbench.resize_normalize_patchify(imgs[:1] * 3, sizes[:1] * 3, self.mean, self.std, 1 / 255,
                                                           "bicubic", p, m, t, items=[[0, 1, 2]])
        self.assertEqual(grid3.tolist(), [[2, 4, 6]])
        self.assertEqual(video.shape, (2 * 24, 3 * t * p * p))

    def test_its_errors(self):
        img, f = self.img, 1 / 255
        for words, call in [
            ("uint8", lambda: prepbench.resize_normalize([img.astype(np.float32)], self.mean, self.std, f, "bilinear", size=(32, 32))),
            ("crop_size", lambda: prepbench.resize_normalize([img], self.mean, self.std, f, "bilinear", size=(32, 32), crop_size=(48, 48))),
            ("exactly one", lambda: prepbench.resize_normalize([img], self.mean, self.std, f, "bilinear", size=(32, 32), shortest_edge=32)),
            ("needs a `crop_size`", lambda: prepbench.resize_normalize([img], self.mean, self.std, f, "bilinear", shortest_edge=32)),
            ("one value per channel", lambda: prepbench.resize_normalize([img], [0.5, 0.5], [0.5, 0.5], f, "bilinear", size=(32, 32))),
            ("multiple", lambda: prepbench.resize_normalize_patchify([img], [(42, 56)], self.mean, self.std, f, "bicubic", 14, 2, 2)),
            ("share a target size", lambda: prepbench.resize_normalize_patchify([img, img], [(56, 56), (28, 28)], self.mean, self.std, f, "bicubic", 14, 2, 2, items=[[0, 1]])),
        ]:
            with self.subTest(words=words):
                with self.assertRaises((ValueError, TypeError)) as cm:
                    call()
                self.assertIn(words.lower(), str(cm.exception).lower())


class KernelRepo(unittest.TestCase):
    """python -m prepbench.kernel_repo: the folder layout the `kernels` package loads (build/<variant>/ with
    metadata.json and the package), imported here the way kernels imports it, in a fresh interpreter."""

    def test_layout_metadata_and_import_as_kernels_does(self):
        from prepbench import kernel_repo
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "repo")
            dirs = kernel_repo.write(out)
            self.assertEqual([os.path.basename(x) for x in dirs],
                             ["torch-cpu"] + (["torch-cuda"] if prepbench.has_cuda() else []))
            self.assertEqual(sorted(os.listdir(os.path.join(out, "build"))), sorted(os.path.basename(x) for x in dirs))
            for x in dirs:
                with open(os.path.join(x, "metadata.json")) as f:
                    meta = json.load(f)
                self.assertEqual((meta["name"], meta["version"], meta["backend"]["type"]),
                                 ("prepbench", 2, os.path.basename(x)[len("torch-"):]))
                self.assertTrue(meta["id"].startswith("_prepbench_") and meta["id"].isidentifier(), meta["id"])
                for f in ("__init__.py", "functional.py", "_native.py", "libprepbench_c.so"):
                    self.assertTrue(os.path.isfile(os.path.join(x, f)), f)
            img = photos.photo(40, 60, seed=5).transpose(2, 0, 1).copy()
            want = prepbench.resize_normalize([img], (32, 32), [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True)
            np.save(os.path.join(d, "img.npy"), img)
            probe = (
                "import importlib.util, json, sys, numpy as np\n"
                f"d = {dirs[0]!r}\n"
                "meta = json.load(open(d + '/metadata.json'))\n"
                "spec = importlib.util.spec_from_file_location(meta['id'], d + '/__init__.py')\n"
                "m = importlib.util.module_from_spec(spec); sys.modules[meta['id']] = m; spec.loader.exec_module(m)\n"
                f"img = np.load({os.path.join(d, 'img.npy')!r})\n"
                "out = m.resize_normalize([img], (32, 32), [0.5] * 3, [0.5] * 3, 1 / 255, 'bicubic', True)\n"
                f"np.save({os.path.join(d, 'out.npy')!r}, out)\n"
                "print(m.library_path())\n")
            env = {k: v for k, v in os.environ.items() if k not in ("PREPBENCH_LIB", "PYTHONPATH")}
            r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), os.path.join(dirs[0], "libprepbench_c.so"))  # its own copy
            np.testing.assert_array_equal(np.load(os.path.join(d, "out.npy")), want)
            with self.assertRaises(FileExistsError):
                kernel_repo.write(out)
            self.assertEqual(kernel_repo.main([out]), 2)
            self.assertEqual(kernel_repo.main([out, "--force"]), 0)


class PillowNumerics(unittest.TestCase):
    def test_pil_mode_is_pillow(self):
        try:
            from PIL import Image
        except ImportError:
            self.skipTest("Pillow not installed")
        img = photos.photo(301, 457, seed=12)
        out = prepbench.preprocess("siglip-so400m-384", [img], numerics="pil")["pixel_values"][0]
        self.assertEqual(prepbench.last_variant(), "reference")
        r = np.asarray(Image.fromarray(img).resize((384, 384), Image.Resampling.BICUBIC))
        # HF's PIL backend: rescale in float64, cast to float32, normalize in float32
        want = ((r.astype(np.float64) * (1 / 255)).astype(np.float32) - np.float32(0.5)) / np.float32(0.5)
        np.testing.assert_array_equal(out, want.transpose(2, 0, 1))


class BadInput(unittest.TestCase):
    def setUp(self):
        self.img = photos.photo(40, 50, seed=0)

    def test_each_mistake_is_one_clear_exception(self):
        cases = [
            (TypeError, "uint8", lambda: prepbench.preprocess("clip-vit-b32", [self.img.astype(np.float32)])),
            (ValueError, "channels", lambda: prepbench.preprocess("clip-vit-b32", [self.img[..., :2].copy()])),
            (ValueError, "3 dimensions", lambda: prepbench.preprocess("clip-vit-b32", [self.img[..., 0]])),
            (ValueError, "mix", lambda: prepbench.preprocess("clip-vit-b32", [self.img, self.img.transpose(2, 0, 1).copy()])),
            (ValueError, "empty", lambda: prepbench.preprocess("clip-vit-b32", [])),
            (ValueError, "unknown pipeline", lambda: prepbench.preprocess("no-such", [self.img])),
            (ValueError, "numerics", lambda: prepbench.preprocess("clip-vit-b32", [self.img], numerics="fast")),
            (ValueError, "unknown variant", lambda: prepbench.preprocess("clip-vit-b32", [self.img], variant="nope")),
            (ValueError, "cpu", lambda: prepbench.preprocess("clip-vit-b32", [self.img], variant="cuda_separable_mma")),
            (ValueError, "channels-last form", lambda: prepbench.preprocess("qwen2.5-vl-7b", [self.img], data_format="channels_last")),
            (TypeError, "bfloat16", lambda: prepbench.preprocess("clip-vit-b32", [self.img], out_dtype="bfloat16")),
            (ValueError, "aspect", lambda: prepbench.preprocess("qwen2.5-vl-7b", [np.full((2, 600, 3), 9, np.uint8)])),
            (ValueError, "resample", lambda: prepbench.resize_normalize([self.img.transpose(2, 0, 1)], (8, 8), [0.5] * 3, [0.5] * 3, 1 / 255, "nearest", True)),
            (ValueError, "image_std", lambda: prepbench.resize_normalize([self.img.transpose(2, 0, 1)], (8, 8), [0.5] * 3, [0.5, 0, 0.5], 1 / 255, "bicubic", True)),
            (ValueError, "crop_size", lambda: prepbench.resize_normalize([self.img.transpose(2, 0, 1)], 8, [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True, resize_mode="shortest_edge")),
            (ValueError, "resize_mode", lambda: prepbench.resize_normalize([self.img.transpose(2, 0, 1)], 8, [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True, resize_mode="long")),
            (ValueError, "share a target size", lambda: prepbench.resize_normalize_patchify([self.img.transpose(2, 0, 1)] * 2, [(28, 28), (28, 56)], [[0, 1]], [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True, 14, 2, 2)),
            (ValueError, "no frames", lambda: prepbench.resize_normalize_patchify([self.img.transpose(2, 0, 1)], [(28, 28)], [[]], [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True, 14, 2, 2)),
            (ValueError, "names frame", lambda: prepbench.resize_normalize_patchify([self.img.transpose(2, 0, 1)], [(28, 28)], [[0, 1]], [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True, 14, 2, 2)),
            (ValueError, "multiple of", lambda: prepbench.resize_normalize_patchify([self.img.transpose(2, 0, 1)], [(30, 28)], [[0]], [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True, 14, 2, 2)),
            (ValueError, "target sizes", lambda: prepbench.resize_normalize_patchify([self.img.transpose(2, 0, 1)], [], [[0]], [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True, 14, 2, 2)),
            (ValueError, "pil", lambda: prepbench.preprocess("clip-vit-b32", [self.img], numerics="pil", variant="cpu_separable_ring")),
        ]
        for exc, words, call in cases:
            with self.subTest(words=words):
                with self.assertRaises(exc) as cm:
                    call()
                self.assertIn(words.lower(), str(cm.exception).lower())
                self.assertNotIn("\n", str(cm.exception).strip())

    def test_the_native_layer_refuses_bad_specs(self):
        from prepbench import _native

        for spec, words in [({"geometry": "fixed"}, "height"), ({"pipeline": "clip-vit-b32", "colour": 1}, "unknown spec field"),
                            ({"geometry": "fixed", "size": [4]}, "2 values"), ({}, "pipeline"),
                            ({"pipeline": "clip-vit-b32", "mean": "x"}, "wrong type"), ({"geometry": "round"}, "unknown geometry")]:
            with self.subTest(spec=spec):
                with self.assertRaises(ValueError) as cm:
                    _native.Plan(spec, [(10, 10)], "hf")
                self.assertIn(words, str(cm.exception))


if __name__ == "__main__":
    unittest.main()
