"""A pipeline spec as flat primitives, the form the torch op's schema carries (so that torch.compile traces the
call without building strings), and its JSON for the native layer (prepbench_c.h, pb_plan_create)."""

import json

# ints: size (h, w), crop (h, w), shortest_edge, patch, merge, temporal, min_pixels, max_pixels;
# floats: mean (3), std (3), rescale
_INT_FIELDS = 10


def named(pipeline):
    return (str(pipeline), "", [], [], "", True)


def custom(geometry, *, filter, antialias, mean, std, rescale, size=(0, 0), crop=(0, 0), shortest_edge=0, patch=0,
           merge=0, temporal=0, min_pixels=1, max_pixels=1 << 62):
    """min_pixels / max_pixels: Qwen's smart_resize bounds (the defaults leave explicit target sizes unbounded)."""
    ints = [int(size[0]), int(size[1]), int(crop[0]), int(crop[1]), int(shortest_edge), int(patch), int(merge),
            int(temporal), int(min_pixels), int(max_pixels)]
    return ("", geometry, ints, [float(v) for v in list(mean) + list(std) + [rescale]], filter, bool(antialias))


def to_json(pipeline, geometry, ints, floats, filter, antialias):
    if pipeline:
        return json.dumps({"pipeline": pipeline})
    if len(ints) != _INT_FIELDS or len(floats) != 7:
        raise ValueError(f"a custom spec has {_INT_FIELDS} ints and 7 floats")
    d = {"geometry": geometry, "filter": filter, "antialias": bool(antialias), "mean": floats[0:3],
         "std": floats[3:6], "rescale": floats[6]}
    if geometry == "fixed":
        d["size"] = ints[0:2]
        if ints[2] > 0:
            d["crop"] = ints[2:4]
    elif geometry == "shortest_edge_crop":
        d.update(shortest_edge=ints[4], crop=ints[2:4])
    elif geometry == "qwen_smart_resize":
        d.update(patch=ints[5], merge=ints[6], temporal=ints[7], min_pixels=ints[8], max_pixels=ints[9])
    else:
        raise ValueError(f"geometry {geometry!r} has no custom form here; name a pipeline instead")
    return json.dumps(d, sort_keys=True)
