"""Regions of interest and their X profiles (pure numpy, no I/O)."""

from __future__ import annotations

from typing import Annotated, Any, TypeAlias

import numpy as np
import numpy.typing as npt
from pydantic.dataclasses import dataclass as pydantic_dataclass

from ..errors import InvalidRoi
from .limits import MAX_ROI_OFFSET, MAX_ROI_SIZE, shown
from .settings import Integer, refusing

__all__ = [
    "EMPTY_ROI",
    "Profile",
    "Roi",
    "RoiSetting",
    "check_roi_fits",
    "exact_column_sums",
    "parse_roi",
    "profile_dtype",
    "roi_request_schema",
    "roi_schema",
    "roi_to_json",
    "roi_x_profile",
]


ROI_OFFSET = Integer(0, MAX_ROI_OFFSET)
ROI_SIZE = Integer(1, MAX_ROI_SIZE)
"""A ROI lies in an image of at most ``MAX_ROI_SIZE x MAX_ROI_SIZE`` pixels."""


@refusing(InvalidRoi, "ROI")
@pydantic_dataclass(frozen=True, slots=True)
class Roi:
    """A rectangle ``[offset_x, size_x, offset_y, size_y]`` counted from the image's top left."""

    offset_x: Annotated[int, ROI_OFFSET]
    size_x: Annotated[int, ROI_SIZE]
    offset_y: Annotated[int, ROI_OFFSET]
    size_y: Annotated[int, ROI_SIZE]

    def as_list(self) -> list[int]:
        return [self.offset_x, self.size_x, self.offset_y, self.size_y]

    def fits(self, height: int, width: int) -> bool:
        return self.offset_x + self.size_x <= width and self.offset_y + self.size_y <= height


EMPTY_ROI: tuple[()] = ()
"""A ROI that is off: never set, or set to ``[]`` or ``None``; reported as ``[]`` (as 1.x)."""

RoiSetting: TypeAlias = Roi | tuple[()] | None
"""A ROI: a rectangle, or off. :func:`parse_roi` gives :data:`EMPTY_ROI` for off; ``None`` is
taken as off too wherever a ROI is read."""

_FIELDS = ("offset_x", "size_x", "offset_y", "size_y")
_KINDS = (ROI_OFFSET, ROI_SIZE, ROI_OFFSET, ROI_SIZE)


def roi_schema() -> dict[str, Any]:
    """The JSON Schema of a ROI as the API shows it: the 4 numbers, or ``[]`` when it is off."""
    items = [{**kind.json_schema(), "title": f} for f, kind in zip(_FIELDS, _KINDS, strict=True)]
    rectangle = {
        "type": "array",
        "prefixItems": items,
        "items": False,
        "minItems": 4,
        "maxItems": 4,
        "description": "[offset_x, size_x, offset_y, size_y]",
    }
    return {"oneOf": [{"type": "array", "maxItems": 0}, rectangle]}


def roi_request_schema() -> dict[str, Any]:
    """The JSON Schema of a ROI as a request sets it (:func:`parse_roi`): also null (off)."""
    return {"oneOf": [{"type": "null"}, *roi_schema()["oneOf"]]}


def _as_int(name: str, value: object, roi_name: str, raw: object) -> int:
    number = Integer.whole(value)
    if number is None:
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(raw)}: {name}={shown(value)} must be an integer."
        )
    return number


def parse_roi(value: object, roi_name: str = "ROI") -> RoiSetting:
    """Validate a ROI as received from a user (JSON-decoded) and return it as a value object.

    Rules: ``None`` or ``[]`` switch the ROI off (both give :data:`EMPTY_ROI`); otherwise a
    list of 4 integers
    ``[offset_x, size_x, offset_y, size_y]`` with offsets in ``[0, MAX_ROI_OFFSET]`` and sizes
    in ``[1, MAX_ROI_SIZE]``.
    Whether it fits a given image is checked separately (:func:`check_roi_fits`).
    """
    if value is None:
        return EMPTY_ROI
    if isinstance(value, Roi):
        return value
    # The words "must be an instance of a list", "exactly 4 elements", "ROI offsets" and "ROI
    # sizes" are those of psen_processing 1.x: scripts match on them.
    if not isinstance(value, list | tuple):
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(value)}: a ROI must be an instance of a list "
            "[offset_x, size_x, offset_y, size_y]; [] or null switch it off."
        )
    if len(value) == 0:
        return EMPTY_ROI
    if len(value) != 4:
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(list(value))}: a ROI must have exactly 4 elements "
            f"[offset_x, size_x, offset_y, size_y], but {len(value)} were given."
        )
    ox, sx, oy, sy = (
        _as_int(f, v, roi_name, list(value)) for f, v in zip(_FIELDS, value, strict=True)
    )
    if ox < 0 or oy < 0:  # offsets first, as 1.x: [-1, -1, -1, -1] is an offset problem
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(list(value))}: ROI offsets cannot be negative "
            f"(offset_x={ox}, offset_y={oy})."
        )
    if sx < 1 or sy < 1:
        raise InvalidRoi(
            f"Invalid {roi_name} {shown(list(value))}: ROI sizes must be at least 1 "
            f"(size_x={sx}, size_y={sy})."
        )
    for field_name, number, kind in zip(_FIELDS, (ox, sx, oy, sy), _KINDS, strict=True):
        if number > kind.high:
            raise InvalidRoi(
                f"Invalid {roi_name} {shown(list(value))}: {field_name}={shown(number)} must "
                f"be at most {kind.high} (a ROI lies in an image of at most {MAX_ROI_SIZE} x "
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


def roi_to_json(roi: RoiSetting) -> list[int]:
    """The ROI as the API shows it: a list of 4, or ``[]`` when it is off (as 1.x showed it)."""
    if isinstance(roi, Roi):
        return roi.as_list()
    return []


_LOW_32 = np.uint64(0xFFFFFFFF)

_CHUNK_ROWS = 2**30
"""Rows of 64-bit values summed at once: 32-bit halves of fewer rows cannot overflow."""

Profile: TypeAlias = npt.NDArray[Any]
"""An X profile: one sum per column, of numpy's sum type of the image (:func:`profile_dtype`)."""


def profile_dtype(image_dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The type of a profile of an image of ``image_dtype``, as ``image.sum(0)`` gives it
    (psen_processing 1.x sent that): uint64 for unsigned integers, int64 for signed ones and
    booleans, a float of the same size for floats; always in native byte order."""
    if image_dtype.kind == "u":
        return np.dtype(np.uint64)
    if image_dtype.kind in "ib":
        return np.dtype(np.int64)
    return image_dtype.newbyteorder("=")


def _wide_integer_sums(window: npt.NDArray[np.generic]) -> list[int] | npt.NDArray[np.int64]:
    """Exact column sums of a 64-bit integer window: as int64 when they fit, else Python ints.

    The high and low 32 bits of the values are summed apart (neither sum can overflow for
    fewer than 2**30 rows) and put together exactly.
    """
    rows = window.shape[0]
    if rows > _CHUNK_ROWS:
        total = [0] * window.shape[1]
        for start in range(0, rows, _CHUNK_ROWS):
            part = _wide_integer_sums(window[start : start + _CHUNK_ROWS])
            total = [t + int(p) for t, p in zip(total, list(part), strict=True)]
        return total
    native = window.astype(window.dtype.newbyteorder("="), copy=False)
    low = np.add.reduce(native.view(np.uint64) & _LOW_32, axis=0, dtype=np.uint64)
    low = low.astype(np.int64)  # each below rows * 2**32 <= 2**62
    if native.dtype.kind == "u":
        high = np.add.reduce(native >> np.uint64(32), axis=0, dtype=np.uint64).astype(np.int64)
    else:  # arithmetic shift: value == high * 2**32 + low
        high = np.add.reduce(native >> np.int64(32), axis=0, dtype=np.int64)
    if high.size == 0 or int(np.abs(high).max()) < 2**30:  # then the sum fits in int64
        sums: npt.NDArray[np.int64] = (high << np.int64(32)) + low
        return sums
    return [(h << 32) + lo for h, lo in zip(high.tolist(), low.tolist(), strict=True)]


def _wide_profile(window: npt.NDArray[np.generic], wanted: np.dtype[Any]) -> tuple[Profile, bool]:
    """The exact column sums of a 64-bit integer window as ``wanted`` (uint64 or int64), or,
    when one does not fit it, as float64 correctly rounded and False."""
    sums = _wide_integer_sums(window)
    if isinstance(sums, np.ndarray):  # fit int64; unsigned ones are >= 0, so fit uint64 too
        return sums.astype(wanted), True
    info = np.iinfo(wanted)
    if all(info.min <= v <= info.max for v in sums):
        return np.array(sums, dtype=wanted), True
    return np.array([float(v) for v in sums], dtype=np.float64), False


def exact_column_sums(window: npt.NDArray[np.generic]) -> tuple[Profile, bool]:
    """Sum over the rows of a 2-D window, of the type :func:`profile_dtype` gives (numpy's sum
    type, as 1.x sent it); and whether the sums fit that type.

    Integer sums are exact, never wrapped: 8- and 16-bit integers are accumulated in 32-bit
    integers (exact for fewer than 65536 rows, and twice as fast as 64 bits), 32-bit ones in
    64 bits, 64-bit ones exactly (see :func:`_wide_integer_sums`). Only a 64-bit integer
    window can have a sum beyond the 64-bit type: then the sums are given as float64, correctly
    rounded, and False. Floats are accumulated in float64 and rounded once to their own type.
    """
    kind, itemsize, rows = window.dtype.kind, window.dtype.itemsize, window.shape[0]
    wanted = profile_dtype(window.dtype)
    if kind in "iu" and itemsize == 8:
        return _wide_profile(window, wanted)
    accumulator: type[np.generic]
    if kind in "ub" and itemsize <= 2 and rows < 65536:
        accumulator = np.uint32
    elif kind == "i" and itemsize <= 2 and rows < 65536:
        accumulator = np.int32
    elif kind in "iub":
        accumulator = wanted.type
    else:
        accumulator = np.float64
    summed = np.add.reduce(window, axis=0, dtype=accumulator)
    return summed.astype(wanted, copy=False), True


def roi_x_profile(image: npt.NDArray[np.generic], roi: Roi) -> Profile:
    """X profile of ``roi`` in a 2-D ``image`` of numpy shape (height, width): sum over its rows,
    of numpy's sum type (see :func:`exact_column_sums`; the caller checks that the ROI fits)."""
    window = image[
        roi.offset_y : roi.offset_y + roi.size_y, roi.offset_x : roi.offset_x + roi.size_x
    ]
    return exact_column_sums(window)[0]
