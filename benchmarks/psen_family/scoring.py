"""Scores of a method's answers against the truth, and the table the runner prints."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["OFF_PX", "Row", "Score", "format_table", "score"]

F64 = npt.NDArray[np.float64]
B1 = npt.NDArray[np.bool_]

OFF_PX = 10.0
"""A shot whose reported edge is more than this far from the truth (or missing) is off."""


@dataclass(frozen=True, slots=True)
class Score:
    """One method on one member and depth, over ``shots`` X-ray shots."""

    shots: int
    rms_within: float
    """RMS error (px) of the shots within :data:`OFF_PX` of the truth."""
    median_abs: float
    """Median absolute error (px) over all shots, a missing edge counting as infinite."""
    off: float
    """Fraction of shots off by more than :data:`OFF_PX` or without an edge."""
    confident: float
    """Fraction of shots flagged confident."""
    confident_off: float
    """Fraction of the confident shots that are off (NaN without confident shots)."""
    crb: float
    """``sqrt(mean(Cramer-Rao variance bounds))`` (px), over all the X-ray shots."""
    crb_within: float
    """The same over the shots within :data:`OFF_PX` (those :attr:`rms_within` counts): the
    bound to compare that RMS with. Over all shots, a few shots whose edge has next to no light
    (a bound of hundreds of px) make the bound larger than any method's RMS of the shots it
    found."""

    @property
    def rms_over_crb(self) -> float:
        return self.rms_within / self.crb if self.crb > 0 else math.nan

    @property
    def rms_over_crb_within(self) -> float:
        """:attr:`rms_within` over :attr:`crb_within`, the same shots' RMS and bound."""
        return self.rms_within / self.crb_within if self.crb_within > 0 else math.nan


def score(truth: F64, reported: F64, confident: B1, bounds: F64) -> Score:
    """Score reported positions against true ones, with the shots' Cramer-Rao variance bounds
    (arrays over the same X-ray shots)."""
    error = np.abs(reported - truth)
    error[np.isnan(error)] = np.inf
    within = error <= OFF_PX
    confident_within = within[confident]
    return Score(
        shots=int(truth.size),
        rms_within=math.sqrt(float(np.mean(error[within] ** 2))) if within.any() else math.nan,
        median_abs=float(np.median(error)) if error.size else math.nan,
        off=1.0 - float(np.mean(within)) if error.size else math.nan,
        confident=float(np.mean(confident)) if error.size else math.nan,
        confident_off=1.0 - float(np.mean(confident_within)) if confident_within.size else math.nan,
        crb=_root_mean(bounds),
        crb_within=_root_mean(bounds[within]),
    )


def _root_mean(variances: F64) -> float:
    return math.sqrt(float(np.mean(variances))) if variances.size else math.nan


@dataclass(frozen=True, slots=True)
class Row:
    member: str
    depth: float
    method: str
    score: Score
    seconds: float
    """Wall time of the member and depth (generation, all methods and the bounds)."""
    method_us: float
    """The method's time per shot (µs)."""


_HEADER = (
    f"{'member':<24}{'depth':>6}  {'method':<10}{'N':>6}{'RMS<=10':>9}{'med|e|':>8}"
    f"{'off%':>7}{'conf%':>7}{'confoff%':>9}{'CRB':>8}{'RMS/CRB':>8}{'CRBw':>7}{'RMS/CRBw':>9}"
    f"{'us/shot':>8}{'s':>6}"
)


def _number(value: float, width: int, digits: int) -> str:
    return f"{value:>{width}.{digits}f}" if math.isfinite(value) else f"{'-':>{width}}"


def format_table(rows: Sequence[Row]) -> str:
    """The rows as a fixed-width text table with its header."""
    lines = [_HEADER, "-" * len(_HEADER)]
    for row in rows:
        s = row.score
        lines.append(
            f"{row.member:<24}{row.depth * 100:>5.0f}%  {row.method:<10}{s.shots:>6}"
            + _number(s.rms_within, 9, 3)
            + _number(s.median_abs, 8, 3)
            + _number(100 * s.off, 7, 2)
            + _number(100 * s.confident, 7, 1)
            + _number(100 * s.confident_off, 9, 2)
            + _number(s.crb, 8, 3)
            + _number(s.rms_over_crb, 8, 1)
            + _number(s.crb_within, 7, 3)
            + _number(s.rms_over_crb_within, 9, 2)
            + _number(row.method_us, 8, 0)
            + _number(row.seconds, 6, 1)
        )
    return "\n".join(lines)
