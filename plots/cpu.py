"""CPU chart: the CPU variants vs the CPU peers (hf_processor_cpu, hf_processor_pil, opencv_cpu), per pipeline and
workload, one dot each on a log time axis (circles: prepbench variants, squares: peers)."""
import sys

import numpy as np

from _common import (chart_mode, color, grid, in_mode, load, main_args, marker, ok_records, pick, save, title)


def draw(doc, outdir):
    recs = [r for r in ok_records(doc) if r["backend"] == "cpu"]
    mode = chart_mode(recs)
    recs = in_mode(recs, mode)
    panels = sorted({(r["pipeline"], r["workload"]) for r in recs})
    if not panels:
        print("cpu: no CPU records, nothing to draw")
        return None
    fig, axes = grid(len(panels), 4, 4.4, 2.6)
    for ax, (p, w) in zip(axes, panels):
        chosen = pick([r for r in recs if (r["pipeline"], r["workload"]) == (p, w)], {"layout": "hwc"})
        names = sorted(chosen, key=lambda n: chosen[n][0]["time_ms"]["median"])
        times = [chosen[n][0]["time_ms"]["median"] for n in names]
        for i, n in enumerate(names):
            ax.plot(times[i], i, marker(chosen[n][0]), ms=5, color=color(n))
            ax.text(times[i] * 1.15, i, f"{times[i]:.3g} ms{chosen[n][1]}", va="center", fontsize=6)
        ax.set_yticks(np.arange(len(names)))
        ax.set_yticklabels(names, fontsize=7)
        ax.set_ylim(len(names) - 0.5, -0.5)
        ax.set_xscale("log")
        ax.set_xlim(min(times) / 1.5, max(times) * 12)
        ax.set_xlabel("median time (ms, log)", fontsize=7)
        ax.tick_params(axis="x", labelsize=6)
        ax.set_title(f"{p} | {w}", fontsize=7.5)
    threads = {r.get("threads") for r in recs if r["kind"] == "variant" and r.get("threads")}
    th = f"; prepbench on {', '.join(map(str, sorted(threads)))} threads" if threads else ""
    kinds = {r["kind"] for r in recs}
    what = {frozenset({"variant", "peer"}): "prepbench CPU variants (circles) vs CPU peers (squares)",
            frozenset({"variant"}): "prepbench CPU variants (no CPU peer in this document)",
            frozenset({"peer"}): "CPU peers (no prepbench CPU variant in this document)"}[frozenset(kinds)]
    title(fig, f"CPU: {what}, hwc uint8 in, {mode} numerics{th}", doc)
    return save(fig, outdir, "cpu.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/cpu.py")
    draw(load(path), outdir)
