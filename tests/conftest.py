"""Shared fixtures: real ZeroMQ sockets and a real HTTP server on ports chosen at run time."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import zmq

from psen_processing import PsenProcessingClient
from psen_processing.api.app import build_app
from psen_processing.api.server import ServerThread
from psen_processing.codec import Decoder, Message
from psen_processing.service import PsenService
from psen_processing.settings_file import SettingsStore
from psen_processing.sim.offer import offer
from psen_processing.stream.worker import StreamConfig

PREFIX = "TEST-CAM"
IMAGE = f"{PREFIX}:FPICTURE"


def free_port() -> int:
    """A TCP port that was free a moment ago: it races (another process may take it before it
    is bound), so only for what must know a port before anything binds it (a sender that
    cannot bind port 0, a service given a port it must keep). The service binds port 0 and
    reports the port it got: see ``make_service`` and ``ServiceProcess``."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bind_push(context: zmq.Context[Any], address: str) -> zmq.Socket[Any]:
    """A PUSH socket bound to ``address``, retrying while the port is being released."""
    deadline = time.monotonic() + 10
    while True:
        sock = context.socket(zmq.PUSH)
        sock.setsockopt(zmq.LINGER, 0)
        try:
            sock.bind(address)
            return sock
        except zmq.ZMQError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def bsread_receive(receiver: Any, timeout_s: float = 10.0) -> Any:
    """The next message at a psi-bsread receiver (it answers None until one arrives), as
    psi-bsread decodes it: ``.pulse_id``, ``.data[name].value``."""
    message: Any = None

    def arrived() -> bool:
        nonlocal message
        message = receiver.receive()
        return message is not None

    wait_until(arrived, timeout_s, "a message at the psi-bsread receiver")
    return message.data


def wait_until(predicate: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or predicate}")
        time.sleep(0.01)


def command_line(
    input_stream: str, rest: int, settings: Path, *extra: str, output: int = 0
) -> list[str]:
    """The ``psen_processing`` command for PREFIX, REST on loopback at ``rest``, the output on
    ``output`` (0: a port the system chooses)."""
    return [
        *(sys.executable, "-m", "psen_processing.cli", input_stream, PREFIX),
        *("-o", str(output), "-r", str(rest)),
        *("--rest_api_interface", "127.0.0.1", "--settings_file", str(settings), *extra),
    ]


class ServiceProcess:
    """A ``psen_processing`` process whose output (stdout and stderr together) is read as it
    comes, so that the ports it reports for ``-r 0`` and ``-o 0`` can be waited for."""

    def __init__(self, argv: list[str], **popen: Any) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def line(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first line of the output matching ``pattern``, waited for."""
        found: list[re.Match[str]] = []

        def printed() -> bool:
            found.extend(m for m in map(re.compile(pattern).search, list(self.lines)) if m)
            if not found and self.process.poll() is not None:
                self._reader.join(5)
                pytest.fail(f"the process ended ({self.process.returncode}): {self.output}")
            return bool(found)

        wait_until(printed, timeout, f"a line matching {pattern!r}")
        return found[0]

    def rest_port(self, timeout: float = 30.0) -> int:
        """The REST API's port, as the command prints it at start (the system's for ``-r 0``)."""
        return int(self.line(r"REST API and live view on http://[^ ]*:(\d+)/", timeout)[1])

    def ports(self, timeout: float = 30.0) -> tuple[int, int]:
        """The REST API's and the output stream's ports, as the command prints them at start
        (those the system chose for ``-r 0`` and, if started, ``-o 0``)."""
        match = self.line(
            r"REST API and live view on http://[^ ]*:(\d+)/ .* output tcp://[^ ]*:(\d+)"
        )
        return int(match[1]), int(match[2])

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def finish(self, timeout: float = 30.0) -> int:
        """The exit code (the process is killed if it has not ended within ``timeout``)."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        finally:
            self._reader.join(10)
            if self.process.stdout is not None:
                self.process.stdout.close()
        return self.process.returncode


def wait_for_rest(rest: int, status: str | None = None, timeout: float = 30.0) -> None:
    """Poll until the service process's REST API at ``rest`` answers (with ``status``)."""
    url = f"http://127.0.0.1:{rest}/status"

    def answers() -> bool:
        try:
            reply = requests.get(url, timeout=1)
        except requests.ConnectionError:
            return False
        return reply.ok and (status is None or reply.json()["status"] == status)

    wait_until(answers, timeout, f"the REST API of the service process on port {rest}")


@pytest.fixture
def zmq_context() -> Iterator[zmq.Context[Any]]:
    context: zmq.Context[Any] = zmq.Context()
    yield context
    context.destroy(linger=0)


@dataclass
class Source:
    """A camera stand-in: a bound PUSH socket the service connects to."""

    socket: zmq.Socket[Any]
    address: str

    def send(self, parts: list[bytes], timeout_ms: int = 5000) -> None:
        if not offer(self.socket, parts, timeout_ms):
            pytest.fail("the service did not take the frame")


@pytest.fixture
def source(zmq_context: zmq.Context[Any]) -> Source:
    sock = zmq_context.socket(zmq.PUSH)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDHWM, 8)  # a camera's queue is short: backpressure shows quickly
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    return Source(sock, f"tcp://127.0.0.1:{port}")


@dataclass
class Sink:
    """A downstream consumer: a PULL socket connected to the service's output."""

    socket: zmq.Socket[Any]
    decoder: Decoder

    def receive(self, timeout_ms: int = 10000) -> Message:
        if not self.socket.poll(timeout_ms, zmq.POLLIN):
            pytest.fail("no output message arrived")
        return self.decoder.decode(self.socket.recv_multipart())


@dataclass
class Running:
    service: PsenService
    client: PsenProcessingClient
    url: str
    settings_path: Path
    sockets: list[zmq.Socket[Any]]

    @property
    def output_port(self) -> int:
        """The port the output stream is bound to: for port 0 (the fixture's default), the one
        the system chose at the first start."""
        port = self.service.output_port
        if port is None:
            pytest.fail("the output port (0: chosen by the system) is known once started")
        return port

    def sink(self, context: zmq.Context[Any], hwm: int = 1000) -> Sink:
        """A consumer of the output; closed when the test ends."""
        sock = context.socket(zmq.PULL)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVHWM, hwm)
        sock.connect(f"tcp://127.0.0.1:{self.output_port}")
        self.sockets.append(sock)
        return Sink(sock, Decoder())


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[Callable[..., Running]]:
    """Start a service (REST server included) on ports the system chooses (the output's at
    the first start, see ``Running.output_port``); everything is closed afterwards."""
    started: list[tuple[PsenService, ServerThread]] = []
    sockets: list[zmq.Socket[Any]] = []

    def make(input_stream: str, settings_path: Path | None = None, **options: Any) -> Running:
        """``options`` go to StreamConfig, but ``service_options`` (a dict) to PsenService."""
        output_port = options.pop("output_port", 0)
        api_token = options.pop("api_token", None)
        service_options = options.pop("service_options", {})
        guards = options.pop("guards", None)  # HttpGuards: allowed origins and hosts
        path = settings_path or tmp_path / "settings.json"
        config = StreamConfig(
            input_stream=input_stream,
            prefix=options.pop("prefix", PREFIX),
            output_port=output_port,
            output_interface="127.0.0.1",
            **options,
        )
        service = PsenService(config, SettingsStore(path), **service_options)
        server = ServerThread(
            build_app(service, api_token=api_token, guards=guards), "127.0.0.1", 0
        )
        server.start()
        started.append((service, server))
        url = f"http://127.0.0.1:{server.bound_port}"
        client = PsenProcessingClient(url, timeout=10, token=api_token)
        return Running(service, client, url, path, sockets)

    yield make
    for sock in sockets:
        sock.close(linger=0)
    for service, server in started:
        service.close()
        server.stop()


@pytest.fixture
def running(make_service: Callable[..., Running], source: Source) -> Running:
    return make_service(source.address)
