"""Bandwidth chart: achieved GB/s (input bytes read once + output bytes written once, over the median time) of
every CUDA variant as a percentage of the copy ceiling measured in the same run, per pipeline and workload, in the
peers' configuration (chw in, fp32 out, hf) where measured. Linear bars: 100 % is the roofline."""
import sys

from _common import chart_mode, grouped_bars, load, main_args, ok_records, pick, save


def fractions(doc):
    """{(workload, pipeline, variant): fraction of the copy ceiling}."""
    ceiling = doc["meta"].get("copy_ceiling_gbps")
    if not ceiling:
        return {}
    recs = [r for r in ok_records(doc) if r["backend"] == "cuda" and r["kind"] == "variant"]
    mode = chart_mode(recs)
    recs = [r for r in recs if r["mode"] == mode]
    out = {}
    for key in sorted({(r["workload"], r["pipeline"]) for r in recs}):
        for v, (r, _) in pick([r for r in recs if (r["workload"], r["pipeline"]) == key]).items():
            out[key + (v,)] = r["gbps"] / ceiling
    return out


def draw(doc, outdir):
    fr = fractions(doc)
    if not fr:
        print("bandwidth: no CUDA records or no copy ceiling, nothing to draw")
        return None
    fig, axes = grouped_bars(doc, fr, 100.0, "% of the measured copy ceiling", (100.0, "--"),
                             f"Achieved bandwidth as % of the {doc['meta']['copy_ceiling_gbps']:.0f} GB/s device "
                             "copy ceiling (dashed: the roofline)")
    for ax in axes:
        ax.set_ylim(0, max(105, 100 * max(fr.values()) * 1.05))
    return save(fig, outdir, "bandwidth.png")


if __name__ == "__main__":
    path, outdir = main_args(sys.argv, "plots/bandwidth.py")
    draw(load(path), outdir)
