"""Running the REST app with uvicorn, in the foreground or on a background thread."""

from __future__ import annotations

import threading
import time

import uvicorn
from fastapi import FastAPI

from .errors import ServiceError

__all__ = ["ServerThread"]


class ServerThread:
    """uvicorn on a daemon thread; ``start`` returns once it accepts connections."""

    def __init__(self, app: FastAPI, host: str, port: int, log_level: str = "warning") -> None:
        config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off")
        self.server = uvicorn.Server(config)
        self.host, self.port = host, port
        self._thread = threading.Thread(target=self.server.run, name="psen-rest", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise ServiceError(f"REST API did not start on {self.host}:{self.port}")
            time.sleep(0.01)

    def stop(self, timeout: float = 5.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
