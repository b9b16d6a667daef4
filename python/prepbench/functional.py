"""The public functions: cv-utils v2's `resize_normalize` and `resize_normalize_patchify` with its signatures (swap
one import for the other), and `preprocess` for the six pipelines prepbench defines, returning what the HF processor
returns.

Inputs are uint8 RGB images: torch tensors (CPU, or CUDA on one device) or numpy arrays (CPU). Outputs are of the
same kind: torch tensors on the images' device, numpy float32 arrays for numpy input.

Numerics keep prepbench's names (README, "Python"): `float` (no intermediate rounding, torchvision on float32),
`hf` (uint8 round + clamp after the resize, then HF's float32 normalize: what the fast HF processors return), `pil`
(Pillow's integer resize: the CPU reference only). cv-utils' `round_to_uint8=True` rounds to uint8 after *each*
pass (half up); the closest prepbench mode is `hf` (one rounding after both passes, half to even, as
torchvision), so values can differ by one uint8 step where cv-utils' intermediate rounding moves them.
"""

import numpy as np

from . import _native, _spec

try:  # optional: torch input runs through the custom op (imported here so that traced code reads plain globals)
    import torch as _torch

    from . import _torch_ops
except ImportError:
    _torch = _torch_ops = None

_MODES = ("float", "hf", "pil")
# PIL.Image.Resampling values (as transformers passes them) and torchvision InterpolationMode names
_PIL_RESAMPLE = {0: "nearest", 1: "lanczos", 2: "bilinear", 3: "bicubic", 4: "box", 5: "hamming"}
_FILTERS = ("bicubic", "bilinear")


def _filter(resample):
    name = getattr(resample, "value", resample)  # torchvision InterpolationMode -> "bicubic"
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        name = _PIL_RESAMPLE.get(int(name), str(name))
    name = str(name).lower().rsplit(".", 1)[-1]
    if name not in _FILTERS:
        raise ValueError(f"resample {resample!r} is not supported (supported: bicubic, bilinear)")
    return name


def _is_torch(x):
    return _torch is not None and isinstance(x, _torch.Tensor)


def _batch(images):
    """A list of images from a list/tuple, or from one 4-D array (N, ...)."""
    if isinstance(images, (list, tuple)):
        batch = list(images)
    elif hasattr(images, "ndim") and images.ndim == 4:
        batch = [images[i] for i in range(images.shape[0])]
    elif hasattr(images, "ndim") and images.ndim == 3:
        batch = [images]
    else:
        raise TypeError(f"images must be a list of images or one 4-D array, not {type(images).__name__}")
    if not batch:
        raise ValueError("empty batch: pass at least one image")
    return batch


_FORMATS = {None: None, "channels_first": "chw", "chw": "chw", "channels_last": "hwc", "hwc": "hwc"}


def _stated_layout(input_data_format):
    """The layout the caller states ("chw" or "hwc"), or None to infer it; ValueError for anything else."""
    if isinstance(input_data_format, (str, type(None))) and input_data_format in _FORMATS:
        return _FORMATS[input_data_format]
    raise ValueError(f"input_data_format must be 'channels_first' or 'channels_last', not {input_data_format!r}")


def _layout_of(img, i, input_data_format):
    if img.ndim != 3:
        raise ValueError(f"image {i} has shape {tuple(img.shape)}: expected 3 dimensions, (3, H, W) or (H, W, 3)")
    layout = _stated_layout(input_data_format)
    if layout is None:  # as transformers' infer_channel_dimension_format: a leading 3 is channels
        layout = "chw" if img.shape[0] == 3 else "hwc"
    c = img.shape[0] if layout == "chw" else img.shape[2]
    if c != 3:
        raise ValueError(f"image {i} has {c} channels ({tuple(img.shape)}, read as {layout}): prepbench takes RGB "
                         "images; convert grayscale or RGBA to RGB first")
    return layout


def _torch_layout_fast(batch, input_data_format):
    """The common torch batch in one tight pass (uint8, 3-D, 3 channels, one layout, one device): its layout, or
    None when the full checks must run to name what is wrong. A third of a 32-image call's host time was the
    per-image checks."""
    if not all(_is_torch(b) for b in batch):
        return None
    try:
        lay = _stated_layout(input_data_format)
    except ValueError:  # the full checks say so
        return None
    first = batch[0]
    if first.dim() != 3:
        return None
    inferred = lay is None
    if inferred:
        lay = "chw" if first.shape[0] == 3 else "hwc"
    ci, u8, dev = (0 if lay == "chw" else 2), _torch.uint8, first.device
    for b in batch:
        shape = b.shape
        if (b.dtype != u8 or len(shape) != 3 or shape[ci] != 3 or b.device != dev
                or (inferred and (shape[0] == 3) != (lay == "chw"))):
            return None
    return lay


def _prepare(images, input_data_format):
    """Checks a batch: one kind (numpy or torch), one device, uint8, 3 channels, one layout. Returns
    (kind, contiguous images, layout)."""
    batch = _batch(images)
    if _torch is not None:
        lay = _torch_layout_fast(batch, input_data_format)
        if lay is not None:
            return "torch", [b.contiguous() for b in batch], lay
    torch_in = [_is_torch(b) for b in batch]
    if any(torch_in) and not all(torch_in):
        raise TypeError("images mix torch tensors and numpy arrays: pass one kind")
    kind = "torch" if torch_in[0] else "numpy"
    if kind == "numpy":
        batch = [np.asarray(b) for b in batch]
    layouts = []
    for i, img in enumerate(batch):
        if (img.dtype != _torch.uint8) if kind == "torch" else (img.dtype != np.uint8):
            raise TypeError(f"image {i} is {img.dtype}: prepbench takes uint8 images (0..255), as decoders produce them")
        layouts.append(_layout_of(img, i, input_data_format))
    if len(set(layouts)) != 1:
        raise ValueError("images mix channels-first and channels-last layouts: pass one, or set input_data_format")
    if kind == "torch":
        dev = batch[0].device
        for i, b in enumerate(batch):
            if b.device != dev:
                raise ValueError(f"images are on several devices (image 0 on {dev}, image {i} on {b.device}): "
                                 "pass one device")
        batch = [b.contiguous() for b in batch]
    else:
        batch = [np.ascontiguousarray(b) for b in batch]
    return kind, batch, layouts[0]


def _shapes(batch, layout):
    """(height, width) of each image of a checked batch."""
    return [tuple(int(d) for d in (b.shape[1:] if layout == "chw" else b.shape[:2])) for b in batch]


# The table each geometry returns beside pixel_values, by the processor's name for it.
_SIDE = {"qwen_smart_resize": "image_grid_thw", "llava_anyres": "image_sizes", "internvl_tiles": "num_patches"}


def _geometry(spec):
    return spec[1] if not spec[0] else _native.geometries().get(spec[0], "")


def _execute(images, spec, mode, *, channels_last=False, targets=None, out_dtype=None, variant="auto",
             input_data_format=None):
    """Runs a spec (_spec.named / _spec.custom) over a batch; returns (pixel_values, side table or None, kind).
    The side table is int64 (N, k): a CPU tensor for torch input, a numpy array for numpy input."""
    if mode not in _MODES:
        raise ValueError(f"numerics must be one of {', '.join(_MODES)}, not {mode!r}")
    kind, batch, layout = _prepare(images, input_data_format)
    if kind == "torch":
        out, side = _torch_ops.run(batch, spec, mode, channels_last, targets, layout,
                                   _torch.float32 if out_dtype is None else out_dtype, variant)
        return out, side, kind
    if out_dtype not in (None, np.float32, "float32", "fp32"):
        raise TypeError(f"numpy output is float32 (numpy has no bfloat16), not {out_dtype}")
    shapes = _shapes(batch, layout)
    plan = _native.plans.get(_spec.to_json(*spec), shapes, mode, channels_last, targets)
    out = np.empty(plan.out_shape, dtype=np.float32)
    plan.run([b.ctypes.data for b in batch], out.ctypes.data, backend="cpu", layout=layout, variant=variant)
    info = plan.info
    side = info.get("grid_thw", info.get("image_sizes", None))
    if side is None and "num_patches" in info:
        side = [[v] for v in info["num_patches"]]
    return out, None if side is None else np.asarray(side, dtype=np.int64), kind


def _pair(v, what):
    if isinstance(v, (int, np.integer)):
        return [int(v), int(v)]
    if isinstance(v, dict):  # transformers SizeDict-like {"height", "width"}
        return [int(v["height"]), int(v["width"])]
    v = [int(x) for x in v]
    if len(v) != 2:
        raise ValueError(f"{what} must be (height, width), not {v}")
    return v


def _triple(v, what):
    v = [float(x) for x in (list(v) if isinstance(v, (list, tuple)) or hasattr(v, "tolist") else [v] * 3)]
    if len(v) == 1:  # one value for every channel, as cv-utils takes it
        v = v * 3
    if len(v) != 3:
        raise ValueError(f"{what} must have one value per channel (3: R, G, B) or one for all, not {len(v)}")
    return v


def _mode(round_to_uint8):
    return "hf" if round_to_uint8 else "float"


def _resize_normalize_sized(images, size, image_mean, image_std, rescale_factor, resample, antialias, crop_size=None,
                            resize_mode="square", round_to_uint8=False):
    """The first form of cv-utils v2's resize_normalize (size first): uint8 CHW images -> (N, C, H, W) float32.

    resize_mode="square" resizes every image to size = (height, width) (then center crops to crop_size if given);
    "shortest_edge" resizes the short side to `size` keeping the aspect ratio, then center crops to crop_size
    (required). round_to_uint8 selects prepbench's `hf` numerics (see the module docstring), else `float`.
    """
    common = dict(filter=_filter(resample), antialias=antialias, mean=_triple(image_mean, "image_mean"),
                  std=_triple(image_std, "image_std"), rescale=float(rescale_factor))
    if resize_mode == "square":
        crop = (0, 0) if crop_size is None else _pair(crop_size, "crop_size")
        spec = _spec.custom("fixed", size=_pair(size, "size"), crop=crop, **common)
    elif resize_mode == "shortest_edge":
        if crop_size is None:
            raise ValueError("resize_mode='shortest_edge' needs a crop_size")
        edge = size if isinstance(size, (int, np.integer)) else size.get("shortest_edge") if isinstance(size, dict) else None
        if edge is None:
            raise ValueError(f"resize_mode='shortest_edge' takes size as one int, not {size!r}")
        spec = _spec.custom("shortest_edge_crop", shortest_edge=int(edge), crop=_pair(crop_size, "crop_size"), **common)
    else:
        raise ValueError(f"resize_mode must be 'square' or 'shortest_edge', not {resize_mode!r}")
    out, _, _ = _execute(images, spec, _mode(round_to_uint8), input_data_format="channels_first")
    return out


def _patchify_items_first(frames, target_sizes, items, image_mean, image_std, rescale_factor, resample=None,
                          antialias=True, patch_size=14, merge_size=2, temporal_patch_size=2,
                          round_to_uint8=False, *, interpolation=None):
    """The first form of cv-utils v2's resize_normalize_patchify (items third): uint8 CHW frames -> Qwen2-VL
    (pixel_values, grid_thw as a list of (t, h, w)).

    target_sizes[j] is the resized size of frames[j] (each side a multiple of patch_size * merge_size); items lists
    the frame indices of each output item: [i] for an image, a video's frames in order (all of one target size).
    As transformers' Qwen2-VL video processor, a video whose frame count is not a multiple of temporal_patch_size
    repeats its last frame; an image fills every temporal slot. grid_thw is a list of (t, h, w) tuples, as
    cv-utils returns it.
    """
    if resample is None:
        resample = interpolation if interpolation is not None else "bicubic"
    frames = _batch(frames)
    if len(target_sizes) != len(frames):
        raise ValueError(f"{len(target_sizes)} target sizes for {len(frames)} frames")
    items = [list(item) for item in items]
    if not items:
        raise ValueError("no items: pass at least one")
    for k, item in enumerate(items):
        if not item:
            raise ValueError(f"item {k} has no frames")
        for f in item:
            if isinstance(f, bool) or not isinstance(f, (int, np.integer)) or not 0 <= int(f) < len(frames):
                raise ValueError(f"item {k} names frame {f!r} of {len(frames)}")
    items = [[int(f) for f in item] for item in items]
    sizes = [_pair(t, "target size") for t in target_sizes]
    for k, item in enumerate(items):
        if any(sizes[f] != sizes[item[0]] for f in item):
            raise ValueError(f"item {k}: a video's frames must share a target size (one target size), not "
                             f"{sorted({tuple(sizes[f]) for f in item})}")
    P, T = int(patch_size), int(temporal_patch_size)
    if T < 1:
        raise ValueError(f"temporal_patch_size must be at least 1, not {temporal_patch_size}")
    unit = P * int(merge_size)
    for j, (h, w) in enumerate(sizes):
        if unit < 1 or h % unit or w % unit or h < unit or w < unit:
            raise ValueError(f"target size {j} ({h}, {w}) must be a positive multiple of patch_size * merge_size "
                             f"= {unit} on each side")
    common = dict(patch=patch_size, merge=merge_size, filter=_filter(resample), antialias=antialias,
                  mean=_triple(image_mean, "image_mean"), std=_triple(image_std, "image_std"),
                  rescale=float(rescale_factor))
    grid = [(-(-len(item) // T), sizes[item[0]][0] // P, sizes[item[0]][1] // P) for item in items]
    if all(len(item) == 1 for item in items):  # images: the kernel writes every temporal slot itself
        spec = _spec.custom("qwen_smart_resize", temporal=T, **common)
        out, _, _ = _execute([frames[item[0]] for item in items], spec, _mode(round_to_uint8),
                             targets=[sizes[item[0]] for item in items], input_data_format="channels_first")
        return out, grid
    # Videos: each distinct frame resized once into its own patch rows (one temporal slot), then one gather puts
    # frame padded[g * T + t] into temporal slot t of group g's rows (an extra pass over the output; images in the
    # same call take it too).
    needed = sorted({f for item in items for f in item})
    spec = _spec.custom("qwen_smart_resize", temporal=1, **common)
    rows, _, kind = _execute([frames[f] for f in needed], spec, _mode(round_to_uint8),
                             targets=[sizes[f] for f in needed], input_data_format="channels_first")
    first_row, r = {}, 0
    for f in needed:
        first_row[f] = r
        r += (sizes[f][0] // P) * (sizes[f][1] // P)
    index = []
    for item, (gt, gh, gw) in zip(items, grid):
        padded = item + [item[-1]] * (gt * T - len(item))
        patches = np.arange(gh * gw, dtype=np.int64)
        for g in range(gt):
            index.append(np.stack([first_row[padded[g * T + t]] + patches for t in range(T)], axis=1))
    index = np.concatenate(index)
    rows_out, pp = index.shape[0], P * P
    if kind == "torch":
        gathered = rows[_torch.as_tensor(index, device=rows.device)]
        out = gathered.view(rows_out, T, 3, pp).permute(0, 2, 1, 3).reshape(rows_out, 3 * T * pp)
    else:
        out = np.ascontiguousarray(rows[index].reshape(rows_out, T, 3, pp).transpose(0, 2, 1, 3)).reshape(
            rows_out, 3 * T * pp)
    return out, grid


# cv-utils v2 has had two calling conventions, and both are taken here:
#   sized:   resize_normalize(images, size, image_mean, image_std, rescale_factor, resample, antialias,
#                             crop_size=None, resize_mode="square", round_to_uint8=False)
#            resize_normalize_patchify(frames, target_sizes, items, image_mean, image_std, rescale_factor, resample,
#                                      antialias, patch_size, merge_size, temporal_patch_size, round_to_uint8=False)
#   keyword: resize_normalize(images, image_mean, image_std, rescale_factor, resample, size=None, shortest_edge=None,
#                             crop_size=None, antialias=True, round_to_uint8=True)
#            resize_normalize_patchify(frames, target_sizes, image_mean, image_std, rescale_factor, resample,
#                                      patch_size, merge_size, temporal_patch_size, items=None, round_to_uint8=True)
# (the second is the one its README shows now). They are told apart by what comes first after the images: a size
# (an int, a (height, width) pair or a size dict) or a mean (a float, or one or three floats); for patchify, by
# whether the third argument is a list of frame lists (items) or a mean.


def _is_size(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, np.integer, dict)):
        return True
    return isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, (int, np.integer)) for x in v)


def resize_normalize(images, *args, **kwargs):
    """cv-utils v2's resize_normalize, in either of its calling conventions (see above): uint8 CHW images ->
    (N, C, H, W) float32. round_to_uint8 selects prepbench's `hf` numerics (the module docstring), else `float`.
    A call with every argument by keyword is the second form unless it names resize_mode (the two differ only in
    round_to_uint8's default there)."""
    if args:
        sized = _is_size(args[0])
    else:
        sized = "resize_mode" in kwargs and "shortest_edge" not in kwargs
    if sized:
        return _resize_normalize_sized(images, *args, **kwargs)
    return _resize_normalize_keyword(images, *args, **kwargs)


def _resize_normalize_keyword(images, image_mean, image_std, rescale_factor, resample, size=None, shortest_edge=None,
                              crop_size=None, antialias=True, round_to_uint8=True):
    if (size is None) == (shortest_edge is None):
        raise ValueError("resize_normalize: give exactly one of size and shortest_edge")
    if shortest_edge is not None:
        if crop_size is None:
            raise ValueError("resize_normalize: shortest_edge needs a `crop_size`")
        edge = int(shortest_edge)
        crop = _pair(crop_size, "crop_size")
        if crop[0] > edge or crop[1] > edge:
            raise ValueError(f"crop_size {tuple(crop)} is larger than the resized image (short side {edge})")
        return _resize_normalize_sized(images, edge, image_mean, image_std, rescale_factor, resample, antialias,
                                       crop_size=crop, resize_mode="shortest_edge", round_to_uint8=round_to_uint8)
    sz = _pair(size, "size")
    if crop_size is not None:
        crop = _pair(crop_size, "crop_size")
        if crop[0] > sz[0] or crop[1] > sz[1]:
            raise ValueError(f"crop_size {tuple(crop)} is larger than size {tuple(sz)}")
    return _resize_normalize_sized(images, sz, image_mean, image_std, rescale_factor, resample, antialias,
                                   crop_size=crop_size, resize_mode="square", round_to_uint8=round_to_uint8)


def _is_items(v):
    return isinstance(v, (list, tuple)) and all(isinstance(x, (list, tuple, range)) for x in v)


def resize_normalize_patchify(frames, target_sizes, *args, **kwargs):
    """cv-utils v2's resize_normalize_patchify, in either of its calling conventions (see above): uint8 CHW frames
    -> Qwen2-VL (pixel_values, grid_thw). target_sizes[j] is the resized size of frames[j] (each side a multiple of
    patch_size * merge_size); items lists the frame indices of each output item: [i] for an image, a video's frames
    in order (all of one target size). As transformers' Qwen2-VL video processor, a video whose frame count is not a
    multiple of temporal_patch_size repeats its last frame; an image fills every temporal slot. grid_thw is a list
    of (t, h, w) tuples in the first form, an int64 tensor (numpy array for numpy input) in the second. A call with
    every argument by keyword is the second form unless it names antialias or interpolation."""
    if args:
        first_form = _is_items(args[0])
    else:
        first_form = "antialias" in kwargs or "interpolation" in kwargs
    if first_form:
        return _patchify_items_first(frames, target_sizes, *args, **kwargs)
    return _patchify_keyword(frames, target_sizes, *args, **kwargs)


def _patchify_keyword(frames, target_sizes, image_mean, image_std, rescale_factor, resample, patch_size, merge_size,
                      temporal_patch_size, items=None, round_to_uint8=True):
    if items is None:
        items = [[j] for j in range(len(target_sizes))]
    out, grid = _patchify_items_first(frames, target_sizes, items, image_mean, image_std, rescale_factor, resample,
                                      True, patch_size, merge_size, temporal_patch_size,
                                      round_to_uint8=round_to_uint8)
    g = np.asarray(grid, dtype=np.int64).reshape(-1, 3)
    if _torch is not None and isinstance(out, _torch.Tensor):
        return out, _torch.as_tensor(g, device=out.device)
    return out, g


def pipelines():
    """The pipelines `preprocess` takes, by name, with their specs."""
    return {p["name"]: p for p in _native.catalog()["pipelines"]}


def preprocess(pipeline, images, numerics="hf", out_dtype=None, data_format="channels_first",
               input_data_format=None, variant="auto"):
    """One of prepbench's pipelines over a batch, returning what its HF processor returns.

    Returns a dict: "pixel_values" (shaped as the processor's), plus "image_grid_thw" (Qwen2.5-VL, (N, 3) int64),
    "num_patches" (InternVL, a list of ints) or "image_sizes" (LLaVA-NeXT, (N, 2) int64), as tensors for torch input
    and numpy arrays for numpy input. numerics: "hf" (the fast HF processors' values), "float", or "pil" (Pillow's
    integer resize, the slow processors' default; CPU reference only). out_dtype: torch.float32 or torch.bfloat16.
    data_format: "channels_first" or "channels_last" (not for Qwen's patch rows). variant: "auto" or a prepbench
    variant name (prepbench list).
    """
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(f"data_format must be 'channels_first' or 'channels_last', not {data_format!r}")
    out, side, _ = _execute(images, _spec.named(pipeline), numerics, channels_last=data_format == "channels_last",
                            out_dtype=out_dtype, variant=variant, input_data_format=input_data_format)
    result = {"pixel_values": out}
    key = _SIDE.get(_geometry(_spec.named(pipeline)))
    if key == "num_patches":
        result[key] = [int(v) for v in side[:, 0].tolist()]
    elif key is not None:
        result[key] = side
    return result


def reference(pipeline, images, numerics="hf", data_format="channels_first", input_data_format=None):
    """The float64 reference of a pipeline (numpy in, numpy float32 out): what every variant is checked against."""
    kind, batch, layout = _prepare(images, input_data_format)
    if kind != "numpy":
        raise TypeError("reference takes numpy arrays (it runs on the CPU)")
    shapes = _shapes(batch, layout)
    plan = _native.plans.get(_spec.to_json(*_spec.named(pipeline)), shapes, numerics, data_format == "channels_last")
    out = np.empty(plan.out_shape, dtype=np.float32)
    plan.reference([b.ctypes.data for b in batch], out.ctypes.data, layout=layout)
    return out
