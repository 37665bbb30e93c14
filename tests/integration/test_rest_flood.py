"""Idle TCP connections cannot take the REST API, the log or the stream down.

The real command runs with the systemd default of 1024 file descriptors while the test holds
1,100 connections to its REST port that never send a byte, opened while the service starts.
"""

from __future__ import annotations

import errno
import os
import re
import resource
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.codec import Decoder
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Source, bind_push, command_line, free_port, wait_until

FD_LIMIT = 1024
"""The soft and hard RLIMIT_NOFILE of the service process (systemd's default soft limit)."""
IDLE_CONNECTIONS = 1100
MAX_LOG_BYTES = 64 * 1024


def _limit_descriptors() -> None:  # runs in the child between fork and exec
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


class Flood:
    """Opens idle TCP connections to ``port`` on a thread (retrying while nobody listens)."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.sockets: list[socket.socket] = []
        self.done = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        deadline = time.monotonic() + 30
        while len(self.sockets) < self.count and not self._stop.is_set():
            if time.monotonic() > deadline:
                break
            sock = socket.socket()
            sock.settimeout(1.0)
            try:
                sock.connect(("127.0.0.1", self.port))
            except OSError as exc:
                sock.close()
                if exc.errno not in (errno.ECONNREFUSED, None) and not isinstance(
                    exc, TimeoutError
                ):
                    raise
                self._stop.wait(0.005)
                continue
            self.sockets.append(sock)
        self.done.set()

    def __enter__(self) -> Flood:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in self.sockets:
            sock.close()


@contextmanager
def _service(source: Source, rest: int, output: int, tmp_path: Path) -> Iterator[Any]:
    stderr = tmp_path / "stderr.log"
    with stderr.open("wb") as log:
        process = subprocess.Popen(
            command_line(
                source.address, rest, tmp_path / "cam.json", "--auto_start", output=output
            ),
            env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")},
            stdout=subprocess.DEVNULL,
            stderr=log,
            preexec_fn=_limit_descriptors,  # noqa: PLW1509 - no threads run code in the child
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _status(rest: int, timeout: float) -> str:
    return str(requests.get(f"http://127.0.0.1:{rest}/status", timeout=timeout).json()["status"])


def _frames_flow(source: Source, sink: zmq.Socket[Any], pulse_ids: range) -> None:
    image = np.ones((2, 5), dtype=np.uint16)
    decoder = Decoder()
    for pulse_id in pulse_ids:
        source.send(encode_message(pulse_id, [(IMAGE, image)]), timeout_ms=15_000)
        assert sink.poll(15_000), f"pulse {pulse_id} did not come out of the service"
        assert decoder.decode(sink.recv_multipart()).pulse_id == pulse_id


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX resource limits")
def test_idle_connections_from_the_start_cannot_take_rest_the_log_or_the_stream_down(
    tmp_path: Path, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < IDLE_CONNECTIONS + 200:  # this test process holds the flood's sockets itself
        if hard != resource.RLIM_INFINITY and hard < IDLE_CONNECTIONS + 200:
            pytest.skip(f"the test needs {IDLE_CONNECTIONS + 200} file descriptors, hard {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (IDLE_CONNECTIONS + 200, hard))
    rest, output = free_port(), free_port()
    sink = zmq_context.socket(zmq.PULL)
    sink.setsockopt(zmq.LINGER, 0)
    sink.connect(f"tcp://127.0.0.1:{output}")
    try:
        with (
            _service(source, rest, output, tmp_path) as process,
            Flood(rest, IDLE_CONNECTIONS) as flood,
        ):
            # the flood starts with the process: connections pile up as soon as it listens
            assert flood.done.wait(40), "the flood did not finish"
            assert len(flood.sockets) == IDLE_CONNECTIONS, "could not open the idle connections"
            assert process.poll() is None, "the service process died under the flood"
            started = time.monotonic()
            wait_until(lambda: _answers(rest), 10, "/status while 1,100 connections are idle")
            assert time.monotonic() - started < 10
            assert _status(rest, 5) == "processing"
            _frames_flow(source, sink, range(1, 4))
            # the camera restarts: its socket goes and a new one binds the same port
            source.socket.close(linger=0)
            source.socket = bind_push(zmq_context, source.address)
            _frames_flow(source, sink, range(10, 13))
            assert _status(rest, 5) == "processing"
            assert process.poll() is None
        assert process.returncode == 0
    finally:
        sink.close(linger=0)
    log = (tmp_path / "stderr.log").read_text(errors="replace")
    size = (tmp_path / "stderr.log").stat().st_size
    assert size < MAX_LOG_BYTES, f"the log grew {size} bytes: {log[-2000:]}"
    assert "similar messages suppressed" in log, log  # counted, and the count written at exit


def _answers(rest: int) -> bool:
    try:
        return _status(rest, 2) == "processing"
    except requests.RequestException:
        return False


def test_a_flood_of_bad_requests_is_logged_a_few_times_then_counted(
    source: Source, tmp_path: Path
) -> None:
    rest = free_port()
    with _service(source, rest, 0, tmp_path) as process:
        wait_until(lambda: _answers(rest), 30, "the service to answer")
        for _ in range(60):  # each is a warning of uvicorn's own: "Invalid HTTP request"
            with socket.create_connection(("127.0.0.1", rest), timeout=5) as connection:
                connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")
                connection.recv(1024)  # the answer (400) or the close
        assert _status(rest, 2) == "processing"
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
    log = (tmp_path / "stderr.log").read_text()
    shown = len(re.findall(r"uvicorn.error: Invalid HTTP request received", log))
    assert 1 <= shown <= 5, log[-2000:]
    assert re.search(r"\d+ similar messages suppressed .*Invalid HTTP request received", log), log[
        -2000:
    ]
