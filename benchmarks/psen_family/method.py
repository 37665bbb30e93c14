"""The interface between the runner and an edge-finding method.

A method is built for one run, from what the service would know: the edge's direction and the
ROIs (:class:`.camera.RoiGeometry`). It is then fed every shot in order, as the two X profiles
the service makes (float64 sums over the ROI's rows: the signal ROI's and the background
ROI's): reference shots through :meth:`EdgeMethod.reference`, X-ray shots through
:meth:`EdgeMethod.xray`, which answers with a :class:`Result`. Adding a method to the
benchmark is one line in ``family_benchmark.METHODS``: its name and its factory (usually the
class itself).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .camera import RoiGeometry
from .spec import Direction

__all__ = ["NO_EDGE", "EdgeMethod", "MethodFactory", "Result"]

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Result:
    """An X-ray shot's answer: the edge's sub-pixel index into the signal profile (NaN: no
    edge found) and whether the method vouches for it."""

    position: float
    confident: bool


NO_EDGE = Result(math.nan, False)


class EdgeMethod(Protocol):
    """A stateful edge finder for one run (it may keep past references)."""

    def reset(self) -> None:
        """Forget everything seen (a new run)."""

    def reference(self, signal: F64, background: F64) -> None:
        """A shot without X-rays: its signal and background profiles."""

    def xray(self, signal: F64, background: F64) -> Result:
        """A shot with X-rays: where its edge is."""
        ...


class MethodFactory(Protocol):
    """Builds a method for a run: ``factory(direction, geometry)``."""

    def __call__(self, direction: Direction, geometry: RoiGeometry) -> EdgeMethod: ...
