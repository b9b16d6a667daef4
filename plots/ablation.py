"""Ablation chart: speedup of every variant over its backend's naive per-stage baseline, grouped by pipeline,
one panel per workload (measured in the same run, so ratios are comparable)."""
import sys

import numpy as np

from _common import case_key, load, main_args, ok_records, plt, save, subtitle

BASELINE = {"cpu": "cpu_naive_per_stage", "cuda": "cuda_naive_per_stage"}


def speedups(records):
    """{(workload, pipeline, variant): speedup} over the same backend's baseline on the same case."""
    base = {}
    for r in records:
        if r["variant"] == BASELINE.get(r["backend"]):
            base[(r["backend"],) + case_key(r)] = r["time_ms"]["median"]
    out = {}
    for r in records:
        b = base.get((r["backend"],) + case_key(r))
        if b and r["kind"] == "variant":
            out.setdefault((r["workload"], r["pipeline"], r["variant"]), []).append(b / r["time_ms"]["median"])
    # several layouts/dtypes/modes per cell: geometric mean
    return {k: float(np.exp(np.mean(np.log(v)))) for k, v in out.items()}


def draw(doc, outdir):
    sp = speedups(ok_records(doc))
    if not sp:
        print("ablation: no baseline records, nothing to draw")
        return None
    workloads = sorted({k[0] for k in sp})
    fig, axes = plt.subplots(1, len(workloads), figsize=(6 * len(workloads), 4.2), squeeze=False)
    for ax, w in zip(axes[0], workloads):
        pipelines = sorted({k[1] for k in sp if k[0] == w})
        variants = sorted({k[2] for k in sp if k[0] == w})
        width = 0.8 / max(len(variants), 1)
        for i, v in enumerate(variants):
            vals = [sp.get((w, p, v), np.nan) for p in pipelines]
            ax.bar(np.arange(len(pipelines)) + i * width, vals, width, label=v)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks(np.arange(len(pipelines)) + 0.4 - width / 2)
        ax.set_xticklabels(pipelines, rotation=20, ha="right")
        ax.set_ylabel("speedup over naive per-stage (x)")
        ax.set_title(w)
        ax.legend(fontsize=7)
    fig.suptitle("Ablation: speedup over the naive per-stage baseline\n" + subtitle(doc), fontsize=9)
    return save(fig, outdir, "ablation.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/ablation.py")
    draw(load(path), outdir)
