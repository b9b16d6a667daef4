"""Bandwidth chart: achieved GB/s (input bytes read once + output bytes written once, over the median time) of
every CUDA variant as a percentage of the copy ceiling measured in the same run, per pipeline and workload, in the
peers' configuration (chw in, fp32 out, hf) where measured. Linear bars: 100 % is the roofline."""
import sys

import numpy as np

from _common import (chart_mode, color, grid, legend_below, load, main_args, ok_records, pick, save, title)


def fractions(doc):
    """{(workload, pipeline, variant): fraction of the copy ceiling}."""
    ceiling = doc["meta"].get("copy_ceiling_gbps")
    if not ceiling:
        return {}
    recs = [r for r in ok_records(doc) if r["backend"] == "cuda" and r["kind"] == "variant"]
    mode = chart_mode(recs)
    recs = [r for r in recs if r["mode"] == mode]
    out = {}
    for key in sorted({(r["workload"], r["pipeline"]) for r in recs}):
        for v, (r, _) in pick([r for r in recs if (r["workload"], r["pipeline"]) == key]).items():
            out[key + (v,)] = r["gbps"] / ceiling
    return out


def draw(doc, outdir):
    fr = fractions(doc)
    if not fr:
        print("bandwidth: no CUDA records or no copy ceiling, nothing to draw")
        return None
    workloads = sorted({k[0] for k in fr})
    variants = sorted({k[2] for k in fr}, key=lambda v: np.mean([f for k, f in fr.items() if k[2] == v]))
    fig, axes = grid(len(workloads), 2, 7.0, 3.4)
    for ax, w in zip(axes, workloads):
        pipelines = sorted({k[1] for k in fr if k[0] == w})
        here = [v for v in variants if any((w, p, v) in fr for p in pipelines)]
        width = 0.8 / len(variants)  # one bar width in every panel, however many variants a panel has
        for i, v in enumerate(here):
            x = np.arange(len(pipelines)) + (i - (len(here) - 1) / 2) * width
            ax.bar(x, [100 * fr.get((w, p, v), np.nan) for p in pipelines], width, color=color(v))
        ax.axhline(100, color="k", lw=0.8, ls="--")
        ax.set_ylim(0, max(105, 100 * max(fr.values()) * 1.05))
        ax.set_xticks(np.arange(len(pipelines)))
        ax.set_xlim(-0.6, max(len(pipelines), 2) - 0.4)
        ax.set_xticklabels(pipelines, rotation=20, ha="right", fontsize=7)
        ax.set_ylabel("% of the measured copy ceiling", fontsize=8)
        ax.set_title(w, fontsize=9)
    legend_below(fig, variants)
    title(fig, f"Achieved bandwidth as % of the {doc['meta']['copy_ceiling_gbps']:.0f} GB/s device copy ceiling "
               "(dashed: the roofline)", doc)
    return save(fig, outdir, "bandwidth.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/bandwidth.py")
    draw(load(path), outdir)
