"""Every setting has a bound, over real HTTP; CPU-heavy settings work never blocks the REST API;
a setting that fails processing for a frame never costs the frame."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.core import edge_tracking, learned_edge
from psen_processing.core.matched_filter import MAX_FILTER_LENGTH
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Running, Source, wait_until

ABSURD = [
    ("edge_detection", {"reference_length": 2**62}, "reference_length", "1000"),
    ("edge_detection", {"reference_length": 100000}, "reference_length", "1000"),
    ("edge_detection", {"reference_length": 0}, "reference_length", "1000"),
    ("edge_detection", {"calibration": [0.5] * 100}, "calibration", "8"),
    ("edge_detection", {"calibration": [1e300]}, "calibration[0]", "1e+12"),
    ("edge_detection", {"filter_length": 2001}, "filter_length", "2000"),
    ("edge_detection", {"filter_width": 5000}, "filter_width", "filter_length"),
    ("edge_detection", {"min_amplitude": 1e6}, "min_amplitude", "100"),
    ("edge_detection", {"min_z": 1e300}, "min_z", "1000"),
    ("edge_detection", {"max_depth": 1e300}, "max_depth", "0.99"),
    ("edge_detection", {"reference": {"mode": "pulse_id", "period": 10**7}}, "period", "1000000"),
    ("edge_detection", {"reference": {"mode": "channel", "channel": "X" * 1000}}, "channel", "256"),
    ("roi_signal", [0, 10**9, 0, 1], "size_x", "65536"),
    ("roi_background", [2**62, 1, 0, 1], "offset_x", "65535"),
]


@pytest.mark.parametrize(("path", "body", "setting", "bound"), ABSURD)
def test_an_absurd_value_is_refused_naming_its_bound_and_changes_nothing(
    running: Running, path: str, body: object, setting: str, bound: str
) -> None:
    running.client.set_edge_detection({"reference_length": 10})  # a file exists to compare
    before = requests.get(f"{running.url}/{path}", timeout=5).json()[path]
    saved = running.settings_path.read_bytes()
    reply = requests.post(f"{running.url}/{path}", json=body, timeout=5)
    assert reply.status_code == 400, reply.text
    message = reply.json()["status"]
    assert setting in message and bound in message, message
    assert len(message) < 400, "the message shows the value shortened"
    assert requests.get(f"{running.url}/{path}", timeout=5).json()[path] == before
    assert running.settings_path.read_bytes() == saved


@pytest.mark.parametrize(
    "body",
    [b'{"reference_length": ' + b"1" * 5000 + b"}", b"[" * 100_000 + b"]" * 100_000],
    ids=["5000-digit integer", "100000-deep nesting"],
)
def test_a_body_json_cannot_parse_safely_is_a_400(running: Running, body: bytes) -> None:
    for path in ("edge_detection", "roi_signal"):
        reply = requests.post(
            f"{running.url}/{path}",
            data=body[:60_000],
            headers={"Content-Type": "application/json"},
            timeout=5,
        )
        assert reply.status_code == 400, reply.text
        assert "JSON" in reply.json()["status"]


def test_integral_floats_are_taken_as_integers_everywhere(running: Running) -> None:
    edge = running.client.set_edge_detection(
        {
            "reference_length": 20.0,
            "filter_length": 40.0,
            "reference": {"mode": "pulse_id", "period": 4.0, "signal_offset": 1.0},
        }
    )
    assert edge["reference_length"] == 20 and type(edge["reference_length"]) is int
    assert edge["filter_length"] == 40 and type(edge["filter_length"]) is int
    assert edge["reference"] == {"mode": "pulse_id", "period": 4, "signal_offset": 1}
    assert type(edge["reference"]["period"]) is int
    assert running.client.set_roi_signal([1.0, 2.0, 3.0, 4.0]) == [1, 2, 3, 4]
    for body in ({"reference_length": 2.5}, {"reference": {"mode": "pulse_id", "period": 2.5}}):
        assert (
            requests.post(f"{running.url}/edge_detection", json=body, timeout=5).status_code == 400
        )


def test_status_answers_while_the_largest_filter_is_designed(running: Running) -> None:
    """The filter design of a POST runs off the event loop: /status sent well inside the POST's
    time answers long before the POST does."""
    url = running.url
    requests.get(f"{url}/status", timeout=5)  # the connection machinery warmed up
    for attempt in range(3):
        width = 20.0 + attempt  # a filter not designed before
        done = threading.Event()
        post: dict[str, float] = {}

        def send(
            width: float = width, post: dict[str, float] = post, done: threading.Event = done
        ) -> None:
            post["start"] = time.monotonic()
            reply = requests.post(
                f"{url}/edge_detection",
                json={"filter_length": MAX_FILTER_LENGTH, "filter_width": width},
                timeout=30,
            )
            post["end"] = time.monotonic()
            assert reply.status_code == 200
            done.set()

        thread = threading.Thread(target=send)
        thread.start()
        answers: list[tuple[float, float]] = []
        with requests.Session() as session:
            while not done.is_set():
                sent = time.monotonic()
                assert session.get(f"{url}/status", timeout=30).ok
                answers.append((sent, time.monotonic()))
        thread.join()
        duration = post["end"] - post["start"]
        inside = [
            end - sent
            for sent, end in answers
            if post["start"] + 0.2 * duration <= sent <= post["start"] + 0.5 * duration
        ]
        if inside and min(inside) < 0.2 * duration:
            return
    pytest.fail(f"/status waited behind the POST ({duration:.3f} s): latencies {inside}")


def test_a_frame_whose_edge_processing_fails_still_goes_out_with_its_channels(
    running: Running,
    source: Source,
    zmq_context: zmq.Context[Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*_: object) -> object:
        raise FloatingPointError("injected fault in the edge finder")

    monkeypatch.setattr(edge_tracking, "find_edge_in_span", broken)  # the fallback
    monkeypatch.setattr(learned_edge, "find_gls_edge", broken)  # the learned method
    running.client.set_roi_signal([0, 64, 0, 8])
    running.client.set_edge_detection({"enabled": True, "reference_length": 2})
    running.client.start()
    sink = running.sink(zmq_context)
    rng = np.random.default_rng(1)
    frames = 40
    with caplog.at_level(logging.ERROR):
        for pulse_id in range(1, frames + 1):
            picture = rng.integers(100, 200, size=(16, 64), dtype=np.uint16)
            source.send(encode_message(pulse_id, [(IMAGE, picture), ("OTHER:I0", 3.5)]))
            message = sink.receive()
            assert message.pulse_id == pulse_id
            assert message.value("OTHER:I0") == 3.5
            np.testing.assert_array_equal(message.array(IMAGE), picture)
            assert message.array(f"{IMAGE}.roi_signal_x_profile").shape == (64,)
            assert np.isnan(float(message.value(f"{IMAGE}.edge_position")))  # type: ignore[arg-type]
    wait_until(lambda: running.client.get_statistics()["frames_sent"] == frames)
    statistics = running.client.get_statistics()
    assert statistics["frames_skipped"] == 0
    xray_shots = frames // 2  # pulse 1 is a reference shot: every X-ray shot has a reference
    assert statistics["profile_problems"]["edge_processing_error"] == xray_shots
    assert "injected fault" in statistics["last_problem"]
    tracebacks = [r for r in caplog.records if r.exc_info is not None]
    assert 1 <= len(tracebacks) <= 2, "the traceback is logged, but not once per frame"


def test_a_settings_file_of_an_earlier_version_out_of_bounds_is_moved_aside(
    make_service: Callable[..., Running], source: Source, tmp_path: Path
) -> None:
    path = tmp_path / "cam.json"
    content = json.dumps({"version": 1, "edge_detection": {"reference_length": 2**62}})
    path.write_text(content, encoding="utf-8")
    run = make_service(source.address, path)
    problem = run.client.get_statistics()["settings_problem"]
    assert "reference_length" in problem and "started with defaults" in problem
    assert run.client.get_edge_detection()["reference_length"] == 16
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("cam.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == content


def test_a_settings_file_with_one_value_out_of_bounds_keeps_its_rois(
    make_service: Callable[..., Running], source: Source, tmp_path: Path
) -> None:
    path = tmp_path / "cam.json"
    content = json.dumps(
        {
            "version": 1,
            "roi_signal": [0, 4, 0, 3],
            "roi_background": [0, 4, 3, 1],
            "edge_detection": {"enabled": True, "filter_length": 10**9},
        }
    )
    path.write_text(content, encoding="utf-8")
    run = make_service(source.address, path)
    problem = run.client.get_statistics()["settings_problem"]
    assert "filter_length" in problem and "the valid settings it holds" in problem, problem
    assert run.client.get_roi_signal() == [0, 4, 0, 3]
    assert run.client.get_roi_background() == [0, 4, 3, 1]
    edge = run.client.get_edge_detection()
    assert edge["enabled"] is True and edge["filter_length"] == 150
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("cam.json.corrupt-")]
    assert len(aside) == 1 and aside[0].read_text(encoding="utf-8") == content
