"""Fast standard normal draws for the camera noise: one random 16-bit integer per value (a
quarter of a raw 64-bit output of the bit generator), looked up in a table of the normal's
quantiles at ``(i + 1/2) / 65536`` (scaled to unit variance).

About 3 times faster than numpy's ziggurat on float32; the only difference from a normal
distribution is that nothing lies beyond 4.33 sigma (a probability of 1.5e-5), which no
pixel statistic here can tell.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt

__all__ = ["normal_quantile_table", "standard_normal"]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

_LEVELS = 65536


def _upper_quantiles(q: F64) -> F64:
    """z with P(Z > z) = q for 0 < q <= 1/2: a rational start (Abramowitz and Stegun 26.2.23)
    polished by Newton steps on the exact complementary error function."""
    t = np.sqrt(-2.0 * np.log(q))
    z = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (
        1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))
    )
    for _ in range(3):
        tail = 0.5 * np.array([math.erfc(v) for v in (z / math.sqrt(2.0)).tolist()])
        density = np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
        z = z + (tail - q) / density
    return z


@cache
def normal_quantile_table() -> F32:
    """The 65536 quantiles (read-only float32), symmetric, with unit variance."""
    half = _LEVELS // 2
    q = (np.arange(half, dtype=np.float64)[::-1] + 0.5) / _LEVELS  # upper half, ascending z
    upper = _upper_quantiles(q)
    table = np.concatenate([-upper[::-1], upper])
    table /= math.sqrt(float(np.mean(table * table)))
    result = table.astype(np.float32)
    result.flags.writeable = False
    return result


def standard_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> F32:
    """``shape`` standard normal values (float32) from the next ``ceil(size / 4)`` raw 64-bit
    outputs of ``rng``'s bit generator (each gives four 16-bit table indices)."""
    size = math.prod(shape)
    raw = rng.bit_generator.random_raw(-(-size // 4))
    index = np.asarray(raw, dtype=np.uint64).view(np.uint16)[:size]
    return normal_quantile_table().take(index).reshape(shape)
