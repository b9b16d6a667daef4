"""The torch side: one custom op, `prepbench::preprocess`, that every torch entry point goes through, so that
torch.compile traces it as one node (with a fake implementation for the output's shape) instead of breaking the
graph at a ctypes call, and CUDA-graph capture records its launches.

CUDA tensors run on the current stream of their device with no synchronisation; the output is allocated by torch
(its caching allocator, or the graph's pool under capture). The first call of a shape sets the design up (tables
copied to the device, synchronously); capture a CUDA graph after a warm-up call, as torch asks of every op.
"""

import json
from typing import List, Optional

import torch

from . import _native

_DTYPES = {torch.float32: "fp32", torch.bfloat16: "bf16"}


def _plan(spec_json, shapes, mode, channels_last, targets):
    tg = None if targets is None else [targets[i:i + 2] for i in range(0, len(targets), 2)]
    return _native.plans.get(json.loads(spec_json), shapes, mode, channels_last, tg)


@torch.library.custom_op("prepbench::preprocess", mutates_args=())
def preprocess_op(images: List[torch.Tensor], spec_json: str, mode: str, channels_last: bool,
                  targets: Optional[List[int]], layout: str, dtype: torch.dtype, variant: str) -> torch.Tensor:
    shapes = [tuple(t.shape[1:]) if layout == "chw" else tuple(t.shape[:2]) for t in images]
    plan = _plan(spec_json, shapes, mode, channels_last, targets)
    dev = images[0].device
    if dev.type == "cuda":
        out = torch.empty(plan.out_shape, dtype=dtype, device=dev)
        stream = torch.cuda.current_stream(dev).cuda_stream
        plan.run([t.data_ptr() for t in images], out.data_ptr(), backend="cuda", layout=layout,
                 dtype=_DTYPES[dtype], variant=variant, stream=stream, device=dev.index or 0)
        return out
    # CPU: the CPU designs write fp32; bf16 is the same values rounded to nearest even, as the GPU designs store it
    out = torch.empty(plan.out_shape, dtype=torch.float32)
    plan.run([t.data_ptr() for t in images], out.data_ptr(), backend="cpu", layout=layout, dtype="fp32",
             variant=variant)
    return out if dtype == torch.float32 else out.to(dtype)


@preprocess_op.register_fake
def _(images, spec_json, mode, channels_last, targets, layout, dtype, variant):
    shapes = [tuple(int(d) for d in (t.shape[1:] if layout == "chw" else t.shape[:2])) for t in images]
    plan = _plan(spec_json, shapes, mode, channels_last, targets)
    return images[0].new_empty(plan.out_shape, dtype=dtype)


def run(images, spec, mode, channels_last, targets, layout, dtype, variant):
    """Runs the op on a list of contiguous uint8 tensors of one device; returns (pixel_values, plan)."""
    if dtype not in _DTYPES:
        raise TypeError(f"out_dtype must be torch.float32 or torch.bfloat16, not {dtype}")
    spec_json = json.dumps(spec, sort_keys=True)
    flat = None if targets is None else [int(v) for s in targets for v in s]
    out = torch.ops.prepbench.preprocess(list(images), spec_json, mode, bool(channels_last), flat, layout, dtype,
                                         variant)
    shapes = [tuple(t.shape[1:]) if layout == "chw" else tuple(t.shape[:2]) for t in images]
    return out, _plan(spec_json, shapes, mode, channels_last, flat)
