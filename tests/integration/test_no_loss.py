"""No silent loss: 20,000 frames in, each pulse_id out once and in order, while ROIs change.

Not marked ``slow``: about 7 s on the 2-core development machine (12 s under a heavy load).
"""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.codec import Decoder
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Running, Source

SIGNAL = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND = f"{IMAGE}.roi_background_x_profile"
PARAMETERS = f"{IMAGE}.processing_parameters"
FRAMES = 20_000
HEIGHT, WIDTH = 64, 256
BACKGROUND_ROI = [0, WIDTH, 0, 8]


def _random_roi(rng: random.Random) -> tuple[object, bool]:
    """A ROI to send and whether the service must accept it (the image is 64x256)."""
    choice = rng.random()
    if choice < 0.6:
        sx, sy = rng.randint(1, WIDTH), rng.randint(1, HEIGHT)
        return [rng.randint(0, WIDTH - sx), sx, rng.randint(0, HEIGHT - sy), sy], True
    if choice < 0.7:
        return rng.choice([None, []]), True
    invalid: list[object] = [
        [0, WIDTH + 1, 0, 8],  # wider than the image
        [0, 10, HEIGHT, 1],  # below the image
        [-1, 10, 0, 10],
        [0, 0, 0, 10],
        [1, 2, 3],
        [1.5, 2, 3, 4],
        "[0, 10, 0, 10]",
        {"roi": [0, 10, 0, 10]},
    ]
    return rng.choice(invalid), False


class RoiChanger(threading.Thread):
    """Changes the signal ROI over REST at random while frames flow; records what it did."""

    def __init__(self, url: str) -> None:
        super().__init__(name="roi-changer", daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.accepted: list[object] = []
        self.rejected = 0
        self.errors: list[str] = []

    def run(self) -> None:
        rng = random.Random(5)
        with requests.Session() as session:
            while not self.stop.is_set():
                roi, valid = _random_roi(rng)
                answer = session.post(f"{self.url}/roi_signal", json=roi, timeout=10)
                body = answer.json()
                if valid and answer.status_code == 200:
                    self.accepted.append(body["roi_signal"])
                elif not valid and 400 <= answer.status_code < 500 and body["state"] == "error":
                    self.rejected += 1
                else:
                    self.errors.append(f"{roi!r}: {answer.status_code} {body}")
                self.stop.wait(rng.uniform(0.0, 0.02))


class Sender(threading.Thread):
    """Sends FRAMES messages as fast as the service takes them (blocking: nothing dropped)."""

    def __init__(self, source: Source, images: list[Any]) -> None:
        super().__init__(name="sender", daemon=True)
        self.socket = source.socket
        self.messages = [encode_message(0, [(IMAGE, image), ("N", k)]) for k, image in
                         enumerate(images)]  # fmt: skip
        self.main = json.loads(self.messages[0][0])
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for pulse_id in range(FRAMES):
                parts = self.messages[pulse_id % len(self.messages)]
                self.main["pulse_id"] = pulse_id
                self.socket.send_multipart([json.dumps(self.main).encode(), *parts[1:]])
        except BaseException as exc:  # reported by the test
            self.error = exc


def test_every_pulse_id_comes_out_once_in_order_while_rois_change(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    rng = np.random.default_rng(4)
    images = [rng.integers(0, 4000, size=(HEIGHT, WIDTH), dtype=np.uint16) for _ in range(7)]
    source.socket.setsockopt(zmq.SNDHWM, 100)
    running.client.set_roi_signal([0, WIDTH, 20, 20])
    running.client.set_roi_background(BACKGROUND_ROI)
    running.client.start()
    sink = running.sink(zmq_context, hwm=100)
    # the first frame tells the service the image size: from then on ROIs are checked on it
    sender = Sender(source, images)
    changer = RoiChanger(running.url)
    decoder = Decoder()
    allowed: list[object] = [[0, WIDTH, 20, 20]]
    started = time.monotonic()
    sender.start()
    seen_rois: set[str] = set()
    try:
        for expected in range(FRAMES):
            if not sink.socket.poll(10_000):
                pytest.fail(f"output stopped at pulse {expected}")
            message = decoder.decode(sink.socket.recv_multipart(copy=False))
            assert message.pulse_id == expected
            if expected == 10:
                changer.start()
            parameters = json.loads(str(message.value(PARAMETERS)))
            roi = parameters["roi_signal"]
            assert parameters["roi_background"] == BACKGROUND_ROI
            if roi not in allowed:  # accepted since the last check; its answer may be on the way
                deadline = time.monotonic() + 5
                while roi not in allowed and time.monotonic() < deadline:
                    allowed = [[0, WIDTH, 20, 20], *list(changer.accepted)]
                    time.sleep(0.001)
                assert roi in allowed, f"pulse {expected} used a ROI never accepted: {roi}"
            seen_rois.add(json.dumps(roi))
            profile = message.array(SIGNAL)
            if roi:
                ox, sx, oy, sy = roi
                image = images[expected % len(images)]
                assert profile is not None and profile.shape == (sx,)
                np.testing.assert_array_equal(
                    profile, image[oy : oy + sy, ox : ox + sx].sum(axis=0, dtype=np.float64)
                )
            else:
                assert profile is None
            assert message.array(BACKGROUND) is not None
    finally:
        changer.stop.set()
        sender.join(30)
        if changer.is_alive():
            changer.join(30)
    elapsed = time.monotonic() - started
    assert sender.error is None
    assert not sink.socket.poll(200), "nothing may come out after the last pulse"
    assert changer.errors == []
    assert changer.rejected > 0 and len(changer.accepted) > 10
    assert len(seen_rois) > 10, "the ROI changes should show in the output"
    statistics = running.client.get_statistics()
    assert statistics["frames_received"] == statistics["frames_sent"] == FRAMES
    assert statistics["frames_skipped"] == 0 and statistics["frames_dropped_output"] == 0
    print(f"{FRAMES} frames in {elapsed:.1f} s, {len(changer.accepted)} ROI changes accepted, "
          f"{changer.rejected} rejected")  # fmt: skip
