"""What ``psen_processing`` and ``psen_processing_camera`` share on their command lines: how
``--help`` shows defaults, and numbers with bounds."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

__all__ = ["DefaultsHelpFormatter", "bounded"]

N = TypeVar("N", int, float)


class DefaultsHelpFormatter(argparse.HelpFormatter):
    """Adds ``(default: VALUE)`` to an option's help unless its text already says it: ``off``
    for a flag, ``none`` for an empty list. An option whose default is None must say in its
    text what applies when it is not given."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        if text is None or text == argparse.SUPPRESS or "default" in text:
            return text
        if action.default is None or action.default == argparse.SUPPRESS:
            return text
        if action.default is False:
            return f"{text} (default: off)"
        if action.default == []:
            return f"{text} (default: none)"
        return f"{text} (default: %(default)s)"


def bounded(
    kind: Callable[[str], N], low: N, high: N, *, low_open: bool = False
) -> Callable[[str], N]:
    """An option type: a number of ``kind`` in ``[low, high]`` (``(low, high]`` if
    ``low_open``), else a usage error that says the bounds."""

    def convert(text: str) -> N:
        try:
            value = kind(text)
        except ValueError:
            value = None
        if (
            value is None
            or (isinstance(value, float) and not math.isfinite(value))
            or value < low
            or (low_open and value == low)
            or value > high
        ):
            what = "an integer" if kind is int else "a number"
            span = f"above {low:g}, at most {high:g}" if low_open else f"{low:g}-{high:g}"
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} in range ({span})")
        return value

    return convert
