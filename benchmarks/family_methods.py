"""The service's edge finders behind the benchmark family's method interface
(``psen_family/method.py``), for ``family_benchmark.py``."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from psen_family.camera import RoiGeometry
from psen_family.method import NO_EDGE, Result
from psen_family.spec import Direction
from psen_processing.edge import EdgeParams, ReferenceAccumulator, find_edge

__all__ = ["CurrentMethod", "CurrentWithBackground"]

F64 = npt.NDArray[np.float64]


class CurrentMethod:
    """The service's edge finder with its default settings (the direction given by the run):
    the mean of the last 16 references, :func:`psen_processing.edge.find_edge`."""

    background_subtraction = False

    def __init__(self, direction: Direction, geometry: RoiGeometry) -> None:
        self._params = EdgeParams(
            direction=direction, background_subtraction=self.background_subtraction
        )
        self._references = ReferenceAccumulator(16)
        self.geometry = geometry
        self._scale = geometry.signal[3] / geometry.background[3]

    def reset(self) -> None:
        self._references.reset()

    def reference(self, signal: F64, background: F64) -> None:
        self._references.add(signal)

    def xray(self, signal: F64, background: F64) -> Result:
        reference = self._references.mean
        if reference is None:
            return NO_EDGE
        edge = find_edge(signal, reference, self._params, background * self._scale)
        return Result(edge.position, True) if edge.found else NO_EDGE


class CurrentWithBackground(CurrentMethod):
    """:class:`CurrentMethod` with ``background_subtraction``: the background profile, scaled
    to the signal ROI's rows, subtracted from signal and reference (as the service does)."""

    background_subtraction = True
