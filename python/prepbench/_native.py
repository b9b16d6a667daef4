"""The C ABI (python/capi/prepbench_c.h) through ctypes: one native library for every torch version.

The library is looked for, in order: $PREPBENCH_LIB (a path to libprepbench_c.so), next to this file (an installed
package), then the build folders of a source checkout (build/, build-cpu/, build-device/), so that the tests run
from the tree without an install.
"""

import ctypes
import json
import os
import pathlib
import threading
from collections import OrderedDict

_LIB_NAME = "libprepbench_c.so"
E_OTHER, E_INPUT, E_OOM, E_CUDA = 1, 2, 3, 4


class PrepbenchError(RuntimeError):
    """A failure inside the native library that is not the caller's input (CUDA error, internal error)."""


def _candidates():
    env = os.environ.get("PREPBENCH_LIB")
    if env:
        yield pathlib.Path(env)
        return
    here = pathlib.Path(__file__).resolve().parent
    yield here / _LIB_NAME
    root = here.parent.parent  # python/prepbench -> the repository root
    for build in ("build", "build-cpu", "build-device"):
        yield root / build / _LIB_NAME


def _load():
    tried = []
    for path in _candidates():
        if path.is_file():
            lib = ctypes.CDLL(str(path))
            break
        tried.append(str(path))
    else:
        raise ImportError(
            "prepbench: the native library is not built (looked for " + ", ".join(tried) + "); "
            "run `pip install .` at the repository root, or build it with `cmake --build build --target prepbench_c`")
    c_int, c_char_p, c_void_p = ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p
    lib.pb_last_error.restype = c_char_p
    lib.pb_last_variant.restype = c_char_p
    lib.pb_version.restype = c_char_p
    lib.pb_has_cuda.restype = c_int
    lib.pb_catalog_json.restype = c_char_p
    lib.pb_plan_create.argtypes = [c_char_p, c_int, ctypes.POINTER(c_int), ctypes.POINTER(c_int), c_char_p, c_int,
                                   ctypes.POINTER(c_void_p)]
    lib.pb_plan_create.restype = c_int
    lib.pb_plan_destroy.argtypes = [c_void_p]
    lib.pb_plan_destroy.restype = None
    lib.pb_plan_pinned.argtypes = [c_void_p]
    lib.pb_plan_pinned.restype = c_int
    lib.pb_plan_info.argtypes = [c_void_p]
    lib.pb_plan_info.restype = c_char_p
    lib.pb_run.argtypes = [c_void_p, c_char_p, c_char_p, c_char_p, c_char_p, ctypes.POINTER(c_void_p), c_void_p,
                           c_void_p, c_int]
    lib.pb_run.restype = c_int
    lib.pb_reference.argtypes = [c_void_p, c_char_p, ctypes.POINTER(c_void_p), c_void_p]
    lib.pb_reference.restype = c_int
    lib.path = str(path)
    return lib


_lib = _load()


def _check(rc):
    if rc == 0:
        return
    msg = _lib.pb_last_error().decode()
    if rc == E_INPUT:
        raise ValueError(msg)
    if rc == E_OOM:
        raise MemoryError(msg)
    raise PrepbenchError(msg)


def version():
    return _lib.pb_version().decode()


def has_cuda():
    """Whether this build of the native library contains the CUDA variants (not whether a GPU is present)."""
    return _lib.pb_has_cuda() == 1


def catalog():
    """Pipelines (with every field of their specs), numerics modes and variants, as `prepbench list --json`."""
    return json.loads(_lib.pb_catalog_json().decode())


_GEOMETRIES = None


def geometries():
    """{pipeline name: geometry}, from the catalog (read once)."""
    global _GEOMETRIES
    if _GEOMETRIES is None:
        _GEOMETRIES = {p["name"]: p["geometry"] for p in catalog()["pipelines"]}
    return _GEOMETRIES


def library_path():
    return _lib.path


def last_variant():
    """The variant the last call on this thread ran ("reference" for the float64 / Pillow reference)."""
    return _lib.pb_last_variant().decode()


def _ptr_array(ptrs):
    arr = (ctypes.c_void_p * len(ptrs))()
    for i, p in enumerate(ptrs):
        arr[i] = p
    return arr


class Plan:
    """One native plan: a pipeline spec over a batch of image shapes, with its cached variant setups."""

    def __init__(self, spec, shapes, mode, channels_last=False, targets=None):
        n = len(shapes)
        hw = (ctypes.c_int * (2 * n))(*[int(v) for s in shapes for v in s])
        tg = None
        if targets is not None:
            tg = (ctypes.c_int * (2 * n))(*[int(v) for s in targets for v in s])
        handle = ctypes.c_void_p()
        spec_json = spec if isinstance(spec, str) else json.dumps(spec)
        _check(_lib.pb_plan_create(spec_json.encode(), n, hw, tg, mode.encode(), int(bool(channels_last)),
                                   ctypes.byref(handle)))
        self._h = handle
        self.info = json.loads(_lib.pb_plan_info(handle).decode())
        self.out_shape = tuple(self.info["out_shape"])
        self.side = None  # the torch layer's side table for this plan, made once
        self.out_elems = int(self.info["out_elems"])
        self.n = n

    def __del__(self):
        h = getattr(self, "_h", None)
        if h is not None and _lib is not None:
            _lib.pb_plan_destroy(h)
            self._h = None

    @property
    def pinned(self):
        """A CUDA graph has captured this plan's launch: its device tables must outlive the graph."""
        return _lib.pb_plan_pinned(self._h) == 1

    def run(self, ptrs, out_ptr, *, backend, layout, dtype="fp32", variant="auto", stream=0, device=0):
        if len(ptrs) != self.n:
            raise ValueError(f"{len(ptrs)} images for a plan of {self.n}")
        _check(_lib.pb_run(self._h, variant.encode(), backend.encode(), layout.encode(), dtype.encode(),
                           _ptr_array(ptrs), ctypes.c_void_p(out_ptr), ctypes.c_void_p(stream), int(device)))
        return last_variant()

    def reference(self, ptrs, out_ptr, *, layout):
        if len(ptrs) != self.n:
            raise ValueError(f"{len(ptrs)} images for a plan of {self.n}")
        _check(_lib.pb_reference(self._h, layout.encode(), _ptr_array(ptrs), ctypes.c_void_p(out_ptr)))


class PlanCache:
    """Plans by (spec, shapes, mode, channels_last, targets), least recently used dropped beyond `capacity`: a
    serving loop with repeated shapes pays the planning and the variant setup once per shape."""

    def __init__(self, capacity=64):
        self.capacity = capacity
        self._plans = OrderedDict()
        self._lock = threading.Lock()

    def get(self, spec, shapes, mode, channels_last=False, targets=None):
        """spec: a JSON string, or a dict (serialised with sorted keys)."""
        spec_json = spec if isinstance(spec, str) else json.dumps(spec, sort_keys=True)
        key = (spec_json, tuple(map(tuple, shapes)), mode, bool(channels_last),
               None if targets is None else tuple(map(tuple, targets)))
        return self.lookup(key, lambda: Plan(spec_json, shapes, mode, channels_last, targets))

    def lookup(self, key, make):
        """The plan cached under any hashable `key` that determines it, made by make() on a miss: the torch op's
        hot path keys on its arguments as they come, without serialising the spec."""
        with self._lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        plan = make()
        with self._lock:
            self._plans[key] = plan
            # least recently used first; a plan a CUDA graph captured stays (the graph reads its tables)
            for old in [k for k, p in self._plans.items() if not p.pinned][:max(0, len(self._plans) - self.capacity)]:
                del self._plans[old]
        return plan

    def clear(self):
        """Drops every plan no CUDA graph has captured."""
        with self._lock:
            for k in [k for k, p in self._plans.items() if not p.pinned]:
                del self._plans[k]


plans = PlanCache()
