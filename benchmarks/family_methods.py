"""The service's edge finders behind the benchmark family's method interface
(``psen_family/method.py``), for ``family_benchmark.py``."""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

from psen_family.camera import RoiGeometry
from psen_family.method import NO_EDGE, Result
from psen_family.spec import Direction
from psen_processing.edge import EdgeParams, ReferenceAccumulator, find_edge
from psen_processing.noise_model import (
    ModelParams,
    NoiseModel,
    brightness,
    find_gls_edge,
    learn_noise_model,
    reference_ratio,
)

__all__ = ["CurrentMethod", "CurrentWithBackground", "LearnedNoiseMethod"]

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


class LearnedNoiseMethod:
    """The learned-noise edge search of :mod:`psen_processing.noise_model`, kept as the
    prototype keeps it: the pedestal is the mean of the last 64 background profiles scaled to
    the signal's rows; the reference the mean of the last 16 references; the model learned
    from the ratios of the last 128 references (each to the reference before it joined),
    anew every 8 references."""

    REFERENCES = 16
    RATIOS = 128
    EVERY = 8
    BACKGROUNDS = 64
    Z_MIN = 6.0
    RATIO_MIN = 1.5

    def __init__(self, direction: Direction, geometry: RoiGeometry) -> None:
        self.sign = -1.0 if direction == "falling" else 1.0
        self.scale = geometry.signal[3] / geometry.background[3]
        self.params = ModelParams()
        self.reset()

    def reset(self) -> None:
        self.references: deque[F64] = deque(maxlen=self.REFERENCES)
        self.ratios: deque[F64] = deque(maxlen=self.RATIOS)
        self.backgrounds: deque[F64] = deque(maxlen=self.BACKGROUNDS)
        self.mean: F64 | None = None
        self.model: NoiseModel | None = None
        self.since = 0

    def _pedestal_free(self, signal: F64, background: F64) -> F64:
        self.backgrounds.append(np.asarray(background, dtype=np.float64))
        pedestal = np.mean(np.stack(self.backgrounds), axis=0) * self.scale
        return np.asarray(signal - pedestal, dtype=np.float64)

    def reference(self, signal: F64, background: F64) -> None:
        s = self._pedestal_free(signal, background)
        mean = self.mean
        if mean is not None and mean.size == s.size:
            usable = mean > self.params.usable_fraction * mean.max()
            self.ratios.append(reference_ratio(s, mean, usable))
        self.references.append(s)
        self.mean = np.mean(np.stack(self.references), axis=0)
        self.since += 1
        if self.model is None or self.since >= self.EVERY:
            self.since = 0
            if len(self.ratios) >= 4:
                self.model = learn_noise_model(self.mean, np.stack(self.ratios), self.params)

    def xray(self, signal: F64, background: F64) -> Result:
        model = self.model
        if model is None or model.reference.size != signal.size:
            return NO_EDGE
        s = self._pedestal_free(signal, background)
        ratio = reference_ratio(s, model.reference, model.usable)
        edge = find_gls_edge(model, ratio, self.sign, brightness(s, model.reference, model.usable))
        if not edge.z > 0:
            return NO_EDGE
        confident = edge.z >= self.Z_MIN and edge.runner_up_ratio >= self.RATIO_MIN
        return Result(edge.position, confident)
