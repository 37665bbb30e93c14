"""Processing counters, with a fake clock so that rates and latencies are exact."""

from __future__ import annotations

import math
import re
import threading
import time
from datetime import datetime
from types import SimpleNamespace

import numpy as np
import pytest

from psen_processing.core.edge_tracking import ShotTiming
from psen_processing.core.matched_filter import EdgeResult
from psen_processing.stream import statistics as statistics_module
from psen_processing.stream.statistics import LATENCY_BUCKETS_MS, Statistics


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.wall = 1_700_000_000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.wall


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    namespace = SimpleNamespace(monotonic=fake.monotonic, time=fake.time)
    monkeypatch.setattr(statistics_module, "time", namespace)
    return fake


@pytest.fixture
def stats(clock: FakeClock) -> Statistics:
    return Statistics(latency_window=1000, rate_window_s=2.0)


def test_fresh_snapshot_is_empty(stats: Statistics) -> None:
    data = stats.snapshot().to_json()
    assert data == {  # 1.x's four keys only from the first start on
        "frames_received": 0,
        "frames_sent": 0,
        "frames_skipped": 0,
        "frames_skipped_by_reason": {},
        "frames_dropped_output": 0,
        "frames_discarded_at_stop": 0,
        "output_consumers": 0,
        "output_messages_interrupted": 0,
        "profile_problems": {},
        "last_pulse_id": None,
        "frames_per_second": 0.0,
        "latency_ms": {"mean": None, "p50": None, "p99": None, "max": None},
        "image_shape": None,
        "image_dtype": None,
        "last_problem": None,
        "edge_detection": {
            "reference_shots": 0,
            "xray_shots": 0,
            "edges_found": 0,
            "edge_found_ratio": None,
            "edges_confident": 0,
            "edge_confident_ratio": None,
            "last_edge_position": None,
            "last_edge_amplitude": None,
            "last_arrival_time": None,
        },
        "image_output": {"frames_published": 0, "frames_not_sent": 0},
        "input": {
            "state": "stopped",
            "connected": False,
            "seconds_since_last_frame": None,
            "frames_per_second": 0.0,
            "missing_image": None,
        },
        "output": {
            "state": "no_consumer",
            "consumers": 0,
            "frames_waiting": 0,
            "blocked_seconds": None,
            "oldest_held_frame_age_s": None,
        },
    }


def test_counters(stats: Statistics, clock: FakeClock) -> None:
    for _ in range(7):
        stats.received(clock.now)
    stats.skipped("bad_main_header", "pulse ? is not JSON")
    stats.skipped("corrupt_compressed_data", "pulse 5 corrupt")
    stats.skipped("bad_main_header", "again")
    problem = (("roi_signal_outside_image", "roi_signal_outside_image in pulse 6"),)
    stats.frame(6, clock.now, delivered=False, problems=problem)  # received, not sent
    stats.frame(7, clock.now, delivered=False)
    stats.frame(41, clock.now, delivered=True, image=((480, 640), "uint16"))
    stats.frame(42, clock.now, delivered=True)
    snap = stats.snapshot()
    assert snap.frames_received == 7
    assert snap.frames_sent == 2
    assert snap.frames_skipped == 3
    assert snap.frames_skipped_by_reason == {"bad_main_header": 2, "corrupt_compressed_data": 1}
    assert snap.profile_problems == {"roi_signal_outside_image": 1}
    assert snap.frames_dropped_output == 2
    assert snap.last_pulse_id == 42
    assert snap.image_shape == [480, 640]
    assert snap.image_dtype == "uint16"
    assert stats.image_shape == (480, 640)
    assert snap.last_problem == "roi_signal_outside_image in pulse 6"
    assert snap.last_sent_time == str(datetime.fromtimestamp(clock.wall))  # local, as 1.x
    assert snap.last_sent_pulse_id == 42
    assert snap.n_processed_images == 2


def test_latency_percentiles(stats: Statistics, clock: FakeClock) -> None:
    latencies_ms = np.random.default_rng(12).uniform(0.1, 50.0, size=500)
    for pulse_id, latency in enumerate(latencies_ms):
        stats.frame(pulse_id, clock.now - latency / 1000.0, delivered=True)
    latency = stats.snapshot().latency_ms
    assert latency["mean"] == pytest.approx(latencies_ms.mean(), abs=1e-3)
    assert latency["p50"] == pytest.approx(np.percentile(latencies_ms, 50), abs=1e-3)
    assert latency["p99"] == pytest.approx(np.percentile(latencies_ms, 99), abs=1e-3)
    assert latency["max"] == pytest.approx(latencies_ms.max(), abs=1e-3)
    assert latency["p50"] <= latency["p99"] <= latency["max"]  # type: ignore[operator]


def test_latency_histogram_counts_every_sent_frame(clock: FakeClock) -> None:
    stats = Statistics(latency_window=10)  # the histogram is not limited to the window
    latencies_ms = [0.05, 0.099, 0.15, 3.0, 3.0, 999.0, 1500.0, 20000.0]
    for pulse_id, latency in enumerate(latencies_ms * 3):
        stats.frame(pulse_id, clock.now - latency / 1000.0, delivered=True)
    stats.frame(99, clock.now - 5.0, delivered=False)  # not sent: no latency
    histogram = stats.latency_histogram()
    assert histogram.bounds_ms == LATENCY_BUCKETS_MS
    assert sum(histogram.counts) == 24
    expected = [0] * (len(LATENCY_BUCKETS_MS) + 1)
    expected[0] = 6  # <= 0.1 ms
    expected[1] = 3  # 0.15 ms: <= 0.2
    expected[5] = 6  # 3 ms: <= 5
    expected[12] = 3  # 999 ms: <= 1000
    expected[13] = 6  # over the last bound
    assert list(histogram.counts) == expected
    assert histogram.sum_ms == pytest.approx(3 * sum(latencies_ms), rel=1e-6)
    stats.reset(start_time=None)
    assert sum(stats.latency_histogram().counts) == 0


def test_image_output_counters(stats: Statistics) -> None:
    stats.image_output(published=True)
    stats.image_output(published=True)
    stats.image_output(published=False)
    assert stats.snapshot().image_output == {"frames_published": 2, "frames_not_sent": 1}


def test_latency_window_keeps_only_the_newest(clock: FakeClock) -> None:
    stats = Statistics(latency_window=10)
    for pulse_id in range(100):
        stats.frame(pulse_id, clock.now - (1.0 if pulse_id < 90 else 0.002), delivered=True)
    assert stats.snapshot().latency_ms["max"] == pytest.approx(2.0)


def test_frames_per_second(stats: Statistics, clock: FakeClock) -> None:
    start = clock.now
    for i in range(11):  # 10 Hz for one second
        clock.now = start + i * 0.1
        stats.frame(i, clock.now, delivered=True)
    assert stats.snapshot().frames_per_second == pytest.approx(10.0)
    clock.now = start + 1.5  # silence since the last frame lowers the rate
    assert stats.snapshot().frames_per_second == pytest.approx(10 / 1.5, abs=0.01)
    clock.now = start + 10.0  # all frames are older than the window
    assert stats.snapshot().frames_per_second == 0.0
    assert stats.snapshot().frames_sent == 11


def test_reset(stats: Statistics, clock: FakeClock) -> None:
    stats.received(clock.now)
    stats.skipped("bad_main_header", "x")
    stats.frame(0, clock.now, delivered=False, problems=(("image_missing", "y"),))
    stats.frame(1, clock.now - 0.01, delivered=True, image=((2, 3), "uint8"))
    stats.reset(start_time=1_700_000_123.5)
    snap = stats.snapshot()
    assert snap.processing_start_time == str(datetime.fromtimestamp(1_700_000_123.5))
    data = snap.to_json()
    assert (data["n_processed_images"], data["last_sent_pulse_id"]) == (0, None)
    assert data["last_sent_time"] is None
    assert (snap.frames_received, snap.frames_sent, snap.frames_skipped) == (0, 0, 0)
    assert snap.frames_skipped_by_reason == {}
    assert snap.profile_problems == {}
    assert snap.frames_dropped_output == 0
    assert snap.last_pulse_id is None
    assert snap.last_sent_time is None
    assert snap.latency_ms["p50"] is None
    assert snap.frames_per_second == 0.0
    assert snap.image_shape is None
    assert snap.last_problem is None


def test_snapshot_is_independent_of_later_updates(stats: Statistics) -> None:
    stats.skipped("a", "x")
    snap = stats.snapshot()
    stats.skipped("a", "x")
    assert snap.frames_skipped_by_reason == {"a": 1}


def test_concurrent_updates_are_all_counted(stats: Statistics) -> None:
    def work() -> None:
        for _ in range(2000):
            stats.received(time.monotonic())
            stats.frame(0, time.monotonic(), delivered=False)
            stats.received(time.monotonic())
            stats.skipped("r", "d")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    snap = stats.snapshot()
    assert snap.frames_received == 16000
    assert snap.frames_skipped_by_reason == {"r": 8000}


def test_one_call_per_frame(stats: Statistics, clock: FakeClock) -> None:
    edge = ShotTiming(False, EdgeResult(12.5, 0.1, 3.0, True), 125.0)
    for _ in range(3):
        stats.received(clock.now)
    stats.frame(1, clock.now, delivered=True, image=((8, 9), "uint16"), timing=edge)
    stats.frame(
        2,
        clock.now,
        delivered=False,
        problems=(("roi_signal_outside_image", "pulse 2"),),
        image=((8, 9), "uint16"),
        timing=ShotTiming(True, EdgeResult(math.nan, math.nan, math.nan, False), math.nan),
    )
    stats.skipped("bad_main_header", "pulse 3")
    snap = stats.snapshot()
    assert (snap.frames_received, snap.frames_sent, snap.frames_dropped_output) == (3, 1, 1)
    assert snap.frames_skipped == 1 and snap.last_pulse_id == 1
    assert snap.profile_problems == {"roi_signal_outside_image": 1}
    assert snap.image_shape == [8, 9]
    assert snap.edge_detection["xray_shots"] == 1 and snap.edge_detection["reference_shots"] == 1
    assert snap.edge_detection["last_edge_position"] == 12.5
    assert snap.edge_detection["last_arrival_time"] == 125.0
    assert snap.edge_detection["edges_confident"] == 0  # found, not confident


def test_confident_edges_are_counted_apart_from_the_found_ones(
    stats: Statistics, clock: FakeClock
) -> None:
    found = EdgeResult(12.5, 0.1, 3.0, True, z=5.0, runner_up_ratio=3.0, localisation=5.0)
    confident = EdgeResult(
        20.5, 0.1, 3.0, True, z=9.0, runner_up_ratio=3.0, localisation=6.0, confident=True
    )
    missed = EdgeResult(math.nan, math.nan, math.nan, False)
    reference = ShotTiming(True, missed, math.nan)
    for pulse_id, timing in enumerate(
        [
            ShotTiming(False, confident, 205.0),
            reference,
            ShotTiming(False, found, 125.0),
            reference,
            ShotTiming(False, missed, math.nan),
            ShotTiming(False, confident, 205.0),
        ]
    ):
        stats.received(clock.now)
        stats.frame(pulse_id, clock.now, delivered=True, image=((8, 9), "uint16"), timing=timing)
    edge = stats.snapshot().edge_detection
    assert (edge["xray_shots"], edge["edges_found"], edge["edges_confident"]) == (4, 3, 2)
    assert (edge["edge_found_ratio"], edge["edge_confident_ratio"]) == (0.75, 0.5)


@pytest.mark.parametrize(
    ("timestamp", "pattern"),
    [
        (1_700_000_123.25, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.250000$"),
        (1_700_000_123.0, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"),  # str() drops .000000
    ],
)
def test_times_are_written_as_1x_wrote_them(timestamp: float, pattern: str) -> None:
    text = statistics_module.local_time(timestamp)
    assert text is not None and re.match(pattern, text), text
    assert datetime.fromisoformat(text) == datetime.fromtimestamp(timestamp)


def test_frames_are_counted_as_received_before_anything_else(
    stats: Statistics, clock: FakeClock
) -> None:
    """A frame held for a consumer that never reads is received: counted, its age shown."""
    stats.reset(start_time=1_700_000_000.0)
    stats.output_consumers(0)
    stats.received(clock.now)
    stats.output_waiting(clock.now, clock.now)
    clock.now += 30.0
    snap = stats.snapshot()
    assert (snap.frames_received, snap.frames_sent) == (1, 0)
    assert snap.output == {
        "state": "no_consumer",
        "consumers": 0,
        "frames_waiting": 1,
        "blocked_seconds": 30.0,
        "oldest_held_frame_age_s": 30.0,
    }
    assert snap.input["seconds_since_last_frame"] == 30.0
    assert snap.input["state"] == "not_connected"  # no frame within INPUT_RECEIVING_S
    stats.output_consumers(1)
    assert stats.snapshot().output["state"] == "blocked"
    stats.output_waiting(None, None)
    assert stats.snapshot().output["state"] == "sending"
    assert stats.snapshot().output["frames_waiting"] == 0


def test_input_state_follows_the_link_and_the_frames(stats: Statistics, clock: FakeClock) -> None:
    stats.reset(start_time=1_700_000_000.0)
    assert stats.snapshot().input["state"] == "not_connected"
    stats.input_link("wrong_socket_type")
    assert stats.snapshot().input == {
        "state": "wrong_socket_type",
        "connected": False,
        "seconds_since_last_frame": None,
        "frames_per_second": 0.0,
        "missing_image": None,
    }
    stats.input_link("connected")
    assert stats.snapshot().input["connected"] is True
    stats.received(clock.now)
    stats.frame(1, clock.now, delivered=True, problems=(("image_missing", "no X; a, b"),))
    assert stats.snapshot().input["state"] == "wrong_prefix"
    assert stats.snapshot().input["missing_image"] == "no X; a, b"
    assert stats.missing_image_since == clock.now
    stats.received(clock.now)
    stats.frame(2, clock.now, delivered=True)
    assert stats.snapshot().input["state"] == "receiving"
    assert stats.missing_image_since is None
