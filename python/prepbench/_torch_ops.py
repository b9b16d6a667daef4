"""The torch side: one custom op, `prepbench::preprocess`, that every torch entry point goes through, so that
torch.compile traces a call as one node (its fake implementation gives the output shapes from the plan) instead of
breaking the graph at a ctypes call, and CUDA-graph capture records its launches. The schema carries the spec as
flat primitives (_spec.py), so no string is built in traced code.

CUDA tensors run on the current stream of their device with no synchronisation; outputs are allocated by torch
(its caching allocator, or the graph's pool under capture). The first call of a shape sets its design up (tables
copied to the device, synchronously); a call under CUDA-graph capture makes a setup of its own, which the graph keeps
(prepbench_c.h). Eager calls run the op's implementation directly (the dispatcher's per-call cost is most of a
small batch's host time); traced code calls the op.

The op returns (pixel_values, side): side is the int64 table the processor returns beside pixel_values, on the CPU
as the processors build it: Qwen's image_grid_thw (N, 3), LLaVA-NeXT's image_sizes (N, 2), InternVL's num_patches
(N, 1); (N, 0) otherwise.
"""

from typing import List, Optional, Tuple

import torch

from . import _native, _spec

_DTYPES = {torch.float32: "fp32", torch.bfloat16: "bf16"}


def _shapes(images, fake=False):
    """Each image's whole shape, the plan cache's key: (3, H, W) or (H, W, 3) as the layout says (the key holds
    the layout too). Whole torch.Size objects, not slices of them: slicing 32 of them was 7 us a call."""
    if fake:  # sizes may be SymInts: the plan needs them as ints (a static-shape specialisation)
        return tuple(tuple(int(d) for d in t.shape) for t in images)
    return tuple([t.shape for t in images])


def _plan(shapes, pipeline, geometry, ints, floats, filter, antialias, mode, channels_last, targets, layout):
    key = ("op", pipeline, geometry, tuple(ints), tuple(floats), filter, antialias, mode, channels_last,
           None if targets is None else tuple(targets), layout, shapes)

    def make():
        tg = None if targets is None else [targets[i:i + 2] for i in range(0, len(targets), 2)]
        hw = [tuple(s[1:]) if layout == "chw" else tuple(s[:2]) for s in shapes]
        return _native.Plan(_spec.to_json(pipeline, geometry, ints, floats, filter, antialias), hw, mode,
                            channels_last, tg)
    return _native.plans.lookup(key, make)


def _side_width(info):
    return 3 if "grid_thw" in info else 2 if "image_sizes" in info else 1 if "num_patches" in info else 0


def _side(plan, n):
    """A fresh copy of the plan's side table (made once per plan; callers may keep or change what they get)."""
    if plan.side is None:
        info = plan.info
        if "grid_thw" in info:
            plan.side = torch.tensor(info["grid_thw"], dtype=torch.int64)
        elif "image_sizes" in info:
            plan.side = torch.tensor(info["image_sizes"], dtype=torch.int64)
        elif "num_patches" in info:
            plan.side = torch.tensor(info["num_patches"], dtype=torch.int64).reshape(-1, 1)
        else:
            plan.side = torch.empty((n, 0), dtype=torch.int64)
    return plan.side.clone()


def _impl(images: List[torch.Tensor], pipeline: str, geometry: str, ints: List[int], floats: List[float],
          filter: str, antialias: bool, mode: str, channels_last: bool, targets: Optional[List[int]], layout: str,
          dtype: torch.dtype, variant: str) -> Tuple[torch.Tensor, torch.Tensor]:
    plan = _plan(_shapes(images), pipeline, geometry, ints, floats, filter, antialias, mode, channels_last,
                 targets, layout)
    dev = images[0].device
    ptrs = [t.data_ptr() for t in images]
    if dev.type == "cuda":
        out = torch.empty(plan.out_shape, dtype=dtype, device=dev)
        stream = torch.cuda.current_stream(dev).cuda_stream
        plan.run(ptrs, out.data_ptr(), backend="cuda", layout=layout, dtype=_DTYPES[dtype], variant=variant,
                 stream=stream, device=dev.index or 0)
    else:
        # The CPU designs write fp32; bf16 is those values rounded to nearest even, as the GPU designs store it.
        out = torch.empty(plan.out_shape, dtype=torch.float32)
        plan.run(ptrs, out.data_ptr(), backend="cpu", layout=layout, dtype="fp32", variant=variant)
        if dtype != torch.float32:
            out = out.to(dtype)
    return out, _side(plan, len(images))


preprocess_op = torch.library.custom_op("prepbench::preprocess", _impl, mutates_args=())


@preprocess_op.register_fake
def _(images, pipeline, geometry, ints, floats, filter, antialias, mode, channels_last, targets, layout, dtype,
      variant):
    plan = _plan(_shapes(images, fake=True), pipeline, geometry, ints, floats, filter, antialias, mode,
                 channels_last, targets, layout)
    out = images[0].new_empty(plan.out_shape, dtype=dtype)
    return out, torch.empty((len(images), _side_width(plan.info)), dtype=torch.int64, device="cpu")


def run(images, spec, mode, channels_last, targets, layout, dtype, variant):
    """The op over a list of contiguous uint8 tensors of one device: (pixel_values, side)."""
    if dtype not in _DTYPES:
        raise TypeError(f"out_dtype must be torch.float32 or torch.bfloat16, not {dtype}")
    flat = None if targets is None else [int(v) for s in targets for v in s]
    args = (list(images), *spec, mode, bool(channels_last), flat, layout, dtype, variant)
    if torch.compiler.is_compiling():  # traced code: the op, one graph node
        return torch.ops.prepbench.preprocess(*args)
    # eager: the op's own implementation, without the dispatcher's per-call cost (the same code runs either way)
    return _impl(*args)
