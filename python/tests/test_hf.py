"""prepbench against transformers itself, on the CPU: the PIL-backend image processors (what transformers uses
without torchvision) give exactly prepbench's `pil` numerics, side outputs included, for the six pipelines and for
configurations of their own; `prepbench.hf` maps each processor's configuration to a spec that plans the same
thing, and falls back to the processor, with its outputs, for calls it does not accelerate. Exits 77 (ctest:
skipped) with the reason when transformers is not installed (CI installs it beside the pip-installed package)."""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import unittest
import warnings

try:
    import transformers as tf
except ImportError as e:  # pragma: no cover - a machine without transformers
    print(f"skipped: transformers is not installed ({e}); scripts/pip_check.sh installs it for this test")
    sys.exit(77)

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "peers"))
import photos  # noqa: E402

import prepbench  # noqa: E402
import prepbench.hf  # noqa: E402
from prepbench import functional as F  # noqa: E402

warnings.filterwarnings("ignore")
IMAGENET = dict(image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225])


def pil_processors():
    """The processors of prepbench's six pipelines with the PIL backend (peers/run_peers.py builds the same)."""
    from run_peers import hf_processors

    return hf_processors(pil=True)


def assert_same(tc, theirs, ours, what):
    tc.assertEqual(sorted(theirs.keys()), sorted(ours.keys()), what)
    for k in theirs.keys():
        a, b = np.asarray(theirs[k]), np.asarray(ours[k])
        tc.assertEqual(a.shape, b.shape, f"{what}: {k}")
        np.testing.assert_array_equal(a, b, f"{what}: {k}")


class PilBackendIsPilNumerics(unittest.TestCase):
    def setUp(self):
        self.imgs = photos.batch(photos.RAGGED, seed=61)

    def test_the_six_pipelines_bit_for_bit(self):
        for name, proc in pil_processors().items():
            with self.subTest(pipeline=name):
                theirs = proc(images=self.imgs, return_tensors="np")
                ours = prepbench.preprocess(name, self.imgs, numerics="pil")
                self.assertEqual(prepbench.last_variant(), "reference")
                assert_same(self, theirs, ours, name)

    def test_configurations_of_their_own(self):
        procs = [
            tf.SiglipImageProcessorPil(size={"height": 256, "width": 320}, image_mean=[0.3, 0.4, 0.5],
                                       image_std=[0.2, 0.25, 0.3]),
            tf.CLIPImageProcessorPil(size={"shortest_edge": 160}, crop_size={"height": 144, "width": 128}),
            tf.BitImageProcessorPil(size={"shortest_edge": 300}, crop_size={"height": 256, "width": 256}, **IMAGENET),
            tf.Qwen2VLImageProcessorPil(size={"shortest_edge": 56 * 56, "longest_edge": 28 * 28 * 160}),
            tf.SiglipImageProcessorPil(size={"height": 200, "width": 150}, resample=2),  # bilinear
        ]
        for proc in procs:
            with self.subTest(processor=repr(proc.size)):
                spec = prepbench.hf.spec_for(proc)
                out, side, _ = F._execute(self.imgs, spec, "pil")
                theirs = proc(images=self.imgs, return_tensors="np")
                np.testing.assert_array_equal(np.asarray(theirs["pixel_values"]), out)
                if "image_grid_thw" in theirs:
                    np.testing.assert_array_equal(np.asarray(theirs["image_grid_thw"]), side)


class Adapter(unittest.TestCase):
    def test_specs_of_the_pipelines_processors_plan_the_pipelines(self):
        imgs = photos.batch(photos.RAGGED[:3], seed=62)
        for name, proc in pil_processors().items():
            with self.subTest(pipeline=name):
                spec = prepbench.hf.spec_for(proc)
                got, _, _ = F._execute(imgs, spec, "hf")
                want = prepbench.preprocess(name, imgs)["pixel_values"]
                np.testing.assert_array_equal(got, want)

    def test_calls_it_does_not_accelerate_return_the_processors_outputs(self):
        imgs = photos.batch(photos.RAGGED[:2], seed=63)
        for name, proc in pil_processors().items():
            with self.subTest(pipeline=name):
                want = proc(images=imgs, return_tensors="np")
                prepbench.hf.accelerate(proc)
                got = proc(images=imgs, return_tensors="np")  # numpy images: not accelerated
                assert_same(self, want, got, name)
                self.assertEqual(proc._prepbench["accelerated"], 0)
                self.assertEqual(proc._prepbench["fallback"], 1)
                self.assertIn("return_tensors is not 'pt'", proc._prepbench["reason"])

    def test_a_configuration_it_cannot_reproduce_is_left_alone(self):
        proc = tf.GotOcr2ImageProcessorPil(size={"height": 448, "width": 448}, crop_to_patches=True, min_patches=1,
                                           max_patches=6, **IMAGENET)
        prepbench.hf.accelerate(proc)
        self.assertIn("max_patches differs", prepbench.hf.accelerated_reason(proc))
        self.assertNotIn("preprocess", vars(proc))  # not wrapped
        proc = tf.CLIPImageProcessorPil(do_center_crop=False)
        prepbench.hf.accelerate(proc)
        self.assertIn("do_center_crop is off", prepbench.hf.accelerated_reason(proc))


@unittest.skipUnless(os.environ.get("PREPBENCH_BIN"), "PREPBENCH_BIN (the CLI) not set")
class FilePeers(unittest.TestCase):
    """peers/run_file_peers.py on JPEG and PNG files: Pillow's decode plus the PIL-backend processors equal
    prepbench's decode plus `pil` numerics bit for bit; peers that cannot run here are records that say why."""

    def test_pil_backend_from_files_is_bit_exact(self):
        from PIL import Image
        with tempfile.TemporaryDirectory() as d:
            folder = os.path.join(d, "imgs")
            os.makedirs(folder)
            for i, (h, w) in enumerate(photos.RAGGED[:3]):
                Image.fromarray(photos.photo(h, w, seed=80 + i)).save(os.path.join(folder, f"p{i}.jpg"), quality=90)
            Image.fromarray(photos.photo(90, 120, seed=90)).save(os.path.join(folder, "q.png"))
            out = os.path.join(d, "f.json")
            r = subprocess.run([sys.executable, str(ROOT / "peers" / "run_file_peers.py"), "--prepbench",
                                os.environ["PREPBENCH_BIN"], "--dir", folder, "--pipelines", "clip-vit-b32,qwen2.5-vl-7b",
                                "--peers", "pil_hf_pil,pil_hf_cpu,nvimagecodec", "--threads", "2", "--reps", "1",
                                "--out", out], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
            with open(out) as f:
                recs = json.load(f)["records"]
        self.assertEqual(len(recs), 2 * 3 * 4)  # pipelines x peers x (read, decode, resize, serial)
        for rec in recs:
            with self.subTest(peer=rec["variant"], pipeline=rec["pipeline"], measure=rec["measure"]):
                if rec["variant"] == "pil_hf_pil":
                    self.assertEqual(rec["status"], "ok", rec)
                    self.assertEqual(rec["images"], 4)
                    if rec["measure"] == "e2e_serial":
                        self.assertEqual(rec["mode"], "pil")
                        self.assertEqual(rec["parity"]["max_abs"], 0.0, rec["parity"])
                elif rec["variant"] == "nvimagecodec":
                    self.assertEqual(rec["status"], "skipped")
                    self.assertIn("not", rec["reason"])
                else:  # the fast processor on CPU tensors: needs torch and torchvision
                    try:
                        import torchvision  # noqa: F401
                        self.assertEqual(rec["status"], "ok", rec)
                    except ImportError:
                        self.assertEqual(rec["status"], "skipped", rec)
                        self.assertIn("torch", rec["reason"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
