"""Design ladder: speedup of every variant over its backend's naive per-stage baseline on the same case (same
pipeline, workload, layout, output and mode, measured in the same run), one panel per workload, pipelines on the
x axis. Linear bars: a speedup's length means something."""
import sys

import numpy as np

from _common import case_key, chart_mode, grouped_bars, load, main_args, ok_records, save

BASELINE = {"cpu": "cpu_naive_per_stage", "cuda": "cuda_naive_per_stage"}


def speedups(records):
    """{(workload, pipeline, variant): speedup} over the same backend's baseline on the same case; several layouts
    or output dtypes in one cell: their geometric mean (callers pass records of one mode)."""
    base = {}
    for r in records:
        if r["variant"] == BASELINE.get(r["backend"]):
            base[(r["backend"],) + case_key(r)] = r["time_ms"]["median"]
    out = {}
    for r in records:
        b = base.get((r["backend"],) + case_key(r))
        if b and r["kind"] == "variant":
            out.setdefault((r["workload"], r["pipeline"], r["variant"]), []).append(b / r["time_ms"]["median"])
    return {k: float(np.exp(np.mean(np.log(v)))) for k, v in out.items()}


def draw(doc, outdir):
    recs = ok_records(doc)
    mode = chart_mode([r for r in recs if r["kind"] == "variant"])
    sp = speedups([r for r in recs if r["mode"] == mode])
    if not sp:
        print("ladder: no baseline records, nothing to draw")
        return None
    fig, _ = grouped_bars(doc, sp, 1.0, "speedup over naive per-stage (x)", (1.0, "-"),
                          f"Design ladder: speedup over the naive per-stage design of the same backend ({mode} "
                          "numerics; geometric mean over layouts and output dtypes)")
    return save(fig, outdir, "ladder.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/ladder.py")
    draw(load(path), outdir)
