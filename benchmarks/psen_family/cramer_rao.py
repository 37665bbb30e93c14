"""Cramér-Rao bounds of the edge position: the physical limit.

For one X-ray shot, with every parameter but the edge position known, the signal profile's
columns are independent with mean ``mu_x(p)`` and variance ``V_x`` (photon noise ``gain^2 *
photons``, read noise and the truncation's 1/12 per pixel, summed over the ROI's rows); the
Fisher information is ``sum_x (d mu_x / d p)^2 / V_x`` (Gaussian columns; the dependence of
``V_x`` on ``p`` is left out, as for Poisson counts) and the bound on the position's variance
is its inverse. Dead and hot columns carry no information; clipping at 0 is neglected (the
bound is slightly optimistic for a pedestal near 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .generator import Shot

__all__ = ["aggregate_bound", "position_variance_bound"]

STEP = 0.05
"""Half the step (px) of the central difference of the expected profile."""


def position_variance_bound(shot: Shot, step: float = STEP) -> float:
    """The bound on the variance (px^2) of an unbiased estimate of ``shot``'s edge position
    from its signal profile; NaN on a reference shot, inf if the profile holds no information.
    """
    if not shot.is_xray:
        return math.nan
    derivative = shot.profile_derivative(step)
    variance = shot.profile_variance()
    used = variance > 0.0
    information = float(np.sum(derivative[used] ** 2 / variance[used]))
    return 1.0 / information if information > 0.0 else math.inf


def aggregate_bound(variances: Iterable[float]) -> float:
    """``sqrt(mean(variance bounds))`` (px) over X-ray shots (NaNs, i.e. references, skipped)."""
    values = np.array([v for v in variances if not math.isnan(v)], dtype=np.float64)
    return math.sqrt(float(np.mean(values))) if values.size else math.nan
