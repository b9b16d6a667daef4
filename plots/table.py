"""Markdown tables of a results document: per workload, the median of every variant on every pipeline (and the
speedup over the naive baseline), GB/s as % of the measured copy ceiling, peak workspace, parity. Writes
OUTDIR/table.md."""
import os
import sys
from collections import defaultdict

from _common import load, main_args, ok_records, out_label

from ladder import BASELINE


def render(doc, layout=None, dtype=None):
    recs = ok_records(doc)
    if layout:
        recs = [r for r in recs if r["layout"] == layout]
    if dtype:
        recs = [r for r in recs if r["dtype"] == dtype]
    ceiling = doc["meta"].get("copy_ceiling_gbps")
    cell = defaultdict(dict)
    for r in recs:
        cell[(r["workload"], r["layout"], out_label(r), r["mode"])][(r["pipeline"], r["variant"])] = r
    lines = []
    m = doc["meta"]
    lines.append(f"Source: `{m.get('command')}` on {m.get('gpu') or 'CPU'}, commit {m.get('commit')}"
                 f"{' (dirty)' if m.get('dirty') else ''}, {m.get('date')}; copy ceiling "
                 f"{ceiling:.0f} GB/s." if ceiling else f"Source: `{m.get('command')}`, commit {m.get('commit')}.")
    for key in sorted(cell):
        w, lay, dt, mode = key
        rows = cell[key]
        pipelines = sorted({p for p, _ in rows})
        variants = sorted({v for _, v in rows})
        lines.append(f"\n### {w}, {lay}, {dt}, {mode}\n")
        lines.append("| variant | " + " | ".join(pipelines) + " |")
        lines.append("|---|" + "---|" * len(pipelines))
        for v in variants:
            cells = []
            for p in pipelines:
                r = rows.get((p, v))
                if not r:
                    cells.append("-")
                    continue
                t = r["time_ms"]["median"]
                base = rows.get((p, BASELINE.get(r["backend"], "")))
                sp = f" ({base['time_ms']['median'] / t:.1f}x)" if base else ""
                pct = f", {100 * r['gbps'] / ceiling:.0f}%" if ceiling else ""
                par = "" if r["parity"]["ok"] else " PARITY FAIL"
                ws = r["peak_workspace_bytes"]
                mem = "ws n/a" if ws is None else f"ws {ws / 2**20:.1f} MiB"
                cells.append(f"{t:.3f} ms{sp}{pct}, {mem}{par}")
            lines.append(f"| {v} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/table.py")
    os.makedirs(outdir, exist_ok=True)
    out = os.path.join(outdir, "table.md")
    with open(out, "w") as f:
        f.write("Median time (speedup over the naive per-stage baseline of the same backend, GB/s as % of the "
                "copy ceiling), peak workspace.\n\n" + render(load(path)))
    print(f"wrote {out}")
