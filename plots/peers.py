"""Peers chart: per pipeline x workload, horizontal bars on a log time axis for the best configuration of every
variant and every peer, labelled with the speedup of the fastest prepbench variant over each peer
("23x vs torchvision_loop_uint8")."""
import sys

import numpy as np

from _common import best_by_variant, load, main_args, ok_records, plt, save, subtitle


def speedup_labels(best):
    """{name: label}: for peers, how many times the fastest variant beats them; for variants, their time."""
    variants = {n: r for n, r in best.items() if r["kind"] == "variant"}
    if not variants:
        return {}
    top = min(variants.values(), key=lambda r: r["time_ms"]["median"])
    t0 = top["time_ms"]["median"]
    labels = {}
    for n, r in best.items():
        t = r["time_ms"]["median"]
        labels[n] = f"{t:.3g} ms" if r["kind"] == "variant" else f"{t:.3g} ms, {t / t0:.1f}x vs {top['variant']}"
    return labels


def draw(doc, outdir):
    recs = ok_records(doc)
    panels = sorted({(r["pipeline"], r["workload"]) for r in recs if r["kind"] == "peer"})
    if not panels:
        print("peers: no peer records, nothing to draw")
        return None
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 0.35 * 12 * len(panels) + 1), squeeze=False)
    for ax, (p, w) in zip(axes[:, 0], panels):
        best = best_by_variant([r for r in recs if r["pipeline"] == p and r["workload"] == w])
        names = sorted(best, key=lambda n: best[n]["time_ms"]["median"])
        times = [best[n]["time_ms"]["median"] for n in names]
        colors = ["C0" if best[n]["kind"] == "variant" else "C1" for n in names]
        ax.barh(np.arange(len(names)), times, color=colors)
        labels = speedup_labels(best)
        for i, n in enumerate(names):
            ax.text(times[i] * 1.05, i, labels.get(n, ""), va="center", fontsize=7)
        ax.set_yticks(np.arange(len(names)))
        ax.set_yticklabels(names, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(min(times) / 1.5, max(times) * 40)
        ax.set_xlabel("median time per batch (ms, log)")
        ax.set_title(f"{p} | {w} (blue: prepbench variants, orange: peers)", fontsize=9)
    fig.suptitle("prepbench vs what users would pick instead\n" + subtitle(doc), fontsize=9)
    fig.tight_layout()
    return save(fig, outdir, "peers.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/peers.py")
    draw(load(path), outdir)
