#!/usr/bin/env python3
"""Aggregate `ncu --page source --csv --print-source sass` (one row per SASS instruction) by opcode: executed warp
instructions and warp-stall samples, largest first."""
import argparse
import csv
import json
import re
import sys
from collections import defaultdict


def number(s):
    try:
        return float(str(s).replace(",", ""))
    except ValueError:
        return 0.0


def opcode(sass):
    toks = [t for t in sass.strip().split() if not t.startswith("@")]  # drop the predicate guard
    return toks[0].split(".")[0] if toks else "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("csv")
    ap.add_argument("--case", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.csv, newline="") as f:
        rows = list(csv.reader(f))
    head = next((i for i, r in enumerate(rows) if "Source" in r and any(c.startswith("Instructions Executed") for c in r)), None)
    if head is None:
        sys.exit(f"ncu_sass_summary: no 'Source' / 'Instructions Executed' header in {a.csv}")
    cols = rows[head]
    src = cols.index("Source")
    ins = next(i for i, c in enumerate(cols) if c.startswith("Instructions Executed"))
    stall = next((i for i, c in enumerate(cols) if c.startswith("Warp Stall Sampling (All")), None)
    executed, stalls = defaultdict(float), defaultdict(float)
    for r in rows[head + 1:]:
        if len(r) <= max(src, ins) or not re.match(r"^\s*[@A-Z]", r[src] or ""):
            continue
        op = opcode(r[src])
        executed[op] += number(r[ins])
        if stall is not None and len(r) > stall:
            stalls[op] += number(r[stall])
    total, total_stall = sum(executed.values()), sum(stalls.values())
    top = sorted(executed, key=lambda k: -executed[k])
    out = {"made_by": "profiling/ncu_sass.sh", "case": a.case, "warp_instructions": total,
           "stall_samples": total_stall,
           "by_opcode": [{"opcode": k, "warp_instructions": executed[k], "share": executed[k] / total if total else 0,
                          "stall_share": stalls[k] / total_stall if total_stall else 0} for k in top]}
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"{a.case}: {total / 1e6:.1f} M warp instructions")
    for k in top[:14]:
        print(f"  {k:10s} {executed[k] / 1e6:7.2f} M  {100 * executed[k] / total:5.1f} %   stalls {100 * stalls[k] / max(total_stall, 1):5.1f} %")


if __name__ == "__main__":
    main()
