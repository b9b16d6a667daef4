"""The torch entry points: CPU tensors against the numpy path, the custom op under torch.library.opcheck and
torch.compile, and on a GPU: CUDA parity against the reference, bf16, the current stream, re-pointed inputs and
CUDA-graph capture. Exits 77 (ctest: skipped) with the reason when torch is not installed; CUDA tests skip with
theirs when no GPU is visible."""

import pathlib
import sys
import unittest

try:
    import torch
except ImportError as e:  # pragma: no cover - the CI machine
    print(f"skipped: torch is not installed ({e}); these tests run on the GPU machine (scripts/device.sh python)")
    sys.exit(77)

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import photos  # noqa: E402
from test_package import PARITY, SPECS, assert_parity  # noqa: E402

import prepbench  # noqa: E402

CUDA = torch.cuda.is_available() and prepbench.has_cuda()
WHY_NO_CUDA = "no CUDA device visible" if not torch.cuda.is_available() else "this prepbench build has no CUDA"


def chw(imgs, device="cpu"):
    return [torch.from_numpy(i).permute(2, 0, 1).contiguous().to(device) for i in imgs]


class CpuTensors(unittest.TestCase):
    def test_equal_to_the_numpy_path(self):
        imgs = photos.batch(photos.RAGGED[:3], seed=21)
        for name in SPECS:
            with self.subTest(pipeline=name):
                t = prepbench.preprocess(name, chw(imgs))
                n = prepbench.preprocess(name, imgs)
                np.testing.assert_array_equal(t["pixel_values"].numpy(), n["pixel_values"])
                for k in n:
                    if k != "pixel_values":
                        np.testing.assert_array_equal(np.asarray(t[k]), np.asarray(n[k]))

    def test_bf16_is_fp32_rounded(self):
        imgs = chw(photos.batch([(120, 90)], seed=2))
        f = prepbench.preprocess("clip-vit-b32", imgs)["pixel_values"]
        b = prepbench.preprocess("clip-vit-b32", imgs, out_dtype=torch.bfloat16)["pixel_values"]
        self.assertEqual(b.dtype, torch.bfloat16)
        torch.testing.assert_close(b, f.to(torch.bfloat16), rtol=0, atol=0)

    def test_opcheck(self):
        imgs = chw(photos.batch([(60, 80), (90, 50)], seed=3))
        from prepbench import _spec

        for spec in (_spec.named("qwen2.5-vl-7b"), _spec.named("internvl3-448"),
                     _spec.custom("fixed", size=(32, 48), filter="bicubic", antialias=True, mean=[0.5] * 3,
                                  std=[0.5] * 3, rescale=1 / 255)):
            with self.subTest(spec=spec[0] or spec[1]):
                torch.library.opcheck(torch.ops.prepbench.preprocess.default,
                                      (imgs, *spec, "hf", False, None, "chw", torch.float32, "auto"))

    def test_torch_compile_fullgraph(self):
        imgs = chw(photos.batch([(64, 96), (100, 70)], seed=4))

        def f(images):
            a = prepbench.resize_normalize(images, (48, 48), [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True)
            q = prepbench.preprocess("qwen2.5-vl-7b", images)
            return a * 2, q["pixel_values"], q["image_grid_thw"]

        eager = f(imgs)
        compiled = torch.compile(f, fullgraph=True)(imgs)
        for e, c in zip(eager, compiled):
            torch.testing.assert_close(c, e, rtol=0, atol=0)


class TorchBadInput(unittest.TestCase):
    """Torch batches take a one-pass check (functional._torch_layout_fast); anything it does not pass goes through
    the full checks, which name the mistake."""

    def test_each_mistake_is_one_clear_exception(self):
        ok = chw(photos.batch([(40, 50), (30, 20)], seed=3))
        cases = [
            (TypeError, "uint8", [ok[0], ok[1].float()]),
            (ValueError, "channels", [ok[0], ok[1][:2].contiguous()]),
            (ValueError, "3 dimensions", [ok[0], ok[1][0]]),
            (ValueError, "mix", [ok[0], ok[1].permute(1, 2, 0).contiguous()]),
            (TypeError, "mix torch tensors and numpy", [ok[0], ok[1].numpy()]),
        ]
        for exc, words, batch in cases:
            with self.subTest(words=words):
                with self.assertRaises(exc) as cm:
                    prepbench.preprocess("clip-vit-b32", batch)
                self.assertIn(words, str(cm.exception))
        with self.assertRaises(ValueError) as cm:
            prepbench.preprocess("clip-vit-b32", ok, input_data_format="planar")
        self.assertIn("input_data_format", str(cm.exception))
        # a channels-last batch, inferred and stated, gives the channels-first batch's values
        hwc = [t.permute(1, 2, 0).contiguous() for t in ok]
        want = prepbench.preprocess("clip-vit-b32", ok)["pixel_values"]
        for fmt in (None, "channels_last"):
            got = prepbench.preprocess("clip-vit-b32", hwc, input_data_format=fmt)["pixel_values"]
            torch.testing.assert_close(got, want, rtol=0, atol=0)


class KernelsPackage(unittest.TestCase):
    """The Hugging Face `kernels` package loads prepbench from python -m prepbench.kernel_repo's folder, directly
    and as kernels-community/cv-utils through LOCAL_KERNELS (what transformers' processor-kernel adapter asks for)."""

    def test_get_local_kernel_and_the_cv_utils_override(self):
        try:
            import kernels  # noqa: F401
        except ImportError as e:
            self.skipTest(f"the kernels package is not installed ({e})")
        import os
        import subprocess
        import tempfile
        from prepbench import kernel_repo
        with tempfile.TemporaryDirectory() as d:
            repo = os.path.join(d, "repo")
            kernel_repo.write(repo)
            probe = (
                "import pathlib, sys, numpy as np, kernels\n"
                "b = None if sys.argv[5] == 'auto' else sys.argv[5]\n"
                "k = kernels.get_local_kernel(pathlib.Path(sys.argv[1]), backend=b) if sys.argv[2] == 'local' else "
                "kernels.get_kernel('kernels-community/cv-utils', version=2, backend=b)\n"
                "img = np.load(sys.argv[3])\n"
                "np.save(sys.argv[4], k.resize_normalize([img], (32, 32), [0.5] * 3, [0.5] * 3, 1 / 255, 'bicubic', True))\n"
                "print(k.library_path())\n")
            img = photos.photo(40, 60, seed=5).transpose(2, 0, 1).copy()
            np.save(os.path.join(d, "img.npy"), img)
            want = prepbench.resize_normalize([img], (32, 32), [0.5] * 3, [0.5] * 3, 1 / 255, "bicubic", True)
            # the folder must stand alone: prepbench's own package and library are taken out of the child's
            # path (other entries stay: the GPU machine installs `kernels` under one of them)
            own = str(pathlib.Path(prepbench.__file__).resolve().parents[1])
            env = {k: v for k, v in os.environ.items() if k not in ("PREPBENCH_LIB", "PYTHONPATH")}
            rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                    if p and str(pathlib.Path(p).resolve()) != own]
            if rest:
                env["PYTHONPATH"] = os.pathsep.join(rest)
            env.update(HF_HUB_OFFLINE="1", LOCAL_KERNELS=f"kernels-community/cv-utils={repo}")
            for how in ("local", "override"):
                with self.subTest(how=how):
                    out = os.path.join(d, f"{how}.npy")
                    # a library without CUDA writes only torch-cpu, which kernels picks only when asked for the CPU
                    backend = "auto" if prepbench.has_cuda() else "cpu"
                    r = subprocess.run([sys.executable, "-c", probe, repo, how, os.path.join(d, "img.npy"), out, backend],
                                       capture_output=True, text=True, env=env, cwd=d)
                    self.assertEqual(r.returncode, 0, r.stderr[-2000:])
                    self.assertTrue(r.stdout.strip().startswith(os.path.join(repo, "build", "torch-")), r.stdout)
                    np.testing.assert_array_equal(np.load(out), want)


class VideoItems(unittest.TestCase):
    """resize_normalize_patchify's video items against transformers' own Qwen2-VL video processor."""

    def test_equal_to_transformers_qwen2vl_video_processor(self):
        try:
            from transformers import Qwen2VLVideoProcessor
        except ImportError as e:
            self.skipTest(f"transformers is not installed ({e})")
        # frame sizes smart_resize keeps (multiples of 28 inside [min, max] pixels): torchvision returns them as they
        # are, so the comparison is bit for bit; 5 frames with T = 2 repeat the last one, 2 frames do not
        proc = Qwen2VLVideoProcessor(size={"shortest_edge": 3136, "longest_edge": 1 << 22})
        videos = [torch.from_numpy(np.stack([photos.photo(112, 168, seed=60 + k) for k in range(5)])).permute(0, 3, 1, 2),
                  torch.from_numpy(np.stack([photos.photo(84, 56, seed=70 + k) for k in range(2)])).permute(0, 3, 1, 2)]
        theirs = proc(videos=[v.contiguous() for v in videos], return_tensors="pt", do_sample_frames=False,
                      cap_pixels_per_frame=False)
        frames = [f.contiguous() for v in videos for f in v]
        items = [[0, 1, 2, 3, 4], [5, 6]]
        sizes = [(112, 168)] * 5 + [(84, 56)] * 2
        out, grid = prepbench.resize_normalize_patchify(frames, sizes, items, proc.image_mean, proc.image_std,
                                                        proc.rescale_factor, "bicubic", True, proc.patch_size,
                                                        proc.merge_size, proc.temporal_patch_size, round_to_uint8=True)
        self.assertEqual([list(g) for g in grid], theirs["video_grid_thw"].tolist())
        torch.testing.assert_close(out, theirs["pixel_values_videos"], rtol=0, atol=0)
        if CUDA:  # the same gather on the device
            out_cuda, _ = prepbench.resize_normalize_patchify([f.cuda() for f in frames], sizes, items, proc.image_mean,
                                                              proc.image_std, proc.rescale_factor, "bicubic", True,
                                                              proc.patch_size, proc.merge_size,
                                                              proc.temporal_patch_size, round_to_uint8=True)
            self.assertEqual(out_cuda.device.type, "cuda")
            torch.testing.assert_close(out_cuda.cpu(), out, rtol=0, atol=0)


class CvUtilsExpectations(unittest.TestCase):
    """What cv-utils v2's own tests (kernels-community cv-utils/tests/test_resize.py) ask of its functions, asked of
    prepbench's, on CPU tensors and (where there is one) on the GPU. The bounds are derived here, not taken over:
    with round_to_uint8=False prepbench computes `float` numerics, within 1e-4 (normalised) of the float64
    reference, and torch.nn.functional.interpolate in float32 is within ~1e-5 of it on 8-bit inputs, so 2e-4 holds
    where cv-utils allows 2e-3. With round_to_uint8=True it rounds once after both passes, as torchvision does, so
    it is interpolate's float result rounded once, up to float32 ties."""

    MEAN, STD = [0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]

    def devices(self):
        return ["cpu", "cuda"] if CUDA else ["cpu"]

    def images(self, sizes, device):
        return [torch.from_numpy(photos.photo(h, w, seed=k)).permute(2, 0, 1).contiguous().to(device)
                for k, (h, w) in enumerate(sizes)]

    def interpolate(self, image, size, resample, antialias=True):
        """The float resize of one CHW uint8 image, normalised: cv-utils' reference."""
        x = torch.nn.functional.interpolate(image[None].double(), size=size, mode=resample, antialias=antialias,
                                            align_corners=False)[0]
        m = torch.tensor(self.MEAN, dtype=torch.float64, device=image.device)[:, None, None]
        s = torch.tensor(self.STD, dtype=torch.float64, device=image.device)[:, None, None]
        return x, m, s

    def test_resize_normalize_matches_interpolate(self):
        for device in self.devices():
            images = self.images([(480, 640), (300, 300), (1024, 768)], device)
            for antialias in (True, False):
                for resample in ("bilinear", "bicubic"):
                    for size, edge, crop in [((224, 224), None, None), ((256, 256), None, (224, 224)),
                                             (None, 256, (224, 224))]:
                        with self.subTest(device=device, antialias=antialias, resample=resample, size=size, edge=edge):
                            out = prepbench.resize_normalize(
                                images, edge if edge else size, self.MEAN, self.STD, 1 / 255, resample, antialias,
                                crop_size=crop, resize_mode="shortest_edge" if edge else "square")
                            for image, got in zip(images, out):
                                h, w = image.shape[1:]
                                rs = size if edge is None else (
                                    (edge, int(w * edge / h)) if h <= w else (int(h * edge / w), edge))
                                x, m, s = self.interpolate(image, rs, resample, antialias)
                                want = (x / 255 - m) / s
                                ch, cw = crop or rs
                                top, left = (rs[0] - ch) // 2, (rs[1] - cw) // 2
                                torch.testing.assert_close(got.double(), want[:, top:top + ch, left:left + cw],
                                                           atol=2e-4, rtol=0)

    def test_rounding_is_one_uint8_rounding_after_both_passes(self):
        for device in self.devices():
            images = self.images([(480, 640), (1024, 768)], device)
            for resample in ("bilinear", "bicubic"):
                with self.subTest(device=device, resample=resample):
                    out = prepbench.resize_normalize(images, (224, 224), self.MEAN, self.STD, 1 / 255, resample, True,
                                                     round_to_uint8=True)
                    for image, got in zip(images, out):
                        x, m, s = self.interpolate(image, (224, 224), resample)
                        levels = (got.double() * s + m) * 255
                        # a uint8 level, up to float32 rounding of the normalisation
                        self.assertLess(float((levels - levels.round()).abs().max()), 1e-3)
                        d = (levels.round() - x.round().clamp(0, 255)).abs()
                        self.assertLessEqual(float(d.max()), 1.0)
                        self.assertLess(float((d > 0).double().mean()), 1e-3)  # float32 ties only

    def test_patchify_matches_interpolate_images_and_a_video(self):
        patch, merge, temporal = 14, 2, 2
        for device in self.devices():
            with self.subTest(device=device):
                frames = self.images([(280, 420), (140, 140), (140, 140), (140, 140)], device)
                frames[2] = frames[2].flip(2)  # the video's frames differ
                targets = [(224, 336), (112, 112), (112, 112), (112, 112)]
                items = [[0], [1, 2, 3]]
                pv, grid = prepbench.resize_normalize_patchify(frames, targets, items, self.MEAN, self.STD, 1 / 255,
                                                               "bicubic", True, patch, merge, temporal)
                self.assertEqual([list(g) for g in grid], [[1, 16, 24], [2, 8, 8]])
                want = []
                for item in items:
                    clip = []
                    for f in item:
                        x, m, s = self.interpolate(frames[f], targets[f], "bicubic")
                        clip.append((x / 255 - m) / s)
                    clip = torch.stack(clip + [clip[-1]] * (-len(clip) % temporal))
                    gt, (h, w) = clip.shape[0] // temporal, clip.shape[-2:]
                    p = clip.view(gt, temporal, 3, h // patch // merge, merge, patch, w // patch // merge, merge, patch)
                    want.append(p.permute(0, 3, 6, 4, 7, 2, 1, 5, 8).reshape(-1, 3 * temporal * patch * patch))
                torch.testing.assert_close(pv.double(), torch.cat(want), atol=2e-4, rtol=0)


@unittest.skipUnless(CUDA, WHY_NO_CUDA)
class CudaTensors(unittest.TestCase):
    def test_every_pipeline_matches_the_reference(self):
        imgs = photos.batch(photos.RAGGED, seed=31)
        for name in SPECS:
            for mode in ("float", "hf"):
                with self.subTest(pipeline=name, mode=mode):
                    out = prepbench.preprocess(name, chw(imgs, "cuda"), numerics=mode)
                    self.assertTrue(prepbench.last_variant().startswith("cuda_"), prepbench.last_variant())
                    self.assertEqual(out["pixel_values"].device.type, "cuda")
                    ref = prepbench.reference(name, imgs, numerics=mode)
                    assert_parity(self, out["pixel_values"].cpu().numpy(), ref, mode, SPECS[name]["std"], name)

    def test_bf16_and_channels_last(self):
        imgs = photos.batch(photos.RAGGED[:3], seed=32)
        ref = prepbench.reference("siglip-so400m-384", imgs, numerics="hf", data_format="channels_last")
        out = prepbench.preprocess("siglip-so400m-384", chw(imgs, "cuda"), out_dtype=torch.bfloat16,
                                   data_format="channels_last")["pixel_values"]
        self.assertEqual(out.dtype, torch.bfloat16)
        d = (out.float().cpu().numpy() - ref)
        self.assertLessEqual(np.abs(d).max(), 2.0 ** -8 * 2 + 1 / (255 * 0.5) + PARITY["exact_tol"])

    def test_new_tensors_each_call_on_a_side_stream(self):
        s = torch.cuda.Stream()
        for seed in range(3):  # same shapes: one cached setup, re-pointed each call
            imgs = photos.batch(photos.RAGGED[:4], seed=40 + seed)
            with torch.cuda.stream(s):
                t = chw(imgs, "cuda")
                out = prepbench.preprocess("clip-vit-b32", t)["pixel_values"]
            s.synchronize()
            ref = prepbench.reference("clip-vit-b32", imgs)
            assert_parity(self, out.cpu().numpy(), ref, "hf", SPECS["clip-vit-b32"]["std"], f"call {seed}")

    def test_cuda_graph_capture_and_replay(self):
        imgs = photos.batch(photos.RAGGED[:4], seed=50)
        static = chw(imgs, "cuda")
        for _ in range(2):  # warm-up: plan, setup and tables outside the capture
            prepbench.preprocess("qwen2.5-vl-7b", static)
        torch.cuda.synchronize()
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            captured = prepbench.preprocess("qwen2.5-vl-7b", static)["pixel_values"]
        fresh = photos.batch(photos.RAGGED[:4], seed=51)
        for dst, src in zip(static, chw(fresh, "cuda")):
            dst.copy_(src)
        g.replay()
        torch.cuda.synchronize()
        ref = prepbench.reference("qwen2.5-vl-7b", fresh)
        assert_parity(self, captured.cpu().numpy(), ref, "hf", SPECS["qwen2.5-vl-7b"]["std"], "graph replay")

    def test_cuda_compile(self):
        imgs = chw(photos.batch([(300, 200), (128, 512)], seed=6), "cuda")
        f = lambda x: prepbench.preprocess("siglip-so400m-384", x)["pixel_values"] * 1.0  # noqa: E731
        torch.testing.assert_close(torch.compile(f, fullgraph=True)(imgs), f(imgs), rtol=0, atol=0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
