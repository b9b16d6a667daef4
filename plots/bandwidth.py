"""Bandwidth chart: achieved GB/s (input bytes read once + output bytes written once, over the median time) of
every CUDA variant as a fraction of the copy ceiling measured in the same run, per pipeline and workload."""
import sys

import numpy as np

from _common import best_by_variant, load, main_args, ok_records, plt, save, subtitle


def fractions(doc):
    ceiling = doc["meta"].get("copy_ceiling_gbps")
    if not ceiling:
        return {}
    out = {}
    recs = [r for r in ok_records(doc) if r["backend"] == "cuda" and r["kind"] == "variant"]
    for key in sorted({(r["workload"], r["pipeline"]) for r in recs}):
        best = best_by_variant([r for r in recs if (r["workload"], r["pipeline"]) == key])
        for v, r in best.items():
            out[key + (v,)] = r["gbps"] / ceiling
    return out


def draw(doc, outdir):
    fr = fractions(doc)
    if not fr:
        print("bandwidth: no CUDA records or no copy ceiling, nothing to draw")
        return None
    workloads = sorted({k[0] for k in fr})
    fig, axes = plt.subplots(1, len(workloads), figsize=(6 * len(workloads), 4.2), squeeze=False)
    for ax, w in zip(axes[0], workloads):
        pipelines = sorted({k[1] for k in fr if k[0] == w})
        variants = sorted({k[2] for k in fr if k[0] == w})
        width = 0.8 / len(variants)
        for i, v in enumerate(variants):
            ax.bar(np.arange(len(pipelines)) + i * width, [100 * fr.get((w, p, v), np.nan) for p in pipelines],
                   width, label=v)
        ax.set_xticks(np.arange(len(pipelines)) + 0.4 - width / 2)
        ax.set_xticklabels(pipelines, rotation=20, ha="right")
        ax.set_ylabel("% of measured copy ceiling")
        ax.set_title(w)
        ax.legend(fontsize=7)
    fig.suptitle(f"Achieved bandwidth vs the {doc['meta']['copy_ceiling_gbps']:.0f} GB/s copy ceiling\n"
                 + subtitle(doc), fontsize=9)
    return save(fig, outdir, "bandwidth.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/bandwidth.py")
    draw(load(path), outdir)
