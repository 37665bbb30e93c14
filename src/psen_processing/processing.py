"""Per-frame processing: settings snapshot + image in, profiles and problems out (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .roi import EMPTY_ROI, Roi, RoiSetting, exact_column_sums, roi_to_json
from .timing import EdgeDetectionSettings

__all__ = [
    "ArrayRows",
    "FrameResult",
    "ImageRows",
    "ProcessingSettings",
    "background_on_signal_scale",
    "process_image",
]


@dataclass(frozen=True, slots=True)
class ProcessingSettings:
    """Everything that steers processing; replaced as a whole, so a frame sees one snapshot."""

    roi_signal: RoiSetting = EMPTY_ROI
    roi_background: RoiSetting = EMPTY_ROI
    edge_detection: EdgeDetectionSettings = field(default_factory=EdgeDetectionSettings)

    def to_json(self) -> dict[str, object]:
        """Everything, as saved in the settings file."""
        return {
            "roi_signal": roi_to_json(self.roi_signal),
            "roi_background": roi_to_json(self.roi_background),
            "edge_detection": self.edge_detection.to_json(),
        }

    @property
    def parameters_json(self) -> str:
        """The ``.processing_parameters`` channel value for frames processed with these settings:
        both ROIs, and the edge settings while edge detection is enabled."""
        parameters: dict[str, object] = {
            "roi_signal": roi_to_json(self.roi_signal),
            "roi_background": roi_to_json(self.roi_background),
        }
        if self.edge_detection.enabled:
            parameters["edge_detection"] = self.edge_detection.to_json()
        return json.dumps(parameters)


@dataclass(frozen=True, slots=True)
class FrameResult:
    roi_signal_x_profile: npt.NDArray[np.float64] | None = None
    roi_background_x_profile: npt.NDArray[np.float64] | None = None
    problems: tuple[str, ...] = field(default=())
    """Stable reason keys for what could not be computed, e.g. ``roi_signal_outside_image``."""


class ImageRows(Protocol):
    """A 2-D image that hands out rows: a numpy array wrapped by :class:`ArrayRows`, or a
    received image decoded lazily (:class:`psen_processing.codec.LazyImage`)."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def rows(self, start: int, stop: int) -> npt.NDArray[np.generic]: ...

    def picked_rows(self, rows: Sequence[int]) -> npt.NDArray[np.generic]: ...


@dataclass(frozen=True, slots=True)
class ArrayRows:
    array: npt.NDArray[np.generic]

    @property
    def shape(self) -> tuple[int, int]:
        height, width = self.array.shape
        return height, width

    def rows(self, start: int, stop: int) -> npt.NDArray[np.generic]:
        return self.array[start:stop]

    def picked_rows(self, rows: Sequence[int]) -> npt.NDArray[np.generic]:
        return self.array[list(rows)]


SUM_INEXACT = "profile_sum_inexact"
"""A profile holds a column sum (of a 64-bit integer image) that float64 cannot hold exactly:
the nearest float64 is sent."""


def _profile(
    image: ImageRows, roi: RoiSetting, name: str, problems: list[str]
) -> npt.NDArray[np.float64] | None:
    if not isinstance(roi, Roi):
        return None
    height, width = image.shape
    if not roi.fits(height, width):
        problems.append(f"{name}_outside_image")
        return None
    rows = image.rows(roi.offset_y, roi.offset_y + roi.size_y)
    profile, exact = exact_column_sums(rows[:, roi.offset_x : roi.offset_x + roi.size_x])
    if not exact and SUM_INEXACT not in problems:
        problems.append(SUM_INEXACT)
    return profile


def process_image(
    image: npt.NDArray[np.generic] | ImageRows, settings: ProcessingSettings
) -> FrameResult:
    """Both ROI profiles of a 2-D image (numpy shape ``(height, width)``), reading only the
    rows the ROIs cover."""
    if isinstance(image, np.ndarray):
        image = ArrayRows(image)
    problems: list[str] = []
    signal = _profile(image, settings.roi_signal, "roi_signal", problems)
    background = _profile(image, settings.roi_background, "roi_background", problems)
    return FrameResult(signal, background, tuple(problems))


def background_on_signal_scale(
    background: npt.NDArray[np.float64] | None, roi_signal: RoiSetting, roi_background: RoiSetting
) -> npt.NDArray[np.float64] | None:
    """The background profile scaled to the signal ROI's number of rows (profiles are sums),
    as the edge detection subtracts it; None without a background profile or either ROI."""
    if background is None or not isinstance(roi_signal, Roi):
        return None
    if not isinstance(roi_background, Roi):
        return None
    return background * (roi_signal.size_y / roi_background.size_y)
