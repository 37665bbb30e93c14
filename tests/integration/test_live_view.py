"""The live page, the JSON and the thumbnail it polls, over the real HTTP server."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.api.live_routes import MAX_PROFILE_POINTS, web_directory
from psen_processing.sim.messages import encode_message
from psen_processing.stream.pipeline import FrameOutcome

from ..conftest import IMAGE, Running, Source, wait_until
from ..unit.test_live import decode_png


def _send(running: Running, source: Source, image: np.ndarray, pulse_id: int) -> None:
    source.send(encode_message(pulse_id, [(IMAGE, image)]))
    wait_until(
        lambda: running.service.statistics.snapshot().last_pulse_id == pulse_id,
        what=f"pulse {pulse_id} to be processed",
    )


def test_page_and_its_files_are_served_from_the_package(running: Running) -> None:
    page = requests.get(f"{running.url}/", timeout=5)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "psen_processing live view" in page.text
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "static/live.js" in referenced and "static/live.css" in referenced
    for name in ("index.html", "live.js", "live.css"):  # nothing from the internet
        text = (web_directory() / name).read_text(encoding="utf-8")
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), name
        assert "cdn" not in text.lower(), name
    for path in referenced:
        if path.startswith("data:"):
            continue
        answer = requests.get(f"{running.url}/{path}", timeout=5)
        assert answer.status_code == 200, path
    missing = requests.get(f"{running.url}/static/nothing.js", timeout=5)
    assert missing.status_code == 404
    assert missing.json() == {"state": "error", "status": "no endpoint /static/nothing.js"}


def test_live_before_any_frame(running: Running) -> None:
    live = requests.get(f"{running.url}/live", timeout=5).json()
    assert live["state"] == "ok" and live["status"] == "stopped"
    assert live["profiles"] == {
        "pulse_id": None,
        "shot": None,
        "signal": None,
        "background": None,
        "reference": None,
    }
    assert live["edge"] is None
    assert live["history"] == {
        "length": 1000,
        "pulse_id": [],
        "position": [],
        "amplitude": [],
        "arrival_time": [],
    }
    assert live["correlation_channel"] is None
    channels = requests.get(f"{running.url}/live/channels", timeout=5).json()
    assert channels == {
        "state": "ok",
        "status": "stopped",
        "correlation_channel": None,
        "channels": [],
        "channels_not_listed": 0,
    }
    image = requests.get(f"{running.url}/live/image.png", timeout=5)
    assert image.status_code == 404
    assert image.json() == {"state": "error", "status": "no image received yet"}


def test_live_shows_the_latest_profiles_and_image(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    client = running.client
    width, height = 3000, 40  # longer than MAX_PROFILE_POINTS: sent downsampled
    client.set_roi_signal([0, width, 10, 20])
    client.set_roi_background([100, 50, 0, 5])
    client.start()
    sink = running.sink(zmq_context)
    rng = np.random.default_rng(3)
    for pulse_id in (11, 12):
        image = rng.integers(0, 1000, size=(height, width), dtype=np.uint16)
        _send(running, source, image, pulse_id)
        sent = sink.receive()
    assert sent.pulse_id == 12
    live = requests.get(f"{running.url}/live", timeout=5).json()
    assert live["profiles"]["pulse_id"] == 12
    signal = live["profiles"]["signal"]
    assert signal["size"] == width and signal["step"] == 3
    assert len(signal["values"]) == width // 3 <= MAX_PROFILE_POINTS
    profile = sent.array(f"{IMAGE}.roi_signal_x_profile")
    assert profile is not None
    np.testing.assert_allclose(signal["values"], profile.reshape(-1, 3).mean(axis=1), rtol=1e-6)
    background = live["profiles"]["background"]
    assert background["step"] == 1
    np.testing.assert_allclose(background["values"], image[0:5, 100:150].sum(axis=0))
    assert live["roi_signal"] == [0, width, 10, 20] and live["roi_background"] == [100, 50, 0, 5]
    assert live["statistics"]["frames_sent"] == 2
    assert live["statistics"]["image_shape"] == [height, width]
    answer = requests.get(f"{running.url}/live/image.png", timeout=5)
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
    assert answer.headers["x-pulse-id"] == "12"
    assert "x-shot" not in answer.headers  # edge detection off: shots are not classified
    picture = decode_png(answer.content)
    assert picture.shape == (40, 600)  # 3000 px wide at most 640: blocks of 5 px
    # the thumbnail is the last image: means of blocks of 5 columns, rank for rank
    means = image.reshape(40, 600, 5).mean(axis=2)
    order = np.argsort(means.ravel())
    assert np.corrcoef(means.ravel()[order], picture.ravel()[order].astype(float))[0, 1] > 0.9


def test_live_shows_the_edge_and_its_history(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    client = running.client
    client.set_roi_signal([0, 400, 0, 4])
    client.set_edge_detection(
        {"enabled": True, "calibration": [100.0, 2.0], "filter_length": 40, "filter_width": 4.0}
    )
    client.start()
    sink = running.sink(zmq_context)
    x = np.arange(400)
    spectrum = 1000.0 * np.exp(-(((x - 200) / 120) ** 2)) + 100.0
    expected: dict[int, float] = {}
    for pulse_id in range(1, 13):  # odd pulses are references, even ones carry an edge
        edge_at = 150 + 5 * pulse_id
        row = spectrum * (np.where(x < edge_at, 1.0, 0.7) if pulse_id % 2 == 0 else 1.0)
        _send(running, source, np.tile(row, (4, 1)).astype(np.uint16), pulse_id)
        message = sink.receive()
        if pulse_id % 2 == 0:
            position = message.value(f"{IMAGE}.edge_position")
            assert isinstance(position, float)
            expected[pulse_id] = position
    live = requests.get(f"{running.url}/live", timeout=5).json()
    history = live["history"]
    assert history["pulse_id"] == sorted(expected)
    assert history["position"] == pytest.approx([expected[p] for p in sorted(expected)])
    assert history["arrival_time"] == pytest.approx(
        [100.0 + 2.0 * expected[p] for p in sorted(expected)]
    )
    assert abs(history["position"][-1] - 210) < 3
    edge = live["edge"]
    assert edge["pulse_id"] == 12 and edge["found"]
    assert edge["position"] == pytest.approx(expected[12])
    normalised = np.array(edge["normalised"]["values"], dtype=float)
    assert np.nanmean(normalised[150:200]) / np.nanmean(normalised[220:260]) == pytest.approx(
        1 / 0.7, rel=0.02
    )
    assert live["profiles"]["reference"]["size"] == 400
    assert live["edge_detection"] == {"enabled": True, "calibrated": True}

    # the same signal ROI set again keeps the history; a new one starts a new history, as
    # positions count from the ROI's left edge
    client.set_roi_signal([0, 400, 0, 4])
    live = requests.get(f"{running.url}/live", timeout=5).json()
    assert live["history"]["pulse_id"] == sorted(expected)
    client.set_roi_signal([10, 380, 0, 4])
    live = requests.get(f"{running.url}/live", timeout=5).json()
    assert live["history"]["pulse_id"] == [] and live["edge"] is None


BAM = "TEST-CAM:BAM"


def test_history_keeps_the_chosen_channel_and_refuses_bad_names(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    """The correlation channel: listed from the input, chosen over REST, kept per X-ray shot;
    a name that is hostile, absurd or not a numeric scalar of the stream is a 400 that changes
    nothing."""
    client = running.client
    client.set_roi_signal([0, 400, 0, 4])
    client.set_edge_detection({"enabled": True, "filter_length": 40, "filter_width": 4.0})
    client.start()
    sink = running.sink(zmq_context)
    x = np.arange(400)
    spectrum = 1000.0 * np.exp(-(((x - 200) / 120) ** 2)) + 100.0

    def send(pulse_id: int) -> None:  # odd pulses are references, even ones carry an edge
        row = spectrum * (np.where(x < 150 + 5 * pulse_id, 1.0, 0.7) if pulse_id % 2 == 0 else 1)
        image = np.tile(row, (4, 1)).astype(np.uint16)
        parts = [(BAM, 0.5 * pulse_id), (IMAGE, image), ("TEST-CAM:WAVE", np.arange(4.0))]
        source.send(encode_message(pulse_id, parts))
        sink.receive()

    url = f"{running.url}/live/correlation_channel"
    refused = requests.post(url, json=BAM, timeout=5)  # no frame yet: the channels are unknown
    assert refused.status_code == 400 and "no frame has been received" in refused.json()["status"]
    for pulse_id in range(1, 7):
        send(pulse_id)
    listed = requests.get(f"{running.url}/live/channels", timeout=5).json()
    assert listed["channels"] == [BAM] and listed["correlation_channel"] is None
    for bad in [
        "TEST-CAM:WAVE",
        "TEST-CAM:NOPE",
        "<img src=x onerror=alert(1)>",
        "A" * 1000,
        "BAM\r\nSet-Cookie: x=1",
        12,
        {"channel": BAM},
    ]:
        answer = requests.post(url, json=bad, timeout=5)
        assert 400 <= answer.status_code < 500, bad
        body = answer.json()
        assert body["state"] == "error" and "correlation channel" in body["status"]
        assert requests.get(url, timeout=5).json()["correlation_channel"] is None
    too_long = requests.post(url, json="B" * 2_000_000, timeout=5)
    assert too_long.status_code == 413
    not_json = requests.post(
        url, data=b"TEST-CAM:BAM", headers={"Content-Type": "application/json"}, timeout=5
    )
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["status"]

    chosen = requests.post(url, json=BAM, timeout=5).json()
    assert chosen == {"state": "ok", "status": "processing", "correlation_channel": BAM}
    for pulse_id in range(7, 13):
        send(pulse_id)
    live = requests.get(f"{running.url}/live", timeout=5).json()
    history = live["history"]
    assert live["correlation_channel"] == BAM
    assert history["pulse_id"][-3:] == [8, 10, 12]
    # shots recorded before the channel was chosen have no value of it
    assert history["channel"] == [None] * (len(history["pulse_id"]) - 3) + [4.0, 5.0, 6.0]
    assert live["profiles"]["shot"] == "xray" and live["edge"]["shot"] == "xray"
    image = requests.get(f"{running.url}/live/image.png", timeout=5)
    assert image.headers["x-pulse-id"] == "12" and image.headers["x-shot"] == "xray"
    send(13)
    live = requests.get(f"{running.url}/live", timeout=5).json()
    assert live["profiles"]["shot"] == "reference" and live["profiles"]["pulse_id"] == 13
    assert live["edge"]["pulse_id"] == 12
    image = requests.get(f"{running.url}/live/image.png", timeout=5)
    assert image.headers["x-pulse-id"] == "13" and image.headers["x-shot"] == "reference"
    cleared = requests.post(url, json=None, timeout=5).json()
    assert cleared["correlation_channel"] is None
    assert "channel" not in requests.get(f"{running.url}/live", timeout=5).json()["history"]


class _Failing:
    """An observer with a bug: it raises on everything it is shown."""

    def __init__(self) -> None:
        self.frames = 0

    def observe(self, outcome: FrameOutcome) -> None:
        self.frames += 1
        raise RuntimeError("an observer's bug")

    def signal_roi_changed(self) -> None:
        raise RuntimeError("an observer's bug")


class _Kept:
    """An observer that keeps the pulse ids it is shown."""

    def __init__(self) -> None:
        self.pulse_ids: list[int | None] = []

    def observe(self, outcome: FrameOutcome) -> None:
        self.pulse_ids.append(outcome.pulse_id)

    def signal_roi_changed(self) -> None:
        self.pulse_ids.append(None)


def test_an_observer_that_raises_costs_no_frame(
    running: Running,
    source: Source,
    zmq_context: zmq.Context[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Observers (the live view among them) are shown every frame sent; one that raises is
    counted and logged (its traceback once a minute at most), and neither the processing
    loop, nor the observers after it, nor a ROI change notice it."""
    failing, kept = _Failing(), _Kept()
    running.service.add_observer(failing)
    running.service.add_observer(kept)
    client = running.client
    client.set_roi_signal([0, 20, 0, 4])  # told to every observer: the failing one raises
    client.start()
    sink = running.sink(zmq_context)
    for pulse_id in (1, 2, 3):
        _send(running, source, np.full((4, 20), pulse_id, dtype=np.uint16), pulse_id)
        assert sink.receive().pulse_id == pulse_id
    assert running.service.status == "processing"
    assert running.service.supervisor.report().failures == 0
    assert failing.frames == 3 and kept.pulse_ids == [None, 1, 2, 3]
    assert running.service.observer_failures == 4
    assert running.service.latest is not None and running.service.latest.pulse_id == 3
    live = requests.get(f"{running.url}/live", timeout=5).json()
    assert live["profiles"]["pulse_id"] == 3  # the app's live view, added before, saw them too
    logged = [r for r in caplog.records if "observer _Failing failed" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is not None
