"""Running the REST app with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import os
import socket
import threading
import time

import uvicorn
from fastapi import FastAPI

from ..errors import ServiceError
from .connections import ConnectionLimits, guarded_protocol

__all__ = ["ServerThread"]


class ServerThread:
    """uvicorn on a daemon thread; ``start`` returns once it accepts connections.

    Its connections are bounded by ``limits`` (see :mod:`.http_connections`).
    """

    def __init__(
        self,
        app: FastAPI,
        host: str,
        port: int,
        log_level: str = "warning",
        limits: ConnectionLimits = ConnectionLimits(),  # noqa: B008 - frozen
    ) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            # uvicorn's records go to the root logger's handlers, as the service's own do: one
            # format, and the same limit on a repeated message (a flood of bad requests)
            log_config=None,
            lifespan="off",
            http=guarded_protocol(limits),
            ws="none",
            backlog=limits.accept_batch,
            timeout_keep_alive=max(1, round(limits.request_timeout_s)),
        )
        self.server = uvicorn.Server(config)
        self.limits = limits
        self.host, self.port = host, port
        self._thread = threading.Thread(target=self.server.run, name="psen-rest", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServiceError(f"REST API did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        self._deepen_listen_queues()

    @property
    def bound_port(self) -> int:
        """The port the server listens on (the one chosen by the system when given 0)."""
        for server in self.server.servers:
            for listening in server.sockets:
                return int(listening.getsockname()[1])
        return self.port

    def _deepen_listen_queues(self) -> None:
        """Listen again with ``limits.listen_backlog``: asyncio listens with the accept batch,
        which a burst of connections fills. The queue belongs to the socket, so a duplicate of
        its descriptor sets it."""
        for server in self.server.servers:
            for listening in server.sockets:
                with socket.socket(fileno=os.dup(listening.fileno())) as duplicate:
                    duplicate.listen(self.limits.listen_backlog)

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
