"""Design ladder: speedup of every variant over its backend's naive per-stage baseline on the same case (same
pipeline, workload, layout, output and mode, measured in the same run), one panel per workload, pipelines on the
x axis. Linear bars: a speedup's length means something."""
import sys

import numpy as np

from _common import (case_key, chart_mode, color, grid, legend_below, load, main_args, ok_records, save, title)

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
    workloads = sorted({k[0] for k in sp})
    variants = sorted({k[2] for k in sp}, key=lambda v: np.mean([s for k, s in sp.items() if k[2] == v]))
    fig, axes = grid(len(workloads), 2, 7.0, 3.6)
    for ax, w in zip(axes, workloads):
        pipelines = sorted({k[1] for k in sp if k[0] == w})
        here = [v for v in variants if any((w, p, v) in sp for p in pipelines)]
        width = 0.8 / len(variants)  # one bar width in every panel, however many variants a panel has
        for i, v in enumerate(here):
            x = np.arange(len(pipelines)) + (i - (len(here) - 1) / 2) * width
            vals = [sp.get((w, p, v), np.nan) for p in pipelines]
            ax.bar(x, vals, width, color=color(v))
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks(np.arange(len(pipelines)))
        ax.set_xlim(-0.6, max(len(pipelines), 2) - 0.4)
        ax.set_xticklabels(pipelines, rotation=20, ha="right", fontsize=7)
        ax.set_ylabel("speedup over naive per-stage (x)", fontsize=8)
        ax.set_title(w, fontsize=9)
    legend_below(fig, variants)
    title(fig, f"Design ladder: speedup over the naive per-stage design of the same backend ({mode} numerics; "
               "geometric mean over layouts and output dtypes)", doc)
    return save(fig, outdir, "ladder.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/ladder.py")
    draw(load(path), outdir)
