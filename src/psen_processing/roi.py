"""Regions of interest and their X profiles (pure numpy, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from .errors import InvalidRoi
from .limits import MAX_ROI_OFFSET, MAX_ROI_SIZE, integral, shown

__all__ = [
    "EMPTY_ROI",
    "Roi",
    "RoiSetting",
    "check_roi_fits",
    "column_sums",
    "parse_roi",
    "roi_to_json",
    "roi_x_profile",
]


@dataclass(frozen=True, slots=True)
class Roi:
    """A rectangle ``[offset_x, size_x, offset_y, size_y]`` counted from the image's top left."""

    offset_x: int
    size_x: int
    offset_y: int
    size_y: int

    def as_list(self) -> list[int]:
        return [self.offset_x, self.size_x, self.offset_y, self.size_y]

    def fits(self, height: int, width: int) -> bool:
        return self.offset_x + self.size_x <= width and self.offset_y + self.size_y <= height


EMPTY_ROI: tuple[()] = ()
"""A ROI switched off by setting ``[]``; it is reported back as ``[]``."""

RoiSetting: TypeAlias = Roi | tuple[()] | None
"""A ROI as set by a user: a rectangle, or off (``[]`` or ``None``, each reported as set)."""

_FIELDS = ("offset_x", "size_x", "offset_y", "size_y")


def _as_int(name: str, value: object, roi_name: str, raw: object) -> int:
    number = integral(value) if isinstance(value, int | float) else None
    if number is None:
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(raw)}: {name} must be an integer, not {shown(value)}."
        )
    return number


def parse_roi(value: object, roi_name: str = "ROI") -> RoiSetting:
    """Validate a ROI as received from a user (JSON-decoded) and return it as a value object.

    Rules: ``None`` or ``[]`` switch the ROI off; otherwise a list of 4 integers
    ``[offset_x, size_x, offset_y, size_y]`` with offsets in ``[0, MAX_ROI_OFFSET]`` and sizes
    in ``[1, MAX_ROI_SIZE]``.
    Whether it fits a given image is checked separately (:func:`check_roi_fits`).
    """
    if value is None:
        return None
    if isinstance(value, Roi):
        return value
    if not isinstance(value, list | tuple):
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(value)}: ROI must be a list [offset_x, size_x, offset_y, "
            "size_y], [] or null."
        )
    if len(value) == 0:
        return EMPTY_ROI
    if len(value) != 4:
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(list(value))}: ROI must have exactly 4 values "
            f"[offset_x, size_x, offset_y, size_y], but {len(value)} were given."
        )
    ox, sx, oy, sy = (
        _as_int(f, v, roi_name, list(value)) for f, v in zip(_FIELDS, value, strict=True)
    )
    for field_name, number, low, high in (
        ("offset_x", ox, 0, MAX_ROI_OFFSET),
        ("size_x", sx, 1, MAX_ROI_SIZE),
        ("offset_y", oy, 0, MAX_ROI_OFFSET),
        ("size_y", sy, 1, MAX_ROI_SIZE),
    ):
        if low <= number <= high:
            continue
        if number < low:  # the messages of old, which clients may look for
            raise InvalidRoi(
                f"Invalid {roi_name} {shown(list(value))}: offsets cannot be negative "
                f"(offset_x={ox}, offset_y={oy})."
                if low == 0
                else f"Invalid {roi_name} {shown(list(value))}: sizes must be larger than 0 "
                f"(size_x={sx}, size_y={sy})."
            )
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(list(value))}: {field_name}={shown(number)} must be "
            f"at most {high} (a ROI lies in an image of at most {MAX_ROI_SIZE} x "
            f"{MAX_ROI_SIZE} pixels)."
        )
    return Roi(ox, sx, oy, sy)


def check_roi_fits(roi: RoiSetting, height: int, width: int, roi_name: str = "ROI") -> None:
    """Raise :class:`InvalidRoi` if ``roi`` does not lie inside an image of ``height x width``."""
    if not isinstance(roi, Roi) or roi.fits(height, width):
        return
    raise InvalidRoi(
        f"Invalid {roi_name} {roi.as_list()!r}: offset + size must not exceed the image size "
        f"(image is {width} wide and {height} high; offset_x + size_x = "
        f"{roi.offset_x + roi.size_x}, offset_y + size_y = {roi.offset_y + roi.size_y})."
    )


def roi_to_json(roi: RoiSetting) -> list[int] | None:
    """The ROI in the form the user set it: a list of 4, ``[]`` or ``None``."""
    if roi is None:
        return None
    if isinstance(roi, Roi):
        return roi.as_list()
    return []


def column_sums(window: npt.NDArray[np.generic]) -> npt.NDArray[np.float64]:
    """Sum over the rows of a 2-D window, as float64, without overflow.

    8- and 16-bit integers are accumulated in 32-bit integers (exact for any window of fewer
    than 65536 rows, and twice as fast as float64); wider integers in 64 bits; floats in
    float64. Every integer result is exact as long as a column sum stays below 2**53.
    """
    kind, itemsize, rows = window.dtype.kind, window.dtype.itemsize, window.shape[0]
    accumulator: type[np.generic]
    if kind in "ub" and itemsize <= 2 and rows < 65536:
        accumulator = np.uint32
    elif kind == "i" and itemsize <= 2 and rows < 65536:
        accumulator = np.int32
    elif kind in "ub":
        accumulator = np.uint64
    elif kind == "i":
        accumulator = np.int64
    else:
        accumulator = np.float64
    sums = np.add.reduce(window, axis=0, dtype=accumulator)
    profile: npt.NDArray[np.float64] = sums.astype(np.float64, copy=False)
    return profile


def roi_x_profile(image: npt.NDArray[np.generic], roi: Roi) -> npt.NDArray[np.float64]:
    """X profile of ``roi`` in a 2-D ``image`` of numpy shape (height, width): sum over its rows.

    Exact for integer images (no overflow); the caller checks that the ROI fits.
    """
    window = image[
        roi.offset_y : roi.offset_y + roi.size_y, roi.offset_x : roi.offset_x + roi.size_x
    ]
    return column_sums(window)
