"""The REST API over the real HTTP server (uvicorn) and the Python client against it, end to
end: one test per concern. The request/response logic (every endpoint, validation, status codes,
bodies) is tested in-process in ``tests/api``; the token over HTTP in ``test_security.py``."""

from __future__ import annotations

import socket

import pytest
import requests

from psen_processing import PsenProcessingClient
from psen_processing.api.app import MAX_BODY_BYTES

from ..conftest import Running


def test_the_server_serves_the_api_over_http(running: Running) -> None:
    url = running.url
    assert requests.get(f"{url}/status", timeout=5).json() == {"state": "ok", "status": "stopped"}
    answer = requests.post(f"{url}/roi_signal", json=[1, 2, 3, 4], timeout=5).json()
    assert answer == {"state": "ok", "status": "stopped", "roi_signal": [1, 2, 3, 4]}
    assert requests.post(f"{url}/start", timeout=5).json()["status"] == "processing"
    statistics = requests.get(f"{url}/statistics", timeout=5).json()
    assert statistics["state"] == "ok" and "frames_received" in statistics["statistics"]
    assert requests.post(f"{url}/stop", timeout=5).json()["status"] == "stopped"
    response = requests.get(f"{url}/no_such_thing", timeout=5)
    assert response.status_code == 404
    assert response.json() == {"state": "error", "status": "no endpoint /no_such_thing"}
    huge = b"[" + b"1," * MAX_BODY_BYTES + b"1]"  # read from the socket, refused at the bound
    response = requests.post(
        f"{url}/roi_background", data=huge, headers={"Content-Type": "application/json"},
        timeout=5,
    )  # fmt: skip
    assert response.status_code == 413 and response.json()["state"] == "error"
    assert "openapi" in requests.get(f"{url}/openapi.json", timeout=5).json()


def test_the_client_works_against_the_server(running: Running) -> None:
    client = running.client
    assert client.get_address() == running.url
    assert client.get_status() == "stopped"
    assert client.set_roi_signal([0, 100, 0, 100]) == [0, 100, 0, 100]
    assert client.get_roi_signal() == [0, 100, 0, 100]
    assert client.start() == "processing"
    assert isinstance(client.get_statistics()["frames_received"], int)
    with pytest.raises(ValueError, match="exactly 4"):  # the server's message, raised
        client.set_roi_background([0, 10, 0])
    assert client.stop() == "stopped"


def test_client_times_out_instead_of_hanging() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = PsenProcessingClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        with pytest.raises(requests.exceptions.Timeout):
            client.get_status()
