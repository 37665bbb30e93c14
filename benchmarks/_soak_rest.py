"""The web-side faults of ``soak_benchmark.py``: what a browser page, a port scanner or a careless
script can do to the REST port, and a poller that times ``GET /status`` all along.

Each fault returns a :class:`Outcome`: what was injected, what was seen and the violations (a
write that should have been refused but was accepted, a ``/status`` that did not answer).
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from _harness import Rest, status_of

STATUS_TIMEOUT_S = 2.0
"""A ``GET /status`` that takes longer counts as a failure."""
EVIL_ORIGIN = "http://evil.example"
REFUSED_CROSS_ORIGIN = (403, 415)


def settings_view(rest: Rest) -> tuple[Any, ...]:
    """The settings a write could change: both ROIs and the edge detection settings."""
    out = []
    for name in ("roi_signal", "roi_background", "edge_detection"):
        code, answer = rest.call("GET", f"/{name}")
        out.append(answer.get(name) if code == 200 and isinstance(answer, dict) else ("?", code))
    return tuple(out)


def restore_settings(rest: Rest, before: tuple[Any, ...]) -> None:
    """Set back what :func:`settings_view` read (after a write that should have been refused)."""
    for name, value in zip(("roi_signal", "roi_background", "edge_detection"), before, strict=True):
        if not (isinstance(value, tuple) and value[:1] == ("?",)):
            rest.call("POST", f"/{name}", json.dumps(value).encode())


@dataclass
class Outcome:
    """One injection's result."""

    observed: dict[str, float] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    service_stopped: bool = False
    """The service was found stopped (by a write that should have been refused)."""


class StatusPoller:
    """A thread that asks ``GET /status`` every ``period`` s and keeps the slowest answer.

    No answer within :data:`STATUS_TIMEOUT_S`, or an error status, counts as a failure; an
    answer other than ``processing`` is counted apart.
    """

    def __init__(
        self, rest: Rest, period: float = 0.5, on_failure: Callable[[str], None] | None = None
    ) -> None:
        self._rest = rest
        self._on_failure = on_failure
        self._period = period
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.polls = 0
        self.failures = 0
        self.not_processing = 0
        self.slowest_ms = 0.0
        self.last_failure = ""
        self.last_status: str | None = None
        self._thread = threading.Thread(target=self._run, name="status-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(STATUS_TIMEOUT_S + 1.0)

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            ms, code, answer = self._rest.timed("/status", STATUS_TIMEOUT_S)
            with self._lock:
                self.polls += 1
                self.slowest_ms = max(self.slowest_ms, ms)
                self.last_status = status_of(answer)
                if code != 200:
                    self.failures += 1
                    self.last_failure = f"status {code} after {ms:.0f} ms"
                    if self._on_failure is not None:
                        self._on_failure(self.last_failure)
                elif status_of(answer) != "processing":
                    self.not_processing += 1


# --- faults -------------------------------------------------------------------------------


def idle_connection_flood(
    rest: Rest, connections: int, hold: float, frames_out: Callable[[], int]
) -> Outcome:
    """Open ``connections`` TCP connections to the REST port that never send a byte, hold them
    ``hold`` s while timing ``GET /status`` and watching the output stream, then close them.

    ``frames_out`` tells how many good frames the consumer has read so far.
    """
    outcome = Outcome()
    socks: list[socket.socket] = []
    try:
        for _ in range(connections):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            socks.append(sock)
            if sock.connect_ex(("127.0.0.1", rest.port)) not in (0, 115):  # 115: EINPROGRESS
                outcome.violations.append("idle_connection_flood: a connect failed at once")
                break
        out_before = frames_out()
        deadline = time.monotonic() + hold
        slowest, failures, asked = 0.0, 0, 0
        details: list[str] = []
        while time.monotonic() < deadline:
            ms, code, answer = rest.timed("/status", STATUS_TIMEOUT_S)
            asked += 1
            slowest = max(slowest, ms)
            if code != 200 or status_of(answer) != "processing":
                failures += 1
                what = "no answer (reset, refused or timed out)" if code == 0 else str(code)
                details.append(f"{what} {status_of(answer)!r} after {ms:.0f} ms")
            time.sleep(0.25)
        connected = _count_connected(socks)
        flowed = frames_out() - out_before
    finally:
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.close()
    ms_after, code_after, answer_after = rest.timed("/status", STATUS_TIMEOUT_S)
    outcome.observed = {
        "connections": connected,
        "status_slowest_ms": slowest,
        "status_failures": failures,
        "status_asked": asked,
        "frames_during_hold": flowed,
        "status_after_ms": ms_after,
    }
    if failures:
        outcome.violations.append(
            f"idle_connection_flood: {failures} of {asked} GET /status failed or timed out "
            f"(> {STATUS_TIMEOUT_S:g} s) while {connected} idle connections were held: "
            + "; ".join(details)
        )
    if flowed <= 0:
        outcome.violations.append("idle_connection_flood: no frame came out while held")
    if code_after != 200 or status_of(answer_after) != "processing":
        outcome.violations.append(f"idle_connection_flood: after it, /status gave {code_after}")
        outcome.service_stopped = status_of(answer_after) == "stopped"
    return outcome


def _count_connected(socks: list[socket.socket]) -> int:
    """Sockets whose non-blocking connect completed: accepted by the service or waiting in its
    listen backlog (poll, as select cannot take fds >= 1024)."""
    poller = select.poll()
    for sock in socks:
        poller.register(sock.fileno(), select.POLLOUT)
    return sum(1 for _, events in poller.poll(0) if events & select.POLLOUT)


def _refusals(
    rest: Rest,
    attempts: list[tuple[str, bytes, str, dict[str, str]]],
    refused: Callable[[int], bool],
) -> tuple[int, list[str]]:
    ok = 0
    wrong: list[str] = []
    for endpoint, body, content_type, headers in attempts:
        code, answer = rest.call("POST", endpoint, body, content_type=content_type, headers=headers)
        if refused(code):
            ok += 1
        else:
            shown = body[:40].decode("utf-8", "replace") + ("..." if len(body) > 40 else "")
            wrong.append(f"POST {endpoint} {content_type} {shown!r} -> {code} {str(answer)[:80]}")
    return ok, wrong


def cross_origin_write(rest: Rest, other_roi: list[int]) -> Outcome:
    """What a web page on another site can send without a preflight: POSTs with an ``Origin``
    and a "simple" content type. Each must be refused (403 or 415) and change nothing; the
    service must still be processing (``POST /stop`` is last)."""
    before = settings_view(rest)
    roi = json.dumps(other_roi).encode()
    origin = {"Origin": EVIL_ORIGIN}
    attempts = [
        ("/roi_signal", roi, "text/plain", origin),
        ("/roi_signal", roi, "text/plain;charset=UTF-8", origin),
        ("/roi_signal", roi, "application/x-www-form-urlencoded", origin),
        ("/roi_signal", roi, "multipart/form-data; boundary=soak", origin),
        ("/stop", b"", "text/plain", origin),
        ("/stop", b"x=1", "application/x-www-form-urlencoded", origin),
    ]
    refused, wrong = _refusals(rest, attempts, lambda code: code in REFUSED_CROSS_ORIGIN)
    outcome = Outcome(observed={"attempts": len(attempts), "refused": refused})
    outcome.violations += [f"cross_origin_write not refused with 403/415: {w}" for w in wrong]
    _check_unchanged(rest, before, "cross_origin_write", outcome)
    return outcome


ABSURD_EDGE = [
    {"reference_length": 2**62},
    {"calibration": [0] * 21_002},
    {"filter_length": 10**9},
    {"filter_width": 10**9},
    {"reference_threshold": 1e308},
]
ABSURD_ROIS = [
    [0, 2**62, 0, 2**62],
    [2**62, 10, 2**62, 10],
    [0, 10**9, 0, 10**9],
    [0, 1e308, 0, 10],
]


def absurd_settings(rest: Rest) -> Outcome:
    """Settings no camera can have: each must be refused with a 4xx and change nothing."""
    before = settings_view(rest)
    attempts: list[tuple[str, bytes, str, dict[str, str]]] = [
        (
            "/edge_detection",
            json.dumps(body, separators=(",", ":")).encode(),
            "application/json",
            {},
        )
        for body in ABSURD_EDGE
    ]
    for roi in ABSURD_ROIS:
        for name in ("roi_signal", "roi_background"):
            attempts.append((f"/{name}", json.dumps(roi).encode(), "application/json", {}))
    refused, wrong = _refusals(rest, attempts, lambda code: 400 <= code < 500)
    outcome = Outcome(observed={"attempts": len(attempts), "refused": refused})
    outcome.violations += [f"absurd_settings not refused with 4xx: {w}" for w in wrong]
    _check_unchanged(rest, before, "absurd_settings", outcome)
    return outcome


def _check_unchanged(rest: Rest, before: tuple[Any, ...], kind: str, outcome: Outcome) -> None:
    if settings_view(rest) != before:
        outcome.violations.append(f"{kind}: the settings changed (set back)")
        restore_settings(rest, before)
    code, answer = rest.call("GET", "/status")
    if status_of(answer) != "processing":
        outcome.violations.append(f"{kind}: the service is {status_of(answer) or code} after it")
        outcome.service_stopped = status_of(answer) == "stopped"
