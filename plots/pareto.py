"""Pareto chart: median time vs peak memory (workspace + output) of every variant and peer, one panel per
pipeline x workload, in one numerics mode; the frontier (nothing both faster and smaller) drawn and labelled."""
import sys

from _common import (chart_mode, color, grid, in_mode, legend_below, load, main_args, marker, ok_records, pick,
                     save, title)


def frontier(points):
    """Indices of the points no other point beats on both axes (lower time and lower memory), by time."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], points[i][1]))
    best_mem = float("inf")
    keep = []
    for i in order:
        if points[i][1] < best_mem:
            keep.append(i)
            best_mem = points[i][1]
    return keep


def panel_points(recs, pipeline, workload):
    """(names, [(median ms, peak MiB)], [record]): each variant's or peer's record in the preferred configuration
    (see _common.pick) in one panel; records whose memory was not measured (CPU peers) are left out."""
    here = [r for r in recs if r["pipeline"] == pipeline and r["workload"] == workload
            and r.get("peak_workspace_bytes") is not None]
    chosen = pick(here)
    names = sorted(chosen)
    pts = [(chosen[n][0]["time_ms"]["median"],
            (chosen[n][0]["peak_workspace_bytes"] + (chosen[n][0].get("output_bytes") or 0)) / 2**20) for n in names]
    return names, pts, [chosen[n][0] for n in names]


def draw(doc, outdir):
    recs = ok_records(doc)
    mode = chart_mode(recs)
    recs = in_mode(recs, mode)
    panels = sorted({(r["pipeline"], r["workload"]) for r in recs})
    if not panels:
        print("pareto: no ok records, nothing to draw")
        return None
    fig, axes = grid(len(panels), 4, 4.2, 3.4)
    shown = {}
    for ax, (p, w) in zip(axes, panels):
        names, pts, rs = panel_points(recs, p, w)
        f = frontier(pts)
        ax.plot([pts[i][0] for i in f], [pts[i][1] for i in f], "-", color="0.6", lw=1, zorder=1)
        for n, q, r in zip(names, pts, rs):
            ax.scatter([q[0]], [q[1]], s=22, color=color(n), marker=marker(r), zorder=2,
                       edgecolors="k" if names.index(n) in f else "none", linewidths=0.6)
            shown[n] = r["kind"]
        for i in f:
            ax.annotate(names[i], pts[i], fontsize=5.5, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("median time (ms, log)", fontsize=7)
        ax.set_ylabel("peak memory (MiB, log)", fontsize=7)
        ax.tick_params(labelsize=6)
        ax.set_title(f"{p} | {w}", fontsize=7.5)
    legend_below(fig, sorted(shown), shown, ncol=5)
    title(fig, f"Time vs memory, {mode} numerics: the Pareto frontier is outlined and named "
               "(circles: prepbench variants, squares: peers)", doc)
    return save(fig, outdir, "pareto.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/pareto.py")
    draw(load(path), outdir)
