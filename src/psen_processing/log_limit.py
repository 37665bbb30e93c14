"""A logging filter that keeps a repeated message from flooding the log.

Records from one call site with the same message template count as the same message. Of those,
the first ``burst`` in an interval are written; the others are counted and, once the interval is
over, summed up in one line ("N similar messages suppressed ..."), written before the next record
that reaches the handler. Installed by the ``psen_processing`` command on its log handlers.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .errors import InvalidOption

__all__ = ["RepeatLimit", "flush_repeat_limit", "install_repeat_limit"]

_SUMMARY = "_psen_repeat_summary"
"""Attribute marking the filter's own summary records, which always pass."""


@dataclass
class _Seen:
    """One message's count in its current interval."""

    record: logging.LogRecord
    started: float
    shown: int = 0
    suppressed: int = 0


class RepeatLimit(logging.Filter):
    """Lets ``burst`` records of one message through per ``interval_s``; counts the rest."""

    def __init__(
        self,
        handler: logging.Handler,
        burst: int = 5,
        interval_s: float = 10.0,
        max_messages: int = 512,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        if burst < 1 or interval_s <= 0 or max_messages < 1:
            raise InvalidOption("burst and max_messages must be >= 1 and interval_s > 0")
        self._handler = handler
        self._burst, self._interval, self._max = burst, interval_s, max_messages
        self._clock = clock
        self._seen: dict[tuple[str, int, str], _Seen] = {}
        self._next_check = float("inf")
        self._lock = threading.Lock()

    @staticmethod
    def _key(record: logging.LogRecord) -> tuple[str, int, str]:
        template = str(record.msg).partition("\n")[0][:120]
        return (record.pathname, record.lineno, template)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _SUMMARY, False):
            return True
        now = self._clock()
        key = self._key(record)
        with self._lock:
            ended = self._take_ended(now) if now >= self._next_check else []
            seen = self._seen.get(key)
            if seen is None:
                if len(self._seen) >= self._max:  # forget the oldest message's count
                    ended += [self._seen.pop(next(iter(self._seen)))]
                seen = self._seen[key] = _Seen(record, now)
                self._next_check = min(self._next_check, now + self._interval)
            if seen.shown < self._burst:
                seen.shown += 1
                allowed = True
            else:
                seen.suppressed += 1
                allowed = False
        for done in ended:
            if done.suppressed:
                self._handler.handle(self._summary(done, now))
        return allowed

    def flush(self) -> None:
        """Write the counts of all messages suppressed so far (e.g. when the program ends)."""
        now = self._clock()
        with self._lock:
            taken = list(self._seen.values())
            self._seen.clear()
            self._next_check = float("inf")
        for seen in taken:
            if seen.suppressed:
                self._handler.handle(self._summary(seen, now))

    def _take_ended(self, now: float) -> list[_Seen]:
        ended = [key for key, seen in self._seen.items() if now - seen.started >= self._interval]
        taken = [self._seen.pop(key) for key in ended]
        self._next_check = min(
            (seen.started + self._interval for seen in self._seen.values()), default=float("inf")
        )
        return taken

    @staticmethod
    def _summary(seen: _Seen, now: float) -> logging.LogRecord:
        first = seen.record
        summary = logging.LogRecord(
            first.name,
            first.levelno,
            first.pathname,
            first.lineno,
            "%d similar messages suppressed in the last %.0f s: %s",
            (seen.suppressed, now - seen.started, str(first.msg).partition("\n")[0][:120]),
            None,
        )
        setattr(summary, _SUMMARY, True)
        return summary


def install_repeat_limit(logger: logging.Logger, burst: int = 5, interval_s: float = 10.0) -> None:
    """Put a :class:`RepeatLimit` on each handler of ``logger`` (e.g. the root logger)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RepeatLimit) for f in handler.filters):
            handler.addFilter(RepeatLimit(handler, burst=burst, interval_s=interval_s))


def flush_repeat_limit(logger: logging.Logger) -> None:
    """Write what the :class:`RepeatLimit` filters on ``logger``'s handlers suppressed so far."""
    for handler in logger.handlers:
        for limit in handler.filters:
            if isinstance(limit, RepeatLimit):
                limit.flush()
