"""A plain, unoptimised statement of the edge finder's method, as an oracle for the tests.

It does what :func:`psen_processing.core.matched_filter.find_edge` does, one step after the
other on whole arrays, with no fast paths and nothing kept between calls: the optimised code
must give the same results (see test_edge.py and test_timing.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from psen_processing.core.matched_filter import EdgeParams

FloatArray = npt.NDArray[np.float64]

NOT_FOUND = (math.nan, math.nan, math.nan, False)


def plain_find_edge(
    signal: FloatArray,
    reference: FloatArray,
    params: EdgeParams,
    background: FloatArray | None = None,
) -> tuple[float, float, float, bool]:
    """(position, amplitude, fwhm, found) as :func:`find_edge` should give them."""
    sig = np.array(signal, dtype=np.float64)
    ref = np.array(reference, dtype=np.float64)
    assert sig.ndim == ref.ndim == 1 and sig.size == ref.size
    if params.background_subtraction and background is not None:
        bg = np.array(background, dtype=np.float64)
        if bg.size == sig.size:
            sig, ref = sig - bg, ref - bg
        elif bg.size:
            sig, ref = sig - float(bg.mean()), ref - float(bg.mean())
    if ref.size == 0 or np.isnan(ref).any():
        return NOT_FOUND
    top = float(np.max(ref))
    if not math.isfinite(top) or top <= 0:
        return NOT_FOUND
    threshold = params.reference_threshold * top
    usable = np.flatnonzero(ref > threshold)
    first, last = int(usable[0]), int(usable[-1]) + 1
    length = params.filter_length
    if last - first < length + 2:
        return NOT_FOUND
    sig, ref = sig[first:last], ref[first:last]
    light = float(np.sum(sig))
    if not light > 0:
        return NOT_FOUND
    dim = ref <= threshold
    if dim.any():
        ref = np.maximum(ref, max(params.reference_threshold, 1e-9) * top)
    ratio = sig * (float(np.sum(ref)) / light) / ref
    if dim.any():
        index = np.arange(ratio.size)
        ratio[dim] = np.interp(index[dim], index[~dim], ratio[~dim])
    response = np.correlate(ratio, params.kernel, mode="valid")
    if not np.all(np.isfinite(response)):
        return NOT_FOUND
    centre = length // 2
    weight = np.sqrt(ref[centre : centre + response.size] / top)
    best = int(np.argmax(response * weight))
    reach = max(1, length // 4)
    low = max(0, best - reach)
    peak = low + int(np.argmax(response[low : best + reach + 1]))
    vertex, amplitude, fwhm = plain_fit_peak(response, peak, params.fit_fraction)
    if not amplitude >= params.min_amplitude:
        return math.nan, amplitude, math.nan, False
    return first + peak + vertex + 0.5 * (length - 1), amplitude, fwhm, True


def plain_fit_peak(response: FloatArray, peak: int, fraction: float) -> tuple[float, float, float]:
    """Vertex offset, value and FWHM of the least-squares parabola through the contiguous
    points at or above ``fraction`` of the peak (at least the peak and its neighbours)."""
    top = float(response[peak])
    above = response >= fraction * top
    start = peak
    while start > 0 and above[start - 1]:
        start -= 1
    stop = peak + 1
    while stop < response.size and above[stop]:
        stop += 1
    start, stop = min(start, max(peak - 1, 0)), max(stop, min(peak + 2, response.size))
    if stop - start < 3:
        return 0.0, top, math.nan
    fit = plain_parabola([float(v) for v in response[start:stop]], start - peak)
    if fit is None or fit[2] >= 0:
        return 0.0, top, math.nan
    c, b, a = fit
    vertex = min(1.0, max(-1.0, -b / (2.0 * a)))
    value = c + b * vertex + a * vertex * vertex
    fwhm = 2.0 * math.sqrt(-value / (2.0 * a)) if value > 0 else math.nan
    return vertex, value, fwhm


def plain_parabola(y: Sequence[float], first: int) -> tuple[float, float, float] | None:
    """``(c, b, a)`` of ``c + b t + a t**2`` by the normal equations (Cramer's rule), summing
    in order of ``t`` (the order fixes the rounding)."""
    s = [0.0] * 5
    m = [0.0] * 3
    for i, value in enumerate(y):
        t = float(first + i)
        powers = (1.0, t, t * t, t * t * t, (t * t) * (t * t))
        for k in range(5):
            s[k] += powers[k]
        for k in range(3):
            m[k] += value * powers[k]
    s0, s1, s2, s3, s4 = s
    y0, y1, y2 = m
    det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2)
    if det == 0.0 or not math.isfinite(det):
        return None
    c = (y0 * (s2 * s4 - s3 * s3) - s1 * (y1 * s4 - s3 * y2) + s2 * (y1 * s3 - s2 * y2)) / det
    b = (s0 * (y1 * s4 - y2 * s3) - y0 * (s1 * s4 - s3 * s2) + s2 * (s1 * y2 - y1 * s2)) / det
    a = (s0 * (s2 * y2 - s3 * y1) - s1 * (s1 * y2 - y1 * s2) + y0 * (s1 * s3 - s2 * s2)) / det
    return c, b, a


class PlainReferences:
    """The reference average kept plainly: a list of the held profiles and their mean."""

    def __init__(self, length: int) -> None:
        self.length = length
        self.held: list[FloatArray] = []

    def add(self, profile: FloatArray) -> bool:
        values = np.array(profile, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            return False
        if self.held and self.held[-1].size != values.size:
            self.held = []
        self.held = [*self.held, values][-self.length :]
        return True

    def resize(self, length: int) -> None:
        self.length = length
        self.held = self.held[-length:]

    def reset(self) -> None:
        self.held = []

    @property
    def mean(self) -> FloatArray | None:
        if not self.held:
            return None
        mean: FloatArray = np.mean(self.held, axis=0)
        return mean
