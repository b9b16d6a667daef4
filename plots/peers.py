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


HEADLINE = ("siglip-so400m-384", "ragged-n32-384-1024")


def panel(ax, recs, p, w, fontsize=6):
    best = best_by_variant([r for r in recs if r["pipeline"] == p and r["workload"] == w])
    names = sorted(best, key=lambda n: best[n]["time_ms"]["median"])
    times = [best[n]["time_ms"]["median"] for n in names]
    ax.barh(np.arange(len(names)), times, color=["C0" if best[n]["kind"] == "variant" else "C1" for n in names])
    labels = speedup_labels(best)
    for i, n in enumerate(names):
        ax.text(times[i] * 1.08, i, labels.get(n, ""), va="center", fontsize=fontsize)
    ax.set_yticks(np.arange(len(names)))
    ax.set_yticklabels(names, fontsize=fontsize + 1)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(min(times) / 1.5, max(times) * 60)
    ax.set_xlabel("median time per batch (ms, log)", fontsize=fontsize + 1)
    ax.set_title(f"{p} | {w}", fontsize=fontsize + 2)


def peer_table(doc):
    """Markdown: per pipeline x workload with at least one peer, the fastest prepbench variant (best configuration)
    and every peer's best time with how many times slower it is; a peer's failed parity is marked."""
    recs = ok_records(doc)
    cases = sorted({(r["pipeline"], r["workload"]) for r in recs if r["kind"] == "peer"})
    peer_names = sorted({r["variant"] for r in recs if r["kind"] == "peer"})
    lines = ["| pipeline | workload | fastest variant | ms | " + " | ".join(peer_names) + " |",
             "|---|---|---|---|" + "---|" * len(peer_names)]
    for p, w in cases:
        best = best_by_variant([r for r in recs if r["pipeline"] == p and r["workload"] == w])
        variants = [r for r in best.values() if r["kind"] == "variant"]
        if not variants:
            continue
        top = min(variants, key=lambda r: r["time_ms"]["median"])
        t0 = top["time_ms"]["median"]
        cells = []
        for n in peer_names:
            r = best.get(n)
            if r is None:
                cells.append("-")
                continue
            t = r["time_ms"]["median"]
            flag = "" if (r.get("parity") or {}).get("ok", False) else " (parity differs)"
            cells.append(f"{t:.3g} ms, {t / t0:.1f}x{flag}")
        lines.append(f"| {p} | {w} | {top['variant']} {top['layout']} {top['dtype']} | {t0:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def draw(doc, outdir):
    """peers.png: every (pipeline, workload) with at least 3 peers, workloads as rows; peers_headline.png: the
    headline case alone."""
    recs = ok_records(doc)
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
    fig, axes = plt.subplots(len(workloads), len(pipelines), figsize=(5.2 * len(pipelines), 3.6 * len(workloads)),
                             squeeze=False)
    for i, w in enumerate(workloads):
        for j, p in enumerate(pipelines):
            if (p, w) in panels:
                panel(axes[i][j], recs, p, w)
            else:
                axes[i][j].axis("off")
    fig.suptitle("prepbench variants (blue) vs peers (orange); labels: time and how many times the fastest "
                 "variant beats each peer\n" + subtitle(doc), fontsize=9)
    fig.tight_layout()
    path = save(fig, outdir, "peers.png")
    head = HEADLINE if HEADLINE in panels else panels[0]
    fig, ax = plt.subplots(figsize=(9, 4.5))
    panel(ax, recs, *head, fontsize=8)
    fig.suptitle("Headline case: prepbench variants (blue) vs peers (orange)\n" + subtitle(doc), fontsize=9)
    fig.tight_layout()
    save(fig, outdir, "peers_headline.png")
    with open(f"{outdir}/peers_table.md", "w") as f:
        f.write("Fastest prepbench variant vs every peer (best configuration of each; x = how many times slower "
                "than that variant).\n\n" + subtitle(doc) + "\n\n" + peer_table(doc))
    print(f"wrote {outdir}/peers_table.md")
    return path


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/peers.py")
    draw(load(path), outdir)
