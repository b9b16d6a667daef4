"""Photo-like uint8 test images (never zeros, never flat noise): smooth shading, hard edges, texture and a little
sensor noise, seeded, so that resampling sees what it sees in photographs."""

import numpy as np


def photo(h, w, seed):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.empty((h, w, 3))
    for c in range(3):
        v = 128 + 60 * np.sin(x / rng.uniform(7, 40) + rng.uniform(0, 6)) * np.cos(y / rng.uniform(7, 40))
        v += 40 * ((x * rng.uniform(-1, 1) + y * rng.uniform(-1, 1)) > rng.uniform(-0.3, 0.3) * (h + w))  # an edge
        v += 25 * np.sin((x + 2 * y) / 2.3 + c)  # fine texture near Nyquist
        v += rng.normal(0, 4, (h, w))
        img[..., c] = v
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def batch(shapes, seed=0):
    return [photo(h, w, seed + i) for i, (h, w) in enumerate(shapes)]


RAGGED = [(300, 400), (512, 256), (97, 131), (640, 480), (1000, 333)]
