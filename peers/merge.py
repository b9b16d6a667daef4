#!/usr/bin/env python3
"""Merge variants runs and peers runs (same workload files, same GPU) into one results document: the first
variants run's meta is the document's meta, the others' go under meta.merged (variants) and meta.peers.

    python3 peers/merge.py --variants milestone.json,scaling.json --peers peers_gpu.json,peers_cpu.json --out m.json
"""
import argparse
import json
import os
import sys


def merge(variants, peers):
    """variants, peers: lists of documents."""
    for name, d in [("variants", v) for v in variants] + [("peers", p) for p in peers]:
        if d.get("schema") != "prepbench.results/1":
            raise ValueError(f"{name}: not a prepbench results document")
    gpus = {d["meta"].get("gpu") for d in variants + peers} - {None}
    if len(gpus) > 1:
        raise ValueError(f"different GPUs: {sorted(gpus)}")
    commits = {d["meta"].get("commit") for d in variants}
    if len(commits) > 1:
        raise ValueError(f"variants runs from different commits: {sorted(commits)}")
    meta = dict(variants[0]["meta"])
    meta["merged"] = [v["meta"] for v in variants[1:]]
    meta["peers"] = [p["meta"] for p in peers]
    records = [r for d in variants + peers for r in d["records"]]
    return {"schema": variants[0]["schema"], "meta": meta, "records": records}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", required=True)
    ap.add_argument("--peers", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        load = lambda paths: [json.load(open(p)) for p in paths.split(",")]  # noqa: E731
        doc = merge(load(a.variants), load(a.peers))
    except (OSError, ValueError) as e:
        print(f"merge: {e}", file=sys.stderr)
        return 2
    with open(a.out + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(a.out + ".tmp", a.out)
    print(f"wrote {a.out}: {len(doc['records'])} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
