"""The restart policy of the supervisor: bounded backoff, bounded settings."""

from __future__ import annotations

import pytest

from psen_processing.errors import PsenError
from psen_processing.stream.supervision import RestartPolicy, describe


def test_backoff_doubles_up_to_its_bound() -> None:
    policy = RestartPolicy(first_backoff_s=0.1, max_backoff_s=0.5)
    assert [policy.backoff(n) for n in range(1, 6)] == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])


@pytest.mark.parametrize(
    "changes",
    [
        {"max_failures": 0},
        {"max_failures": 1000},
        {"window_s": 0.0},
        {"first_backoff_s": -1.0},
        {"max_backoff_s": float("nan")},
        {"first_backoff_s": 2.0, "max_backoff_s": 1.0},
    ],
)
def test_settings_out_of_bounds_are_refused(changes: dict[str, float]) -> None:
    with pytest.raises(PsenError):
        RestartPolicy(**changes)  # type: ignore[arg-type]


def test_errors_are_described_by_type_and_shortened() -> None:
    assert describe(RuntimeError("bad\nthing")) == "RuntimeError: bad thing"
    assert describe(KeyError()) == "KeyError"
    long = describe(ValueError("x" * 1000))
    assert len(long) == 300 and long.endswith("...")
