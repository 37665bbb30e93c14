"""The service's edge finders behind the benchmark family's method interface
(``psen_family/method.py``), for ``family_benchmark.py``."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from psen_family.camera import RoiGeometry
from psen_family.method import NO_EDGE, Result
from psen_family.spec import Direction
from psen_processing.core.learned_edge import LearnedEdgeFinder
from psen_processing.core.matched_filter import EdgeParams, ReferenceAccumulator, find_edge

__all__ = ["CurrentMethod", "CurrentWithBackground", "LearnedNoiseMethod"]

F64 = npt.NDArray[np.float64]


class CurrentMethod:
    """The service's edge finder with its default settings (the direction given by the run):
    the mean of the last 16 references, :func:`psen_processing.core.matched_filter.find_edge`."""

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


class LearnedNoiseMethod:
    """The service's learned-noise edge search as it runs in the service
    (:class:`psen_processing.core.learned_edge.LearnedEdgeFinder` with the default
    :class:`EdgeParams`: pedestal from the background profiles, the reference of the last 16
    references, models from the last 256 reference ratios; builds run at once here, which
    gives the same answers as the service's builds off the loop). An X-ray shot's position is
    NaN below ``min_z`` (no edge reported); it is confident when the service's
    ``edge_confident`` is (:func:`psen_processing.core.learned_edge.is_confident`, the rule
    README documents; until 2026-11-30 ``edge_z >= 6`` and ``edge_runner_up_ratio >= 2``
    only). Before the first model no edge is reported (the service falls back to the matched
    filter)."""

    def __init__(self, direction: Direction, geometry: RoiGeometry) -> None:
        self.params = EdgeParams(direction=direction)
        self.sign = -1.0 if direction == "falling" else 1.0
        self.scale = geometry.signal[3] / geometry.background[3]
        self.finder = LearnedEdgeFinder()

    def reset(self) -> None:
        self.finder.reset()

    def reference(self, signal: F64, background: F64) -> None:
        self.finder.add_reference(signal, background * self.scale, 16)

    def xray(self, signal: F64, background: F64) -> Result:
        edge = self.finder.find(
            signal, background * self.scale, self.sign, self.params.min_z, self.params.max_depth
        )
        if edge is None or not edge.found:
            return NO_EDGE
        return Result(edge.position, edge.confident)
