"""Where the edge detection's calibration came from: the applied fit's provenance and the
calibration before it (pure values, saved in the settings file)."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidEdgeSettings
from .limits import MAX_CALIBRATION_COEFFICIENTS, MAX_CALIBRATION_MAGNITUDE, MAX_CHANNEL_NAME, shown

__all__ = ["AppliedCalibration", "CalibrationRecord", "PreviousCalibration", "calibration_id"]

MAX_POINTS_RECORDED = 10_000_000
_MAX_TEXT = 64


def calibration_id(made_at: str, coefficients: tuple[float, ...]) -> str:
    """``cal-<made_at, digits only>-<8 hex digits of the coefficients' hash>``."""
    digest = hashlib.sha256(json.dumps(list(coefficients)).encode()).hexdigest()[:8]
    stamp = "".join(c for c in made_at if c.isdigit())[:14]
    return f"cal-{stamp}-{digest}"


def _bad(name: str, value: object, what: str) -> InvalidEdgeSettings:
    return InvalidEdgeSettings(f"Invalid calibration record {name}={shown(value)}: {what}.")


def _text(data: Mapping[str, Any], name: str, limit: int = _MAX_TEXT) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= limit:
        raise _bad(name, value, f"must be a text of 1 to {limit} characters")
    return value


def _float(
    data: Mapping[str, Any], name: str, magnitude: float = MAX_CALIBRATION_MAGNITUDE
) -> float:
    value = data.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or abs(value) > magnitude
    ):
        raise _bad(name, value, f"must be a finite number of absolute value at most {magnitude:g}")
    return float(value)


def _pair(data: Mapping[str, Any], name: str) -> tuple[float, float]:
    value = data.get(name)
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise _bad(name, value, "must be a list of two numbers")
    low, high = (_float({name: v}, name) for v in value)
    return low, high


def _count(data: Mapping[str, Any], name: str) -> int:
    value = data.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_POINTS_RECORDED
    ):
        raise _bad(name, value, f"must be an integer from 0 to {MAX_POINTS_RECORDED}")
    return value


def _coefficients(value: object, name: str) -> tuple[float, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or not 0 < len(value) <= MAX_CALIBRATION_COEFFICIENTS:
        raise _bad(name, value, f"must be null or 1 to {MAX_CALIBRATION_COEFFICIENTS} numbers")
    return tuple(_float({name: v}, name) for v in value)


@dataclass(frozen=True, slots=True)
class AppliedCalibration:
    """A fit made the edge detection's calibration: what it was made from."""

    id: str
    made_at: str
    """When it was applied (ISO 8601, UTC)."""
    coefficients: tuple[float, ...]
    order: int
    points: int
    rejected_fraction: float
    delay_range_fs: tuple[float, float]
    covered_px: tuple[float, float]
    residual_rms_fs: float
    delay_channel: str
    unit: str

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "made_at": self.made_at,
            "coefficients": list(self.coefficients),
            "order": self.order,
            "points": self.points,
            "rejected_fraction": self.rejected_fraction,
            "delay_range_fs": list(self.delay_range_fs),
            "covered_px": list(self.covered_px),
            "residual_rms_fs": self.residual_rms_fs,
            "delay_channel": self.delay_channel,
            "unit": self.unit,
        }

    def identity(self) -> dict[str, object]:
        """What ``.processing_parameters`` carries of it."""
        return {
            "id": self.id,
            "made_at": self.made_at,
            "points": self.points,
            "delay_range_fs": list(self.delay_range_fs),
            "residual_rms_fs": self.residual_rms_fs,
        }

    @classmethod
    def from_json(cls, data: object) -> AppliedCalibration:
        if not isinstance(data, Mapping):
            raise _bad("applied", data, "must be an object")
        coefficients = _coefficients(data.get("coefficients"), "coefficients")
        if coefficients is None:
            raise _bad("coefficients", None, "must be a list of numbers")
        order = data.get("order")
        if isinstance(order, bool) or order not in (1, 2, 3):
            raise _bad("order", order, "must be 1, 2 or 3")
        fraction = _float(data, "rejected_fraction", 1.0)
        if fraction < 0:
            raise _bad("rejected_fraction", fraction, "must be from 0 to 1")
        return cls(
            id=_text(data, "id"),
            made_at=_text(data, "made_at"),
            coefficients=coefficients,
            order=order,
            points=_count(data, "points"),
            rejected_fraction=fraction,
            delay_range_fs=_pair(data, "delay_range_fs"),
            covered_px=_pair(data, "covered_px"),
            residual_rms_fs=_float(data, "residual_rms_fs"),
            delay_channel=_text(data, "delay_channel", MAX_CHANNEL_NAME),
            unit=_text(data, "unit"),
        )


@dataclass(frozen=True, slots=True)
class PreviousCalibration:
    """The calibration an apply (or a restore) replaced, to be restored."""

    coefficients: tuple[float, ...] | None
    applied: AppliedCalibration | None
    """Its provenance, if it was an applied fit; None if it was set by hand (or none)."""

    def to_json(self) -> dict[str, object]:
        return {
            "calibration": None if self.coefficients is None else list(self.coefficients),
            "applied": None if self.applied is None else self.applied.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> PreviousCalibration:
        if not isinstance(data, Mapping):
            raise _bad("previous", data, "must be an object")
        applied = data.get("applied")
        return cls(
            _coefficients(data.get("calibration"), "previous.calibration"),
            None if applied is None else AppliedCalibration.from_json(applied),
        )


@dataclass(frozen=True, slots=True)
class CalibrationRecord:
    """The provenance of the calibration in use (if it is an applied fit) and the one before."""

    applied: AppliedCalibration | None = None
    previous: PreviousCalibration | None = None

    def source(self, calibration: tuple[float, ...] | None) -> AppliedCalibration | None:
        """The provenance of ``calibration`` (the edge settings' one): the applied fit's, if
        the coefficients are still its own (not changed by hand since)."""
        applied = self.applied
        if applied is None or calibration is None or applied.coefficients != calibration:
            return None
        return applied

    def to_json(self) -> dict[str, object]:
        return {
            "applied": None if self.applied is None else self.applied.to_json(),
            "previous": None if self.previous is None else self.previous.to_json(),
        }

    @classmethod
    def from_json(cls, data: object) -> CalibrationRecord:
        """Read from the settings file (absent in files of older versions: an empty record)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise _bad("calibration", data, "must be an object")
        unknown = sorted(set(data) - {"applied", "previous"})
        if unknown:
            raise _bad("calibration", unknown, "unknown keys (known: applied, previous)")
        applied, previous = data.get("applied"), data.get("previous")
        return cls(
            None if applied is None else AppliedCalibration.from_json(applied),
            None if previous is None else PreviousCalibration.from_json(previous),
        )
