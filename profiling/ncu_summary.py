#!/usr/bin/env python3
"""Summarise `ncu --csv --page raw` output (one row per profiled kernel) into a small JSON: per kernel the
speed-of-light and memory figures, and duration-weighted totals for the repetition."""
import argparse
import csv
import datetime
import json
import sys

FIELDS = {
    "gpu__time_duration.sum": "duration",
    "dram__throughput.avg.pct_of_peak_sustained_elapsed": "dram_throughput_pct",
    "sm__throughput.avg.pct_of_peak_sustained_elapsed": "sm_throughput_pct",
    "lts__t_sector_hit_rate.pct": "l2_hit_rate_pct",
    "launch__registers_per_thread": "registers",
    "sm__warps_active.avg.pct_of_peak_sustained_active": "achieved_occupancy_pct",
    "sm__maximum_warps_per_active_cycle_pct": "theoretical_occupancy_pct",
    "dram__bytes_read.sum": "dram_read",
    "dram__bytes_write.sum": "dram_write",
    "launch__grid_size": "grid_size",
    "launch__block_size": "block_size",
    "smsp__inst_executed.sum": "instructions",
}
SCALE = {"nsecond": 1e-6, "usecond": 1e-3, "msecond": 1.0, "second": 1e3,  # -> ms
         "byte": 1.0, "Kbyte": 1e3, "Mbyte": 1e6, "Gbyte": 1e9, "KB": 1e3, "MB": 1e6, "GB": 1e9}


def parse(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    start = next((i for i, r in enumerate(rows) if "Kernel Name" in r and "ID" in r), None)
    if start is None:
        raise SystemExit(f"{path}: no ncu raw table (did ncu profile any kernel?)")
    header, units = rows[start], rows[start + 1]
    kernels = []
    for r in rows[start + 2:]:
        if len(r) != len(header):
            continue
        k = {"name": r[header.index("Kernel Name")]}
        for metric, key in FIELDS.items():
            if metric not in header:
                continue
            i = header.index(metric)
            try:
                v = float(r[i].replace(",", ""))
            except ValueError:
                continue
            u = units[i]
            if key == "duration":
                k["ms"] = v * SCALE.get(u, 1e-6)
            elif key in ("dram_read", "dram_write"):
                k[key + "_bytes"] = v * SCALE.get(u, 1.0)
            else:
                k[key] = v
        kernels.append(k)
    return kernels


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("raw")
    ap.add_argument("--case", required=True)
    ap.add_argument("--selection", default="")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    kernels = parse(a.raw)
    total_ms = sum(k.get("ms", 0) for k in kernels)
    w = lambda key: sum(k.get(key, 0) * k.get("ms", 0) for k in kernels) / total_ms if total_ms else None  # noqa
    dram = sum(k.get("dram_read_bytes", 0) + k.get("dram_write_bytes", 0) for k in kernels)
    doc = {"made_by": "profiling/ncu.sh", "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "case": a.case, "selection": a.selection, "clock_control": "none", "kernels": kernels,
           "repetition": {"kernel_ms": total_ms, "dram_bytes": dram,
                          "dram_gbps": dram / (total_ms * 1e-3) / 1e9 if total_ms else None,
                          "dram_throughput_pct_weighted": w("dram_throughput_pct"),
                          "sm_throughput_pct_weighted": w("sm_throughput_pct"),
                          "l2_hit_rate_pct_weighted": w("l2_hit_rate_pct")}}
    with open(a.out, "w") as f:
        json.dump(doc, f, indent=1)
    print(json.dumps(doc["repetition"]))
    for k in kernels:
        print(f"  {k['name'][:50]:50s} {k.get('ms', 0):8.4f} ms  DRAM {k.get('dram_throughput_pct', 0):5.1f}%  "
              f"SM {k.get('sm_throughput_pct', 0):5.1f}%  L2 hit {k.get('l2_hit_rate_pct', 0):5.1f}%  "
              f"regs {k.get('registers', 0):.0f}  occ {k.get('achieved_occupancy_pct', 0):.0f}/"
              f"{k.get('theoretical_occupancy_pct', 0):.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
