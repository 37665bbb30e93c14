"""Bounds on the REST server's TCP connections: how many, and how long one may wait idle.

uvicorn's h11 protocol, with two additions, so that clients that connect and send nothing (or
send a request a byte at a time) cannot use up the process's file descriptors or the server:

- at most ``max_connections`` connections are open. A new one past the limit closes the
  connection that has waited longest for its client (no request, or a request not yet complete,
  and no bytes from it waiting to be read);
  a connection that waited less than ``min_idle_s`` is closed for that only when ``overflow``
  more are open already; one whose bytes wait unread never is. When every open connection is
  busy with a request, a new one is answered ``503`` and closed, so its descriptor is freed at
  once.
- a connection must deliver a complete request within ``request_timeout_s`` of being opened or
  of its previous response; slow or partial data does not extend that time.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import struct
import termios
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from ..errors import InvalidOption

__all__ = ["ConnectionLimits", "guarded_protocol"]

log = logging.getLogger("psen_processing.http")

_BUSY_BODY = b'{"state":"error","status":"too many connections: try again later"}'
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n"
    b"connection: close\r\ncontent-length: %d\r\n\r\n%s" % (len(_BUSY_BODY), _BUSY_BODY)
)

_WAITING_FOR_CLIENT = (h11.IDLE, h11.SEND_BODY)
"""h11 states of the client in which the server waits for it: request head or body to come."""


@dataclass(frozen=True)
class ConnectionLimits:
    """Bounds of the REST server's connections (kept far below the 1024 descriptors systemd
    gives a service by default, so that the stream side always has descriptors left)."""

    max_connections: int = 64
    """Connections open at once."""
    request_timeout_s: float = 5.0
    """Time a connection has to send a complete request (also the keep-alive idle time)."""
    accept_batch: int = 128
    """How many connections one event-loop turn accepts (asyncio also makes it the listen
    backlog; :attr:`listen_backlog` then replaces that)."""
    listen_backlog: int = 4096
    """Connections the kernel completes and queues for accepting (capped by
    ``net.core.somaxconn``). A queue too short for a burst of connections drops the SYN of a
    request that comes in with them, which its client sends again only 1 s, then 3 s later."""
    min_idle_s: float = 0.5
    """A connection is closed to make room only once it has waited this long: a client's bytes
    can arrive a moment after its connection is accepted (a retransmission after a full
    backlog), and then it has not been idle."""
    overflow: int = 192
    """Connections open beyond ``max_connections`` while none has waited ``min_idle_s``; past
    that the longest waiting is closed however short its wait."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_connections <= 4096:
            raise InvalidOption(f"max_connections must be 1..4096, not {self.max_connections}")
        if not 0.1 <= self.request_timeout_s <= 300:
            raise InvalidOption(f"request_timeout_s must be 0.1..300, not {self.request_timeout_s}")
        if not 1 <= self.accept_batch <= 4096:
            raise InvalidOption(f"accept_batch must be 1..4096, not {self.accept_batch}")
        if not 1 <= self.listen_backlog <= 65535:
            raise InvalidOption(f"listen_backlog must be 1..65535, not {self.listen_backlog}")
        if not 0 <= self.min_idle_s <= self.request_timeout_s:
            raise InvalidOption(f"min_idle_s must be 0..request_timeout_s, not {self.min_idle_s}")
        if not 0 <= self.overflow <= 4096:
            raise InvalidOption(f"overflow must be 0..4096, not {self.overflow}")


class _Registry:
    """The open connections of one server, and those waiting for their client, oldest first."""

    def __init__(self) -> None:
        self.open: set[GuardedH11Protocol] = set()
        self.waiting: dict[GuardedH11Protocol, float] = {}
        """Connections waiting for their client, oldest first, with when they began to wait."""

    def close_longest_waiting(self, now: float, min_idle_s: float) -> GuardedH11Protocol | None:
        """Close the connection that has waited longest, at least ``min_idle_s``, and sent
        nothing since: one whose bytes are already in but not yet read (accepted in the same
        turn of the event loop as a burst of others) is about to be served and is passed over."""
        for protocol, since in self.waiting.items():
            if now - since < min_idle_s:
                return None  # the rest waited less still
            if not protocol.has_unread_data():
                protocol.close_idle()
                return protocol
        return None


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol under :class:`ConnectionLimits` (see the module's description)."""

    limits: ClassVar[ConnectionLimits]
    registry: ClassVar[_Registry]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        registry, limits = self.registry, self.limits
        count = len(registry.open)
        if count >= limits.max_connections:
            now = self.loop.time()
            closed = registry.close_longest_waiting(now, limits.min_idle_s)
            if closed is None and count >= limits.max_connections + limits.overflow:
                closed = registry.close_longest_waiting(now, 0.0)  # the overflow is full too
            if closed is not None:
                log.warning(
                    "REST: %d connections open (the limit): closed the one that waited longest "
                    "without a complete request",
                    limits.max_connections,
                )
            elif not registry.waiting or count >= limits.max_connections + limits.overflow:
                log.warning(
                    "REST: %d connections open, all busy with requests: a new one is refused",
                    count,
                )
                transport.write(_BUSY)
                transport.close()
                return
        super().connection_made(transport)
        registry.open.add(self)
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is None:  # refused in connection_made: uvicorn never knew of it
            return
        self._forget()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    def has_unread_data(self) -> bool:
        """Whether the client's bytes wait in the socket, not yet read (FIONREAD)."""
        sock = self.transport.get_extra_info("socket")
        if sock is None or sock.fileno() < 0:
            return False
        try:
            pending = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return False
        return bool(struct.unpack("i", pending)[0])

    def close_idle(self) -> None:
        """Close this connection, which waits for its client; its descriptor is freed at once."""
        self._forget()
        if not self.transport.is_closing():
            self.transport.close()

    def _track(self) -> None:
        """Start the request clock when the server begins to wait for the client; stop it when
        a complete request is in. Data arriving in between does not restart it."""
        if self.transport.is_closing():
            self._forget()
        elif self.conn.their_state in _WAITING_FOR_CLIENT:
            if self not in self.registry.waiting:
                self.registry.waiting[self] = self.loop.time()
                self._deadline = self.loop.call_later(
                    self.limits.request_timeout_s, self._timed_out
                )
        else:
            self._stop_waiting()

    def _timed_out(self) -> None:
        self._deadline = None
        if self.conn.their_state in _WAITING_FOR_CLIENT and not self.transport.is_closing():
            log.debug(
                "REST: closed a connection from %s: no complete request within %g s",
                self.client,
                self.limits.request_timeout_s,
            )
            self.close_idle()

    def _stop_waiting(self) -> None:
        self.registry.waiting.pop(self, None)
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _forget(self) -> None:
        self._stop_waiting()
        self.registry.open.discard(self)


def guarded_protocol(limits: ConnectionLimits) -> type[GuardedH11Protocol]:
    """A protocol class for one uvicorn server (``Config(http=...)``), with its own registry."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"limits": limits, "registry": _Registry()},
    )
