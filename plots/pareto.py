"""Pareto chart: median time vs peak memory (workspace + output) for every variant and peer, one panel per
pipeline x workload, the frontier drawn and its points labelled."""
import sys

from _common import load, main_args, ok_records, plt, save, subtitle


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
    """(names, [(median ms, peak MiB)]): each variant's or peer's fastest configuration in one panel; records
    whose memory was not measured (CPU peers) are left out."""
    best = {}
    for r in recs:
        if r["pipeline"] == pipeline and r["workload"] == workload and r.get("peak_workspace_bytes") is not None:
            t = r["time_ms"]["median"]
            mem = (r["peak_workspace_bytes"] + (r.get("output_bytes") or 0)) / 2**20
            if r["variant"] not in best or t < best[r["variant"]][0]:
                best[r["variant"]] = (t, mem)
    names = sorted(best)
    return names, [best[n] for n in names]


def draw(doc, outdir):
    recs = ok_records(doc)
    panels = sorted({(r["pipeline"], r["workload"]) for r in recs})
    if not panels:
        print("pareto: no ok records, nothing to draw")
        return None
    cols = min(4, len(panels))
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.8 * rows), squeeze=False)
    for ax, (p, w) in zip(axes.flat, panels):
        names, pts = panel_points(recs, p, w)
        ax.scatter([q[0] for q in pts], [q[1] for q in pts], s=18, color="0.5")
        f = frontier(pts)
        ax.plot([pts[i][0] for i in f], [pts[i][1] for i in f], "-o", color="C3", ms=4)
        for i in f:
            ax.annotate(names[i], pts[i], fontsize=6, xytext=(3, 3), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("median time (ms)")
        ax.set_ylabel("peak memory (MiB)")
        ax.set_title(f"{p}\n{w}", fontsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.suptitle("Time vs memory (Pareto frontier in red)\n" + subtitle(doc), fontsize=9)
    return save(fig, outdir, "pareto.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/pareto.py")
    draw(load(path), outdir)
