"""Counters of the processing loop, safe to update from the worker and read from the REST layer."""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..core.edge_tracking import ShotTiming

__all__ = [
    "INPUT_LINKS",
    "INPUT_RECEIVING_S",
    "INPUT_STATES",
    "LATENCY_BUCKETS_MS",
    "LEGACY_KEYS",
    "MAX_PROBLEM_TEXT",
    "OUTPUT_STATES",
    "LatencyHistogram",
    "Statistics",
    "StatisticsSnapshot",
    "bounded_text",
    "local_time",
]

LATENCY_BUCKETS_MS = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)
"""Upper bounds (ms) of the receive-to-send latency histogram; one more bucket holds the rest."""


MAX_PROBLEM_TEXT = 300
"""Characters of a problem's text kept (received names and values can be megabytes long)."""


def bounded_text(text: str, limit: int = MAX_PROBLEM_TEXT) -> str:
    """``text``, or its first ``limit`` characters and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} chars)"


def local_time(timestamp: float | None) -> str | None:
    """A time as psen_processing 1.x wrote it, ``str(datetime.now())``: local time, no zone,
    e.g. ``2026-11-28 08:40:35.639978`` (no fraction when the microseconds are 0)."""
    if timestamp is None:
        return None
    return str(datetime.fromtimestamp(timestamp))


LEGACY_KEYS = ("processing_start_time", "last_sent_pulse_id", "last_sent_time",
               "n_processed_images")  # fmt: skip
"""The statistics of psen_processing 1.x: present from the first start on."""


INPUT_LINKS = ("stopped", "not_connected", "wrong_socket_type", "connected")
"""What the input socket's connection events say: processing stopped; no sender answers at the
input address; a sender answered but the ZeroMQ handshake failed (it speaks another socket
type); a sender is connected."""

INPUT_STATES = (*INPUT_LINKS, "receiving", "wrong_prefix")
"""The input's state: its link, unless a frame arrived within ``INPUT_RECEIVING_S``: then
``receiving``, or ``wrong_prefix`` when the last frame lacked the image channel."""

OUTPUT_STATES = ("no_consumer", "blocked", "sending")
"""The output's state: no consumer connected; a frame waits for the connected consumer(s);
neither."""

INPUT_RECEIVING_S = 5.0
"""A frame within this many seconds: the input is receiving."""


@dataclass(frozen=True, slots=True)
class StatisticsSnapshot:
    processing_start_time: str | None
    """When processing last started (local time, as 1.x); None: never started."""
    last_sent_pulse_id: int | None
    last_sent_time: str | None
    """When the last frame went out (local time, as 1.x)."""
    n_processed_images: int
    """Frames sent since the last start (1.x's name for ``frames_sent``)."""
    frames_received: int
    frames_sent: int
    frames_skipped: int
    frames_skipped_by_reason: dict[str, int]
    frames_dropped_output: int
    frames_discarded_at_stop: int
    output_consumers: int
    output_messages_interrupted: int
    profile_problems: dict[str, int]
    last_pulse_id: int | None
    frames_per_second: float
    latency_ms: dict[str, float | None]
    image_shape: list[int] | None
    image_dtype: str | None
    last_problem: str | None
    edge_detection: dict[str, float | int | None]
    image_output: dict[str, int]
    input: dict[str, object]
    """The input connection: ``state`` (one of INPUT_STATES), ``connected``,
    ``seconds_since_last_frame``, ``frames_per_second``, ``missing_image`` (the detail of a
    frame without the image channel, naming the channels present; None if the last had it)."""
    output: dict[str, object]
    """The output stream: ``state`` (sending, no_consumer, blocked), ``consumers``,
    ``frames_waiting`` (held by the loop for the consumer), ``blocked_seconds``,
    ``oldest_held_frame_age_s``."""

    def to_json(self) -> dict[str, object]:
        """Every counter; 1.x's keys only once processing was started (1.x had none before)."""
        started = self.processing_start_time is not None
        return {
            name: getattr(self, name)
            for name in self.__slots__
            if started or name not in LEGACY_KEYS
        }


@dataclass(frozen=True, slots=True)
class LatencyHistogram:
    """Receive-to-send latencies of every frame sent since the start (not only the last 1000)."""

    bounds_ms: tuple[float, ...]
    counts: tuple[int, ...]
    """Frames per bucket (not cumulative); one more than ``bounds_ms``, the last is over all."""
    sum_ms: float


class Statistics:
    """Thread-safe processing counters; ``reset`` at every start."""

    def __init__(self, latency_window: int = 1000, rate_window_s: float = 2.0) -> None:
        self._lock = threading.Lock()
        self._latency_window = latency_window
        self._rate_window_s = rate_window_s
        self.reset(start_time=None)

    def reset(self, start_time: float | None) -> None:
        with self._lock:
            self._start = start_time
            self._received = 0
            self._last_received: float | None = None
            self._sent = 0
            self._skipped: Counter[str] = Counter()
            self._dropped = 0
            self._discarded_at_stop = 0
            self._consumers = 0
            self._interrupted = 0
            self._problems: Counter[str] = Counter()
            self._last_pulse_id: int | None = None
            self._last_sent: float | None = None
            self._last_undelivered = ""
            self._unsent_since: float | None = None
            self._send_times: deque[float] = deque()
            self._latencies: deque[float] = deque(maxlen=self._latency_window)
            self._image_shape: tuple[int, ...] | None = None
            self._image_dtype: str | None = None
            self._last_problem: str | None = None
            self._reference_shots = 0
            self._xray_shots = 0
            self._edges_found = 0
            self._edges_confident = 0
            self._last_edge: tuple[float, float, float] | None = None
            self._latency_counts = [0] * (len(LATENCY_BUCKETS_MS) + 1)
            self._latency_sum = 0.0
            self.image_frames_published = 0
            self.image_frames_not_sent = 0
            self._receive_times: deque[float] = deque()
            self._input_link = "stopped" if start_time is None else "not_connected"
            self._missing_image: str | None = None
            self._missing_image_since: float | None = None
            self._waiting_since: float | None = None
            self._held_received_at: float | None = None

    def received(self, at: float) -> None:
        """A frame taken from the input socket (``at``: ``time.monotonic``), before anything
        is done with it: every frame is counted here once, whatever becomes of it."""
        with self._lock:
            self._received += 1
            self._last_received = at
            if self._unsent_since is None:
                self._unsent_since = at
            self._receive_times.append(at)
            while self._receive_times and at - self._receive_times[0] > self._rate_window_s:
                self._receive_times.popleft()

    def input_link(self, link: str) -> None:
        """The input socket's link (one of INPUT_LINKS), from its connection events."""
        self._input_link = link

    def input_state(self) -> dict[str, object]:
        """The ``input`` part of a snapshot alone."""
        now = time.monotonic()
        with self._lock:
            return self._input_summary(now, None)

    def output_waiting(self, since: float | None, held_received_at: float | None) -> None:
        """The loop holds a frame (received at ``held_received_at``) that the output stream
        has not taken since ``since``; None, None: it holds none."""
        with self._lock:
            self._waiting_since = since
            self._held_received_at = held_received_at

    @property
    def missing_image_since(self) -> float | None:
        """Since when (``time.monotonic``) every frame lacks the image channel; None: the last
        one had it (or none came)."""
        return self._missing_image_since

    def skipped(self, reason: str, detail: str) -> None:
        """A received frame that could not be decoded and was not sent."""
        with self._lock:
            self._skipped[reason] += 1
            self._last_problem = bounded_text(detail)
            self._last_undelivered = f"skipped as {reason}"

    def frame(
        self,
        pulse_id: int,
        received_at: float,
        *,
        delivered: bool,
        problems: tuple[tuple[str, str], ...] = (),
        image: tuple[tuple[int, ...] | None, str] | None = None,
        timing: ShotTiming | None = None,
    ) -> None:
        """Everything about one received (counted by ``received``), processed frame, under
        one lock acquisition."""
        now = time.monotonic()
        with self._lock:
            missing = None
            for reason, detail in problems:
                self._problems[reason] += 1
                self._last_problem = detail
                if reason == "image_missing":
                    missing = detail
            self._missing_image = missing
            if missing is None:
                self._missing_image_since = None
            elif self._missing_image_since is None:
                self._missing_image_since = received_at
            if image is not None and image[0] is not None:
                self._image_shape, self._image_dtype = image
            if timing is not None:
                self._count_timing(timing)
            if delivered:
                self._count_sent(pulse_id, received_at, now)
            else:
                self._dropped += 1
                self._last_undelivered = "dropped"

    def discarded_at_stop(self, count: int = 1, *, counted: bool = True) -> None:
        """Frames received but neither sent nor dropped because processing was stopped;
        ``counted``: already counted by ``received`` (else they are counted as received here)."""
        with self._lock:
            if not counted:
                self._received += count
            self._discarded_at_stop += count

    def output_interrupted(self) -> None:
        """A consumer's connection ended within a message: the message went to nobody whole."""
        with self._lock:
            self._interrupted += 1

    def output_consumers(self, count: int) -> None:
        """The number of consumers connected to the output stream now."""
        self._consumers = count

    def _count_timing(self, timing: ShotTiming) -> None:
        if timing.problem is not None:
            return
        if timing.is_reference:
            self._reference_shots += 1
            return
        self._xray_shots += 1
        if timing.edge.confident:
            self._edges_confident += 1
        if timing.edge.found:
            self._edges_found += 1
            edge = timing.edge
            self._last_edge = (edge.position, edge.amplitude, timing.arrival_time)

    def _count_sent(self, pulse_id: int, received_at: float, now: float) -> None:
        self._sent += 1
        self._last_pulse_id = pulse_id
        self._last_sent = time.time()
        self._unsent_since = None
        latency = (now - received_at) * 1000.0
        self._latencies.append(latency)
        self._latency_counts[bisect.bisect_left(LATENCY_BUCKETS_MS, latency)] += 1
        self._latency_sum += latency
        self._send_times.append(now)
        while self._send_times and now - self._send_times[0] > self._rate_window_s:
            self._send_times.popleft()

    def image_output(self, published: bool) -> None:
        """One image handed to the image output stream, or not (it could not be queued)."""
        with self._lock:
            if published:
                self.image_frames_published += 1
            else:
                self.image_frames_not_sent += 1

    def latency_histogram(self) -> LatencyHistogram:
        with self._lock:
            return LatencyHistogram(
                LATENCY_BUCKETS_MS, tuple(self._latency_counts), self._latency_sum
            )

    @property
    def last_received(self) -> float | None:
        """When (``time.monotonic``) the last input frame arrived; None: none since the reset."""
        return self._last_received

    @property
    def unsent_since(self) -> float | None:
        """When (``time.monotonic``) the first frame arrived that no frame went out after;
        None: every frame received so far was followed by one sent (or none came)."""
        return self._unsent_since

    @property
    def last_undelivered(self) -> str:
        """What happened to the last frame that did not go out ("dropped", "skipped as
        REASON"); empty if none did."""
        return self._last_undelivered

    @property
    def image_shape(self) -> tuple[int, ...] | None:
        return self._image_shape

    def snapshot(self) -> StatisticsSnapshot:
        now = time.monotonic()
        with self._lock:
            times = [t for t in self._send_times if now - t <= self._rate_window_s]
            rate = 0.0
            if len(times) >= 2 and times[-1] > times[0]:
                rate = (len(times) - 1) / max(times[-1] - times[0], now - times[0])
            lat = np.fromiter(self._latencies, dtype=np.float64)
            latency: dict[str, float | None] = {"mean": None, "p50": None, "p99": None, "max": None}
            if lat.size:
                latency = {
                    "mean": round(float(lat.mean()), 3),
                    "p50": round(float(np.percentile(lat, 50)), 3),
                    "p99": round(float(np.percentile(lat, 99)), 3),
                    "max": round(float(lat.max()), 3),
                }
            input_times = [t for t in self._receive_times if now - t <= self._rate_window_s]
            input_rate = 0.0
            if len(input_times) >= 2 and input_times[-1] > input_times[0]:
                span = max(input_times[-1] - input_times[0], now - input_times[0])
                input_rate = (len(input_times) - 1) / span
            return StatisticsSnapshot(
                processing_start_time=local_time(self._start),
                last_sent_pulse_id=self._last_pulse_id,
                last_sent_time=local_time(self._last_sent),
                n_processed_images=self._sent,
                frames_received=self._received,
                frames_sent=self._sent,
                frames_skipped=sum(self._skipped.values()),
                frames_skipped_by_reason=dict(self._skipped),
                frames_dropped_output=self._dropped,
                frames_discarded_at_stop=self._discarded_at_stop,
                output_consumers=self._consumers,
                output_messages_interrupted=self._interrupted,
                profile_problems=dict(self._problems),
                last_pulse_id=self._last_pulse_id,
                frames_per_second=round(rate, 2),
                latency_ms=latency,
                image_shape=list(self._image_shape) if self._image_shape else None,
                image_dtype=self._image_dtype,
                last_problem=None
                if self._last_problem is None
                else bounded_text(self._last_problem),
                edge_detection=self._edge_summary(),
                image_output={
                    "frames_published": self.image_frames_published,
                    "frames_not_sent": self.image_frames_not_sent,
                },
                input=self._input_summary(now, round(input_rate, 2)),
                output=self._output_summary(now),
            )

    def _input_summary(self, now: float, rate: float | None) -> dict[str, object]:
        link = self._input_link
        age = None if self._last_received is None else now - self._last_received
        state = link
        if link != "stopped" and age is not None and age <= INPUT_RECEIVING_S:
            state = "receiving" if self._missing_image is None else "wrong_prefix"
        return {
            "state": state,
            "connected": link == "connected" or state in ("receiving", "wrong_prefix"),
            "seconds_since_last_frame": None if age is None else round(age, 3),
            "frames_per_second": rate,
            "missing_image": self._missing_image,
        }

    def _output_summary(self, now: float) -> dict[str, object]:
        since, held = self._waiting_since, self._held_received_at
        if since is not None:
            state = "blocked" if self._consumers else "no_consumer"
        else:
            state = "sending" if self._consumers else "no_consumer"
        return {
            "state": state,
            "consumers": self._consumers,
            "frames_waiting": 0 if since is None else 1,
            "blocked_seconds": None if since is None else round(now - since, 3),
            "oldest_held_frame_age_s": None if held is None else round(now - held, 3),
        }

    def _edge_summary(self) -> dict[str, float | int | None]:
        position, amplitude, arrival = self._last_edge or (None, None, None)
        xray = self._xray_shots

        def per_xray_shot(count: int) -> float | None:
            return round(count / xray, 4) if xray else None

        return {
            "reference_shots": self._reference_shots,
            "xray_shots": self._xray_shots,
            "edges_found": self._edges_found,
            "edge_found_ratio": per_xray_shot(self._edges_found),
            "edges_confident": self._edges_confident,
            "edge_confident_ratio": per_xray_shot(self._edges_confident),
            "last_edge_position": position,
            "last_edge_amplitude": amplitude,
            "last_arrival_time": None if arrival is None or math.isnan(arrival) else arrival,
        }
