"""Ablation chart: each ablation of a design against the design itself, case by case in the same run. An ablation
is a variant named after its base plus one axis (cuda_separable_mma_otf: weights on the fly, against
cuda_separable_mma), or the same variant with channels-last output (nhwc against nchw). Each dot is one case
(pipeline x workload x layout x dtype x mode); x is the ablation's time over the base's (1 = no change, > 1 slower)."""
import sys

import numpy as np

from _common import below, case_key, color, grid, load, main_args, ok_records, plt, save, title


def _key_without_out(r):
    return (r["pipeline"], r["workload"], r["layout"], r["dtype"], r["mode"])


def ratios(records):
    """{(base, ablation label): [(pipeline, ratio)]}: the ablation's median over its base's on the same case."""
    recs = [r for r in records if r["kind"] == "variant"]
    by = {(r["variant"],) + case_key(r): r for r in recs}
    names = {r["variant"] for r in recs}
    out = {}
    for r in recs:
        v = r["variant"]
        base = max((b for b in names if v.startswith(b + "_")), key=len, default=None)  # longest base wins
        if base:
            b = by.get((base,) + case_key(r))
            if b:
                out.setdefault((base, v[len(base) + 1:]), []).append((r["pipeline"], r["time_ms"]["median"] /
                                                                      b["time_ms"]["median"]))
    # channels-last against channels-first, same variant and case
    nchw = {(r["variant"],) + _key_without_out(r): r for r in recs if r.get("out_layout") == "nchw"}
    for r in recs:
        if r.get("out_layout") == "nhwc":
            b = nchw.get((r["variant"],) + _key_without_out(r))
            if b:
                out.setdefault((r["variant"], "nhwc output"), []).append((r["pipeline"], r["time_ms"]["median"] /
                                                                          b["time_ms"]["median"]))
    return out


def draw(doc, outdir):
    rs = ratios(ok_records(doc))
    if not rs:
        print("ablation: no variant with an ablation in this document, nothing to draw")
        return None
    bases = sorted({b for b, _ in rs})
    pipelines = sorted({p for pts in rs.values() for p, _ in pts})
    cmap = plt.get_cmap("tab10")
    fig, axes = grid(len(bases), 1, 8.0, 1.0 + 0.5 * max(len([k for k in rs if k[0] == b]) for b in bases))
    for ax, base in zip(axes, bases):
        labels = sorted(a for b, a in rs if b == base)
        for y, a in enumerate(labels):
            pts = rs[(base, a)]
            jitter = np.linspace(-0.18, 0.18, len(pts)) if len(pts) > 1 else [0.0]
            for (p, ratio), dy in zip(pts, jitter):
                ax.plot(ratio, y + dy, "o", ms=3.5, color=cmap(pipelines.index(p) % 10), alpha=0.8)
            gm = float(np.exp(np.mean(np.log([q for _, q in pts]))))
            ax.text(1.02, y, f"geomean {gm:.2f}x, {min(q for _, q in pts):.2f}-{max(q for _, q in pts):.2f}x, "
                             f"{len(pts)} cases", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        ax.axvline(1.0, color="k", lw=0.8)
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels([f"{base}_{a}" if a != "nhwc output" else f"{base} nhwc" for a in labels], fontsize=7)
        for lab, a in zip(ax.get_yticklabels(), labels):
            lab.set_color(color(f"{base}_{a}") if a != "nhwc output" else "0.2")
        ax.set_ylim(-0.6, len(labels) - 0.4)
        ax.set_xlabel(f"time relative to {base} on the same case (> 1 is slower)", fontsize=8)
        ax.set_title(f"ablations of {base}", fontsize=9)
    handles = [plt.Line2D([], [], ls="", marker="o", color=cmap(i % 10), label=p) for i, p in enumerate(pipelines)]
    below(fig, handles, 6)
    title(fig, "Ablations: each dot one case (colour: pipeline), measured in the same run as its base", doc)
    return save(fig, outdir, "ablation.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/ablation.py")
    draw(load(path), outdir)
