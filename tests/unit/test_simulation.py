"""The simulated camera's ring of precomputed frames and its rate watch (no sockets)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from psen_processing.codec import Decoder
from psen_processing.sim.camera import CameraConfig, SimulatedCamera
from psen_processing.sim.frame_ring import MAX_RING_FRAMES, RING_BYTES, RateWatch, ring_size


@pytest.mark.parametrize(
    ("width", "height", "frames"),
    [(1024, 1024, 32), (1024, 256, 64), (2048, 2048, 8), (8192, 8192, 2), (64, 16, 64)],
)
def test_ring_memory_is_bounded(width: int, height: int, frames: int) -> None:
    assert ring_size(width, height) == frames
    assert frames <= MAX_RING_FRAMES
    assert frames * 2 * width * height <= max(RING_BYTES, 2 * 2 * width * height)


def test_ring_holds_the_frames_it_says_and_no_more() -> None:
    camera = SimulatedCamera(CameraConfig(width=256, height=64, ring_bytes=256 * 64 * 2 * 10))
    ring = camera.ring
    assert len(ring.images) == 10
    assert ring.nbytes == 10 * 256 * 64 * 2  # uncompressed
    assert len(ring.xray_frames) == 8 and len(ring.reference_frames) == 2


def _decoded(camera: SimulatedCamera, pulse_id: int) -> tuple[np.ndarray, float]:
    message = Decoder().decode(camera.message(pulse_id, timestamp=1.5))
    image = message.array(camera.config.image_channel)
    truth = message.value(camera.config.truth_channel)
    assert image is not None and isinstance(truth, float)
    assert message.pulse_id == pulse_id
    return image, truth


@pytest.mark.parametrize("compression", ["none", "bitshuffle_lz4"])
def test_messages_carry_the_ring_frames_with_their_true_edges(compression: str) -> None:
    config = CameraConfig(width=512, height=64, compression=compression, seed=3)
    camera = SimulatedCamera(config)
    references = [_decoded(camera, pulse_id)[0] for pulse_id in range(1, 40, 2)]
    reference = np.mean([image[24:40].sum(axis=0, dtype=np.float64) for image in references], 0)
    truths = []
    for pulse_id in range(1, 4000, 17):
        image, truth = _decoded(camera, pulse_id)
        assert image.shape == (64, 512) and image.dtype == np.uint16
        if pulse_id % 2:  # reference shot: no edge
            assert math.isnan(truth)
            continue
        truths.append(truth)
        # the image has the edge where the truth says: its transmission against the
        # reference shots drops most steeply there
        ratio = image[24:40].sum(axis=0, dtype=np.float64) / reference
        smooth = np.convolve(ratio, np.ones(15) / 15, mode="same")
        slope = smooth[20:-28] - smooth[28:-20]  # drop over 8 px, centred at index + 24
        assert abs(int(np.argmax(slope)) + 24 - truth) < 8
    # the edge wanders over the chip (the drift) and jitters, not stuck in a few places
    assert max(truths) - min(truths) > 0.15 * config.width
    assert len(set(truths)) >= 10
    steps = np.abs(np.diff(truths))
    assert np.count_nonzero(steps) > len(steps) // 3


def test_same_seed_same_messages() -> None:
    a, b = SimulatedCamera(CameraConfig(width=128, height=16)), None
    b = SimulatedCamera(CameraConfig(width=128, height=16))
    for pulse_id in (1, 2, 3, 50):
        assert a.message(pulse_id, 2.0) == b.message(pulse_id, 2.0)


def test_rate_watch_reports_each_episode_once() -> None:
    watch = RateWatch(100.0)
    changes = []
    now = 0.0

    def run(seconds: float, rate: float) -> None:
        nonlocal now
        end = now + seconds
        while now < end:
            now += 1.0 / rate
            change = watch.frame(now)
            if change is not None:
                changes.append((change.behind, round(change.rate_hz)))

    run(3, 100.0)
    assert changes == [] and not watch.behind
    run(5, 30.0)  # behind for five windows: one report
    assert changes == [(True, 30)] and watch.behind and watch.episodes == 1
    run(3, 100.0)
    assert changes == [(True, 30), (False, 100)] and not watch.behind
    run(3, 89.0)
    assert changes[-1] == (True, 89) and watch.episodes == 2
    run(3, 95.0)  # better, but not back at 97 %: still behind, nothing new
    assert len(changes) == 3 and watch.behind


def test_rate_watch_bounds() -> None:
    with pytest.raises(ValueError):
        RateWatch(0.0)
    with pytest.raises(ValueError):
        RateWatch(10.0, behind_below=0.99, back_at=0.9)
