"""The settings models: one rule for integers, bounds from the fields' kinds, plain attributes."""

from __future__ import annotations

import inspect
from typing import Any, get_args

import pytest

from psen_processing.core.calibration_record import AppliedCalibration, PreviousCalibration
from psen_processing.core.edge_tracking import (
    ChannelClassifier,
    EdgeDetectionSettings,
    PulseIdClassifier,
)
from psen_processing.core.matched_filter import EdgeParams
from psen_processing.core.roi import Roi
from psen_processing.core.settings import Integer
from psen_processing.errors import InvalidEdgeSettings, InvalidRoi
from psen_processing.stream.calibration_run import UNITS, RunSettings, Unit

MODELS: list[Any] = [
    EdgeParams(),
    PulseIdClassifier(),
    ChannelClassifier("I0"),
    EdgeDetectionSettings(),
    Roi(0, 1, 0, 1),
    RunSettings("DELAY"),
    PreviousCalibration(None, None),
]

APPLIED: dict[str, Any] = {
    "id": "cal-20260101000000-abcdef12",
    "made_at": "2026-01-01T00:00:00Z",
    "coefficients": [1.0, 2.0],
    "order": 1,
    "points": 1000,
    "rejected_fraction": 0.01,
    "delay_range_fs": [-500.0, 500.0],
    "covered_px": [100.0, 900.0],
    "residual_rms_fs": 20.5,
    "delay_channel": "STAGE:DELAY",
    "unit": "ps",
}


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_a_model_is_read_by_plain_attribute_access(model: Any) -> None:
    """The per-frame path reads these: slots, no __dict__, no hook on attribute access."""
    kind = type(model)
    assert kind.__getattribute__ is object.__getattribute__
    assert not hasattr(model, "__dict__")
    name = next(iter(kind.__dataclass_fields__))
    with pytest.raises(AttributeError):
        setattr(model, name, getattr(model, name))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: type(m).__name__)
def test_a_model_keeps_its_signature(model: Any) -> None:
    assert list(inspect.signature(type(model)).parameters) == [
        f.name for f in type(model).__dataclass_fields__.values() if f.init
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[(4, 4), (4.0, 4), (-0.0, 0), (2**70, 2**70), (4.5, None), (True, None)],
        *[(False, None), ("4", None), (None, None), (float("inf"), None), ([4], None)],
        (float("nan"), None),
    ],
)
def test_the_rule_for_integers(value: object, expected: int | None) -> None:
    assert Integer.whole(value) == expected
    if expected is not None:
        assert type(Integer.whole(value)) is int


def test_an_applied_calibration_needs_its_coefficients() -> None:
    with pytest.raises(InvalidEdgeSettings, match=r"coefficients=None: must be a list of 1 to 8"):
        AppliedCalibration.from_json({**APPLIED, "coefficients": None})
    with pytest.raises(InvalidEdgeSettings, match=r"coefficients\[1\]='x'"):
        AppliedCalibration.from_json({**APPLIED, "coefficients": [1.0, "x"]})
    previous = PreviousCalibration.from_json({"calibration": None, "applied": None})
    assert previous.coefficients is None


def test_the_calibration_record_takes_integers_by_the_same_rule() -> None:
    record = AppliedCalibration.from_json({**APPLIED, "points": 1000.0, "order": 2.0})
    assert (record.points, record.order) == (1000, 2) and type(record.points) is int
    for bad in ("1000", True, 1000.5):
        with pytest.raises(InvalidEdgeSettings, match="points="):
            AppliedCalibration.from_json({**APPLIED, "points": bad})


def test_the_units_of_the_calibration_run_are_its_schemas() -> None:
    assert set(get_args(Unit)) == set(UNITS)
    assert RunSettings.request_schema()["properties"]["unit"]["enum"] == list(UNITS)


def test_a_model_made_in_code_is_checked_as_one_from_a_request() -> None:
    with pytest.raises(InvalidRoi, match="size_x=0"):
        Roi(0, 0, 0, 1)
    with pytest.raises(InvalidEdgeSettings, match=r"reference\.period=0: .* between 1 and"):
        PulseIdClassifier(period=0)
    with pytest.raises(InvalidEdgeSettings, match="enabled=1: must be true or false"):
        EdgeDetectionSettings(enabled=1)  # type: ignore[arg-type]
