"""Issue 16, item 1: a ROI that is off reads back as ``[]``, as 1.x stored it, everywhere: the
REST answers, the client, ``.processing_parameters`` and settings files of earlier versions."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import requests

from psen_processing import PsenProcessingClient
from psen_processing.core.edge_tracking import EdgeDetectionSettings

from ..conftest import IMAGE, Running, Source
from .conftest import Legacy, ones, receive

PARAMETERS = f"{IMAGE}.processing_parameters"
SIGNAL = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND = f"{IMAGE}.roi_background_x_profile"


def test_unset_and_none_rois_read_back_as_empty_lists(legacy: Legacy) -> None:
    client = legacy.client
    for name in ("roi_signal", "roi_background"):
        answer = requests.get(f"{legacy.url}/{name}")
        assert answer.json() == {"state": "ok", "status": "stopped", name: []}
    assert client.get_roi_signal() == [] and len(client.get_roi_signal()) == 0
    assert client.get_roi_background() == []
    assert client.set_roi_signal([0, 10, 0, 5]) == [0, 10, 0, 5]
    assert client.set_roi_signal(None) == []  # 1.x's client sends no body for None
    assert client.get_roi_signal() == []
    assert client.set_roi_background([]) == []
    assert client.get_roi_background() == []
    # JSON null, as this service's own client and other scripts send it
    answer = requests.post(f"{legacy.url}/roi_background", data=b"null",
                           headers={"Content-Type": "application/json"})  # fmt: skip
    assert answer.json()["roi_background"] == []
    package_client = PsenProcessingClient(legacy.url)
    assert package_client.set_roi_signal(None) == []
    assert package_client.get_roi_signal() == []


def test_processing_parameters_show_empty_lists(legacy: Legacy) -> None:
    client = legacy.client
    client.set_roi_signal([0, 10, 0, 5])
    client.set_roi_background(None)
    assert client.start() == "processing"
    receiver = legacy.receiver()
    legacy.send(0, ones())
    data = receive(receiver).data
    assert json.loads(data[PARAMETERS].value) == {"roi_signal": [0, 10, 0, 5], "roi_background": []}
    assert SIGNAL in data and BACKGROUND not in data
    client.set_roi_signal(None)
    legacy.send(1, ones())
    data = receive(receiver).data
    assert json.loads(data[PARAMETERS].value) == {"roi_signal": [], "roi_background": []}
    assert SIGNAL not in data and BACKGROUND not in data
    assert client.stop() == "stopped"


def test_settings_file_of_an_earlier_version_with_null_rois(
    make_service: Callable[..., Running], source: Source, tmp_path: Path
) -> None:
    path = tmp_path / "earlier.json"
    earlier = {
        "version": 1,
        "roi_signal": None,
        "roi_background": [0, 8, 0, 2],
        "edge_detection": EdgeDetectionSettings().to_json(),
    }
    path.write_text(json.dumps(earlier, indent=2) + "\n")
    running = make_service(source.address, settings_path=path)
    assert running.service.settings_problem is None
    assert requests.get(f"{running.url}/roi_signal").json()["roi_signal"] == []
    assert running.client.get_roi_background() == [0, 8, 0, 2]
    assert running.client.get_statistics()["settings_problem"] is None
    # the next save writes the ROI that is off as 1.x showed it
    running.client.set_roi_background(None)
    saved = json.loads(path.read_text())
    assert saved["roi_signal"] == [] and saved["roi_background"] == []
