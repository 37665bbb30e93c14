"""Where the edge detection's calibration came from: the applied fit's provenance and the
calibration before it (pure values, saved in the settings file)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any

from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import PydanticCustomError

from ..errors import InvalidEdgeSettings
from .calibration_fit import MAX_ORDER
from .limits import MAX_CALIBRATION_COEFFICIENTS, MAX_CALIBRATION_MAGNITUDE, MAX_CHANNEL_NAME, shown
from .settings import Integer, Number, Numbers, Span, Text, refusing

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


_TEXT = Text(_MAX_TEXT)
_FS = Number(magnitude=MAX_CALIBRATION_MAGNITUDE)
_PAIR = Span(_FS, optional=False, what="a list of two numbers", ordered=False)
COEFFICIENTS = Numbers(_FS, MAX_CALIBRATION_COEFFICIENTS, "numbers", empty_is_null=False)
APPLIED_COEFFICIENTS = Numbers(
    _FS, MAX_CALIBRATION_COEFFICIENTS, "numbers", empty_is_null=False, optional=False
)


def _known(data: Mapping[str, Any], kind: type) -> dict[str, Any]:
    """The keys of ``data`` that are fields of ``kind`` (others, as older versions ignored
    them, are left out)."""
    names = {f.name for f in fields(kind)}
    return {key: value for key, value in data.items() if key in names}


@refusing(InvalidEdgeSettings, "calibration record")
@pydantic_dataclass(frozen=True, slots=True)
class AppliedCalibration:
    """A fit made the edge detection's calibration: what it was made from."""

    id: Annotated[str, _TEXT]
    made_at: Annotated[str, _TEXT]
    """When it was applied (ISO 8601, UTC)."""
    coefficients: Annotated[tuple[float, ...], APPLIED_COEFFICIENTS]
    order: Annotated[int, Integer(1, MAX_ORDER)]
    points: Annotated[int, Integer(0, MAX_POINTS_RECORDED)]
    rejected_fraction: Annotated[float, Number(0.0, 1.0)]
    delay_range_fs: Annotated[tuple[float, float], _PAIR]
    covered_px: Annotated[tuple[float, float], _PAIR]
    residual_rms_fs: Annotated[float, _FS]
    delay_channel: Annotated[str, Text(MAX_CHANNEL_NAME)]
    unit: Annotated[str, _TEXT]

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
        return cls(**_known(data, cls))


@refusing(InvalidEdgeSettings, "calibration record", "previous.")
@pydantic_dataclass(frozen=True, slots=True)
class PreviousCalibration:
    """The calibration an apply (or a restore) replaced, to be restored."""

    coefficients: Annotated[tuple[float, ...] | None, COEFFICIENTS]
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
        try:
            coefficients = COEFFICIENTS.check(data.get("calibration"))
        except PydanticCustomError as exc:
            raise _bad("previous.calibration", data.get("calibration"), exc.message()) from None
        return cls(coefficients, None if applied is None else AppliedCalibration.from_json(applied))


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
