"""Scaling chart: time vs batch size (uniform-n<N>-512) and vs image size (uniform-n8-<S>) on SigLIP, for the best
prepbench variant, torchvision_loop_uint8 and hf_processor."""
import re
import sys

from _common import PREFERRED, chart_mode, color, in_mode, load, main_args, ok_records, out_label, plt, save, title

SERIES = ["best prepbench variant", "torchvision_loop_uint8", "hf_processor"]


def series(doc, pipeline="siglip-so400m-384"):
    """{'batch': {name: [(n, ms)]}, 'size': {name: [(side, ms)]}} from uniform workloads; the variants' series is the
    fastest CUDA variant at each point, in the peers' configuration (chw in, fp32 out) and the chart's mode."""
    out = {"batch": {}, "size": {}}
    recs = [r for r in ok_records(doc) if r["pipeline"] == pipeline]
    recs = in_mode(recs, chart_mode(recs))
    recs = [r for r in recs if r["kind"] == "peer" or (r["layout"] == PREFERRED["layout"] and out_label(r) == PREFERRED["out"])]
    for r in recs:
        m = re.fullmatch(r"uniform-n(\d+)-(\d+)", r["workload"])
        if not m:
            continue
        n, side = int(m.group(1)), int(m.group(2))
        name = "best prepbench variant" if r["kind"] == "variant" and r["backend"] == "cuda" else r["variant"]
        if name not in SERIES:
            continue
        for axis, x, keep in (("batch", n, side == 512), ("size", side, n == 8)):
            if keep:
                pts = out[axis].setdefault(name, {})
                pts[x] = min(pts.get(x, float("inf")), r["time_ms"]["median"])
    return {a: {k: sorted(v.items()) for k, v in d.items()} for a, d in out.items()}


def draw(doc, outdir):
    s = series(doc)
    if not any(len(v) > 1 for d in s.values() for v in d.values()):
        print("scaling: fewer than two batch or image sizes, nothing to draw")
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    for ax, axis, xlabel in ((axes[0], "batch", "batch size (images of 512x512)"),
                             (axes[1], "size", "image side (px, batch of 8)")):
        for name, pts in sorted(s[axis].items()):
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "-o" if name == SERIES[0] else "-s", ms=3, label=name,
                    color="k" if name == SERIES[0] else color(name))
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("median time (ms)")
        ax.legend(fontsize=7)
    title(fig, "siglip-so400m-384 scaling: the fastest CUDA variant at each point (chw in, fp32 out) vs two peers", doc)
    return save(fig, outdir, "scaling.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/scaling.py")
    draw(load(path), outdir)
