"""prepbench export --format gbench: Google Benchmark's JSON, checked field by field against the format that
google/benchmark's JSON reporter writes (and tools/gbench reads), then read by the real tools/compare.py
(Debian's libbenchmark-tools, installed by scripts/bootstrap.sh) on two exported runs."""
import json
import math
import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PREPBENCH_BIN", os.path.join(ROOT, "build", "prepbench"))
COMPARE = "/usr/share/benchmark/compare.py"


def results_doc(samples_a, samples_b):
    """A hand-made results document: two ok records with the given samples, one skipped record."""
    with open(os.path.join(ROOT, "tests", "python", "fixture_results.json")) as f:
        doc = json.load(f)
    ok = [r for r in doc["records"] if r["status"] == "ok"][:2]
    skipped = next(r for r in doc["records"] if r["status"] == "skipped")
    for r, s in zip(ok, (samples_a, samples_b)):
        r["time_ms"] = dict(r["time_ms"], samples=s, n=len(s), median=sorted(s)[len(s) // 2])
    doc["records"] = ok + [skipped]
    return doc


def export(doc):
    d = tempfile.mkdtemp()
    src, out = os.path.join(d, "r.json"), os.path.join(d, "g.json")
    with open(src, "w") as f:
        json.dump(doc, f)
    r = subprocess.run([BIN, "export", "--format", "gbench", "--in", src, "--out", out], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(r.stderr)
    with open(out) as f:
        return out, json.load(f)


class GbenchFormat(unittest.TestCase):
    def test_fields(self):
        a = [1.0, 2.0, 3.0]
        b = [5.0, 6.0, 7.0, 8.0]
        _, g = export(results_doc(a, b))
        ctx = g["context"]
        for key in ("date", "host_name", "executable", "num_cpus", "mhz_per_cpu", "cpu_scaling_enabled", "caches",
                    "load_avg", "library_build_type", "library_version"):
            self.assertIn(key, ctx)
        self.assertTrue(ctx["library_version"].startswith("prepbench "))
        self.assertEqual(ctx["date"], "2026-11-23T00:00:00Z")
        self.assertEqual(ctx["prepbench_records_without_samples"], 1)  # the skipped record
        bm = g["benchmarks"]
        self.assertEqual(len(bm), len(a) + len(b))  # one entry per timing sample
        first = [e for e in bm if e["family_index"] == 0]
        self.assertEqual([e["real_time"] for e in first], a)
        self.assertEqual([e["repetition_index"] for e in first], [0, 1, 2])
        for e in bm:
            self.assertEqual(e["run_type"], "iteration")
            self.assertEqual(e["time_unit"], "ms")
            self.assertEqual(e["iterations"], 1)
            self.assertEqual(e["threads"], 1)
            self.assertEqual(e["cpu_time"], e["real_time"])
            self.assertEqual(e["run_name"], e["name"])
            self.assertEqual(e["repetitions"], len(a) if e["family_index"] == 0 else len(b))
        self.assertEqual(first[0]["name"], "cuda_naive_per_stage/siglip-so400m-384/uniform-n8-512/chw/fp32/hf")

    def test_bad_input_is_one_line_and_exit_2(self):
        d = tempfile.mkdtemp()
        bad = os.path.join(d, "bad.json")
        with open(bad, "w") as f:
            json.dump({"schema": "something else"}, f)
        for args in (["--format", "csv", "--in", bad, "--out", os.path.join(d, "o.json")],
                     ["--format", "gbench", "--in", bad, "--out", os.path.join(d, "o.json")],
                     ["--format", "gbench", "--in", os.path.join(d, "missing.json"), "--out", os.path.join(d, "o.json")]):
            r = subprocess.run([BIN, "export"] + args, capture_output=True, text=True)
            self.assertEqual(r.returncode, 2, args)
            self.assertEqual(r.stderr.count("\n"), 1, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "o.json")))


class CompareReadsIt(unittest.TestCase):
    def test_compare_py_u_test_on_two_exported_runs(self):
        self.assertTrue(os.path.exists(COMPARE), f"{COMPARE} missing: run scripts/bootstrap.sh (libbenchmark-tools)")
        base = [1.0 + 0.01 * i for i in range(9)]
        slow = [2.0 + 0.01 * i for i in range(9)]
        pa, _ = export(results_doc(base, base))
        pb, _ = export(results_doc(slow, base))
        dump = os.path.join(tempfile.mkdtemp(), "diff.json")
        r = subprocess.run(["/usr/bin/python3", COMPARE, "--dump_to_json", dump, "benchmarks", pa, pb],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(dump) as f:
            diff = {d["name"]: d for d in json.load(f)}
        slowed = diff["cuda_naive_per_stage/siglip-so400m-384/uniform-n8-512/chw/fp32/hf"]
        same = diff["cuda_separable_two_pass/siglip-so400m-384/uniform-n8-512/chw/fp32/hf"]
        self.assertEqual(len(slowed["measurements"]), 9)
        self.assertAlmostEqual(slowed["measurements"][0]["time"], 1.0)  # (2.00 - 1.00) / 1.00
        # 9 vs 9, fully separated: U = 0, mean 40.5, sd sqrt(9*9*19/12); two-sided normal approximation with
        # continuity correction: p = erfc(((40.5 - 0.5) / sd) / sqrt(2)) = 4.12e-4
        p = math.erfc((40.5 - 0.5) / math.sqrt(9 * 9 * 19 / 12) / math.sqrt(2))
        self.assertAlmostEqual(slowed["utest"]["time_pvalue"] / p, 1.0, places=2)
        self.assertTrue(slowed["utest"]["have_optimal_repetitions"])
        self.assertAlmostEqual(same["measurements"][0]["time"], 0.0)
        self.assertGreater(same["utest"]["time_pvalue"], 0.5)


if __name__ == "__main__":
    unittest.main()
