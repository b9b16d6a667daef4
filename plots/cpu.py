"""CPU chart: the CPU variants vs hf_processor_cpu, hf_processor_pil and opencv_cpu, per pipeline and workload
(best configuration of each), log time axis."""
import sys

import numpy as np

from _common import best_by_variant, load, main_args, ok_records, plt, save, subtitle


def draw(doc, outdir):
    recs = [r for r in ok_records(doc) if r["backend"] == "cpu"]
    panels = sorted({(r["pipeline"], r["workload"]) for r in recs})
    if not panels:
        print("cpu: no CPU records, nothing to draw")
        return None
    cols = min(4, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.2 * rows), squeeze=False)
    for ax, (p, w) in zip(axes.flat, panels):
        best = best_by_variant([r for r in recs if (r["pipeline"], r["workload"]) == (p, w)])
        names = sorted(best, key=lambda n: best[n]["time_ms"]["median"])
        ax.barh(np.arange(len(names)), [best[n]["time_ms"]["median"] for n in names],
                color=["C0" if best[n]["kind"] == "variant" else "C1" for n in names])
        ax.set_yticks(np.arange(len(names)))
        ax.set_yticklabels(names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("median time (ms, log)")
        ax.set_title(f"{p}\n{w}", fontsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle("CPU: prepbench CPU variants (blue) vs CPU peers (orange)\n" + subtitle(doc), fontsize=9)
    fig.tight_layout()
    return save(fig, outdir, "cpu.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/cpu.py")
    draw(load(path), outdir)
