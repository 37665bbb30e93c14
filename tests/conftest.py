"""Shared fixtures: real ZeroMQ sockets and a real HTTP server on ports chosen at run time."""

from __future__ import annotations

import socket
import sys
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
from psen_processing.stream.worker import StreamConfig

PREFIX = "TEST-CAM"
IMAGE = f"{PREFIX}:FPICTURE"


def free_port() -> int:
    """A TCP port that was free a moment ago (for sockets that must be given a port)."""
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
    input_stream: str, rest: int, settings: Path, *extra: str, output: int | None = None
) -> list[str]:
    """The ``psen_processing`` command for PREFIX, REST on loopback at ``rest``."""
    return [
        *(sys.executable, "-m", "psen_processing.cli", input_stream, PREFIX),
        *("-o", str(output if output is not None else free_port()), "-r", str(rest)),
        *("--rest_api_interface", "127.0.0.1", "--settings_file", str(settings), *extra),
    ]


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
        if not self.socket.poll(timeout_ms, zmq.POLLOUT):
            pytest.fail("the service did not take the frame")
        self.socket.send_multipart(parts)


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
    output_port: int
    settings_path: Path
    sockets: list[zmq.Socket[Any]]

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
    """Start a service (REST server included) on free ports; everything is closed afterwards."""
    started: list[tuple[PsenService, ServerThread]] = []
    sockets: list[zmq.Socket[Any]] = []

    def make(input_stream: str, settings_path: Path | None = None, **options: Any) -> Running:
        """``options`` go to StreamConfig, but ``service_options`` (a dict) to PsenService."""
        output_port = options.pop("output_port", None) or free_port()
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
        rest_port = free_port()
        server = ServerThread(
            build_app(service, api_token=api_token, guards=guards), "127.0.0.1", rest_port
        )
        server.start()
        started.append((service, server))
        url = f"http://127.0.0.1:{rest_port}"
        client = PsenProcessingClient(url, timeout=10, token=api_token)
        return Running(service, client, url, output_port, path, sockets)

    yield make
    for sock in sockets:
        sock.close(linger=0)
    for service, server in started:
        service.close()
        server.stop()


@pytest.fixture
def running(make_service: Callable[..., Running], source: Source) -> Running:
    return make_service(source.address)
