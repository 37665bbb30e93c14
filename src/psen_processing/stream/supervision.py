"""Supervision of the processing thread: a thread that died on an unexpected error is restarted
after a bounded backoff; restarts that keep failing are reported as fatal to the owner.

The supervisor is one thread waiting on a condition: it does nothing until a processing thread
reports its end (or, while processing is stopped on purpose, wakes at the heartbeat interval to
feed the watchdog). What a restart is, and whether processing is still wanted, is the caller's
business (:class:`~psen_processing.service.PsenService`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InvalidRequest

__all__ = ["Health", "RestartPolicy", "SupervisionReport", "Supervisor", "describe"]

log = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 300
"""Characters of an error message kept in reports (a message can hold a whole frame's repr)."""


def describe(error: BaseException) -> str:
    """``Type: message`` of an error, shortened to at most MAX_ERROR_LENGTH characters."""
    text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 3] + "..."


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    """How often, and how soon, a processing thread that died is restarted.

    ``max_failures`` failures (deaths, or restarts that could not start) within ``window_s``
    seconds are fatal. Before each restart the supervisor waits ``first_backoff_s``, doubled
    for each further failure within the window, at most ``max_backoff_s``.
    """

    max_failures: int = 5
    window_s: float = 60.0
    first_backoff_s: float = 0.1
    max_backoff_s: float = 5.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_failures <= 100:
            raise InvalidRequest(f"max_failures must be 1-100, not {self.max_failures}")
        for name, low, high in (
            ("window_s", 1.0, 86400.0),
            ("first_backoff_s", 0.0, 60.0),
            ("max_backoff_s", 0.0, 60.0),
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and low <= value <= high):
                raise InvalidRequest(f"{name} must be {low:g}-{high:g} s, not {value}")
        if self.max_backoff_s < self.first_backoff_s:
            raise InvalidRequest("max_backoff_s must not be less than first_backoff_s")

    def backoff(self, failures: int) -> float:
        """The wait before the restart after the ``failures``-th failure within the window."""
        return min(self.max_backoff_s, self.first_backoff_s * 2.0 ** max(0, failures - 1))


@dataclass(frozen=True, slots=True)
class Health:
    """Whether the service does what it was asked to, and if not, what the operator should check."""

    ok: bool
    reason: str
    last_input_age_s: float | None = None
    """Seconds since the last input frame arrived (None: none since processing started)."""


@dataclass(frozen=True, slots=True)
class SupervisionReport:
    """What the supervisor has seen since the service was created."""

    failures: int
    """Processing threads that died, and restarts that could not start."""
    restarts: int
    """Processing threads started again after a failure."""
    last_error: str | None
    """The latest failure, ``Type: message`` (shortened)."""
    restarting: str | None
    """While a restart is pending: what is being done, for /health; else None."""
    fatal: str | None
    """Why the supervisor gave up, once it has; else None."""


class Supervisor:
    """Restarts what ``restart`` starts after each :meth:`failed`, within a :class:`RestartPolicy`.

    ``restart(subject)`` gets what :meth:`failed` was given (the dead worker) and returns False
    when there is nothing to restart any more (processing was stopped or started on purpose
    meanwhile); it raises when the restart failed. ``on_fatal(message)`` is called once when
    the failures exceed the policy. While ``idle()`` is true (stopped on purpose) ``heartbeat``
    is called every ``heartbeat_interval_s``.
    """

    def __init__(
        self,
        restart: Callable[[object], bool],
        policy: RestartPolicy,
        *,
        on_fatal: Callable[[str], None],
        idle: Callable[[], bool],
        heartbeat: Callable[[], None] | None = None,
        heartbeat_interval_s: float = 0.5,
    ) -> None:
        self._restart = restart
        self.policy = policy
        self._on_fatal = on_fatal
        self._idle = idle
        self._heartbeat = heartbeat
        self._heartbeat_interval_s = heartbeat_interval_s
        self._cond = threading.Condition()
        self._pending: object | None = None
        self._episode = 0  # changes on every failure and every cancel: stale waits end
        self._recent: deque[float] = deque()
        self._failures = 0
        self._restarts = 0
        self._last_error: str | None = None
        self._restarting: str | None = None
        self._fatal: str | None = None
        self._fatal_reported = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="psen-supervisor", daemon=True)
        self._thread.start()

    # -- called by the service ----------------------------------------------------------
    def failed(self, subject: object, error: str) -> None:
        """``subject`` (a processing thread) ended on ``error`` without being asked to stop."""
        with self._cond:
            self._count_failure(error)
            self._episode += 1
            if self._fatal is None:
                self._pending = subject
                delay = self.policy.backoff(len(self._recent))
                self._restarting = f"restarting in {delay:.1f} s"
                log.error(
                    "processing thread died (%s): restarting in %.1f s (failure %d of at most "
                    "%d within %g s)",
                    error, delay, len(self._recent), self.policy.max_failures,
                    self.policy.window_s,
                )  # fmt: skip
            self._cond.notify_all()

    def cancel(self) -> None:
        """Processing was started or stopped on purpose: no restart is pending, the failure
        window and a fatal verdict are forgotten (counters and the last error are kept)."""
        with self._cond:
            self._pending = None
            self._restarting = None
            self._fatal = None
            self._fatal_reported = False
            self._recent.clear()
            self._episode += 1
            self._cond.notify_all()

    def report(self) -> SupervisionReport:
        with self._cond:
            return SupervisionReport(
                self._failures, self._restarts, self._last_error, self._restarting, self._fatal
            )

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(5)

    # -- the supervisor thread ----------------------------------------------------------
    def _count_failure(self, error: str) -> None:
        now = time.monotonic()
        self._failures += 1
        self._last_error = error
        self._recent.append(now)
        while self._recent and now - self._recent[0] > self.policy.window_s:
            self._recent.popleft()
        if len(self._recent) >= self.policy.max_failures and self._fatal is None:
            self._fatal = (
                f"processing failed {len(self._recent)} times within {self.policy.window_s:g} s "
                f"(last: {error}); gave up restarting it"
            )
            self._pending = None
            self._restarting = None

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._closed:
                    return
                fatal = None if self._fatal_reported else self._fatal
                self._fatal_reported = self._fatal is not None
                subject, episode = self._pending, self._episode
                if fatal is None and subject is None:
                    timeout = self._heartbeat_interval_s if self._heartbeat else None
                    if not self._cond.wait(timeout) and self._heartbeat and self._fatal is None:
                        beat = self._heartbeat
                    else:
                        continue
                else:
                    beat = None
            if fatal is not None:
                log.critical("%s", fatal)
                self._on_fatal(fatal)
            elif beat is not None:
                if self._idle():
                    beat()
            else:
                self._restart_after_backoff(subject, episode)

    def _restart_after_backoff(self, subject: object, episode: int) -> None:
        with self._cond:
            delay = self.policy.backoff(len(self._recent))
            if self._cond.wait_for(lambda: self._closed or self._episode != episode, delay):
                return  # cancelled, closed, or failed again meanwhile
            self._pending = None
        try:
            restarted = self._restart(subject)
        except Exception as exc:
            with self._cond:
                if self._episode != episode:
                    return
                self._episode += 1
                error = f"restart failed: {describe(exc)}"
                self._count_failure(error)
                if self._fatal is None:
                    self._pending = subject
                    delay = self.policy.backoff(len(self._recent))
                    self._restarting = f"restarting in {delay:.1f} s"
                    log.error("%s: trying again in %.1f s", error, delay)
            return
        with self._cond:
            if restarted:
                self._restarts += 1
            if self._episode == episode:
                self._restarting = None
        if restarted:
            log.warning("processing restarted after: %s", self._last_error)
