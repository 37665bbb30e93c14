"""The REST app and the Python client in-process: ``build_app``'s ASGI app driven by Starlette's
TestClient (httpx), and ``PsenProcessingClient`` (requests) through a transport adapter that
hands its requests to the same app. No HTTP socket: the request/response logic alone.

The end-to-end tests over a real uvicorn server stay in ``tests/integration``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import zmq
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from starlette.testclient import TestClient

from psen_processing import PsenProcessingClient
from psen_processing.api.app import build_app
from psen_processing.codec import Decoder
from psen_processing.service import PsenService
from psen_processing.settings_file import SettingsStore
from psen_processing.stream.worker import StreamConfig

from ..conftest import PREFIX, Sink, Source

BASE_URL = "http://testserver"
"""The address the in-process app answers at (TestClient's)."""


class AppAdapter(BaseAdapter):
    """A requests transport adapter that answers from an ASGI app in-process (through
    Starlette's TestClient) instead of a connection."""

    def __init__(self, http: TestClient) -> None:
        super().__init__()
        self._http = http

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        body = request.body.encode() if isinstance(request.body, str) else request.body
        reply = self._http.request(
            request.method or "GET",
            request.url or "",
            content=body,
            headers=dict(request.headers),
        )
        response = requests.Response()
        response.status_code = reply.status_code
        response.reason = reply.reason_phrase
        response.headers = CaseInsensitiveDict(reply.headers)
        response._content = reply.content
        response.encoding = reply.encoding
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


@dataclass
class InProcess:
    """A service and its app in-process: ``http`` (TestClient) and ``client`` (the Python
    client, through :class:`AppAdapter`) talk to the same app."""

    service: PsenService
    http: TestClient
    client: PsenProcessingClient
    settings_path: Path
    sockets: list[zmq.Socket[Any]] = field(default_factory=list)

    def sink(self, context: zmq.Context[Any]) -> Sink:
        """A consumer of the output stream (real ZeroMQ); closed when the test ends."""
        port = self.service.output_port
        assert port is not None, "the output port is chosen at the first start"
        sock = context.socket(zmq.PULL)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"tcp://127.0.0.1:{port}")
        self.sockets.append(sock)
        return Sink(sock, Decoder())


@pytest.fixture
def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., InProcess]]:
    """Build a service's app in-process (its data streams are real ZeroMQ on loopback, the
    output on a port the system chooses); everything is closed afterwards. The Python client
    is routed to the last app made."""
    made: list[tuple[PsenService, TestClient, InProcess]] = []

    def make(
        input_stream: str = "tcp://127.0.0.1:1",
        *,
        api_token: str | None = None,
        settings_path: Path | None = None,
        **options: Any,
    ) -> InProcess:
        path = settings_path or tmp_path / "settings.json"
        config = StreamConfig(
            input_stream=input_stream,
            prefix=options.pop("prefix", PREFIX),
            output_port=options.pop("output_port", 0),
            output_interface="127.0.0.1",
            **options,
        )
        service = PsenService(config, SettingsStore(path))
        http = TestClient(build_app(service, api_token=api_token), base_url=BASE_URL)
        http.__enter__()  # runs the app's lifespan
        session = requests.Session()
        session.mount(BASE_URL, AppAdapter(http))
        monkeypatch.setattr(requests, "request", session.request)  # what the client calls
        client = PsenProcessingClient(BASE_URL, timeout=10, token=api_token)
        inproc = InProcess(service, http, client, path)
        made.append((service, http, inproc))
        return inproc

    yield make
    for service, http, inproc in made:
        for sock in inproc.sockets:
            sock.close(linger=0)
        http.__exit__(None, None, None)
        service.close()


@pytest.fixture
def app(make_app: Callable[..., InProcess], source: Source) -> InProcess:
    """A service fed by ``source``, not started, its app in-process."""
    return make_app(source.address)
