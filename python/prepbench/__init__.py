"""prepbench: the fastest VLM image preprocessing kernels of the prepbench harness, from Python.

    import prepbench
    out = prepbench.preprocess("siglip-so400m-384", images)            # what the HF processor returns
    pv = prepbench.resize_normalize(images, (384, 384), mean, std, 1 / 255, "bicubic", True)  # cv-utils v2's call

Images: uint8 RGB, torch tensors (CPU or CUDA) or numpy arrays. See README.md, "Python".
"""

from ._native import PrepbenchError, catalog, has_cuda, last_variant, library_path, version
from .functional import pipelines, preprocess, reference, resize_normalize, resize_normalize_patchify

__version__ = version().split(" ", 1)[0]
__all__ = ["PrepbenchError", "catalog", "has_cuda", "last_variant", "library_path", "pipelines", "preprocess",
           "reference", "resize_normalize", "resize_normalize_patchify", "version"]
