"""Shared helpers for the chart scripts: load a results document, pick records, colours, titles, saving.

Rules every chart follows, so that a reviewer can trust a panel:
- one numerics mode per chart (hf when present: what HF processors return), named in the title; records of
  another mode (torchvision_loop_float is float by definition) are labelled with it;
- a variant's point is its record in the stated configuration (input layout, output dtype and layout); when it
  has none there, its fastest record, labelled with the configuration it was measured in;
- one colour per variant or peer in every chart (COLORS), prepbench variants as circles, peers as squares;
- times on log axes are dots, never bars (a bar's length means nothing on a log axis).
"""
import json
import lzma
import os
import sys
import zlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SCHEMA = "prepbench.results/1"
PREFERRED = {"layout": "chw", "out": "fp32", "mode": "hf"}  # the configuration peers are measured in

# The design ladder in order, its ablations, the CPU variants, then the peers: a fixed colour each.
_KNOWN = [
    "cuda_naive_per_stage", "cuda_pointwise_fused", "cuda_gather_2d", "cuda_fused_2d", "cuda_separable_two_pass",
    "cuda_separable_smem", "cuda_separable_ring", "cuda_separable_staged", "cuda_separable_mma",
    "cuda_separable_mma_otf", "cuda_separable_mma_raster", "cuda_separable_mma_persistent",
    "cuda_separable_wgmma",
    "cpu_naive_per_stage", "cpu_pointwise_fused", "cpu_separable_ring",
    "torchvision_loop_uint8", "torchvision_loop_float", "hf_processor", "torch_compile", "cv_utils",
    "hf_processor_cpu", "hf_processor_pil", "opencv_cpu",
    "cuda_auto",  # from here, appended: adding a name moves no colour of the charts already committed
    "cuda_separable_mma_strip", "cv_utils_uint8", "cuda_separable_mma_async", "cuda_separable_imma",
    "cuda_separable_fewtap",
]
# Names the designs had in results committed before 2026-12-01: the same colour as the design's current name.
RENAMED = {"cuda_fully_fused": "cuda_gather_2d", "cpu_fully_fused": "cpu_separable_ring"}
_PALETTE = [c for name in ("tab10", "Dark2", "Set1", "tab20b") for c in plt.get_cmap(name).colors]
COLORS = {name: _PALETTE[i] for i, name in enumerate(_KNOWN)}
COLORS.update({old: COLORS[new] for old, new in RENAMED.items()})
# Set1's pink (the strip design's place in the list) is hard to tell from tab10's (cuda_separable_ring): near-black.
COLORS["cuda_separable_mma_strip"] = (0.1, 0.1, 0.1)
COLORS["cuda_separable_mma_async"] = (0.0, 0.0, 0.55)  # navy: tab20b's first at its place is near tab10's blue


def color(name):
    """The one colour of a variant or peer; names not in the fixed list get a stable colour from their hash."""
    return COLORS.get(name) or _PALETTE[zlib.crc32(name.encode()) % len(_PALETTE)]


def marker(r):
    return "o" if r["kind"] == "variant" else "s"


def load(path):
    opener = lzma.open if path.endswith(".xz") else open
    with opener(path, "rt") as f:
        doc = json.load(f)
    if doc.get("schema") != SCHEMA:
        raise SystemExit(f"{path}: not a prepbench results document (schema {doc.get('schema')!r})")
    return doc


def ok_records(doc):
    return [r for r in doc["records"] if r.get("status") == "ok" and r.get("time_ms")]


def out_label(r):
    """The output format: dtype, with /nhwc for channels-last records (older documents have no out_layout)."""
    return r["dtype"] + ("/nhwc" if r.get("out_layout") == "nhwc" else "")


def case_key(r):
    return (r["pipeline"], r["workload"], r["layout"], out_label(r), r["mode"])


def config_label(r):
    return f"{r['layout']} {out_label(r)} {r['mode']}"


def chart_mode(records):
    """The numerics mode a chart shows: hf when any record has it, else the first mode present."""
    modes = sorted({r["mode"] for r in records})
    return "hf" if "hf" in modes or not modes else modes[0]


def in_mode(records, mode):
    """The records of one mode, plus those of peers that exist only in another mode (labelled by pick)."""
    names_in_mode = {r["variant"] for r in records if r["mode"] == mode}
    return [r for r in records if r["mode"] == mode or r["variant"] not in names_in_mode]


def pick(records, prefer=None):
    """{name: (record, note)}: each variant's or peer's record in the preferred configuration, or, when it has
    none there, its fastest record with `note` naming the configuration it was measured in ("" otherwise)."""
    prefer = dict(PREFERRED, **(prefer or {}))
    by_name = {}
    for r in records:
        by_name.setdefault(r["variant"], []).append(r)
    out = {}
    for name, recs in by_name.items():
        exact = [r for r in recs if r["layout"] == prefer["layout"] and out_label(r) == prefer["out"]
                 and r["mode"] == prefer["mode"]]
        best = min(exact or recs, key=lambda r: r["time_ms"]["median"])
        if exact:
            note = ""
        elif best["kind"] == "variant":
            note = f" [{config_label(best)}]"
        else:  # a peer has the input layout its library takes; only another numerics mode is worth a label
            note = "" if best["mode"] == prefer["mode"] else f" [{best['mode']} numerics]"
        out[name] = (best, note)
    return out


def subtitle(doc):
    m = doc["meta"]
    where = m.get("gpu") or (m.get("cpu") or {}).get("cpu", "CPU")
    dirty = "+dirty" if m.get("dirty") else ""
    return f"{where} | commit {str(m.get('commit'))[:10]}{dirty} | {m.get('date')}"


def grid(n, cols, w, h):
    """A figure of n panels in rows of at most `cols`, with room at the top for a two-line title. Unused panels
    are switched off. Returns (fig, list of n axes)."""
    cols = max(1, min(cols, n))
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(w * cols, h * rows), squeeze=False, layout="constrained")
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.axis("off")
    return fig, flat[:n]


def title(fig, text, doc):
    fig.suptitle(text + "\n" + subtitle(doc), fontsize=9)


def legend_below(fig, names, kinds=None, ncol=4):
    """One legend for the whole figure, below the panels: a coloured marker per name."""
    kinds = kinds or {}
    handles = [plt.Line2D([], [], ls="", marker="s" if kinds.get(n) == "peer" else "o", color=color(n), label=n)
               for n in names]
    if handles:
        below(fig, handles, ncol)


def below(fig, handles, ncol):
    """A figure legend under the panels (save() writes with a tight bounding box, so it is kept)."""
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=min(ncol, len(handles)),
               fontsize=7, frameon=False)


def grouped_bars(doc, values, scale, ylabel, reference, title_text):
    """A figure of panels, one per workload, pipelines on the x axis and one bar per variant (linear axis, the same
    bar width in every panel), for `values` = {(workload, pipeline, variant): value}; the bars are value * scale,
    and a horizontal line marks `reference` ((y, linestyle))."""
    import numpy as np
    workloads = sorted({k[0] for k in values})
    variants = sorted({k[2] for k in values}, key=lambda v: np.mean([x for k, x in values.items() if k[2] == v]))
    fig, axes = grid(len(workloads), 2, 7.0, 3.5)
    for ax, w in zip(axes, workloads):
        pipelines = sorted({k[1] for k in values if k[0] == w})
        here = [v for v in variants if any((w, p, v) in values for p in pipelines)]
        width = 0.8 / len(variants)  # one bar width in every panel, however many variants a panel has
        for i, v in enumerate(here):
            x = np.arange(len(pipelines)) + (i - (len(here) - 1) / 2) * width
            ax.bar(x, [scale * values.get((w, p, v), np.nan) for p in pipelines], width, color=color(v))
        ax.axhline(reference[0], color="k", lw=0.8, ls=reference[1])
        ax.set_xticks(np.arange(len(pipelines)))
        ax.set_xlim(-0.6, max(len(pipelines), 2) - 0.4)
        ax.set_xticklabels(pipelines, rotation=20, ha="right", fontsize=7)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_title(w, fontsize=9)
    legend_below(fig, variants)
    title(fig, title_text, doc)
    return fig, axes


def save(fig, outdir, name):
    """Writes NAME (PNG) and the same chart as SVG; returns the PNG path."""
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    fig.savefig(os.path.splitext(path)[0] + ".svg", bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path} (+ .svg)")
    return path


def main_args(argv, usage):
    if len(argv) != 3:
        print(f"usage: {usage} RESULTS.json OUTDIR", file=sys.stderr)
        raise SystemExit(2)
    return argv[1], argv[2]
