"""Every seed endpoint and client method, against the app in-process (no HTTP socket)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import zmq

from psen_processing import PsenProcessingClient
from psen_processing.api.app import MAX_BODY_BYTES
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Source, wait_until
from .conftest import BASE_URL, InProcess


def test_envelope_of_every_endpoint(app: InProcess) -> None:
    http = app.http
    assert http.get("/status").json() == {"state": "ok", "status": "stopped"}
    assert http.post("/start").json() == {"state": "ok", "status": "processing"}
    assert http.get("/status").json()["status"] == "processing"
    for name in ("roi_signal", "roi_background"):
        assert http.get(f"/{name}").json() == {"state": "ok", "status": "processing", name: []}
        answer = http.post(f"/{name}", json=[1, 2, 3, 4]).json()
        assert answer == {"state": "ok", "status": "processing", name: [1, 2, 3, 4]}
        assert http.get(f"/{name}").json()[name] == [1, 2, 3, 4]
    statistics = http.get("/statistics").json()
    assert statistics["state"] == "ok" and statistics["status"] == "processing"
    for key in (
        "processing_start_time",
        "frames_received",
        "frames_sent",
        "last_pulse_id",
        "last_sent_time",
        "frames_per_second",
        "frames_skipped_by_reason",
        "latency_ms",
    ):
        assert key in statistics["statistics"], key
    assert statistics["statistics"]["processing_start_time"] is not None
    assert http.post("/stop").json() == {"state": "ok", "status": "stopped"}


def test_client_methods_as_the_seed_documents_them(app: InProcess) -> None:
    client = app.client
    assert client.get_address() == BASE_URL  # as given
    assert PsenProcessingClient().get_address() == "http://sf-daqsync-02:11000/"
    assert client.get_status() == "stopped"
    assert client.start() == "processing"
    assert client.start() == "processing"  # starting twice is harmless
    assert client.get_status() == "processing"
    assert client.set_roi_signal([0, 100, 0, 100]) == [0, 100, 0, 100]
    assert client.get_roi_signal() == [0, 100, 0, 100]
    assert client.set_roi_background([100, 200, 100, 200]) == [100, 200, 100, 200]
    assert client.get_roi_background() == [100, 200, 100, 200]
    assert client.set_roi_signal([]) == []
    assert client.get_roi_signal() == []
    assert client.set_roi_background(None) == []
    assert client.get_roi_background() == []
    assert client.set_roi_signal(np.array([1, 2, 3, 4])) == [1, 2, 3, 4]  # type: ignore[arg-type]
    assert isinstance(client.get_statistics()["frames_received"], int)
    assert client.stop() == "stopped"
    assert client.get_status() == "stopped"


@pytest.mark.parametrize(
    ("roi", "words"),
    [
        ([0, 10, 0], "exactly 4"),
        ([0, 10, 0, 10, 5], "exactly 4"),
        ([-1, 10, 0, 10], "ROI offsets"),
        ([0, 10, -5, 10], "ROI offsets"),
        ([0, 0, 0, 10], "ROI sizes"),
        ([0, 10, 0, -3], "ROI sizes"),
        ([0, "10", 0, 10], "integer"),
        ([0, 1.5, 0, 10], "integer"),
        ([0, True, 0, 10], "integer"),
        ({"offset_x": 0}, "must be an instance of a list"),
        ("0,10,0,10", "must be an instance of a list"),
    ],
)
def test_invalid_roi_is_a_4xx_envelope_and_changes_nothing(
    app: InProcess, roi: object, words: str
) -> None:
    app.client.set_roi_signal([5, 6, 7, 8])
    response = app.http.post("/roi_signal", json=roi)
    assert response.status_code == 400
    body = response.json()
    assert body["state"] == "error"
    assert "roi_signal" in body["status"] and words in body["status"]
    with pytest.raises(ValueError, match=words):
        app.client.set_roi_signal(roi)  # type: ignore[arg-type]
    assert app.client.get_roi_signal() == [5, 6, 7, 8]
    assert json.loads(app.settings_path.read_text())["roi_signal"] == [5, 6, 7, 8]


def test_malformed_json_and_unknown_endpoints(app: InProcess) -> None:
    http = app.http
    json_body = {"Content-Type": "application/json"}
    response = http.post("/roi_background", content=b"[1, 2,", headers=json_body)
    assert response.status_code == 400
    assert response.json()["state"] == "error"
    assert "not valid JSON" in response.json()["status"]
    response = http.get("/no_such_thing")
    assert response.status_code == 404
    assert response.json() == {"state": "error", "status": "no endpoint /no_such_thing"}
    response = http.get("/start")
    assert response.status_code == 405
    assert response.json()["state"] == "error"
    huge = b"[" + b"1," * MAX_BODY_BYTES + b"1]"
    response = http.post("/roi_signal", content=huge, headers=json_body)
    assert response.status_code == 413
    assert response.json()["state"] == "error"
    assert app.client.get_roi_background() == []


def test_roi_outside_the_known_image_is_refused(
    app: InProcess, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    app.client.start()
    sink = app.sink(zmq_context)
    source.send(encode_message(1, [(IMAGE, np.zeros((50, 80), dtype=np.uint16))]))
    sink.receive()
    wait_until(lambda: app.client.get_statistics()["image_shape"] == [50, 80])
    with pytest.raises(ValueError, match="exceed the image size"):
        app.client.set_roi_signal([0, 81, 0, 10])
    with pytest.raises(ValueError, match="exceed the image size"):
        app.client.set_roi_background([70, 10, 45, 6])
    assert app.client.set_roi_signal([0, 80, 0, 50]) == [0, 80, 0, 50]  # the whole image fits
    assert app.client.get_roi_background() == []


def test_openapi_description_is_served(app: InProcess) -> None:
    paths = app.http.get("/openapi.json").json()["paths"]
    for path, method in [
        ("/start", "post"),
        ("/stop", "post"),
        ("/status", "get"),
        ("/statistics", "get"),
        ("/roi_signal", "get"),
        ("/roi_signal", "post"),
        ("/roi_background", "get"),
        ("/roi_background", "post"),
    ]:
        assert method in paths[path], (path, method)
    assert "requestBody" in paths["/roi_signal"]["post"]


def test_start_on_a_busy_output_port_says_what_is_wrong(
    make_app: Callable[..., InProcess], source: Source
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        app = make_app(source.address, output_port=busy, bind_timeout_s=0.2)
        response = app.http.post("/start")
        assert response.status_code == 503
        assert response.json()["state"] == "error"
        assert (
            f"cannot bind the output stream to tcp://127.0.0.1:{busy}" in response.json()["status"]
        )
        assert app.client.get_status() == "stopped"
