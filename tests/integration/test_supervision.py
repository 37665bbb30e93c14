"""Supervision of the processing thread and GET /health, on the real service over ZeroMQ and HTTP.

The processing thread is made to die by fault injection: a method the loop calls outside the
per-frame guard is replaced by one that raises (once, or every time).
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.core.profiles import ProcessingSettings
from psen_processing.sim.messages import encode_message
from psen_processing.sim.offer import offer
from psen_processing.stream.statistics import Statistics
from psen_processing.stream.supervision import RestartPolicy
from psen_processing.stream.worker import StreamConfig, Worker

from ..conftest import IMAGE, Running, Source, command_line, free_port, wait_until

FAULT = "injected fault in the processing loop"
IMAGE_4x4 = np.ones((4, 4), dtype=np.uint16)


def _inject_fault(monkeypatch: pytest.MonkeyPatch, times: int | None) -> list[int]:
    """The loop's per-frame step raises ``times`` times (None: every time) and then works."""
    original = Worker._handle
    calls: list[int] = []

    def failing(self: Worker, *args: Any) -> None:
        calls.append(1)
        if times is None or len(calls) <= times:
            raise RuntimeError(FAULT)
        original(self, *args)

    monkeypatch.setattr(Worker, "_handle", failing)
    return calls


def _offer(source: Source, pulse_id: int = 0) -> bool:
    """Send one frame if the service takes it at once (never waits)."""
    return offer(source.socket, encode_message(pulse_id, [(IMAGE, IMAGE_4x4)]), 0)


def _feeding(source: Source, done: Callable[[], object]) -> Callable[[], object]:
    """A wait_until predicate offering the service a frame each time before it asks ``done``."""
    pulse_ids = itertools.count(100)

    def check() -> object:
        _offer(source, next(pulse_ids))
        return done()

    return check


def _health(running: Running) -> tuple[int, dict[str, Any]]:
    reply = requests.get(f"{running.url}/health", timeout=5)
    body: dict[str, Any] = reply.json()
    return reply.status_code, body


def test_a_processing_thread_that_dies_is_restarted_counted_and_logged(
    running: Running,
    source: Source,
    zmq_context: zmq.Context[Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="psen_processing")
    running.client.set_roi_signal([0, 4, 0, 4])
    running.client.start()
    sink = running.sink(zmq_context)
    source.send(encode_message(1, [(IMAGE, IMAGE_4x4)]))
    assert sink.receive().pulse_id == 1
    _inject_fault(monkeypatch, times=1)
    source.send(encode_message(2, [(IMAGE, IMAGE_4x4)]))  # the loop dies on this frame
    # processing resumes by itself: frames come out over ZeroMQ again (a frame sent while the
    # old input socket went away can be lost in transit, as when a camera restarts)
    wait_until(_feeding(source, lambda: sink.socket.poll(50)), 20, "frames to come out again")
    received = [1]
    while sink.socket.poll(300):
        received.append(sink.receive().pulse_id)
    for pulse_id in (1000, 1001):  # from now on, every frame
        source.send(encode_message(pulse_id, [(IMAGE, IMAGE_4x4)]), timeout_ms=10_000)
        message = sink.receive()
        assert message.pulse_id == pulse_id
        np.testing.assert_array_equal(message.array(f"{IMAGE}.roi_signal_x_profile"), [4.0] * 4)
        received.append(pulse_id)
    statistics = running.client.get_statistics()
    assert statistics["processing_restarts"] == 1
    assert statistics["processing_failures"] == 1
    assert statistics["last_processing_error"] == f"RuntimeError: {FAULT}"
    assert statistics["frames_sent"] == len(received)  # counters go on across the restart
    assert running.client.get_status() == "processing"
    metrics = requests.get(f"{running.url}/metrics", timeout=5).text
    assert 'psen_processing_restarts_total{prefix="TEST-CAM"} 1.0' in metrics
    assert 'psen_processing_failures_total{prefix="TEST-CAM"} 1.0' in metrics
    assert 'psen_healthy{prefix="TEST-CAM"} 1.0' in metrics
    logged = [r for r in caplog.records if r.name.startswith("psen_processing")]
    died = [r for r in logged if r.getMessage() == "processing loop failed"]
    assert died and died[0].exc_info is not None  # with its traceback
    assert any("restarting" in r.getMessage() and FAULT in r.getMessage() for r in logged)
    assert any("processing restarted" in r.getMessage() for r in logged)


@pytest.mark.parametrize("cause", ["error_repeats", "output_port_taken"])
def test_restarts_that_keep_failing_report_fatal_to_the_owner(
    make_service: Callable[..., Running],
    source: Source,
    zmq_context: zmq.Context[Any],
    monkeypatch: pytest.MonkeyPatch,
    cause: str,
) -> None:
    fatal: list[str] = []
    reported = threading.Event()

    def on_fatal(message: str) -> None:
        fatal.append(message)
        reported.set()

    policy = RestartPolicy(max_failures=3, window_s=60, first_backoff_s=0.3, max_backoff_s=0.5)
    running = make_service(
        source.address,
        bind_timeout_s=0.2,
        service_options={"restart_policy": policy, "on_fatal": on_fatal},
    )
    running.client.start()
    _inject_fault(monkeypatch, times=None if cause == "error_repeats" else 1)
    wait_until(lambda: _offer(source), what="the service to take a frame")
    if cause == "output_port_taken":  # someone else binds the port while the service is down
        blocker = zmq_context.socket(zmq.PULL)
        blocker.setsockopt(zmq.LINGER, 0)
        running.sockets.append(blocker)

        def taken() -> bool:
            try:
                blocker.bind(f"tcp://127.0.0.1:{running.output_port}")
            except zmq.ZMQError:
                return False
            return True

        wait_until(taken, what="the output port to be free")
    wait_until(_feeding(source, reported.is_set), 30, "the fatal report")
    assert len(fatal) == 1
    assert "3 times" in fatal[0]
    expected = FAULT if cause == "error_repeats" else "cannot bind the output stream"
    assert expected in fatal[0], fatal[0]
    code, body = _health(running)
    assert code == 503 and body["state"] == "error" and body["health"] == "failing"
    assert "gave up" in body["status"] and expected in body["status"]
    assert running.client.get_status() == "stopped"
    assert running.client.get_statistics()["processing_failures"] == 3


CHILD = f"""
import sys
from psen_processing.stream import worker
from psen_processing.cli import main

def broken(self, *args):  # fault injection: every frame kills the processing loop
    raise RuntimeError({FAULT!r})

worker.Worker._handle = broken
sys.exit(main(sys.argv[1:]))
"""


def test_the_command_exits_non_zero_when_processing_cannot_be_kept_running(
    tmp_path: Path, source: Source
) -> None:
    argv = command_line(source.address, 0, tmp_path / "s.json", "--auto_start")
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, *argv[3:]],
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until(
            _feeding(source, lambda: process.poll() is not None),
            60,
            "the command to give up and exit",
        )
        _, errors = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
    assert process.returncode == 3, errors
    assert "processing failed 5 times" in errors and FAULT in errors
    assert "Traceback" in errors  # the log has each failure's traceback


def test_an_auto_start_that_cannot_bind_the_output_exits_non_zero(
    tmp_path: Path, zmq_context: zmq.Context[Any]
) -> None:
    holder = zmq_context.socket(zmq.PULL)
    holder.setsockopt(zmq.LINGER, 0)
    output = holder.bind_to_random_port("tcp://127.0.0.1")
    argv = command_line("tcp://127.0.0.1:1", 0, tmp_path / "s.json", "--auto_start", output=output)
    done = subprocess.run(
        argv,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    holder.close(linger=0)
    assert done.returncode == 2
    assert "cannot bind the output stream" in done.stderr


def test_health_while_processing_idle_and_stopped_on_purpose(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, service_options={"health_timeout_s": 2.0})
    code, body = _health(running)  # never started: nothing is wrong
    assert (code, body["state"], body["health"], body["status"]) == (200, "ok", "ok", "stopped")
    assert "not started" in body["reason"]
    running.client.start()
    sink = running.sink(zmq_context)
    source.send(encode_message(1, [(IMAGE, IMAGE_4x4)]))
    assert sink.receive().pulse_id == 1
    code, body = _health(running)
    assert (code, body["health"], body["status"]) == (200, "ok", "processing"), body
    assert body["last_input_age_s"] is not None and body["last_input_age_s"] < 2.0
    # the camera goes quiet: after the bound, 503 naming what to check
    wait_until(lambda: _health(running)[0] == 503, 10, "health to report no input")
    code, body = _health(running)
    assert body["state"] == "error" and body["health"] == "failing"
    assert "no input frames for" in body["status"] and source.address in body["status"]
    assert "pull" in body["status"]
    source.send(encode_message(2, [(IMAGE, IMAGE_4x4)]))  # frames again: healthy again
    assert sink.receive().pulse_id == 2
    assert _health(running)[0] == 200
    running.client.stop()
    code, body = _health(running)
    assert (code, body["health"], body["status"]) == (200, "ok", "stopped")
    assert "stopped on purpose" in body["reason"]


def test_health_has_a_grace_period_after_start(
    make_service: Callable[..., Running], source: Source
) -> None:
    running = make_service(source.address, service_options={"health_timeout_s": 2.0})
    running.client.start()
    started = time.monotonic()
    code, body = _health(running)
    if time.monotonic() - started < 2.0:  # still within the grace period
        assert code == 200, body
    wait_until(lambda: _health(running)[0] == 503, 10, "health to report no input")
    assert "since processing started" in _health(running)[1]["status"]


def test_health_names_a_blocked_output(
    make_service: Callable[..., Running], source: Source
) -> None:
    running = make_service(source.address, service_options={"health_timeout_s": 1.0})
    running.client.start()
    source.send(encode_message(1, [(IMAGE, IMAGE_4x4)]))  # nobody reads the output
    # a slow start can first show "no input frames" (the frame not yet taken): wait for the block
    wait_until(lambda: "output blocked" in _health(running)[1]["status"], 10, "the blocked output")
    code, body = _health(running)
    assert code == 503 and str(running.output_port) in body["status"], body


def test_health_counts_no_frame_sent_from_the_first_frame_not_sent(
    make_service: Callable[..., Running], source: Source
) -> None:
    # CI once caught health between a frame's arrival and its send: "no frame sent for 1 s",
    # counted from the start, for a frame taken a moment before and still being processed
    running = make_service(source.address, service_options={"health_timeout_s": 1.0})
    running.client.start()
    wait_until(lambda: _health(running)[0] == 503, 10, "health to report no input")
    running.service.statistics.received(time.monotonic())  # a frame taken now, not yet sent
    code, body = _health(running)
    assert (code, body["status"]) == (200, "processing"), body


def test_health_while_the_processing_thread_is_dead_and_stop_is_not_a_failure(
    make_service: Callable[..., Running],
    source: Source,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = RestartPolicy(first_backoff_s=30.0, max_backoff_s=30.0)  # a long wait: seen dead
    running = make_service(source.address, service_options={"restart_policy": policy})
    running.client.start()
    _inject_fault(monkeypatch, times=1)
    source.send(encode_message(1, [(IMAGE, IMAGE_4x4)]))
    wait_until(lambda: _health(running)[0] == 503, 10, "health to report the dead thread")
    code, body = _health(running)
    assert body["state"] == "error" and "processing thread died" in body["status"]
    assert FAULT in body["status"] and "restarting in" in body["status"]
    running.client.stop()  # stopped on purpose: healthy, and no restart comes
    code, body = _health(running)
    assert (code, body["status"]) == (200, "stopped"), body
    assert running.service.supervisor.report().restarting is None
    running.client.start()  # a start on purpose works at once
    assert running.client.get_status() == "processing"
    assert _health(running)[0] == 200


def test_a_start_that_fails_after_its_sockets_are_open_closes_them_and_says_why(
    source: Source,
) -> None:
    # A context with room for the two stream sockets but not for the output's socket monitor:
    # what a process out of file descriptors meets once its sockets are open.
    context: zmq.Context[Any] = zmq.Context()
    context.set(zmq.MAX_SOCKETS, 2)
    statistics = Statistics()
    port = free_port()  # known in advance: probed below, once the failed start let it go
    config = StreamConfig(source.address, "TEST-CAM", port, "127.0.0.1")
    worker = Worker(config, context, ProcessingSettings, statistics)
    try:
        with pytest.raises(zmq.ZMQError, match="Too many open files"):
            worker.start(timeout=5)
        assert isinstance(worker.error, zmq.ZMQError)
        wait_until(lambda: not worker.alive)
        # the output port is free again: the sockets the failed start opened are closed
        probe = zmq.Context.instance().socket(zmq.PUSH)
        try:
            probe.bind(f"tcp://127.0.0.1:{port}")
        finally:
            probe.close(linger=0)
    finally:
        worker.stop()
        context.term()


def test_health_fails_while_frames_come_in_and_none_goes_out(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    # every frame malformed: it arrives, and is skipped
    running = make_service(source.address, service_options={"health_timeout_s": 1.0})
    running.client.start()
    sink = running.sink(zmq_context)
    pulse_ids = itertools.count(1)

    def garbage_then_health() -> bool:
        source.send([b"{not json", b"{}"])
        return _health(running)[0] == 503

    wait_until(garbage_then_health, 10, "health to report that every frame is skipped")
    status = _health(running)[1]["status"]
    assert "no frame sent for" in status and "skipped as bad_main_header" in status, status
    source.send(encode_message(next(pulse_ids), [(IMAGE, IMAGE_4x4)]))
    assert sink.receive().pulse_id == 1
    assert _health(running)[0] == 200


def test_health_fails_while_drop_mode_drops_every_frame(
    make_service: Callable[..., Running], source: Source
) -> None:
    running = make_service(
        source.address, output_mode="drop", service_options={"health_timeout_s": 1.0}
    )
    running.client.start()
    wait_until(
        _feeding(source, lambda: _health(running)[0] == 503),
        10,
        "health to report that every frame is dropped",
    )
    status = _health(running)[1]["status"]
    assert "every frame is dropped" in status and str(running.output_port) in status, status
    assert running.client.get_statistics()["frames_dropped_output"] > 0
