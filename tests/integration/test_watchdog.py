"""systemd notifications (READY, WATCHDOG, STOPPING) sent to a fake NOTIFY_SOCKET: an AF_UNIX
datagram socket the test binds, as systemd does for a ``Type=notify`` service."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.sim.messages import encode_message
from psen_processing.stream.supervision import RestartPolicy
from psen_processing.stream.worker import Worker
from psen_processing.systemd_notify import SystemdNotifier

from ..conftest import IMAGE, Running, ServiceProcess, Source, wait_until

COMMAND = [sys.executable, "-m", "psen_processing.cli"]


class FakeSystemd:
    """The receiving end of NOTIFY_SOCKET."""

    def __init__(self, sock: socket.socket, address: str) -> None:
        self.socket = sock
        self.address = address  # as NOTIFY_SOCKET gives it

    def receive(self, timeout: float = 10.0) -> list[str]:
        """The next datagram's lines; fails the test after ``timeout`` seconds."""
        self.socket.settimeout(timeout)
        try:
            data = self.socket.recv(4096)
        except TimeoutError:
            pytest.fail(f"no notification within {timeout} s")
        return data.decode().split("\n")

    def wait_for(self, line: str, timeout: float = 10.0) -> list[list[str]]:
        """Every datagram up to the first one holding ``line``."""
        seen: list[list[str]] = []
        deadline = time.monotonic() + timeout
        while not seen or line not in seen[-1]:
            seen.append(self.receive(max(0.01, deadline - time.monotonic())))
        return seen

    def drain(self) -> None:
        self.socket.setblocking(False)
        try:
            while True:
                self.socket.recv(4096)
        except BlockingIOError:
            pass


@pytest.fixture(params=["path", "abstract"])
def fake_systemd(request: pytest.FixtureRequest) -> Iterator[FakeSystemd]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    directory = tempfile.mkdtemp(prefix="psen-", dir="/tmp")  # AF_UNIX paths are short
    try:
        if request.param == "path":
            path = f"{directory}/notify"
            sock.bind(path)
            yield FakeSystemd(sock, path)
        else:
            name = f"psen-test-{uuid.uuid4().hex}"
            sock.bind(f"\0{name}")
            yield FakeSystemd(sock, f"@{name}")
    finally:
        sock.close()
        shutil.rmtree(directory)


def test_the_command_notifies_ready_watchdog_and_stopping(
    tmp_path: Path, fake_systemd: FakeSystemd
) -> None:
    service = ServiceProcess(
        [
            *(*COMMAND, "--simulate", "-r", "0", "-o", "0"),
            *("--rest_api_interface", "127.0.0.1", "--sim_width", "256", "--sim_height", "32"),
        ],
        env={
            **os.environ,
            "XDG_CONFIG_HOME": str(tmp_path),
            "NOTIFY_SOCKET": fake_systemd.address,
            "WATCHDOG_USEC": "1000000",
        },
    )
    try:
        first = fake_systemd.receive(30)
        assert "READY=1" in first, first
        assert any(line.startswith("STATUS=") for line in first)
        rest, _ = service.ports()  # as the command printed them (-r 0, -o 0)
        # READY comes once the REST API answers
        status = requests.get(f"http://127.0.0.1:{rest}/status", timeout=5).json()
        assert status["status"] == "processing"
        watchdogs = 0
        while watchdogs < 3:  # fed from the processing loop, over and over
            watchdogs += fake_systemd.receive() == ["WATCHDOG=1"]
        requests.post(f"http://127.0.0.1:{rest}/stop", timeout=5).raise_for_status()
        fake_systemd.drain()
        for _ in range(2):  # stopped on purpose: still fed, so systemd leaves it alone
            assert fake_systemd.receive() == ["WATCHDOG=1"]
        service.process.send_signal(signal.SIGTERM)
        fake_systemd.wait_for("STOPPING=1")
    finally:
        code = service.finish()
    assert code == 0, service.output


def test_the_watchdog_is_not_fed_while_the_processing_thread_is_dead(
    make_service: Callable[..., Running],
    source: Source,
    zmq_context: zmq.Context[Any],
    fake_systemd: FakeSystemd,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notifier = SystemdNotifier.from_environment(
        {"NOTIFY_SOCKET": fake_systemd.address, "WATCHDOG_USEC": "200000"}
    )
    assert notifier.watchdog_interval_s == pytest.approx(0.1)
    policy = RestartPolicy(first_backoff_s=30.0, max_backoff_s=30.0)
    running = make_service(
        source.address,
        service_options={
            "restart_policy": policy,
            "heartbeat": notifier.watchdog,
            "heartbeat_interval_s": 0.05,
        },
    )
    try:
        running.client.start()
        sink = running.sink(zmq_context)
        source.send(encode_message(1, [(IMAGE, np.ones((4, 4), dtype=np.uint16))]))
        assert sink.receive().pulse_id == 1
        fake_systemd.drain()
        assert fake_systemd.receive() == ["WATCHDOG=1"]
        original = Worker._handle

        def broken(self: Worker, *args: Any) -> None:
            monkeypatch.setattr(Worker, "_handle", original)
            raise RuntimeError("injected fault in the processing loop")

        monkeypatch.setattr(Worker, "_handle", broken)
        source.send(encode_message(2, [(IMAGE, np.ones((4, 4), dtype=np.uint16))]))
        wait_until(lambda: running.service.supervisor.report().restarting is not None)
        fake_systemd.drain()
        # dead (and waiting 30 s to restart): a whole watchdog period and more without a ping
        fake_systemd.socket.settimeout(0.6)
        with pytest.raises(TimeoutError):
            fake_systemd.socket.recv(4096)
        running.client.stop()  # stopped on purpose: fed again
        assert fake_systemd.receive() == ["WATCHDOG=1"]
    finally:
        notifier.close()


def test_notifier_does_nothing_without_notify_socket_or_for_another_pid(
    fake_systemd: FakeSystemd,
) -> None:
    silent = SystemdNotifier.from_environment({"WATCHDOG_USEC": "1000000"})
    assert not silent.enabled and silent.watchdog_interval_s is None
    assert not silent.notify("READY=1")
    silent.watchdog()  # no socket, no error
    other = SystemdNotifier.from_environment(
        {"NOTIFY_SOCKET": fake_systemd.address, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}
    )
    assert other.enabled and other.watchdog_interval_s is None  # the watchdog is not ours
    mine = SystemdNotifier.from_environment(
        {
            "NOTIFY_SOCKET": fake_systemd.address,
            "WATCHDOG_USEC": "4000000",
            "WATCHDOG_PID": str(os.getpid()),
        }
    )
    try:
        assert mine.watchdog_interval_s == pytest.approx(2.0)
        assert other.notify("STATUS=a status\nwith two lines", "READY=1")
        assert fake_systemd.receive() == ["STATUS=a status with two lines", "READY=1"]
        mine.watchdog()
        mine.watchdog()  # within the interval: not sent again
        other.notify("STOPPING=1")
        assert fake_systemd.receive() == ["WATCHDOG=1"]
        assert fake_systemd.receive() == ["STOPPING=1"]
    finally:
        other.close()
        mine.close()


@pytest.mark.parametrize("value", ["", "0", "-5", "ten", "1e6"])
def test_an_unusable_watchdog_usec_disables_the_watchdog(value: str) -> None:
    notifier = SystemdNotifier.from_environment({"NOTIFY_SOCKET": "@x", "WATCHDOG_USEC": value})
    assert notifier.watchdog_interval_s is None


def test_a_stuck_loop_is_not_reported_alive(
    make_service: Callable[..., Running],
    source: Source,
    fake_systemd: FakeSystemd,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    notifier = SystemdNotifier.from_environment(
        {"NOTIFY_SOCKET": fake_systemd.address, "WATCHDOG_USEC": "200000"}
    )
    running = make_service(
        source.address,
        service_options={
            "heartbeat": notifier.watchdog,
            "heartbeat_interval_s": 0.05,
            "health_timeout_s": 0.5,
        },
    )
    release = threading.Event()
    original = Worker._handle

    def stuck(self: Worker, *args: Any) -> None:  # fault injection: the loop hangs in a frame
        release.wait(30)
        original(self, *args)

    try:
        running.client.start()
        assert fake_systemd.receive() == ["WATCHDOG=1"]
        monkeypatch.setattr(Worker, "_handle", stuck)
        source.send(encode_message(1, [(IMAGE, np.ones((4, 4), dtype=np.uint16))]))
        reply: dict[str, Any] = {}

        def says_stuck() -> bool:
            answer = requests.get(f"{running.url}/health", timeout=5)
            reply.update(answer.json())
            return answer.status_code == 503 and "has not gone round" in reply["status"]

        wait_until(says_stuck, 10, "health to report the stuck loop")
        assert "stuck" in reply["status"]
        fake_systemd.drain()
        fake_systemd.socket.settimeout(0.6)
        with pytest.raises(TimeoutError):  # more than a watchdog period: no ping
            fake_systemd.socket.recv(4096)
        release.set()  # the loop goes round again: fed again
        assert fake_systemd.receive() == ["WATCHDOG=1"]
    finally:
        release.set()
        notifier.close()
