"""Edge detection through the real stream and REST API."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.sim.messages import encode_message
from psen_processing.sim.spectrum import SpectrumModel, image

from ..conftest import IMAGE, Running, Source, wait_until

WIDTH, HEIGHT = 512, 48
ROI = [0, WIDTH, 12, 24]
MODEL = SpectrumModel(
    width=WIDTH, envelope_centre=256, envelope_fwhm=300, band_sigma=5, edge_depth=0.2
)
EDGE = {name: f"{IMAGE}.{name}" for name in ("edge_position", "edge_amplitude", "edge_fwhm")}
ARRIVAL, IS_REFERENCE = f"{IMAGE}.arrival_time", f"{IMAGE}.is_reference"


def _shot(rng: np.random.Generator, pulse_id: int, edge: float | None, **extra: Any) -> list[bytes]:
    frame = image(MODEL, rng, HEIGHT, edge, np.uint16)
    return encode_message(pulse_id, [(IMAGE, frame), *extra.items()])


def _enable(run: Running, **settings: Any) -> dict[str, Any]:
    run.client.set_roi_signal(ROI)
    return run.client.set_edge_detection({"enabled": True, "reference_length": 8, **settings})


def test_known_edges_come_out_within_tolerance(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    settings = _enable(running, calibration=[-1000.0, 4.0])
    assert settings["reference"] == {"mode": "pulse_id", "period": 2, "signal_offset": 0}
    running.client.start()
    sink = running.sink(zmq_context)
    rng = np.random.default_rng(5)
    truth = rng.uniform(180, 330, size=12)
    errors = []
    for pulse_id in range(1, 41):  # odd pulses are references, even pulses have X-rays
        xray = pulse_id % 2 == 0
        edge = float(truth[(pulse_id // 2) % truth.size]) if xray else None
        source.send(_shot(rng, pulse_id, edge))
        message = sink.receive()
        assert message.value(IS_REFERENCE) is (not xray)
        position = float(message.value(EDGE["edge_position"]))  # type: ignore[arg-type]
        if not xray:
            assert math.isnan(position)
            assert math.isnan(float(message.value(ARRIVAL)))  # type: ignore[arg-type]
            continue
        if pulse_id < 12:
            continue  # the reference average is still filling
        assert edge is not None
        errors.append(position - edge)
        arrival = float(message.value(ARRIVAL))  # type: ignore[arg-type]
        assert arrival == pytest.approx(-1000.0 + 4.0 * position)
        assert float(message.value(EDGE["edge_amplitude"])) > 0.05  # type: ignore[arg-type]
        parameters = json.loads(str(message.value(f"{IMAGE}.processing_parameters")))
        assert parameters["edge_detection"]["calibration"] == [-1000.0, 4.0]
    assert max(abs(e) for e in errors) < 5.0, errors
    statistics = running.client.get_statistics()["edge_detection"]
    assert statistics["xray_shots"] == 20 and statistics["reference_shots"] == 20
    assert statistics["edges_found"] >= 19


def test_settings_changes_over_rest_take_effect(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    _enable(running, reference={"mode": "pulse_id", "period": 3, "signal_offset": 1})
    running.client.start()
    sink = running.sink(zmq_context)
    rng = np.random.default_rng(6)
    for pulse_id in range(1, 7):
        source.send(_shot(rng, pulse_id, 250.0 if pulse_id % 3 == 1 else None))
        assert sink.receive().value(IS_REFERENCE) is (pulse_id % 3 != 1)
    running.client.set_edge_detection({"enabled": False})
    source.send(_shot(rng, 7, 250.0))
    message = sink.receive()
    names = {c.name for c in message.data_header.channels}
    assert not names & {*EDGE.values(), ARRIVAL, IS_REFERENCE}
    assert "edge_detection" not in json.loads(str(message.value(f"{IMAGE}.processing_parameters")))


def test_channel_classification_and_a_missing_monitor_channel(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    _enable(running, reference={"mode": "channel", "channel": "XRAY:I0", "threshold": 0.5})
    running.client.start()
    sink = running.sink(zmq_context)
    rng = np.random.default_rng(7)
    for pulse_id, intensity in enumerate([0.0, 0.1, 1.0, 0.9, 0.2], start=1):
        source.send(_shot(rng, pulse_id, None, **{"XRAY:I0": intensity}))
        assert sink.receive().value(IS_REFERENCE) is (intensity <= 0.5)
    source.send(_shot(rng, 99, None))  # the monitor channel is missing: counted, still sent
    message = sink.receive()
    assert message.pulse_id == 99
    assert math.isnan(float(message.value(EDGE["edge_position"])))  # type: ignore[arg-type]
    wait_until(
        lambda: (
            running.client.get_statistics()["profile_problems"].get(
                "edge_reference_channel_missing"
            )
            == 1
        )
    )


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"enabled": "yes"}, "enabled"),
        ({"reference": {"mode": "pulse_id", "period": 0}}, "period"),
        ({"reference": {"mode": "pulse_id", "period": 2, "signal_offset": 2}}, "signal_offset"),
        ({"reference": {"mode": "sometimes"}}, "mode"),
        ({"reference": {"mode": "channel"}}, "channel"),
        ({"calibration": ["a"]}, "calibration"),
        ({"direction": "sideways"}, "direction"),
        ({"filter_length": -3}, "filter_length"),
        ({"fit_fraction": 1.5}, "fit_fraction"),
        ({"no_such_setting": 1}, "no_such_setting"),
        ([1, 2], "JSON object"),
    ],
)
def test_invalid_edge_settings_are_refused_and_change_nothing(
    running: Running, body: object, words: str
) -> None:
    before = running.client.get_edge_detection()
    response = requests.post(f"{running.url}/edge_detection", json=body, timeout=5)
    assert response.status_code == 400
    assert response.json()["state"] == "error" and words in response.json()["status"]
    with pytest.raises(ValueError, match=words):
        running.client.set_edge_detection(body)  # type: ignore[arg-type]
    assert running.client.get_edge_detection() == before


def test_edge_settings_survive_a_restart(
    make_service: Callable[..., Running], source: Source
) -> None:
    first = make_service(source.address)
    wanted = first.client.set_edge_detection(
        {
            "enabled": True,
            "calibration": [1.0, 2.0, 3.0],
            "direction": "rising",
            "filter_length": 80,
        }
    )
    first.service.close()
    second = make_service(source.address, settings_path=first.settings_path)
    assert second.client.get_edge_detection() == wanted
    assert wanted["direction"] == "rising" and wanted["calibration"] == [1.0, 2.0, 3.0]
