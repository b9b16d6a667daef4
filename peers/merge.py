#!/usr/bin/env python3
"""Merge a variants run and a peers run (same workloads, same GPU session) into one results document: the
variants' meta stays the document's meta, the peers' meta goes under meta.peers.

    python3 peers/merge.py --variants milestone.json --peers peers.json --out merged.json
"""
import argparse
import json
import os
import sys


def merge(variants, peers):
    for name, d in (("variants", variants), ("peers", peers)):
        if d.get("schema") != "prepbench.results/1":
            raise ValueError(f"{name}: not a prepbench results document")
    if variants["meta"].get("gpu") and peers["meta"].get("gpu") and variants["meta"]["gpu"] != peers["meta"]["gpu"]:
        raise ValueError(f"different GPUs: {variants['meta']['gpu']} vs {peers['meta']['gpu']}")
    meta = dict(variants["meta"])
    meta["peers"] = peers["meta"]
    return {"schema": variants["schema"], "meta": meta, "records": variants["records"] + peers["records"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variants", required=True)
    ap.add_argument("--peers", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    try:
        with open(a.variants) as f:
            v = json.load(f)
        with open(a.peers) as f:
            p = json.load(f)
        doc = merge(v, p)
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
