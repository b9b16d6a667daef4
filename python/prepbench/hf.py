"""transformers adapter: `prepbench.hf.accelerate(processor)` routes an image processor's calls through prepbench
when the call qualifies, and through the processor itself otherwise, with the processor's outputs either way.

transformers 5.17 has no processor-kernel hook, so this wraps the image processor instance's `preprocess` (what
`processor(images=...)` and `image_processor(...)` call). A call qualifies when: its images are uint8 RGB torch
tensors (a list, or one 3-D / 4-D tensor) on one CUDA device, `return_tensors="pt"`, and it passes no argument
that changes the recipe (size, resample, do_resize, ...: those fall back). The processor's own configuration is
read once, at accelerate(): SiglipImageProcessor, CLIPImageProcessor, BitImageProcessor (DINOv2) and
Qwen2VLImageProcessor map any configuration of theirs to a prepbench spec; GotOcr2ImageProcessor (InternVL) and
LlavaNextImageProcessor are accelerated when their configuration is that of prepbench's internvl3-448 /
llava-next-336 pipelines. A processor prepbench cannot reproduce is returned unwrapped, with the reason in
`accelerated_reason(processor)`.

numerics="hf" (default) gives the values of the torchvision-backed processors (uint8 after the resize).
"""

import functools

from . import _native, _spec
from .functional import _SIDE, _execute, _filter

# call arguments that do not change what the processor computes
_NEUTRAL = {"return_tensors", "device", "input_data_format", "data_format"}


def _get(ip, name, default=None):
    return getattr(ip, name, default)


def _size(s, key):
    if s is None:
        return None
    return s.get(key) if isinstance(s, dict) else getattr(s, key, None)


def _common(ip):
    if not (_get(ip, "do_rescale", True) and _get(ip, "do_normalize", True)):
        raise ValueError("do_rescale and do_normalize must be on")
    if not _get(ip, "do_resize", True):
        raise ValueError("do_resize is off")
    mean, std = _get(ip, "image_mean"), _get(ip, "image_std")
    if mean is None or std is None:
        raise ValueError("no image_mean / image_std")
    return dict(filter=_filter(_get(ip, "resample", 3)), antialias=True, mean=list(mean), std=list(std),
                rescale=float(_get(ip, "rescale_factor", 1 / 255)))


def _matches_named(ip, name, checks):
    spec = _native.catalog()
    p = {x["name"]: x for x in spec["pipelines"]}[name]
    c = _common(ip)
    same = all(abs(a - b) < 1e-12 for a, b in zip(c["mean"] + c["std"], p["mean"] + p["std"]))
    same = same and abs(c["rescale"] - p["rescale"]) < 1e-15 and c["filter"] == p["filter"]
    for what, ok in checks(p):
        if not ok:
            raise ValueError(f"{what} differs from prepbench's {name}")
    if not same:
        raise ValueError(f"mean, std, rescale or resample differ from prepbench's {name}")
    return _spec.named(name)


def spec_for(ip):
    """The prepbench spec (flat, _spec.py) of an image processor's configuration; ValueError says why there is
    none."""
    cls = type(ip).__name__
    if cls.startswith("Siglip"):
        s = _get(ip, "size")
        return _spec.custom("fixed", size=(_size(s, "height"), _size(s, "width")), **_common(ip))
    if cls.startswith("CLIP") or cls.startswith("Bit"):
        if not _get(ip, "do_center_crop", True):
            raise ValueError("do_center_crop is off")
        s, c = _get(ip, "size"), _get(ip, "crop_size")
        edge = _size(s, "shortest_edge")
        if edge is None:
            raise ValueError(f"size {s} has no shortest_edge")
        return _spec.custom("shortest_edge_crop", shortest_edge=edge, crop=(_size(c, "height"), _size(c, "width")),
                            **_common(ip))
    if cls.startswith("Qwen2VL"):
        s = _get(ip, "size")
        lo, hi = _size(s, "shortest_edge"), _size(s, "longest_edge")
        lo = _get(ip, "min_pixels", None) or lo
        hi = _get(ip, "max_pixels", None) or hi
        return _spec.custom("qwen_smart_resize", patch=_get(ip, "patch_size"), merge=_get(ip, "merge_size"),
                            temporal=_get(ip, "temporal_patch_size"), min_pixels=lo, max_pixels=hi, **_common(ip))
    if cls.startswith("GotOcr2"):
        s = _get(ip, "size")
        return _matches_named(ip, "internvl3-448", lambda p: [
            ("crop_to_patches", bool(_get(ip, "crop_to_patches", False))),
            ("size", (_size(s, "height"), _size(s, "width")) == (p["tile"], p["tile"])),
            ("min_patches", _get(ip, "min_patches") == p["min_tiles"]),
            ("max_patches", _get(ip, "max_patches") == p["max_tiles"])])
    if cls.startswith("LlavaNext"):
        s = _get(ip, "size")
        return _matches_named(ip, "llava-next-336", lambda p: [
            ("image_grid_pinpoints", [list(x) for x in _get(ip, "image_grid_pinpoints", [])] == p["pinpoints"]),
            ("size", _size(s, "shortest_edge") == p["base_size"]),
            ("do_pad", bool(_get(ip, "do_pad", True)))])
    raise ValueError(f"{cls} is not one of the processors prepbench reproduces")


def _fmt(v):
    """A ChannelDimension or its string ("channels_first", "ChannelDimension.LAST", ...) as ours; None stays."""
    if v is None:
        return None
    s = str(getattr(v, "value", v)).lower()
    return "channels_last" if "last" in s else "channels_first"


def _qualifies(images, kwargs):
    extra = set(kwargs) - _NEUTRAL
    if extra:
        return f"arguments that change the recipe: {', '.join(sorted(extra))}"
    if kwargs.get("return_tensors") not in ("pt",):
        return "return_tensors is not 'pt'"
    batch = list(images) if isinstance(images, (list, tuple)) else None
    if batch is None:
        if type(images).__module__.startswith("torch") and images.dim() in (3, 4):
            batch = [images] if images.dim() == 3 else list(images)
        else:
            return f"images are {type(images).__name__}, not torch tensors"
    if not batch or not all(type(b).__module__.startswith("torch") for b in batch):
        return "images are not all torch tensors"
    import torch

    dev = batch[0].device
    if dev.type != "cuda" or any(b.device != dev or b.dtype != torch.uint8 or b.dim() != 3 for b in batch):
        return "images are not uint8 3-D tensors on one CUDA device"
    want = kwargs.get("device")
    if want is not None and torch.device(want) != dev and not (str(want) == "cuda" and dev.type == "cuda"):
        return f"device={want} differs from the images' {dev}"
    return None


def accelerate(processor, numerics="hf", variant="auto"):
    """Wraps `processor` (a ProcessorMixin with .image_processor, or an image processor) in place and returns it.
    Calls that qualify run prepbench; `processor._prepbench` counts accelerated and fallen-back calls."""
    ip = getattr(processor, "image_processor", processor)
    try:
        spec = spec_for(ip)
    except (ValueError, TypeError, KeyError) as e:
        ip._prepbench = {"accelerated": 0, "fallback": 0, "reason": f"not accelerated: {e}"}
        return processor
    original = ip.preprocess
    key = _SIDE.get(spec[1] or _native.geometries().get(spec[0], ""))
    stats = {"accelerated": 0, "fallback": 0, "reason": None}
    ip._prepbench = stats

    @functools.wraps(original)
    def preprocess(images, *args, **kwargs):
        why = "positional arguments" if args else _qualifies(images, kwargs)
        if why is not None:
            stats["fallback"] += 1
            stats["reason"] = why
            return original(images, *args, **kwargs)
        from transformers import BatchFeature

        out, side, _ = _execute(images, spec, numerics, channels_last=_fmt(kwargs.get("data_format")) == "channels_last",
                                variant=variant, input_data_format=_fmt(kwargs.get("input_data_format")))
        data = {"pixel_values": out}
        if key == "num_patches":
            data[key] = [int(v) for v in side[:, 0].tolist()]
        elif key is not None:
            data[key] = side
        stats["accelerated"] += 1
        return BatchFeature(data=data)

    ip.preprocess = preprocess
    return processor


def accelerated_reason(processor):
    ip = getattr(processor, "image_processor", processor)
    s = getattr(ip, "_prepbench", None)
    return None if s is None else s.get("reason")
