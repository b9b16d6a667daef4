"""Shared helpers for the chart scripts: load a results document, pick records, save figures."""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SCHEMA = "prepbench.results/1"


def load(path):
    with open(path) as f:
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


def subtitle(doc):
    m = doc["meta"]
    where = m.get("gpu") or (m.get("cpu") or {}).get("cpu", "CPU")
    dirty = "+dirty" if m.get("dirty") else ""
    return f"{where} | commit {str(m.get('commit'))[:10]}{dirty} | {m.get('date')}"


def save(fig, outdir, name):
    """Writes NAME (PNG) and the same chart as SVG; returns the PNG path."""
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, name)
    fig.savefig(path, dpi=130, bbox_inches="tight")
    fig.savefig(os.path.splitext(path)[0] + ".svg", bbox_inches="tight")
    plt.close(fig)
    print(f"wrote {path} (+ .svg)")
    return path


def best_by_variant(records):
    """{variant: fastest record} (over layouts/dtypes) for one panel's records."""
    best = {}
    for r in records:
        if r["variant"] not in best or r["time_ms"]["median"] < best[r["variant"]]["time_ms"]["median"]:
            best[r["variant"]] = r
    return best


def main_args(argv, usage):
    if len(argv) != 3:
        print(f"usage: {usage} RESULTS.json OUTDIR", file=sys.stderr)
        raise SystemExit(2)
    return argv[1], argv[2]
