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
        self.assertTrue(os.path.exists(ablation.draw(self.doc, out)))
        self.assertTrue(os.path.exists(pareto.draw(self.doc, out)))


class ChartMath(unittest.TestCase):
    def test_pareto_frontier(self):
        # (time, memory): b dominates d; a, b, c are each best on some trade-off
        pts = [(1.0, 10.0), (2.0, 5.0), (4.0, 1.0), (3.0, 6.0), (2.0, 20.0)]
        self.assertEqual(pareto.frontier(pts), [0, 1, 2])

    def test_ablation_speedup_is_baseline_over_variant(self):
        def rec(v, t, layout="hwc"):
            return {"kind": "variant", "variant": v, "backend": "cpu", "pipeline": "p", "workload": "w",
                    "layout": layout, "dtype": "fp32", "mode": "hf", "status": "ok", "time_ms": {"median": t}}
        sp = ablation.speedups([rec("cpu_naive_per_stage", 10.0), rec("cpu_fully_fused", 2.5),
                                rec("cpu_naive_per_stage", 8.0, "chw"), rec("cpu_fully_fused", 8.0, "chw")])
        self.assertAlmostEqual(sp[("w", "p", "cpu_fully_fused")], 2.0)  # geometric mean of 4x and 1x
        self.assertAlmostEqual(sp[("w", "p", "cpu_naive_per_stage")], 1.0)

    def test_ablation_compares_channels_last_with_channels_last(self):
        def rec(v, t, out_layout):
            return {"kind": "variant", "variant": v, "backend": "cpu", "pipeline": "p", "workload": "w",
                    "layout": "hwc", "dtype": "fp32", "mode": "hf", "status": "ok", "time_ms": {"median": t},
                    "out_layout": out_layout}
        # nchw: 10 / 2.5 = 4x; nhwc: 8 / 8 = 1x; geomean 2x. Mixing the baselines would give 1.79x.
        sp = ablation.speedups([rec("cpu_naive_per_stage", 10.0, "nchw"), rec("cpu_fully_fused", 2.5, "nchw"),
                                rec("cpu_naive_per_stage", 8.0, "nhwc"), rec("cpu_fully_fused", 8.0, "nhwc")])
        self.assertAlmostEqual(sp[("w", "p", "cpu_fully_fused")], 2.0)


if __name__ == "__main__":
    unittest.main()


class FixtureCharts(unittest.TestCase):
    """Charts drawn from tests/python/fixture_results.json, whose numbers were chosen by hand: at uniform-n8-512
    naive 10 ms, separable 2 ms, fully fused 4 ms, torchvision loop 20 ms, HF 30 ms, HF CPU 300 ms, CPU fully
    fused 100 ms; memory (workspace + 10 MiB output) 110, 60, 11, 15, 90, n/a, 10.1 MiB."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(ROOT, "tests", "python", "fixture_results.json")) as f:
            cls.doc = json.load(f)
        cls.out = tempfile.mkdtemp()

    def test_every_chart_is_written_as_png_and_svg(self):
        import bandwidth, cpu, peers, scaling, table  # noqa: E401
        for mod in (ablation, pareto, peers, bandwidth, scaling, cpu):
            png = mod.draw(self.doc, self.out)
            self.assertTrue(png and os.path.getsize(png) > 1000, mod.__name__)
            self.assertGreater(os.path.getsize(png[:-4] + ".svg"), 1000, mod.__name__)
        self.assertIn("cuda_separable_two_pass", table.render(self.doc))

    def test_pareto_frontier_of_fixture(self):
        names, pts = pareto.panel_points(pareto.ok_records(self.doc), "siglip-so400m-384", "uniform-n8-512")
        self.assertNotIn("hf_processor_cpu", names)  # memory not measured
        front = {names[i] for i in pareto.frontier(pts)}
        self.assertEqual(front, {"cuda_separable_two_pass", "cuda_fully_fused", "cpu_fully_fused"})

    def test_peer_speedup_labels(self):
        import peers
        recs = [r for r in peers.ok_records(self.doc) if r["workload"] == "uniform-n8-512"]
        labels = peers.speedup_labels(peers.best_by_variant(recs))
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
        sp = ablation.speedups(ablation.ok_records(self.doc))
        self.assertAlmostEqual(sp[("uniform-n8-512", "siglip-so400m-384", "cuda_separable_two_pass")], 5.0)
        fr = bandwidth.fractions(self.doc)  # 100 MB in 2 ms = 50 GB/s of a 1000 GB/s ceiling
        self.assertAlmostEqual(fr[("uniform-n8-512", "siglip-so400m-384", "cuda_separable_two_pass")], 0.05)

    def test_scaling_series(self):
        import scaling
        s = scaling.series(self.doc)
        self.assertEqual(s["batch"]["best prepbench variant"], [(1, 0.5), (8, 2.0)])
        self.assertEqual(s["size"]["torchvision_loop_uint8"], [(512, 20.0), (1024, 60.0)])
