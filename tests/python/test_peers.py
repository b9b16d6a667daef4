"""The peers' GPU-free logic, with numpy: workload reading, HF geometry, Qwen patchify, parity and records."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "peers"))
import common  # noqa: E402
import cv_utils_peer  # noqa: E402
import merge  # noqa: E402

BIN = os.environ.get("PREPBENCH_BIN", os.path.join(ROOT, "build", "prepbench"))


class Workloads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        subprocess.run([BIN, "workload", "dump", "--workload", "ragged-n3-40-200", "--out", cls.dir], check=True,
                       capture_output=True)

    def test_reads_the_dump(self):
        manifest, images = common.load_workload(self.dir)
        self.assertEqual(manifest["workload"], "ragged-n3-40-200")
        self.assertEqual(len(images), 3)
        for im, m in zip(images, manifest["images"]):
            self.assertEqual(im.shape, (m["h"], m["w"], 3))
            self.assertGreater(im.std(), 10)  # photo-like, not constant

    def test_rejects_a_corrupted_dump(self):
        bad = tempfile.mkdtemp()
        with open(os.path.join(bad, "manifest.json"), "w") as f:
            json.dump({"workload": "x", "layout": "hwc", "images": [{"file": "a.npy", "h": 5, "w": 5}]}, f)
        np.save(os.path.join(bad, "a.npy"), np.zeros((5, 6, 3), np.uint8))
        with self.assertRaises(ValueError):
            common.load_workload(bad)

    def test_reference_and_patchify_agree_with_prepbench(self):
        """The batch reference comes back shaped as HF does; patchify of a (C,H,W) array matches the layout the
        C++ reference writes (its tests check that against HF's view/permute)."""
        _, images = common.load_workload(self.dir)
        ref = common.reference(BIN, "qwen2.5-vl-7b", "float", self.dir, tempfile.mkdtemp())
        rows = 0
        for im in images:
            (rh, rw), _ = common.geometry("qwen2.5-vl-7b", im.shape[0], im.shape[1])
            rows += (rh // 14) * (rw // 14)
        self.assertEqual(ref.shape, (rows, 1176))
        x = np.arange(3 * 28 * 56, dtype=np.float32).reshape(3, 28, 56)
        p = common.qwen_patchify(x)
        self.assertEqual(p.shape, (8, 1176))
        # SPEC.md §3.d by hand: row 1 = merge window (0,0), mw=1 -> x in [14, 28); column 196 = frame 1 copy
        self.assertEqual(p[1, 0], x[0, 0, 14])
        self.assertEqual(p[1, 196], x[0, 0, 14])
        self.assertEqual(p[2, 0], x[0, 14, 0])  # mh=1
        self.assertEqual(p[4, 0], x[0, 0, 28])  # next merge window to the right
        self.assertEqual(p[0, 392 + 15], x[1, 1, 1])  # c=1, py=1, px=1


class Facts(unittest.TestCase):
    """The peers declare no pipeline themselves: they read prepbench's (`prepbench list --json`)."""

    def test_pipelines_and_tolerances_come_from_prepbench(self):
        doc = json.loads(subprocess.run([BIN, "list", "--json"], check=True, capture_output=True, text=True).stdout)
        self.assertEqual(sorted(common.PIPELINES), sorted(p["name"] for p in doc["pipelines"]))
        # values from the checkpoints' preprocessor_config.json, by hand
        clip = common.PIPELINES["clip-vit-b32"]
        self.assertEqual((clip["kind"], clip["shortest"], clip["crop"]), ("crop", 224, (224, 224)))
        self.assertEqual(common.PIPELINES["siglip-so400m-384"]["size"], (384, 384))
        qwen = common.PIPELINES["qwen2.5-vl-7b"]
        self.assertEqual((qwen["patch"], qwen["merge"], qwen["temporal"], qwen["max_pixels"]), (14, 2, 2, 12845056))
        self.assertEqual(common.tolerance("float_tol"), 1e-4)
        self.assertEqual(common.tolerance("hf_min_exact"), 0.999)
        names = {v["name"]: v for v in doc["variants"]}
        self.assertEqual(names["cpu_naive_per_stage"]["backend"], "cpu")
        self.assertTrue(names["cpu_naive_per_stage"]["built"])


class Geometry(unittest.TestCase):
    def test_spec_vectors(self):
        self.assertEqual(common.smart_resize(480, 640, 28, 3136, 12845056), (476, 644))
        self.assertEqual(common.smart_resize(20, 30, 28, 3136, 12845056), (56, 84))
        self.assertEqual(common.smart_resize(1080, 1920, 28, 3136, 1003520), (728, 1316))
        self.assertEqual(common.geometry("clip-vit-b32", 480, 640), ((224, 298), (0, 37, 224, 224)))
        self.assertEqual(common.geometry("dinov2-small", 1080, 1920), ((256, 455), (16, 115, 224, 224)))
        with self.assertRaises(ValueError):
            common.geometry("qwen2.5-vl-7b", 10, 2100)


class CvUtilsPeer(unittest.TestCase):
    """cv-utils v2 (not in this repository) is called with each pipeline's own parameters; GPU-free: the calls go to
    recording stand-ins of its two functions."""

    def calls(self, pipeline, targets=None):
        seen = []
        fns = (lambda *a, **k: seen.append(("resize_normalize", a, k)),
               lambda *a, **k: seen.append(("resize_normalize_patchify", a, k)) or ("pixels", "grid"))
        xs = ["x0", "x1"]
        call = cv_utils_peer.pipeline_call(fns, common.PIPELINES[pipeline], xs, targets, True)
        if call is None:
            return None
        got = call()
        self.assertEqual(len(seen), 1)
        name, a, k = seen[0]
        self.assertIs(a[0], xs)
        self.assertEqual(k["round_to_uint8"], True)
        return name, a, k, got

    def test_each_pipeline_gets_its_processor_parameters(self):
        # values from the checkpoints' preprocessor_config.json, by hand; cv-utils' positional order: images, size,
        # mean, std, rescale, resample, antialias
        name, a, k, _ = self.calls("siglip-so400m-384")
        self.assertEqual((name, a[1], a[2], a[3], a[5], a[6]),
                         ("resize_normalize", (384, 384), [0.5] * 3, [0.5] * 3, "bicubic", True))
        self.assertAlmostEqual(a[4], 1 / 255)
        name, a, k, _ = self.calls("clip-vit-b32")
        self.assertEqual((a[1], k["crop_size"], k["resize_mode"]), (224, (224, 224), "shortest_edge"))
        self.assertAlmostEqual(a[2][0], 0.48145466, places=6)
        name, a, k, _ = self.calls("dinov2-small")
        self.assertEqual((a[1], k["crop_size"]), (256, (224, 224)))
        self.assertAlmostEqual(a[3][2], 0.225, places=6)
        name, a, k, got = self.calls("qwen2.5-vl-7b", targets=[(476, 644), (56, 84)])
        self.assertEqual(name, "resize_normalize_patchify")
        self.assertEqual((a[1], a[2], a[8], a[9], a[10]), ([(476, 644), (56, 84)], [[0], [1]], 14, 2, 2))
        self.assertEqual(got, "pixels")  # pixel_values, without grid_thw
        self.assertIsNone(self.calls("internvl3-448"))  # tiling: cv-utils has no call

    def test_a_folder_without_its_source_is_refused_by_name(self):
        d = tempfile.mkdtemp()
        open(os.path.join(d, "resize.py"), "w").close()
        with self.assertRaisesRegex(ValueError, "no patchify.py there"):
            cv_utils_peer.load(d)
        r = subprocess.run([sys.executable, os.path.join(ROOT, "peers", "run_peers.py"), "--prepbench", BIN,
                            "--workload-dirs", d, "--cv-utils-path", d, "--out", os.path.join(d, "o.json")],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no patchify.py there", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(d, "o.json")))


class Parity(unittest.TestCase):
    def test_contract_matches_the_harness(self):
        ref = np.linspace(-2, 2, 10000, dtype=np.float32)
        self.assertTrue(common.parity(ref, ref, "clip-vit-b32", "float")["ok"])
        out = ref.copy()
        out[7] += 2e-4
        p = common.parity(out, ref, "clip-vit-b32", "float")
        self.assertFalse(p["ok"])
        self.assertAlmostEqual(p["frac_over_tol"], 1e-4)
        step = 1 / 127.5
        out = ref.copy()
        out[:10] += step  # 0.1 %: allowed in hf mode for SigLIP (std 0.5)
        self.assertTrue(common.parity(out, ref, "siglip-so400m-384", "hf")["ok"])
        out[10:30] += step  # 0.3 %: too many inexact
        self.assertFalse(common.parity(out, ref, "siglip-so400m-384", "hf")["ok"])
        out = ref.copy()
        out[3] = np.nan
        p = common.parity(out, ref, "siglip-so400m-384", "hf")
        self.assertEqual(p["unwritten"], 1)
        self.assertFalse(p["ok"])
        self.assertFalse(common.parity(ref[:-1], ref, "siglip-so400m-384", "hf")["ok"])


class Records(unittest.TestCase):
    def test_records_validate_and_merge(self):
        with open(os.path.join(ROOT, "harness", "results.schema.json")) as f:
            schema = json.load(f)
        ok = common.record("hf_processor", "cuda", "clip-vit-b32", "w", "chw", "hf", samples=[3.0, 1.0, 2.0],
                           bytes_moved=2_000_000, output_bytes=1_000_000, peak_workspace_bytes=5,
                           parity_result=common.parity(np.ones(4), np.ones(4), "clip-vit-b32", "hf"), repro="x")
        self.assertEqual(ok["time_ms"]["median"], 2.0)
        self.assertAlmostEqual(ok["gbps"], 1.0)  # 2 MB in 2 ms
        skipped = common.record("opencv_cpu", "cpu", "clip-vit-b32", "w", "hwc", "hf", status="skipped",
                                reason="no cv2")
        meta = {"gpu": None, "sm_count": None, "l2_bytes": None, "driver": None, "cuda": None, "host": "h",
                "compiler": {}, "flags": "", "commit": "c", "dirty": False, "command": "x", "date": "d",
                "copy_ceiling_gbps": None}
        variants = {"schema": common.SCHEMA, "meta": meta, "records": []}
        peers = {"schema": common.SCHEMA, "meta": {"gpu": None}, "records": [ok, skipped]}
        doc = merge.merge([variants], [peers])
        jsonschema.validate(doc, schema)
        self.assertEqual(len(doc["records"]), 2)
        with self.assertRaises(ValueError):
            merge.merge([dict(variants, meta=dict(meta, gpu="A"))], [dict(peers, meta={"gpu": "B"})])


class Sharding(unittest.TestCase):
    def test_parse_shard(self):
        self.assertEqual(common.parse_shard("2/3"), (2, 3))
        for bad in ("3/3", "-1/2", "1", "a/b", "0/0", "0/5000"):
            with self.assertRaises(ValueError):
                common.parse_shard(bad)

    def test_partition_is_complete_disjoint_and_balanced(self):
        keys = [f"k{i}" for i in range(50)]
        costs = [float((i * 37) % 11 + 1) for i in range(50)]
        for n in (1, 2, 3, 7):
            part = common.partition(keys, costs, n)
            self.assertEqual(part, common.partition(keys, costs, n))
            self.assertTrue(all(0 <= s < n for s in part))
            loads = [sum(c for c, s in zip(costs, part) if s == j) for j in range(n)]
            self.assertLessEqual(max(loads), sum(costs) / n + max(costs))  # greedy, heaviest first
            # the order of the list does not matter
            rev = common.partition(keys[::-1], costs[::-1], n)
            self.assertEqual(rev[::-1], part)

    def test_fingerprint_and_keys_match_prepbench(self):
        """A prepbench shard document's case-list hash is the one Python computes from its case list, and its
        records' keys are in that list: peer shards and variant shards are checked the same way."""
        out = os.path.join(tempfile.mkdtemp(), "s.json")
        subprocess.run([BIN, "run", "--variants", "cpu_pointwise_fused", "--pipelines", "clip-vit-b32,dinov2-small",
                        "--workloads", "uniform-n1-64", "--cpu-reps", "1", "--warmup", "0", "--shard", "1/2",
                        "--out", out], check=True, capture_output=True)
        with open(out) as f:
            d = json.load(f)
        sh = d["meta"]["shard"]
        self.assertEqual(sh["cases_sha256"], common.sha256_of_keys(sh["cases"]))
        self.assertEqual(len(sh["cases"]), 2)
        self.assertEqual(len(d["records"]), 1)
        r = d["records"][0]
        self.assertIn(common.case_key(r["variant"], r["pipeline"], r["workload"], r["layout"], r["dtype"], r["mode"]),
                      sh["cases"])


if __name__ == "__main__":
    unittest.main()
