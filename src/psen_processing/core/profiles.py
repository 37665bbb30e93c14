"""Per-frame processing: settings snapshot + image in, profiles and problems out (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .calibration_record import CalibrationRecord
from .edge_tracking import EdgeDetectionSettings
from .roi import EMPTY_ROI, Profile, Roi, RoiSetting, exact_column_sums, roi_to_json

__all__ = [
    "ArrayRows",
    "FrameResult",
    "ImageRows",
    "ProcessingSettings",
    "Profile",
    "background_on_signal_scale",
    "process_image",
]


@dataclass(frozen=True, slots=True)
class ProcessingSettings:
    """Everything that steers processing; replaced as a whole, so a frame sees one snapshot."""

    roi_signal: RoiSetting = EMPTY_ROI
    roi_background: RoiSetting = EMPTY_ROI
    edge_detection: EdgeDetectionSettings = field(default_factory=EdgeDetectionSettings)
    calibration_record: CalibrationRecord = field(default_factory=CalibrationRecord)
    """Where the edge calibration came from, and the one before it (see /calibration)."""

    def to_json(self) -> dict[str, object]:
        """Everything, as saved in the settings file."""
        return {
            "roi_signal": roi_to_json(self.roi_signal),
            "roi_background": roi_to_json(self.roi_background),
            "edge_detection": self.edge_detection.to_json(),
            "calibration": self.calibration_record.to_json(),
        }

    @property
    def parameters_json(self) -> str:
        """The ``.processing_parameters`` channel value for frames processed with these settings:
        both ROIs, and while edge detection is enabled the edge settings and the calibration's
        identity (``calibration_source``: the applied fit's, or null for one set by hand)."""
        parameters: dict[str, object] = {
            "roi_signal": roi_to_json(self.roi_signal),
            "roi_background": roi_to_json(self.roi_background),
        }
        if self.edge_detection.enabled:
            parameters["edge_detection"] = self.edge_detection.to_json()
            source = self.calibration_record.source(self.edge_detection.calibration)
            parameters["calibration_source"] = None if source is None else source.identity()
        return json.dumps(parameters)


@dataclass(frozen=True, slots=True)
class FrameResult:
    roi_signal_x_profile: Profile | None = None
    """As sent: numpy's sum type of the image (uint64, int64, float32 or float64)."""
    roi_background_x_profile: Profile | None = None
    problems: tuple[str, ...] = field(default=())
    """Stable reason keys for what could not be computed, e.g. ``roi_signal_outside_image``."""

    @property
    def signal_float64(self) -> npt.NDArray[np.float64] | None:
        """The signal profile as float64, as the edge detection and the live page use it."""
        return _float64(self.roi_signal_x_profile)

    @property
    def background_float64(self) -> npt.NDArray[np.float64] | None:
        return _float64(self.roi_background_x_profile)


def _float64(profile: Profile | None) -> npt.NDArray[np.float64] | None:
    return None if profile is None else profile.astype(np.float64, copy=False)


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
"""A column sum (of a 64-bit integer image) does not fit the profile's 64-bit integer type:
that frame's profile is sent as float64, the exact sums correctly rounded (never wrapped)."""


def _profile(image: ImageRows, roi: RoiSetting, name: str, problems: list[str]) -> Profile | None:
    if not isinstance(roi, Roi):
        return None
    height, width = image.shape
    if not roi.fits(height, width):
        problems.append(f"{name}_outside_image")
        return None
    rows = image.rows(roi.offset_y, roi.offset_y + roi.size_y)
    profile, fits = exact_column_sums(rows[:, roi.offset_x : roi.offset_x + roi.size_x])
    if not fits and SUM_INEXACT not in problems:
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
    background: Profile | None, roi_signal: RoiSetting, roi_background: RoiSetting
) -> npt.NDArray[np.float64] | None:
    """The background profile (of any profile type) scaled to the signal ROI's number of rows
    (profiles are sums), as float64, as the edge detection subtracts it; None without a
    background profile or either ROI."""
    if background is None or not isinstance(roi_signal, Roi):
        return None
    if not isinstance(roi_background, Roi):
        return None
    scaled: npt.NDArray[np.float64] = background.astype(np.float64) * (
        roi_signal.size_y / roi_background.size_y
    )
    return scaled
