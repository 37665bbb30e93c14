"""The REST server's connection bounds (ServerThread with small limits, real sockets)."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from fastapi import FastAPI

from psen_processing.api.connections import ConnectionLimits
from psen_processing.api.server import ServerThread

from ..conftest import wait_until

LIMITS = ConnectionLimits(max_connections=8, request_timeout_s=1.0, accept_batch=16)


class Served:
    def __init__(self, url: str, port: int, release: threading.Event, server: ServerThread) -> None:
        self.url, self.port, self.release, self.server = url, port, release, server
        self.slow_requests: list[int] = []
        self.sockets: list[socket.socket] = []

    def connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.sockets.append(sock)
        return sock


@pytest.fixture
def served() -> Iterator[Served]:
    release = threading.Event()
    app = FastAPI()
    running: Served | None = None

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"state": "ok"}

    @app.get("/slow")
    def slow() -> dict[str, str]:
        assert running is not None
        running.slow_requests.append(1)  # atomic, from the server's worker threads
        release.wait(20)
        return {"state": "ok"}

    server = ServerThread(app, "127.0.0.1", 0, limits=LIMITS)
    server.start()
    port = server.bound_port
    running = Served(f"http://127.0.0.1:{port}", port, release, server)
    try:
        yield running
    finally:
        release.set()
        for sock in running.sockets:
            sock.close()
        server.stop()


def _closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """Whether the server closes ``sock`` within ``timeout`` s (anything it sends is read)."""
    sock.settimeout(timeout)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True
    return True


def test_a_connection_that_trickles_an_incomplete_request_is_closed(served: Served) -> None:
    sock = served.connect()
    started = time.monotonic()
    request = b"GET /ping HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"a" * 40
    closed = False
    for byte in request:  # one byte every 0.1 s: data keeps coming, the request never completes
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        time.sleep(0.1)
    assert closed or _closed_by_server(sock, 5)
    assert time.monotonic() - started < LIMITS.request_timeout_s + 3
    assert requests.get(f"{served.url}/ping", timeout=5).ok


def test_an_idle_keep_alive_connection_is_closed_after_the_timeout(served: Served) -> None:
    sock = served.connect()
    sock.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
    sock.settimeout(5)
    assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert _closed_by_server(sock, LIMITS.request_timeout_s + 3)


def test_past_the_limit_the_longest_waiting_connection_makes_room(served: Served) -> None:
    idle = [served.connect() for _ in range(3 * LIMITS.max_connections)]
    for _ in range(5):
        assert requests.get(f"{served.url}/ping", timeout=2).ok
    # the oldest idle connections were closed at once, the newest may still be open
    assert all(_closed_by_server(sock, 2) for sock in idle[: LIMITS.max_connections])


def test_when_every_connection_is_busy_a_new_one_is_answered_503(served: Served) -> None:
    busy = [served.connect() for _ in range(LIMITS.max_connections)]
    for sock in busy:
        sock.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_until(lambda: len(served.slow_requests) == len(busy), 5, "every connection busy")
    extra = served.connect()

    def refused() -> bool:
        extra.settimeout(2)
        data = b""
        try:
            while chunk := extra.recv(4096):
                data += chunk
        except TimeoutError:
            return False
        return data.startswith(b"HTTP/1.1 503") and b"too many connections" in data

    wait_until(refused, 5, "a 503 for the connection past the limit")
    served.release.set()
    for sock in busy:
        sock.settimeout(5)
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
    assert requests.get(f"{served.url}/ping", timeout=5).ok


def test_a_request_that_arrives_inside_a_burst_of_idle_connections_is_answered(
    served: Served,
) -> None:
    """A client whose request is already there is never the one closed to make room, even when
    many idle connections are accepted in the same turn of the event loop as it."""
    burst: list[socket.socket] = []

    def connect_idle(count: int) -> None:
        for _ in range(count):
            sock = socket.socket()
            burst.append(sock)
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", served.port))

    try:
        for _ in range(5):
            connect_idle(4 * LIMITS.accept_batch)
            client = served.connect()  # connected behind the first part of the burst ...
            client.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            connect_idle(4 * LIMITS.accept_batch)  # ... and before the rest
            client.settimeout(5)
            answer = b""
            try:
                while chunk := client.recv(4096):
                    answer += chunk
            except ConnectionResetError:
                pass
            assert answer.startswith(b"HTTP/1.1 200"), answer or "closed without an answer"
    finally:
        for sock in burst:
            sock.close()


def _listen_queue_size(listening: socket.socket) -> int:
    """The listen backlog of a listening TCP socket: Linux reports it in TCP_INFO's
    ``tcpi_sacked`` (a u32 at byte 28) for sockets in the LISTEN state."""
    info = listening.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    assert info[0] == 10  # TCP_LISTEN
    return int(struct.unpack_from("I", info, 28)[0])


def test_the_listen_queue_holds_a_burst_of_connections(served: Served) -> None:
    """asyncio listens with the accept batch (16 here): a burst of connections fills such a
    queue, and the kernel then drops the SYN of a request that comes with them (its client
    tries again only 1 s later). The server listens again with ``listen_backlog``."""
    somaxconn = int(Path("/proc/sys/net/core/somaxconn").read_text())
    sizes = []
    for server in served.server.server.servers:
        for listening in server.sockets:
            with socket.socket(fileno=os.dup(listening.fileno())) as duplicate:
                sizes.append(_listen_queue_size(duplicate))
    assert sizes == [min(LIMITS.listen_backlog, somaxconn)]
    assert sizes[0] > 4 * LIMITS.accept_batch


def test_limits_have_bounds() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        ConnectionLimits(max_connections=0)
    with pytest.raises(ValueError, match="request_timeout_s"):
        ConnectionLimits(request_timeout_s=0)
    with pytest.raises(ValueError, match="listen_backlog"):
        ConnectionLimits(listen_backlog=0)
