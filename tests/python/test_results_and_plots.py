"""Python-side tests: the results schema holds for what prepbench writes, and the chart scripts draw it."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plots"))
import ablation  # noqa: E402
import ladder  # noqa: E402
import pareto  # noqa: E402

BIN = os.environ.get("PREPBENCH_BIN", os.path.join(ROOT, "build", "prepbench"))


class ResultsSchema(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        cls.path = os.path.join(cls.tmp, "r.json")
        subprocess.run([BIN, "run", "--variants", "cpu_*", "--pipelines", "clip-vit-b32,siglip-so400m-384",
                        "--workloads", "ragged-n2-80-200", "--dtypes", "fp32,bf16", "--cpu-reps", "3", "--warmup", "0",
                        "--out-layouts", "nchw,nhwc", "--out", cls.path], check=True, capture_output=True)
        with open(cls.path) as f:
            cls.doc = json.load(f)
        with open(os.path.join(ROOT, "harness", "results.schema.json")) as f:
            cls.schema = json.load(f)

    def test_written_document_validates(self):
        jsonschema.validate(self.doc, self.schema)
        statuses = {r["status"] for r in self.doc["records"]}
        self.assertEqual(statuses, {"ok", "unsupported"})  # bf16 is unsupported on the CPU
        layouts = {r.get("out_layout") for r in self.doc["records"] if r["status"] == "ok"}
        self.assertEqual(layouts, {"nchw", "nhwc"})

    def test_schema_rejects_broken_documents(self):
        bad = json.loads(json.dumps(self.doc))
        bad["records"][0]["status"] = "great"
        with self.assertRaises(jsonschema.ValidationError):
            jsonschema.validate(bad, self.schema)
        bad = json.loads(json.dumps(self.doc))
        del bad["meta"]["commit"]
        with self.assertRaises(jsonschema.ValidationError):
            jsonschema.validate(bad, self.schema)
        bad = json.loads(json.dumps(self.doc))
        ok = next(r for r in bad["records"] if r["status"] == "ok")
        ok["time_ms"] = None
        with self.assertRaises(jsonschema.ValidationError):
            jsonschema.validate(bad, self.schema)

    def test_charts_are_drawn(self):
        out = os.path.join(self.tmp, "charts")
        self.assertTrue(os.path.exists(ladder.draw(self.doc, out)))
        self.assertTrue(os.path.exists(pareto.draw(self.doc, out)))
        self.assertTrue(os.path.exists(ablation.draw(self.doc, out)))  # nhwc against nchw


class ChartMath(unittest.TestCase):
    def test_pareto_frontier(self):
        # (time, memory): b dominates d; a, b, c are each best on some trade-off
        pts = [(1.0, 10.0), (2.0, 5.0), (4.0, 1.0), (3.0, 6.0), (2.0, 20.0)]
        self.assertEqual(pareto.frontier(pts), [0, 1, 2])

    def test_ladder_speedup_is_baseline_over_variant(self):
        def rec(v, t, layout="hwc"):
            return {"kind": "variant", "variant": v, "backend": "cpu", "pipeline": "p", "workload": "w",
                    "layout": layout, "dtype": "fp32", "mode": "hf", "status": "ok", "time_ms": {"median": t}}
        sp = ladder.speedups([rec("cpu_naive_per_stage", 10.0), rec("cpu_separable_ring", 2.5),
                                rec("cpu_naive_per_stage", 8.0, "chw"), rec("cpu_separable_ring", 8.0, "chw")])
        self.assertAlmostEqual(sp[("w", "p", "cpu_separable_ring")], 2.0)  # geometric mean of 4x and 1x
        self.assertAlmostEqual(sp[("w", "p", "cpu_naive_per_stage")], 1.0)

    def test_ladder_compares_channels_last_with_channels_last(self):
        def rec(v, t, out_layout):
            return {"kind": "variant", "variant": v, "backend": "cpu", "pipeline": "p", "workload": "w",
                    "layout": "hwc", "dtype": "fp32", "mode": "hf", "status": "ok", "time_ms": {"median": t},
                    "out_layout": out_layout}
        # nchw: 10 / 2.5 = 4x; nhwc: 8 / 8 = 1x; geomean 2x. Mixing the baselines would give 1.79x.
        sp = ladder.speedups([rec("cpu_naive_per_stage", 10.0, "nchw"), rec("cpu_separable_ring", 2.5, "nchw"),
                                rec("cpu_naive_per_stage", 8.0, "nhwc"), rec("cpu_separable_ring", 8.0, "nhwc")])
        self.assertAlmostEqual(sp[("w", "p", "cpu_separable_ring")], 2.0)


class FixtureCharts(unittest.TestCase):
    """Charts drawn from tests/python/fixture_results.json, whose numbers were chosen by hand: at uniform-n8-512
    naive 10 ms, separable 2 ms, fully fused 4 ms, torchvision loop 20 ms, HF 30 ms, HF CPU 300 ms, CPU fully
    fused 100 ms; memory (workspace + 10 MiB output) 110, 60, 11, 15, 90, n/a, 10.1 MiB. At ragged-n4-300-600:
    cuda_separable_mma 1.0 ms (nchw) and 1.1 ms (nhwc), cuda_separable_mma_otf 1.5 ms."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, "tests", "python", "fixture_results.json")) as f:
            cls.doc = json.load(f)
        cls.out = tempfile.mkdtemp()

    def test_every_chart_is_written_as_png_and_svg(self):
        import bandwidth, cpu, peers, scaling, table  # noqa: E401
        for mod in (ladder, ablation, pareto, peers, bandwidth, scaling, cpu):
            png = mod.draw(self.doc, self.out)
            self.assertTrue(png and os.path.getsize(png) > 1000, mod.__name__)
            self.assertGreater(os.path.getsize(png[:-4] + ".svg"), 1000, mod.__name__)
        self.assertIn("cuda_separable_two_pass", table.render(self.doc))

    def test_pareto_frontier_of_fixture(self):
        names, pts, _ = pareto.panel_points(pareto.ok_records(self.doc), "siglip-so400m-384", "uniform-n8-512")
        self.assertNotIn("hf_processor_cpu", names)  # memory not measured
        front = {names[i] for i in pareto.frontier(pts)}
        self.assertEqual(front, {"cuda_separable_two_pass", "cuda_gather_2d", "cpu_separable_ring"})

    def test_peer_speedup_labels(self):
        import peers
        recs = [r for r in peers.ok_records(self.doc) if r["workload"] == "uniform-n8-512"]
        labels = peers.speedup_labels(peers.pick(recs))
        self.assertEqual(labels["torchvision_loop_uint8"], "20 ms, 10.0x vs cuda_separable_two_pass")
        self.assertEqual(labels["hf_processor"], "30 ms, 15.0x vs cuda_separable_two_pass")

    def test_peer_table(self):
        import peers
        rows = [l for l in peers.peer_table(self.doc).splitlines() if "uniform-n8-512" in l]
        # fixture by hand: two-pass 2 ms is the fastest variant; torchvision 20 ms = 10x, HF GPU 30 ms = 15x,
        # HF CPU 300 ms = 150x; all three have parity ok in the fixture, so none is marked
        self.assertEqual(len(rows), 1)
        self.assertIn("| cuda_separable_two_pass chw fp32 | 2.000 |", rows[0])
        self.assertIn("20 ms, 10.0x", rows[0])
        self.assertIn("30 ms, 15.0x", rows[0])
        self.assertIn("300 ms, 150.0x", rows[0])

    def test_ablation_and_bandwidth_numbers(self):
        import bandwidth
        sp = ladder.speedups(ladder.ok_records(self.doc))
        self.assertAlmostEqual(sp[("uniform-n8-512", "siglip-so400m-384", "cuda_separable_two_pass")], 5.0)
        fr = bandwidth.fractions(self.doc)  # 100 MB in 2 ms = 50 GB/s of a 1000 GB/s ceiling
        self.assertAlmostEqual(fr[("uniform-n8-512", "siglip-so400m-384", "cuda_separable_two_pass")], 0.05)

    def test_scaling_series(self):
        import scaling
        s = scaling.series(self.doc)
        self.assertEqual(s["batch"]["best prepbench variant"], [(1, 0.5), (8, 2.0)])
        self.assertEqual(s["size"]["torchvision_loop_uint8"], [(512, 20.0), (1024, 60.0)])

    def test_ablation_ratios_of_fixture(self):
        rs = ablation.ratios(ablation.ok_records(self.doc))
        self.assertEqual(set(rs), {("cuda_separable_mma", "otf"), ("cuda_separable_mma", "nhwc output")})
        self.assertAlmostEqual(rs[("cuda_separable_mma", "otf")][0][1], 1.5)  # 1.5 ms over 1.0 ms
        self.assertAlmostEqual(rs[("cuda_separable_mma", "nhwc output")][0][1], 1.1)

    def test_ablation_base_is_the_longest_matching_name(self):
        def rec(v, t):
            return {"kind": "variant", "variant": v, "backend": "cuda", "pipeline": "p", "workload": "w",
                    "layout": "chw", "dtype": "fp32", "mode": "hf", "status": "ok", "time_ms": {"median": t}}
        # cuda_separable_mma_otf is an ablation of cuda_separable_mma, not of cuda_separable
        rs = ablation.ratios([rec("cuda_separable", 4.0), rec("cuda_separable_mma", 2.0), rec("cuda_separable_mma_otf", 3.0)])
        self.assertAlmostEqual(rs[("cuda_separable_mma", "otf")][0][1], 1.5)
        self.assertAlmostEqual(rs[("cuda_separable", "mma")][0][1], 0.5)
        self.assertNotIn(("cuda_separable", "mma_otf"), rs)


class ChartRules(unittest.TestCase):
    """The rules of plots/_common.py that keep a panel honest."""

    def rec(self, v, t, layout="chw", dtype="fp32", mode="hf", kind="variant"):
        return {"kind": kind, "variant": v, "backend": "cuda", "pipeline": "p", "workload": "w", "layout": layout,
                "dtype": dtype, "mode": mode, "status": "ok", "time_ms": {"median": t}}

    def test_pick_prefers_the_peers_configuration_and_labels_anything_else(self):
        import _common
        chosen = _common.pick([self.rec("a", 2.0), self.rec("a", 1.0, dtype="bf16"), self.rec("b", 3.0, layout="hwc"),
                               self.rec("b", 5.0, layout="hwc", dtype="bf16"),
                               self.rec("tv_float", 4.0, mode="float", kind="peer"),
                               self.rec("pil", 9.0, layout="hwc", kind="peer")])
        self.assertEqual(chosen["a"][0]["time_ms"]["median"], 2.0)  # fp32, although bf16 is faster
        self.assertEqual(chosen["a"][1], "")
        self.assertEqual(chosen["b"][0]["time_ms"]["median"], 3.0)  # no chw record: the fastest, labelled
        self.assertEqual(chosen["b"][1], " [hwc fp32 hf]")
        self.assertEqual(chosen["tv_float"][1], " [float numerics]")
        self.assertEqual(chosen["pil"][1], "")  # a peer's own input layout is not worth a label

    def test_one_mode_per_chart(self):
        import _common
        recs = [self.rec("a", 1.0, mode="float"), self.rec("a", 2.0), self.rec("tv_float", 4.0, mode="float", kind="peer")]
        self.assertEqual(_common.chart_mode(recs), "hf")
        kept = _common.in_mode(recs, "hf")
        self.assertEqual(sorted((r["variant"], r["mode"]) for r in kept), [("a", "hf"), ("tv_float", "float")])

    def test_one_colour_per_name_everywhere(self):
        import _common
        known = [n for n in _common.COLORS if n not in _common.RENAMED]
        self.assertEqual(len({_common.COLORS[n] for n in known}), len(known))  # the fixed names never share one
        for old, new in _common.RENAMED.items():  # a renamed design keeps its colour in older documents
            self.assertEqual(_common.color(old), _common.color(new))
        self.assertEqual(_common.color("some_new_variant"), _common.color("some_new_variant"))


def png_size(path):
    """(width, height) from a PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


class ChartScripts(unittest.TestCase):
    """Every chart script, run as scripts/charts.sh runs it, on the hand-made fixture and on a real results
    document from the GPU machine, writes a non-empty image of a size a report can hold."""

    REAL = os.path.join(ROOT, "results", "2026-11-23-h100-mma-ablations", "final", "milestone.json.xz")
    REAL_ABLATION = os.path.join(ROOT, "results", "2026-11-23-h100-mma-ablations", "final", "ablation_1.json")

    def check(self, results):
        out = tempfile.mkdtemp()
        subprocess.run([os.path.join(ROOT, "scripts", "charts.sh"), results, out], check=True, capture_output=True)
        pngs = [f for f in os.listdir(out) if f.endswith(".png")]
        for f in pngs:
            w, h = png_size(os.path.join(out, f))
            self.assertTrue(300 <= w <= 3000 and 200 <= h <= 3200, f"{results}: {f} is {w}x{h} px")
            self.assertGreater(os.path.getsize(os.path.join(out, f)), 10000, f)
            self.assertTrue(os.path.exists(os.path.join(out, f[:-4] + ".svg")), f)
        return set(pngs)

    def test_fixture(self):
        self.assertEqual(self.check(os.path.join(ROOT, "tests", "python", "fixture_results.json")),
                         {"ladder.png", "ablation.png", "pareto.png", "peers.png", "peers_headline.png",
                          "bandwidth.png", "scaling.png", "cpu.png"})

    def test_real_milestone(self):
        self.assertEqual(self.check(self.REAL), {"ladder.png", "pareto.png", "peers.png", "peers_headline.png",
                                                 "bandwidth.png", "scaling.png", "cpu.png"})

    def test_real_ablation(self):
        self.assertIn("ablation.png", self.check(self.REAL_ABLATION))


class CommittedResults(unittest.TestCase):
    """Every results document committed under results/ (and the CI baseline) validates against the schema."""

    def test_every_committed_results_file_validates(self):
        import glob
        import lzma
        with open(os.path.join(ROOT, "harness", "results.schema.json")) as f:
            schema = json.load(f)
        checked = 0
        paths = glob.glob(os.path.join(ROOT, "results", "**", "*.json"), recursive=True)
        paths += glob.glob(os.path.join(ROOT, "results", "**", "*.json.xz"), recursive=True)
        for p in sorted(paths):
            with (lzma.open(p, "rt") if p.endswith(".xz") else open(p)) as f:
                doc = json.load(f)
            if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("prepbench.results"):
                continue
            with self.subTest(path=os.path.relpath(p, ROOT)):
                jsonschema.validate(doc, schema)
            checked += 1
        self.assertGreaterEqual(checked, 50)


if __name__ == "__main__":
    unittest.main()
