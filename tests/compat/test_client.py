"""The 1.x way of using the service end to end, with :class:`OriginalStyleClient` (a client
written to 1.x's interface: requests, ``.json()`` whatever the HTTP status, ``state`` checked)
driving every endpoint of the real server, and psi-bsread reading the output, as 1.x's own
test of its client did; and the package's client seen from a 1.x script."""

from __future__ import annotations

import json

import pytest
import requests

from psen_processing import PsenProcessingClient

from ..conftest import IMAGE
from .conftest import Legacy, ones, receive
from .original_client import OriginalStyleClient

PARAMETERS = f"{IMAGE}.processing_parameters"
SIGNAL = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND = f"{IMAGE}.roi_background_x_profile"


def test_classic_interaction(legacy: Legacy) -> None:
    client = legacy.client
    assert client.get_address() == legacy.url + "/"
    assert client.get_status() == "stopped"
    assert client.get_roi_signal() == [] and client.get_roi_background() == []
    assert client.set_roi_signal(None) == []
    with pytest.raises(ValueError, match="ROI offsets"):
        client.set_roi_signal([-1, -1, -1, -1])
    assert client.set_roi_signal([0, 100, 0, 10]) == [0, 100, 0, 10]
    assert client.get_roi_signal() == [0, 100, 0, 10]
    assert client.set_roi_background([100, 20, 10, 5]) == [100, 20, 10, 5]
    assert client.get_roi_background() == [100, 20, 10, 5]
    assert "n_processed_images" not in client.get_statistics()
    assert client.start() == "processing"
    assert client.get_status() == "processing"
    assert client.get_statistics()["n_processed_images"] == 0
    receiver = legacy.receiver()
    for pulse_id in range(5):
        legacy.send(pulse_id, ones())
        data = receive(receiver).data
        assert json.loads(data[PARAMETERS].value) == {
            "roi_signal": [0, 100, 0, 10],
            "roi_background": [100, 20, 10, 5],
        }
        assert data[SIGNAL].value.tolist() == [10] * 100
        assert data[BACKGROUND].value.tolist() == [5] * 20
    statistics = client.get_statistics()
    assert statistics["n_processed_images"] == 5 and statistics["last_sent_pulse_id"] == 4
    assert client.stop() == "stopped"
    assert client.start() == "processing"
    assert client.stop() == "stopped"


def test_a_roi_changed_while_running_applies_from_the_next_image(legacy: Legacy) -> None:
    client = legacy.client
    client.set_roi_signal([0, 10, 0, 10])
    client.start()
    receiver = legacy.receiver()
    legacy.send(0, ones())
    assert json.loads(receive(receiver).data[PARAMETERS].value)["roi_signal"] == [0, 10, 0, 10]
    client.set_roi_signal([5, 20, 2, 3])
    legacy.send(1, ones())
    data = receive(receiver).data
    assert json.loads(data[PARAMETERS].value)["roi_signal"] == [5, 20, 2, 3]
    assert data[SIGNAL].value.tolist() == [3] * 20


def test_errors_reach_the_1x_client_as_value_errors_whatever_the_http_status(
    legacy: Legacy,
) -> None:
    """This service answers errors with a 4xx (1.x: 200) and the same JSON envelope; a client
    that parses ``.json()`` and checks ``state``, as 1.x's did, sees the same ValueError."""
    answer = requests.post(f"{legacy.url}/roi_signal", json=[0, 0, 0, 0])
    assert answer.status_code == 400
    assert answer.json() == {"state": "error", "status": answer.json()["status"]}
    for call, words in (
        (lambda: legacy.client.set_roi_signal([0, 0, 0, 1]), "ROI sizes"),
        (lambda: legacy.client.set_roi_background([0, 1, 0]), "exactly 4 elements"),
        (lambda: legacy.client.set_roi_background("0,1,0,1"), "must be an instance of a list"),
    ):
        with pytest.raises(ValueError, match=words):
            call()
    unknown = OriginalStyleClient(legacy.url)
    unknown._base += "/no_such_prefix"  # an unknown endpoint: a JSON 404 (1.x: an HTML page)
    with pytest.raises(ValueError, match="no endpoint"):
        unknown.get_status()


def test_the_package_client_as_a_1x_script_uses_it(legacy: Legacy) -> None:
    for given in (legacy.url, legacy.url + "/"):
        client = PsenProcessingClient(address=given)
        assert client.get_address() == given  # as given, as 1.x's client returned it
        assert client.get_status() == "stopped"
        assert client.get_roi_signal() == []
        assert client.set_roi_background(None) == []
        with pytest.raises(ValueError, match="ROI offsets"):
            client.set_roi_signal([-1, -1, -1, -1])
