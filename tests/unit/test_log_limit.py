"""The repeated-message filter: a few lines, then one count per interval."""

from __future__ import annotations

import logging

import pytest

from psen_processing.log_limit import RepeatLimit, flush_repeat_limit, install_repeat_limit


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def setup() -> tuple[logging.Logger, Collect, Clock]:
    logger = logging.getLogger("test_log_limit")
    logger.handlers.clear()
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler, clock = Collect(), Clock()
    handler.addFilter(RepeatLimit(handler, burst=3, interval_s=10.0, clock=clock))
    logger.addHandler(handler)
    return logger, handler, clock


def _accept_error(logger: logging.Logger, fd: int) -> None:
    logger.error("accept failed on fd %d", fd)


def test_a_repeated_message_is_shown_a_few_times_then_counted(
    setup: tuple[logging.Logger, Collect, Clock],
) -> None:
    logger, handler, clock = setup
    for fd in range(1000):
        _accept_error(logger, fd)
    assert handler.lines == ["accept failed on fd 0", "accept failed on fd 1",
                             "accept failed on fd 2"]  # fmt: skip
    logger.info("something else")  # another message is not held back
    assert handler.lines[-1] == "something else"
    clock.now += 10
    _accept_error(logger, 5000)
    assert handler.lines[-2:] == [
        "997 similar messages suppressed in the last 10 s: accept failed on fd %d",
        "accept failed on fd 5000",
    ]


def test_what_was_suppressed_is_written_on_flush(
    setup: tuple[logging.Logger, Collect, Clock],
) -> None:
    logger, handler, clock = setup
    for fd in range(5):
        _accept_error(logger, fd)
    clock.now += 2
    flush_repeat_limit(logger)
    assert handler.lines[-1] == (
        "2 similar messages suppressed in the last 2 s: accept failed on fd %d"
    )
    flush_repeat_limit(logger)  # nothing more to report
    assert len(handler.lines) == 4


def test_install_puts_one_filter_on_each_handler() -> None:
    logger = logging.getLogger("test_log_limit_install")
    logger.handlers.clear()
    handler = Collect()
    logger.addHandler(handler)
    install_repeat_limit(logger)
    install_repeat_limit(logger)
    assert sum(isinstance(f, RepeatLimit) for f in handler.filters) == 1
    logger.handlers.clear()
