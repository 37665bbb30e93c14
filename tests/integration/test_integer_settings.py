"""One rule for every integer setting, over REST: a JSON number with no fractional part (4.0) is
that integer; 4.5, true and "4" are refused (400) naming the setting. And the OpenAPI request
schema of every one says the same bounds the validation applies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from psen_processing.core.limits import MAX_PERIOD, MAX_REFERENCE_LENGTH, MAX_ROI_OFFSET
from psen_processing.core.matched_filter import MAX_FILTER_LENGTH, MIN_FILTER_LENGTH
from psen_processing.stream.calibration_run import MAX_POINTS, MIN_POINTS

from ..conftest import Running


@dataclass(frozen=True)
class Setting:
    name: str
    """As the refusal names it."""
    path: str
    body: Callable[[object], object]
    """The request body setting it to a value."""
    read: Callable[[dict[str, Any]], object] | None
    """Its value in the answer; None: a valid body is answered 409 (the run needs processing),
    after the validation."""
    value: int
    low: int
    high: int
    schema: Callable[[dict[str, Any]], dict[str, Any]]
    """Its schema in the operation's request body schema."""


def _edge(answer: dict[str, Any]) -> dict[str, Any]:
    edge: dict[str, Any] = answer["edge_detection"]
    return edge


def _roi_item(index: int, name: str, low: int, high: int) -> Setting:
    def body(value: object) -> object:
        roi: list[object] = [1, 2, 3, 4]
        roi[index] = value
        return roi

    return Setting(
        f"{name}",
        "/roi_signal",
        body,
        lambda answer: answer["roi_signal"][index],
        4,
        low,
        high,
        lambda schema: schema["oneOf"][2]["prefixItems"][index],
    )


def _edge_setting(name: str, value: int, low: int, high: int, **other: object) -> Setting:
    return Setting(
        name,
        "/edge_detection",
        lambda v: {name: v, **other},
        lambda answer: _edge(answer)[name],
        value,
        low,
        high,
        lambda schema: schema["properties"][name],
    )


def _reference(key: str, value: int, low: int, high: int) -> Setting:
    def body(v: object) -> object:
        reference = {"mode": "pulse_id", "period": 4, "signal_offset": 0, key: v}
        return {"reference": reference}

    def schema(body_schema: dict[str, Any]) -> dict[str, Any]:
        pulse_id = body_schema["properties"]["reference"]["oneOf"][0]
        assert pulse_id["properties"]["mode"] == {"const": "pulse_id", "type": "string"}
        found: dict[str, Any] = pulse_id["properties"][key]
        return found

    return Setting(
        f"reference.{key}",
        "/edge_detection",
        body,
        lambda answer: _edge(answer)["reference"][key],
        value,
        low,
        high,
        schema,
    )


def _calibration(key: str, value: int, low: int, high: int) -> Setting:
    return Setting(
        key,
        "/calibration/start",
        lambda v: {"delay_channel": "DELAY", key: v},
        None,
        value,
        low,
        high,
        lambda schema: schema["properties"][key],
    )


SETTINGS = [
    _roi_item(0, "offset_x", 0, MAX_ROI_OFFSET),
    _roi_item(1, "size_x", 1, 65536),
    _roi_item(2, "offset_y", 0, MAX_ROI_OFFSET),
    _roi_item(3, "size_y", 1, 65536),
    _edge_setting("reference_length", 4, 1, MAX_REFERENCE_LENGTH),
    _edge_setting("filter_length", 40, MIN_FILTER_LENGTH, MAX_FILTER_LENGTH, filter_width=1.0),
    _reference("period", 4, 1, MAX_PERIOD),
    _reference("signal_offset", 2, 0, MAX_PERIOD - 1),
    _calibration("order", 3, 1, 3),
    _calibration("max_points", 40, MIN_POINTS, MAX_POINTS),
]
IDS = [s.name for s in SETTINGS]


def _post(running: Running, setting: Setting, value: object) -> requests.Response:
    return requests.post(f"{running.url}{setting.path}", json=setting.body(value), timeout=10)


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_an_integral_number_is_that_integer(running: Running, setting: Setting) -> None:
    reply = _post(running, setting, float(setting.value))
    if setting.read is None:  # validated; then refused as processing is stopped
        assert reply.status_code == 409, reply.text
        return
    assert reply.status_code == 200, reply.text
    stored = setting.read(reply.json())
    assert stored == setting.value and type(stored) is int
    again = requests.get(f"{running.url}{setting.path}", timeout=10).json()
    assert setting.read(again) == setting.value


@pytest.mark.parametrize("given", [4.5, True, False, "4", None], ids=repr)
@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_anything_else_is_refused_naming_the_setting(
    running: Running, setting: Setting, given: object
) -> None:
    if given is None and setting.path == "/calibration/start":
        given = [4]  # null there means "the default"
    if isinstance(given, float):
        given = setting.value + 0.5
    reply = _post(running, setting, given)
    assert reply.status_code == 400, reply.text
    message = reply.json()["status"]
    assert f"{setting.name}=" in message and "integer" in message, message


@pytest.mark.parametrize("setting", SETTINGS, ids=IDS)
def test_the_bounds_are_refused_beyond_and_documented(running: Running, setting: Setting) -> None:
    for outside in (setting.low - 1, setting.high + 1):
        reply = _post(running, setting, outside)
        assert reply.status_code == 400, (outside, reply.text)
        assert f"{setting.name}={outside}" in reply.json()["status"]
    for inside in (setting.low, setting.high):
        if setting.name == "reference.signal_offset":
            continue  # must be below the period: a rule between two settings
        reply = _post(running, setting, inside)
        assert reply.status_code in (200, 409), (inside, reply.text)
    document = requests.get(f"{running.url}/openapi.json", timeout=10).json()
    body = document["paths"][setting.path]["post"]["requestBody"]["content"]["application/json"]
    schema = setting.schema(body["schema"])
    assert schema["type"] == "integer"
    assert (schema["minimum"], schema["maximum"]) == (setting.low, setting.high)
