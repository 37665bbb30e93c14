"""Issue 17: what /statistics, /health, /metrics, the log and the live page's data say in each
state of the input and the output, on the real service over ZeroMQ (loopback) and HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import requests
import zmq
from prometheus_client.parser import text_string_to_metric_families

from psen_processing.sim.messages import encode_message
from psen_processing.sim.offer import offer
from psen_processing.stream.reasons import PROFILE_PROBLEMS, SKIP_REASONS

from ..conftest import IMAGE, Running, Source, free_port, wait_until

IMAGE_4x4 = np.ones((4, 4), dtype=np.uint16)
FAST_HEALTH = {"health_timeout_s": 0.5}


def _metrics(url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    answer = requests.get(f"{url}/metrics", timeout=5)
    assert answer.status_code == 200
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = tuple(sorted((k, v) for k, v in sample.labels.items() if k != "prefix"))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def _health(url: str) -> tuple[int, str]:
    answer = requests.get(f"{url}/health", timeout=5)
    return answer.status_code, str(answer.json()["reason"])


def _page(url: str) -> dict[str, Any]:
    """The statistics the live page shows (its data, as the page fetches it)."""
    answer = requests.get(f"{url}/live", timeout=5)
    assert answer.status_code == 200
    data: dict[str, Any] = answer.json()["statistics"]
    return data


def _unhealthy(url: str, containing: str) -> str:
    reasons: list[str] = []

    def failing() -> bool:
        status, reason = _health(url)
        reasons.append(reason)
        return status == 503 and containing in reason

    wait_until(failing, what=f"/health 503 with {containing!r}; last: {reasons[-1:]}")
    return reasons[-1]


def test_every_reason_and_state_series_exists_before_the_first_frame(
    make_service: Callable[..., Running],
) -> None:
    running = make_service(f"tcp://127.0.0.1:{free_port()}")
    metrics = _metrics(running.url)
    skipped = {dict(k)["reason"]: v for k, v in metrics["psen_frames_skipped_total"].items()}
    assert skipped == dict.fromkeys(SKIP_REASONS, 0.0)
    problems = {dict(k)["reason"]: v for k, v in metrics["psen_profile_problems_total"].items()}
    assert problems == dict.fromkeys(PROFILE_PROBLEMS, 0.0)
    states = {dict(k)["state"]: v for k, v in metrics["psen_input_state"].items()}
    assert states["stopped"] == 1.0
    assert sum(states.values()) == 1.0
    assert metrics["psen_input_connected"][()] == 0.0
    for name in (
        "psen_output_frames_waiting",
        "psen_output_blocked_seconds",
        "psen_output_oldest_held_frame_age_seconds",
    ):
        assert metrics[name][()] == 0.0, name
    assert set(dict(k)["state"] for k in metrics["psen_output_state"]) == {
        "no_consumer",
        "blocked",
        "sending",
    }


def test_no_consumer_frames_are_counted_as_received_and_held(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, service_options=FAST_HEALTH)
    running.client.start()
    source.send(encode_message(7, [(IMAGE, IMAGE_4x4)]))
    wait_until(lambda: running.client.get_statistics()["frames_received"] == 1, what="received")
    stats = running.client.get_statistics()
    assert stats["frames_sent"] == 0
    output = stats["output"]
    assert (output["state"], output["consumers"], output["frames_waiting"]) == (
        "no_consumer",
        0,
        1,
    )
    wait_until(
        lambda: running.client.get_statistics()["output"]["oldest_held_frame_age_s"] > 0.3,
        what="the held frame ages",
    )
    assert stats["input"]["state"] == "receiving"
    page = _page(running.url)
    assert page["frames_received"] == 1
    assert page["output"]["state"] == "no_consumer"
    assert requests.get(f"{running.url}/live", timeout=5).json()["profiles"]["pulse_id"] == 7
    metrics = _metrics(running.url)
    assert metrics["psen_frames_received_total"][()] == 1.0
    assert metrics["psen_output_frames_waiting"][()] == 1.0
    assert metrics["psen_output_state"][(("state", "no_consumer"),)] == 1.0
    assert metrics["psen_output_blocked_seconds"][()] > 0.0
    _unhealthy(running.url, "no consumer is connected to the output stream")
    sink = running.sink(zmq_context)  # a reader connects: the held frame goes out
    assert sink.receive().pulse_id == 7
    wait_until(
        lambda: running.client.get_statistics()["output"]["frames_waiting"] == 0,
        what="nothing held",
    )
    assert running.client.get_statistics()["output"]["state"] == "sending"


def test_stalled_consumer_is_reported_as_blocked(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, output_queue=1, service_options=FAST_HEALTH)
    running.client.start()
    running.sink(zmq_context, hwm=1)  # connected, never reads
    wait_until(lambda: running.client.get_statistics()["output"]["consumers"] == 1)
    big = np.ones((1024, 1024), dtype=np.uint16)  # kernel buffers fill after a few

    def blocked() -> bool:
        offer(source.socket, encode_message(1, [(IMAGE, big)]), 0)
        output = running.client.get_statistics()["output"]
        return bool(output["state"] == "blocked" and output["blocked_seconds"] > 0.6)

    wait_until(blocked, what="the output blocked by a stalled consumer")
    output = running.client.get_statistics()["output"]
    assert output["consumers"] == 1
    assert output["frames_waiting"] == 1
    assert _metrics(running.url)["psen_output_state"][(("state", "blocked"),)] == 1.0
    assert _page(running.url)["output"]["state"] == "blocked"
    _unhealthy(running.url, "1 consumer(s) connected to the output stream")


def test_no_camera_is_a_visible_state_logged_once(
    make_service: Callable[..., Running], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    address = f"tcp://127.0.0.1:{free_port()}"
    running = make_service(address, service_options=FAST_HEALTH)
    running.client.start()
    stats = running.client.get_statistics()
    assert stats["input"]["state"] == "not_connected"
    assert stats["input"]["connected"] is False
    assert stats["input"]["seconds_since_last_frame"] is None
    hint = stats["input"]["hint"]
    assert f"nothing answers at {address}" in hint
    assert "--input_mode sub" in hint
    assert "TEST-CAM" in hint
    reason = _unhealthy(running.url, "nothing answers at")
    assert "no input frames since processing started" in reason
    assert _page(running.url)["input"]["state"] == "not_connected"
    metrics = _metrics(running.url)
    assert metrics["psen_input_connected"][()] == 0.0
    assert metrics["psen_input_state"][(("state", "not_connected"),)] == 1.0
    wait_until(lambda: "input: no camera" in caplog.text, what="the log line")
    _unhealthy(running.url, "started 2 s ago")  # retried every 0.1 s meanwhile
    assert caplog.text.count("input: no camera") == 1


def test_a_camera_that_comes_is_logged_as_receiving(
    make_service: Callable[..., Running],
    zmq_context: zmq.Context[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    running = make_service(f"tcp://127.0.0.1:{port}")
    running.client.start()
    wait_until(lambda: "input: no camera" in caplog.text, what="no camera logged")
    camera = zmq_context.socket(zmq.PUSH)
    camera.setsockopt(zmq.LINGER, 0)
    camera.bind(f"tcp://127.0.0.1:{port}")
    try:
        wait_until(
            lambda: running.client.get_statistics()["input"]["state"] == "connected",
            what="connected",
        )
        assert running.client.get_statistics()["input"]["connected"] is True
        camera.send_multipart(encode_message(1, [(IMAGE, IMAGE_4x4)]))
        wait_until(lambda: "input: receiving from" in caplog.text, what="receiving logged")
        assert running.client.get_statistics()["input"]["hint"] is None
    finally:
        camera.close(linger=0)


def test_a_pub_sender_on_a_pull_input_is_named(
    make_service: Callable[..., Running], zmq_context: zmq.Context[Any]
) -> None:
    camera = zmq_context.socket(zmq.PUB)
    camera.setsockopt(zmq.LINGER, 0)
    port = camera.bind_to_random_port("tcp://127.0.0.1")
    try:
        running = make_service(f"tcp://127.0.0.1:{port}", service_options=FAST_HEALTH)
        running.client.start()
        wait_until(
            lambda: running.client.get_statistics()["input"]["state"] == "wrong_socket_type",
            what="the wrong socket type",
        )
        hint = running.client.get_statistics()["input"]["hint"]
        assert "another socket type" in hint
        assert "--input_mode sub" in hint
        assert _page(running.url)["input"]["state"] == "wrong_socket_type"
        assert _metrics(running.url)["psen_input_state"][(("state", "wrong_socket_type"),)] == 1
        _unhealthy(running.url, "try --input_mode sub")
    finally:
        camera.close(linger=0)


def test_the_input_recovers_when_a_pub_sender_is_replaced_by_a_push_one(
    make_service: Callable[..., Running], zmq_context: zmq.Context[Any]
) -> None:
    """The operator fixes the camera's socket type at the same address while processing runs:
    frames flow again without a stop and start of the service."""
    camera = zmq_context.socket(zmq.PUB)
    camera.setsockopt(zmq.LINGER, 0)
    port = camera.bind_to_random_port("tcp://127.0.0.1")
    running = make_service(f"tcp://127.0.0.1:{port}", service_options=FAST_HEALTH)
    running.client.start()
    wait_until(
        lambda: running.client.get_statistics()["input"]["state"] == "wrong_socket_type",
        what="the wrong socket type",
    )
    camera.close(linger=0)
    camera = zmq_context.socket(zmq.PUSH)
    camera.setsockopt(zmq.LINGER, 0)
    camera.setsockopt(zmq.SNDTIMEO, 20_000)

    def bound() -> bool:  # the closed socket's listener is released by ZeroMQ's I/O thread
        try:
            camera.bind(f"tcp://127.0.0.1:{port}")
        except zmq.ZMQError:
            return False
        return True

    try:
        wait_until(bound, what=f"port {port} free again")
        sink = running.sink(zmq_context)
        camera.send_multipart(encode_message(1, [(IMAGE, IMAGE_4x4)]))
        assert sink.receive().pulse_id == 1
        wait_until(lambda: running.client.get_statistics()["input"]["state"] == "receiving")
        wait_until(lambda: _health(running.url)[0] == 200, what="/health 200 again")
    finally:
        camera.close(linger=0)


def test_a_wrong_prefix_names_the_channels_present(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, service_options=FAST_HEALTH)
    running.client.start()
    sink = running.sink(zmq_context)
    channels = [(f"OTHER-CAM:CH{i}", np.float64(i)) for i in range(7)]
    for pulse_id in range(3):
        source.send(encode_message(pulse_id, [("OTHER-CAM:FPICTURE", IMAGE_4x4), *channels]))
        sink.receive()  # still sent on, unchanged
    wait_until(lambda: running.client.get_statistics()["input"]["state"] == "wrong_prefix")
    inputs = running.client.get_statistics()["input"]
    assert "OTHER-CAM:FPICTURE" in inputs["missing_image"]
    assert "OTHER-CAM:CH3" in inputs["missing_image"]
    assert "OTHER-CAM:CH5" not in inputs["missing_image"]  # the first few only
    assert "and 3 more" in inputs["missing_image"]
    assert "not for prefix TEST-CAM" in inputs["hint"]
    assert _page(running.url)["input"]["state"] == "wrong_prefix"
    assert _metrics(running.url)["psen_input_state"][(("state", "wrong_prefix"),)] == 1
    _unhealthy(running.url, "OTHER-CAM:FPICTURE")
    source.send(encode_message(9, [(IMAGE, IMAGE_4x4)]))  # the right camera: healthy again
    sink.receive()
    wait_until(lambda: running.client.get_statistics()["input"]["state"] == "receiving")
    assert running.client.get_statistics()["input"]["missing_image"] is None
