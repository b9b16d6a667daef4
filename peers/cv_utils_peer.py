"""cv-utils v2 (huggingface/kernels-community, the Triton kernels that transformers' processor-kernel adapter loads)
as a peer. It is not pip-installable: its source folder (torch-ext/cv_utils of a kernels-community checkout) is
given by path and never becomes part of this repository (scripts/device.sh carries it in the git-ignored .peers/).
"""
import importlib
import pathlib
import sys
import types


def load(path):
    """(resize_normalize, resize_normalize_patchify) from DIR, imported as the package `cv_utils_v2` without its
    __init__ (which loads the compiled ops of cv-utils' other kernels). Raises ValueError naming what is missing."""
    d = pathlib.Path(path)
    missing = [f for f in ("resize.py", "patchify.py") if not (d / f).is_file()]
    if missing:
        raise ValueError(f"cv-utils path {path}: no {' and '.join(missing)} there (give the torch-ext/cv_utils "
                         "folder of huggingface/kernels-community)")
    if "cv_utils_v2" not in sys.modules:
        pkg = types.ModuleType("cv_utils_v2")
        pkg.__path__ = [str(d)]
        sys.modules["cv_utils_v2"] = pkg
    return (importlib.import_module("cv_utils_v2.resize").resize_normalize,
            importlib.import_module("cv_utils_v2.patchify").resize_normalize_patchify)


def pipeline_call(fns, pipeline, xs, qwen_targets, round_to_uint8):
    """The one call of cv-utils' signature that does what `pipeline` (a peers/common.PIPELINES entry) does to the
    uint8 CHW CUDA tensors `xs`, or None where cv-utils has none (tiling). `fns` are cv-utils' functions or
    prepbench's of the same signature; `qwen_targets` the per-image resize targets (h, w) of Qwen's smart resize."""
    rn, rnp = fns
    mean, std = list(pipeline["mean"]), list(pipeline["std"])
    kind, rescale, resample = pipeline["kind"], 1.0 / 255.0, pipeline["filter"]  # "bicubic" or "bilinear"
    if kind == "fixed":
        size = tuple(pipeline["size"])
        return lambda: rn(xs, size, mean, std, rescale, resample, True, round_to_uint8=round_to_uint8)
    if kind == "crop":
        edge, crop = pipeline["shortest"], tuple(pipeline["crop"])
        return lambda: rn(xs, edge, mean, std, rescale, resample, True, crop_size=crop,
                          resize_mode="shortest_edge", round_to_uint8=round_to_uint8)
    if kind == "qwen":
        items = [[i] for i in range(len(xs))]
        return lambda: rnp(xs, list(qwen_targets), items, mean, std, rescale, resample, True, pipeline["patch"],
                           pipeline["merge"], pipeline["temporal"], round_to_uint8=round_to_uint8)[0]
    return None
