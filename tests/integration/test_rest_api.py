"""Every seed endpoint and client method, over the real HTTP server."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable

import numpy as np
import pytest
import requests

from psen_processing import PsenProcessingClient
from psen_processing.api.app import MAX_BODY_BYTES
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Running, Source, wait_until


def test_envelope_of_every_endpoint(running: Running) -> None:
    url = running.url
    assert requests.get(f"{url}/status", timeout=5).json() == {"state": "ok", "status": "stopped"}
    answer = requests.post(f"{url}/start", timeout=5).json()
    assert answer == {"state": "ok", "status": "processing"}
    assert requests.get(f"{url}/status", timeout=5).json()["status"] == "processing"
    for name in ("roi_signal", "roi_background"):
        answer = requests.get(f"{url}/{name}", timeout=5).json()
        assert answer == {"state": "ok", "status": "processing", name: []}
        answer = requests.post(f"{url}/{name}", json=[1, 2, 3, 4], timeout=5).json()
        assert answer == {"state": "ok", "status": "processing", name: [1, 2, 3, 4]}
        answer = requests.get(f"{url}/{name}", timeout=5).json()
        assert answer[name] == [1, 2, 3, 4]
    statistics = requests.get(f"{url}/statistics", timeout=5).json()
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
    answer = requests.post(f"{url}/stop", timeout=5).json()
    assert answer == {"state": "ok", "status": "stopped"}


def test_client_methods_as_the_seed_documents_them(running: Running) -> None:
    client = running.client
    assert client.get_address() == running.url  # as given
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
    running: Running, roi: object, words: str
) -> None:
    running.client.set_roi_signal([5, 6, 7, 8])
    response = requests.post(f"{running.url}/roi_signal", json=roi, timeout=5)
    assert response.status_code == 400
    body = response.json()
    assert body["state"] == "error"
    assert "roi_signal" in body["status"] and words in body["status"]
    with pytest.raises(ValueError, match=words):
        running.client.set_roi_signal(roi)  # type: ignore[arg-type]
    assert running.client.get_roi_signal() == [5, 6, 7, 8]
    assert json.loads(running.settings_path.read_text())["roi_signal"] == [5, 6, 7, 8]


def test_malformed_json_and_unknown_endpoints(running: Running) -> None:
    response = requests.post(
        f"{running.url}/roi_background",
        data=b"[1, 2,",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["state"] == "error"
    assert "not valid JSON" in response.json()["status"]
    response = requests.get(f"{running.url}/no_such_thing", timeout=5)
    assert response.status_code == 404
    assert response.json() == {"state": "error", "status": "no endpoint /no_such_thing"}
    response = requests.get(f"{running.url}/start", timeout=5)
    assert response.status_code == 405
    assert response.json()["state"] == "error"
    huge = b"[" + b"1," * MAX_BODY_BYTES + b"1]"
    response = requests.post(
        f"{running.url}/roi_signal", data=huge, headers={"Content-Type": "application/json"},
        timeout=5,
    )  # fmt: skip
    assert response.status_code == 413
    assert response.json()["state"] == "error"
    assert running.client.get_roi_background() == []


def test_roi_outside_the_known_image_is_refused(running: Running, source: Source) -> None:
    running.client.start()
    sink_context = source.socket.context
    sink = running.sink(sink_context)
    source.send(encode_message(1, [(IMAGE, np.zeros((50, 80), dtype=np.uint16))]))
    sink.receive()
    wait_until(lambda: running.client.get_statistics()["image_shape"] == [50, 80])
    with pytest.raises(ValueError, match="exceed the image size"):
        running.client.set_roi_signal([0, 81, 0, 10])
    with pytest.raises(ValueError, match="exceed the image size"):
        running.client.set_roi_background([70, 10, 45, 6])
    assert running.client.set_roi_signal([0, 80, 0, 50]) == [0, 80, 0, 50]  # the whole image fits
    assert running.client.get_roi_background() == []


def test_openapi_description_is_served(running: Running) -> None:
    spec = requests.get(f"{running.url}/openapi.json", timeout=5).json()
    paths = spec["paths"]
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


def test_client_times_out_instead_of_hanging(make_service: Callable[..., Running]) -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = PsenProcessingClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        with pytest.raises(requests.exceptions.Timeout):
            client.get_status()


def test_start_on_a_busy_output_port_says_what_is_wrong(
    make_service: Callable[..., Running], source: Source
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        busy = squatter.getsockname()[1]
        run = make_service(source.address, output_port=busy, bind_timeout_s=0.2)
        response = requests.post(f"{run.url}/start", timeout=10)
        assert response.status_code == 503
        assert response.json()["state"] == "error"
        assert (
            f"cannot bind the output stream to tcp://127.0.0.1:{busy}" in response.json()["status"]
        )
        assert run.client.get_status() == "stopped"
