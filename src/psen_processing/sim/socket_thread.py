"""A ZeroMQ socket with a context of its own, served by a daemon thread until stopped."""

from __future__ import annotations

import threading
from typing import Any

import zmq

__all__ = ["SocketThread"]


class SocketThread:
    """Base of the simulated camera's sender and the demo's output reader.

    Subclasses implement ``_run``, which loops until ``self._stop`` is set.
    """

    def __init__(self, socket_type: int, name: str) -> None:
        self._context: zmq.Context[Any] = zmq.Context()
        self._socket = self._context.socket(socket_type)
        self._socket.setsockopt(zmq.LINGER, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def wait(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self._socket.close(linger=0)
        self._context.term()
