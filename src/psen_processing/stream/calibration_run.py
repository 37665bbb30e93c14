"""A calibration run: the (delay, edge position, amplitude) points of a delay scan, collected
from the processing loop while the run is active.

The processing loop calls :meth:`CalibrationRun.observe` only while a run is active (one
attribute test per frame otherwise). The points go into arrays allocated when the run starts,
of ``max_points`` rows: at that bound the run keeps its points, stops taking new ones and counts
the shots it turned away (``shots_over_limit``; ``full`` is true). One writer (the processing
loop) and readers that copy what was written: no lock on the per-frame path.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic.dataclasses import dataclass as pydantic_dataclass

from ..core.calibration_fit import MAX_ORDER, CalibrationFit, fit_calibration
from ..core.limits import MAX_CHANNEL_NAME, shown
from ..core.settings import Integer, Number, Span, Text, refusing, request_schema
from ..errors import CalibrationError, CalibrationFitError, InvalidRequest
from .pipeline import FrameOutcome

__all__ = [
    "DEFAULT_MAX_POINTS",
    "MAX_DELAY_FS",
    "MAX_POINTS",
    "MIN_POINTS",
    "UNITS",
    "CalibrationRun",
    "RunSettings",
    "RunSnapshot",
]

UNITS: Mapping[str, float] = {"fs": 1.0, "ps": 1e3, "ns": 1e6, "us": 1e9, "s": 1e15}
"""Units of the delay channel and their size in fs."""
MIN_POINTS, MAX_POINTS, DEFAULT_MAX_POINTS = 10, 200_000, 20_000
"""Bounds of ``max_points`` (three float64 arrays: 4.8 MB at most)."""
MAX_DELAY_FS = 1e12
"""Expected range bounds of absolute value at most this (fs; one second)."""

State = Literal["idle", "running", "stopped"]


Unit = Literal["fs", "ps", "ns", "us", "s"]
"""The keys of :data:`UNITS` (a test checks that they agree)."""


@refusing(InvalidRequest, "calibration setting")
@pydantic_dataclass(frozen=True, slots=True)
class RunSettings:
    """What ``POST /calibration/start`` asks for (its request schema comes from here)."""

    delay_channel: Annotated[str, Text(MAX_CHANNEL_NAME, "name of the input channel")]
    """The input channel that carries the delay (e.g. a delay stage's readback)."""
    unit: Unit = "fs"
    order: Annotated[int, Integer(1, MAX_ORDER)] = 2
    expected_range: Annotated[
        tuple[float, float] | None, Span(Number(), what="[low, high] in the unit")
    ] = None
    """Delays outside (in ``unit``) are counted and not used."""
    max_points: Annotated[int, Integer(MIN_POINTS, MAX_POINTS)] = DEFAULT_MAX_POINTS

    def __post_init__(self) -> None:
        span = self.expected_range
        if span is not None and max(abs(span[0]), abs(span[1])) * UNITS[self.unit] > MAX_DELAY_FS:
            raise InvalidRequest(
                f"Invalid calibration setting expected_range={shown(list(span))}: both ends "
                f"must be within +-{MAX_DELAY_FS:g} fs"
            )

    @property
    def factor(self) -> float:
        return UNITS[self.unit]

    @classmethod
    def from_json(cls, data: object) -> RunSettings:
        """Validated; :class:`InvalidRequest` naming the problem otherwise."""
        if not isinstance(data, Mapping):
            raise InvalidRequest(
                f"calibration start needs a JSON object such as "
                f'{{"delay_channel": "NAME", "unit": "ps"}}, not {shown(data)}'
            )
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise InvalidRequest(
                f"unknown calibration start key(s) {shown(unknown)}; known: {sorted(known)}"
            )
        if "delay_channel" not in data:
            raise InvalidRequest(
                "Invalid calibration setting delay_channel=None: must be the name of the input "
                "channel that carries the delay"
            )
        return cls(**data)

    @staticmethod
    def request_schema() -> dict[str, Any]:
        """The JSON Schema of :meth:`from_json`'s body."""
        schema = request_schema(RunSettings)
        schema.pop("description", None)
        return schema

    def to_json(self) -> dict[str, object]:
        return {
            "delay_channel": self.delay_channel,
            "unit": self.unit,
            "order": self.order,
            "expected_range": None if self.expected_range is None else list(self.expected_range),
            "max_points": self.max_points,
        }


class _Points:
    """One run's points and counters; written by the processing loop only."""

    def __init__(self, settings: RunSettings, roi_width: int | None) -> None:
        self.settings = settings
        self.roi_width = roi_width
        self.delay_fs = np.empty(settings.max_points)
        self.position = np.empty(settings.max_points)
        self.amplitude = np.empty(settings.max_points)
        self.count = 0
        self.xray_shots = 0
        self.without_edge = 0
        self.without_delay = 0
        self.out_of_range = 0
        self.over_limit = 0
        self.started_at = time.time()
        self.stopped_at: float | None = None
        factor = settings.factor
        expected = settings.expected_range
        self.low, self.high = (
            (-math.inf, math.inf)
            if expected is None
            else (expected[0] * factor, expected[1] * factor)
        )

    def add(self, outcome: FrameOutcome) -> None:
        timing = outcome.timing
        if timing is None or timing.is_reference:
            return
        self.xray_shots += 1
        edge = timing.edge
        if timing.problem is not None or not math.isfinite(edge.position):
            self.without_edge += 1
            return
        delay = _delay(outcome, self.settings.delay_channel)
        if delay is None:
            self.without_delay += 1
            return
        delay *= self.settings.factor
        if not self.low <= delay <= self.high:
            self.out_of_range += 1
            return
        n = self.count
        if n >= self.delay_fs.size:
            self.over_limit += 1
            return
        self.delay_fs[n] = delay
        self.position[n] = edge.position
        self.amplitude[n] = edge.amplitude
        self.count = n + 1  # after the values: a reader that sees the count sees them


def _delay(outcome: FrameOutcome, channel: str) -> float | None:
    """The delay channel's value in this frame, None if it is missing or not one number."""
    message = outcome.message
    if message is None:
        return None
    try:
        value = message.value(channel)
        if value is None or isinstance(value, str):
            return None
        array = np.asarray(value, dtype=np.float64).reshape(-1)
    except Exception:  # a corrupt delay value costs this shot's point, no more
        return None
    if array.size != 1 or not math.isfinite(array[0]):
        return None
    return float(array[0])


@dataclass(frozen=True, slots=True)
class RunSnapshot:
    """A copy of a run's points and counters at one moment."""

    state: State
    settings: RunSettings | None
    delay_fs: npt.NDArray[np.float64]
    position: npt.NDArray[np.float64]
    amplitude: npt.NDArray[np.float64]
    counters: dict[str, int]
    started_at: float | None
    stopped_at: float | None
    roi_width: int | None

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            **({} if self.settings is None else self.settings.to_json()),
            "points": int(self.delay_fs.size),
            **self.counters,
            "full": self.settings is not None and self.delay_fs.size >= self.settings.max_points,
            "started_at": _iso(self.started_at),
            "stopped_at": _iso(self.stopped_at),
        }


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


_EMPTY = np.empty(0)


class CalibrationRun:
    """The calibration run of one service: idle, running, or stopped with its points."""

    def __init__(self) -> None:
        self._points: _Points | None = None
        self.active = False
        """Read per frame by the processing loop: only then is :meth:`observe` called."""
        self._lock = threading.Lock()
        """Serialises start, stop and reset (never taken per frame)."""
        self._fit_cache: tuple[tuple[float | None, int, int], CalibrationFit | str] | None = None
        self.discarded: str | None = None
        """Why the run's points were discarded while it ran, if they were."""

    @property
    def state(self) -> State:
        if self._points is None:
            return "idle"
        return "running" if self.active else "stopped"

    def start(self, settings: RunSettings, roi_width: int | None) -> None:
        with self._lock:
            if self.active:
                raise CalibrationError(
                    "a calibration run is already running: POST /calibration/stop first"
                )
            self._points = _Points(settings, roi_width)
            self._fit_cache = None
            self.discarded = None
            self.active = True

    def stop(self) -> None:
        with self._lock:
            points = self._points
            if not self.active or points is None:
                raise CalibrationError("no calibration run is running")
            self.active = False
            points.stopped_at = time.time()

    def discard(self, why: str) -> None:
        """Forget the points (the signal ROI changed: positions count from a new origin)."""
        with self._lock:
            points = self._points
            if points is not None:
                self._points = _Points(points.settings, points.roi_width)
                self._points.stopped_at = points.stopped_at
                self.discarded = why

    def observe(self, outcome: FrameOutcome) -> None:
        """From the processing loop, for every frame sent while the run is active."""
        points = self._points
        if points is not None and self.active:
            points.add(outcome)

    def snapshot(self) -> RunSnapshot:
        points = self._points
        if points is None:
            return RunSnapshot("idle", None, _EMPTY, _EMPTY, _EMPTY, {}, None, None, None)
        n = points.count
        return RunSnapshot(
            "running" if self.active else "stopped",
            points.settings,
            points.delay_fs[:n].copy(),
            points.position[:n].copy(),
            points.amplitude[:n].copy(),
            {
                "xray_shots": points.xray_shots,
                "shots_without_edge": points.without_edge,
                "shots_without_delay": points.without_delay,
                "shots_out_of_range": points.out_of_range,
                "shots_over_limit": points.over_limit,
            },
            points.started_at,
            points.stopped_at,
            points.roi_width,
        )

    def fit(self, snapshot: RunSnapshot) -> CalibrationFit | str:
        """The fit of ``snapshot``'s points, or why there is none (cached per point count)."""
        if snapshot.settings is None:
            return "no calibration run: POST /calibration/start"
        key = (snapshot.started_at, id(self._points), snapshot.delay_fs.size)
        cached = self._fit_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        result: CalibrationFit | str
        if snapshot.delay_fs.size == 0:
            result = "no points yet"
        else:
            try:
                result = fit_calibration(
                    snapshot.delay_fs,
                    snapshot.position,
                    snapshot.amplitude,
                    snapshot.settings.order,
                    snapshot.roi_width,
                )
            except CalibrationFitError as exc:
                result = str(exc)
        self._fit_cache = (key, result)
        return result
