"""What every peer runner shares, with no GPU dependency: the workload files, pipeline geometry (the HF rules, as
transformers writes them), statistics, the parity contract and record building. The pipelines' parameters and the
tolerances come from `prepbench list --json`; peer records sit beside variant records in one results document
(harness/results.schema.json)."""
import json
import math
import os
import subprocess

import numpy as np

SCHEMA = "prepbench.results/1"
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_KIND = {"fixed": "fixed", "shortest_edge_crop": "crop", "qwen_smart_resize": "qwen", "internvl_tiles": "tiles",
         "llava_anyres": "anyres"}


class _Facts:
    """The pipelines and the parity contract as prepbench declares them (`prepbench list --json`), read once per
    process, so that no pipeline parameter or tolerance is written twice. `load(prepbench)` picks the binary; by
    default $PREPBENCH_BIN, else build/prepbench."""

    def __init__(self):
        self.doc = None

    def load(self, prepbench=None):
        binary = prepbench or os.environ.get("PREPBENCH_BIN") or os.path.join(_ROOT, "build", "prepbench")
        try:
            out = subprocess.run([binary, "list", "--json"], check=True, capture_output=True, text=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            raise RuntimeError(f"peers need the prepbench binary for its pipeline facts ({binary}): {e}") from e
        self.doc = json.loads(out)
        return self.doc

    def get(self):
        return self.doc or self.load()


FACTS = _Facts()


class _Pipelines(dict):
    """{name: {kind, size | shortest, crop | patch, merge, temporal, min_pixels, max_pixels, mean, std, ...}}, filled
    from FACTS on first use."""

    def _fill(self):
        if not dict.__len__(self):
            for p in FACTS.get()["pipelines"]:
                d = dict(p, kind=_KIND[p["geometry"]])
                if "size" in p:
                    d["size"] = tuple(p["size"])
                if "crop" in p:
                    d["crop"], d["shortest"] = tuple(p["crop"]), p["shortest_edge"]
                dict.__setitem__(self, p["name"], d)

    def __getitem__(self, k):
        self._fill()
        return dict.__getitem__(self, k)

    def __iter__(self):
        self._fill()
        return dict.__iter__(self)

    def __contains__(self, k):
        self._fill()
        return dict.__contains__(self, k)

    def __len__(self):
        self._fill()
        return dict.__len__(self)


PIPELINES = _Pipelines()


def tolerance(name):
    """float_tol, exact_tol or hf_min_exact of prepbench's parity contract."""
    return FACTS.get()["parity"][name]


def git_state():
    """{"commit", "dirty"} of the checkout the peers run from (as prepbench's meta has them), or {} outside git."""
    here = os.path.dirname(os.path.abspath(__file__))
    try:
        commit = subprocess.run(["git", "-C", here, "rev-parse", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip() != ""
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"commit": commit, "dirty": dirty}


def case_key(variant, pipeline, workload, layout, dtype, mode):
    """A record's case key, as prepbench's record_key writes it (harness/case.cpp), for shards and merges."""
    return f"{variant}/{pipeline}/{workload}/{layout}/{dtype}/{mode}"


def parse_shard(text):
    """(index, count) of "I/N", as `prepbench run --shard` takes it; ValueError otherwise."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard must be I/N, got {text!r}") from None
    if not (1 <= n <= 4096 and 0 <= i < n):
        raise ValueError(f"--shard must be I/N with 0 <= I < N <= 4096, got {text!r}")
    return i, n


def partition(keys, costs, count):
    """Shard index per key, as harness/shard.cpp does it: heaviest first to the lightest shard, ties by key."""
    order = sorted(range(len(keys)), key=lambda i: (-costs[i], keys[i]))
    load = [0.0] * count
    out = [0] * len(keys)
    for i in order:
        s = min(range(count), key=lambda j: (load[j], j))
        out[i] = s
        load[s] += costs[i]
    return out


def sha256_of_keys(keys):
    """The case list's fingerprint as prepbench computes it: SHA-256 of the sorted keys, one per line."""
    import hashlib
    return hashlib.sha256("".join(k + "\n" for k in sorted(keys)).encode()).hexdigest()


def load_manifest(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        return json.load(f)


def load_workload(folder):
    """Images (uint8 HWC numpy arrays) and manifest of a folder written by `prepbench workload dump`."""
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    if manifest.get("layout") != "hwc":
        raise ValueError(f"{folder}: peers read HWC dumps, got layout {manifest.get('layout')!r}")
    images = []
    for im in manifest["images"]:
        a = np.load(os.path.join(folder, im["file"]))
        if a.dtype != np.uint8 or a.shape != (im["h"], im["w"], 3):
            raise ValueError(f"{folder}/{im['file']}: expected uint8 ({im['h']}, {im['w']}, 3), got {a.dtype} {a.shape}")
        images.append(a)
    return manifest, images


def shortest_edge(h, w, s):
    """transformers get_resize_output_image_size(size=s, default_to_square=False)."""
    short, long_ = (w, h) if w <= h else (h, w)
    new_long = int(s * long_ / short)
    return (new_long, s) if w <= h else (s, new_long)


def crop_origin(size, crop):
    """transformers 5.x center crop: int((size - crop) / 2.0) (pads first when the crop is larger)."""
    return int((size - crop) / 2.0) if size >= crop else -((crop - size) // 2)


def smart_resize(h, w, factor, min_pixels, max_pixels):
    """Qwen2-VL smart_resize, transformers 5.x."""
    if max(h, w) / min(h, w) > 200:
        raise ValueError(f"absolute aspect ratio must be smaller than 200, got {max(h, w) / min(h, w)}")
    hb, wb = round(h / factor) * factor, round(w / factor) * factor
    if hb * wb > max_pixels:
        beta = math.sqrt(h * w / max_pixels)
        hb = max(factor, math.floor(h / beta / factor) * factor)
        wb = max(factor, math.floor(w / beta / factor) * factor)
    elif hb * wb < min_pixels:
        beta = math.sqrt(min_pixels / (h * w))
        hb, wb = math.ceil(h * beta / factor) * factor, math.ceil(w * beta / factor) * factor
    return hb, wb


def geometry(pipeline, h, w):
    """(resized (rh, rw), window (top, left, ch, cw)) for one image."""
    p = PIPELINES[pipeline]
    if p["kind"] == "fixed":
        return p["size"], (0, 0) + tuple(p["size"])
    if p["kind"] == "crop":
        rh, rw = shortest_edge(h, w, p["shortest"])
        ch, cw = p["crop"]
        return (rh, rw), (crop_origin(rh, ch), crop_origin(rw, cw), ch, cw)
    if p["kind"] != "qwen":
        raise NotImplementedError(f"{pipeline}: this peer implements no tiling pipeline (only the HF processors do)")
    rh, rw = smart_resize(h, w, p["patch"] * p["merge"], p["min_pixels"], p["max_pixels"])
    return (rh, rw), (0, 0, rh, rw)


def qwen_patchify(x, patch=14, merge=2, temporal=2):
    """HF's Qwen2-VL patchify of one normalized (C, H, W) array (numpy or torch): (gh*gw, C*T*P*P)."""
    c, h, w = x.shape
    gh, gw = h // patch, w // patch
    frames = x[None].repeat(temporal, 0) if isinstance(x, np.ndarray) else x[None].repeat(temporal, 1, 1, 1)
    v = frames.reshape(temporal, c, gh // merge, merge, patch, gw // merge, merge, patch)
    v = v.transpose(2, 5, 3, 6, 1, 0, 4, 7) if isinstance(x, np.ndarray) else v.permute(2, 5, 3, 6, 1, 0, 4, 7)
    return v.reshape(gh * gw, c * temporal * patch * patch)


def summarize(samples):
    a = np.sort(np.asarray(samples, dtype=np.float64))
    q = lambda p: float(np.quantile(a, p))  # numpy's default linear interpolation, as harness/stats.cpp
    return {"median": q(0.5), "min": float(a[0]), "max": float(a[-1]), "mean": float(a.mean()), "p10": q(0.1),
            "p25": q(0.25), "p75": q(0.75), "p90": q(0.9), "iqr": q(0.75) - q(0.25), "n": int(a.size),
            "samples": [float(s) for s in samples]}


def parity(out, ref, pipeline, mode):
    """harness/parity.cpp's contract: float: max abs <= 1e-4; hf: within one uint8 step and >= 99.9 % within 1e-5."""
    out = np.asarray(out, dtype=np.float32).reshape(-1)
    ref = np.asarray(ref, dtype=np.float32).reshape(-1)
    std = PIPELINES[pipeline]["std"]
    FLOAT_TOL, EXACT_TOL, HF_MIN_EXACT = tolerance("float_tol"), tolerance("exact_tol"), tolerance("hf_min_exact")
    tol = FLOAT_TOL if mode == "float" else max(1.0 / (255.0 * s) for s in std) + EXACT_TOL
    res = {"tol": tol, "elements": int(ref.size)}
    if out.size != ref.size:
        return dict(res, ok=False, max_abs=None, rms=None, rel_l2=None, frac_over_tol=1.0, frac_inexact=1.0,
                    unwritten=0, reason=f"output has {out.size} elements, reference {ref.size}")
    finite = np.isfinite(out)
    d = np.abs(out.astype(np.float64) - ref.astype(np.float64))[finite]
    r = ref.astype(np.float64)[finite]
    res.update(max_abs=float(d.max(initial=0.0)), rms=float(np.sqrt(np.mean(d * d))) if d.size else 0.0,
               rel_l2=float(np.sqrt((d * d).sum() / max((r * r).sum(), 1e-300))),
               frac_over_tol=float(np.mean(d > tol)), frac_inexact=float(np.mean(d > EXACT_TOL)),
               unwritten=int((~finite).sum()))
    reason = None
    if res["unwritten"]:
        reason = f"{res['unwritten']} elements not finite"
    elif res["frac_over_tol"] > 0:
        reason = f"{int(round(res['frac_over_tol'] * ref.size))} elements beyond tolerance (max abs {res['max_abs']:.3g})"
    elif mode == "hf" and res["frac_inexact"] > 1 - HF_MIN_EXACT:
        reason = f"only {100 * (1 - res['frac_inexact']):.3f}% within 1e-5 (need 99.9%)"
    res["ok"] = reason is None
    if reason:
        res["reason"] = reason
    return res


def record(peer, backend, pipeline, workload, layout, mode, status="ok", reason=None, samples=None, bytes_moved=0,
           peak_workspace_bytes=None, output_bytes=0, parity_result=None, repro="", **extra):
    r = {"kind": "peer", "variant": peer, "backend": backend, "pipeline": pipeline, "workload": workload,
         "layout": layout, "dtype": "fp32", "mode": mode, "status": status, "reason": reason,
         "time_ms": summarize(samples) if samples else None, "bytes_moved": bytes_moved,
         "gbps": None, "peak_workspace_bytes": peak_workspace_bytes, "output_bytes": output_bytes,
         "parity": parity_result, "repro": repro}
    if samples:
        r["gbps"] = bytes_moved / (r["time_ms"]["median"] * 1e-3) / 1e9
    r.update(extra)
    return r


def reference(prepbench, pipeline, mode, folder, cache_dir):
    """The float64 reference for the whole dumped batch, from `prepbench reference --workload-dir`."""
    os.makedirs(cache_dir, exist_ok=True)
    out = os.path.join(cache_dir, f"{os.path.basename(os.path.normpath(folder))}.{pipeline}.{mode}.npy")
    if not os.path.exists(out):
        subprocess.run([prepbench, "reference", "--pipeline", pipeline, "--mode", mode, "--workload-dir", folder,
                        "--out", out], check=True, capture_output=True)
    return np.load(out)


def write_results(path, meta, records):
    """A results document written whole: to PATH.tmp, then renamed over PATH."""
    doc = {"schema": SCHEMA, "meta": meta, "records": records}
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, path)
    print(f"wrote {path}: {len(records)} records")
