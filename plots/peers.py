"""Peers chart: per pipeline x workload, the median time of every prepbench variant and every peer as a dot on a
log time axis, labelled with its time and, for peers, how many times slower than the fastest variant
("23x vs cuda_separable_mma"). Variants are shown in the configuration the peers are measured in (chw uint8 in,
fp32 out, hf numerics); anything measured otherwise says so in its label."""
import sys

import numpy as np

from _common import (PREFERRED, chart_mode, color, in_mode, load, main_args, marker, ok_records, pick, plt, save,
                     subtitle, title)

HEADLINE = ("siglip-so400m-384", "ragged-n32-384-1024")
CONFIG = f"variants at {PREFERRED['layout']} in, {PREFERRED['out']} out, {PREFERRED['mode']} numerics"


def speedup_labels(chosen):
    """{name: label} from pick()'s {name: (record, note)}: for peers, how many times the fastest variant beats
    them; for variants, their time."""
    variants = {n: r for n, (r, _) in chosen.items() if r["kind"] == "variant"}
    if not variants:
        return {}
    top = min(variants.values(), key=lambda r: r["time_ms"]["median"])
    t0 = top["time_ms"]["median"]
    labels = {}
    for n, (r, note) in chosen.items():
        t = r["time_ms"]["median"]
        labels[n] = (f"{t:.3g} ms" if r["kind"] == "variant" else f"{t:.3g} ms, {t / t0:.1f}x vs {top['variant']}") + note
    return labels


def panel(ax, recs, p, w, fontsize=6):
    chosen = pick([r for r in recs if r["pipeline"] == p and r["workload"] == w])
    names = sorted(chosen, key=lambda n: chosen[n][0]["time_ms"]["median"])
    times = [chosen[n][0]["time_ms"]["median"] for n in names]
    labels = speedup_labels(chosen)
    for i, n in enumerate(names):
        r = chosen[n][0]
        ax.hlines(i, min(times) / 1.5, times[i], color="0.85", lw=0.8, zorder=1)  # a guide to the dot, not a bar
        ax.plot(times[i], i, marker(r), ms=5, color=color(n), zorder=2)
        ax.text(times[i] * 1.15, i, labels.get(n, ""), va="center", fontsize=fontsize)
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels(names, fontsize=fontsize + 1)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(min(times) / 1.5, max(times) * 80)
    ax.set_xlabel("median time per batch (ms, log)", fontsize=fontsize + 1)
    ax.set_title(f"{p} | {w}", fontsize=fontsize + 2)


def peer_table(doc):
    """Markdown: per pipeline x workload with at least one peer, the fastest prepbench variant (in the peers'
    configuration where measured) and every peer's time with how many times slower it is; a peer's failed parity
    is marked."""
    recs = ok_records(doc)
    recs = in_mode(recs, chart_mode(recs))
    cases = sorted({(r["pipeline"], r["workload"]) for r in recs if r["kind"] == "peer"})
    peer_names = sorted({r["variant"] for r in recs if r["kind"] == "peer"})
    lines = ["| pipeline | workload | fastest variant | ms | " + " | ".join(peer_names) + " |",
             "|---|---|---|---|" + "---|" * len(peer_names)]
    for p, w in cases:
        chosen = pick([r for r in recs if r["pipeline"] == p and r["workload"] == w])
        variants = [r for r, _ in chosen.values() if r["kind"] == "variant"]
        if not variants:
            continue
        top = min(variants, key=lambda r: r["time_ms"]["median"])
        t0 = top["time_ms"]["median"]
        cells = []
        for n in peer_names:
            if n not in chosen:
                cells.append("-")
                continue
            r, note = chosen[n]
            t = r["time_ms"]["median"]
            flag = "" if (r.get("parity") or {}).get("ok", False) else " (parity differs)"
            cells.append(f"{t:.3g} ms, {t / t0:.1f}x{flag}{note}")
        lines.append(f"| {p} | {w} | {top['variant']} {top['layout']} {top['dtype']} | {t0:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def draw(doc, outdir):
    """peers.png: every (pipeline, workload) with at least 3 peers, workloads as rows; peers_headline.png: the
    headline case alone; peers_table.md."""
    recs = ok_records(doc)
    mode = chart_mode(recs)
    recs = in_mode(recs, mode)
    peer_names = {}
    for r in recs:
        if r["kind"] == "peer":
            peer_names.setdefault((r["pipeline"], r["workload"]), set()).add(r["variant"])
    panels = sorted(k for k, v in peer_names.items() if len(v) >= 3)
    if not panels:
        print("peers: fewer than 3 peers on every case, nothing to draw")
        return None
    pipelines = sorted({p for p, _ in panels})
    workloads = sorted({w for _, w in panels})
    cols = min(3, len(pipelines))
    cells = [(w, p) for w in workloads for p in pipelines if (p, w) in panels]
    rows = (len(cells) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.6 * cols, 3.4 * rows), squeeze=False, layout="constrained")
    flat = list(axes.flat)
    for ax, (w, p) in zip(flat, cells):
        panel(ax, recs, p, w)
    for ax in flat[len(cells):]:
        ax.axis("off")
    title(fig, f"prepbench variants (circles) vs peers (squares); {CONFIG}; labels: time and how many times "
               "the fastest variant beats each peer", doc)
    path = save(fig, outdir, "peers.png")
    head = HEADLINE if HEADLINE in panels else panels[0]
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
    panel(ax, recs, *head, fontsize=8)
    title(fig, f"Headline: prepbench variants (circles) vs peers (squares)\n{CONFIG}, cold L2", doc)
    save(fig, outdir, "peers_headline.png")
    with open(f"{outdir}/peers_table.md", "w") as f:
        f.write("Fastest prepbench variant vs every peer (" + CONFIG + " where measured; x = how many times slower "
                "than that variant; [..] names a configuration other than that).\n\n" + subtitle(doc) + "\n\n"
                + peer_table(doc))
    print(f"wrote {outdir}/peers_table.md")
    return path


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/peers.py")
    draw(load(path), outdir)
