"""The step cross-correlation baseline.

On an X-ray shot: the signal profile minus the mean of the last 4 reference profiles (fewer
at the start of a run; none: no edge), correlated with a step of 50 px (25 px of +1 then 25
of -1 for a falling edge, the opposite for a rising one); the argmax is the step's position and
the edge is reported at the step's centre, between its 25th and 26th pixel (a half-integer
index). It has no notion of confidence: every edge it reports is flagged confident.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np
import numpy.typing as npt

from .camera import RoiGeometry
from .method import NO_EDGE, Result
from .spec import Direction

__all__ = ["StepCorrelation"]

F64 = npt.NDArray[np.float64]


class StepCorrelation:
    """Signal minus the mean of the last 4 references, correlated with a +1/-1 step, argmax."""

    HALF = 25
    """Pixels of each sign in the step."""
    REFERENCES = 4

    def __init__(self, direction: Direction, geometry: RoiGeometry) -> None:
        sign = 1.0 if direction == "falling" else -1.0
        self._kernel = sign * np.concatenate([np.ones(self.HALF), -np.ones(self.HALF)])
        self._references: deque[F64] = deque(maxlen=self.REFERENCES)
        self.geometry = geometry

    def reset(self) -> None:
        self._references.clear()

    def reference(self, signal: F64, background: F64) -> None:
        self._references.append(np.array(signal, dtype=np.float64))

    def xray(self, signal: F64, background: F64) -> Result:
        if not self._references or signal.size < self._kernel.size:
            return NO_EDGE
        difference = signal - np.mean(np.stack(self._references), axis=0)
        # np.correlate(a, v)[i] = sum_j a[i + j] * v[j]: the step's window starts at i
        score = np.correlate(difference, self._kernel, mode="valid")
        start = int(np.argmax(score))
        position = start + self.HALF - 0.5
        return Result(position, True) if math.isfinite(position) else NO_EDGE
