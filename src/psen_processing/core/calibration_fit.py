"""Pixel-to-femtosecond calibration from a delay scan (pure numpy, no I/O, no state).

A delay scan gives points ``(delay_fs, edge_position_px, edge_amplitude)``. The calibration is
the polynomial ``delay_fs = f(edge_position_px)`` (coefficients lowest order first, as the edge
detection's ``calibration`` holds them): ``arrival_time`` is then on the delay axis, in fs.

The fit, in three stages:

1. **Steps.** The points are grouped by delay: sorted by delay, a new step starts where two
   neighbouring delays differ by more than ``max(1e-3 x the delay range, 10 x the median
   gap)``. A scan that gives more than :data:`MAX_STEPS` groups, or a group wider than
   :data:`SWEEP_STEP_WIDTH` of the range (a continuous sweep), is cut into :data:`SWEEP_BINS`
   bins of equal delay width instead.
2. **Outliers** (iteratively reweighted least squares). The edge position is fitted as a
   polynomial of the delay (the direction in which the noise lies: the delay is set, the edge is
   measured), started from the per-step medians, then reweighted with Tukey's biweight
   (``c = 4.685`` robust standard deviations, the scale the median absolute deviation of the
   residuals) until the weights settle (at most :data:`IRLS_ITERATIONS` rounds). A point whose
   weight ends at zero (residual beyond ``c`` standard deviations) is rejected.
3. **Calibration.** Per step, the mean delay and the mean edge position of the points kept; the
   polynomial ``delay = f(position)`` is fitted to these step means by least squares, each step
   weighted by its number of points. Fitting the step means rather than the single shots keeps
   the slope free of the dilution a per-shot fit of delay against a jittered position suffers
   (the jitter of a mean of ``n`` shots is ``sqrt(n)`` smaller).

Quality figures: the residual RMS of the kept shots (``delay - f(position)``, fs: the shot
scatter, X-ray timing jitter included), that of the step means, the rejected fraction, the pixel
range the step means cover, and warnings (see :func:`fit_calibration`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from numpy.polynomial import Polynomial

from ..errors import CalibrationFitError

__all__ = [
    "AMPLITUDE_WARNING_RATIO",
    "COVERAGE_WARNING_FRACTION",
    "IRLS_ITERATIONS",
    "MAX_ORDER",
    "MAX_STEPS",
    "SCALE_FLOOR_PX",
    "SWEEP_BINS",
    "SWEEP_STEP_WIDTH",
    "TUKEY_C",
    "CalibrationFit",
    "DelayStep",
    "delay_steps",
    "fit_calibration",
]

FloatArray = npt.NDArray[np.float64]

MAX_ORDER = 3
"""Polynomial order at most (1 to 3)."""
MAX_STEPS = 200
"""Delay groups at most; a scan with more is binned as a sweep."""
SWEEP_BINS = 50
"""Bins of equal delay width for a continuous sweep."""
SWEEP_STEP_WIDTH = 0.05
"""A group of delays wider than this fraction of the scan's range makes the scan a sweep."""
TUKEY_C = 4.685
"""Tukey's biweight tuning constant, in robust standard deviations."""
IRLS_ITERATIONS = 50
SCALE_FLOOR_PX = 1e-3
"""The robust scale of the edge positions at least: a scatter below is numerically none."""
COVERAGE_WARNING_FRACTION = 0.5
"""Warn when the step means cover less than this fraction of the signal ROI's width."""
AMPLITUDE_WARNING_RATIO = 1.5
"""Warn when the steps' mean edge amplitudes differ by more than this factor."""


@dataclass(frozen=True, slots=True)
class DelayStep:
    """The points of one delay step (all of them; means and spreads of those kept)."""

    delay_fs: float
    """Mean delay of the step's points."""
    points: int
    kept: int
    position_mean: float
    """Mean edge position of the kept points (px); NaN if none is kept."""
    position_std: float
    """Standard deviation of the kept points' edge positions (px); NaN with fewer than 2."""
    amplitude_mean: float

    def to_json(self) -> dict[str, object]:
        return {
            "delay_fs": _finite(self.delay_fs),
            "points": self.points,
            "kept": self.kept,
            "position_mean": _finite(self.position_mean),
            "position_std": _finite(self.position_std),
            "amplitude_mean": _finite(self.amplitude_mean),
        }


@dataclass(frozen=True, slots=True)
class CalibrationFit:
    """A fitted calibration and its quality figures."""

    order: int
    coefficients: tuple[float, ...]
    """``delay_fs = sum(c[k] * position**k)``, lowest order first."""
    coefficient_errors: tuple[float, ...]
    """Standard errors of the coefficients, from the scatter of the step means about the fit
    (NaN with no more steps than coefficients)."""
    points: int
    """Points given to the fit."""
    rejected: int
    """Points rejected as outliers."""
    residual_rms_fs: float
    """RMS of ``delay - f(position)`` over the kept points."""
    step_residual_rms_fs: float
    """RMS (weighted by points) of the step means' ``delay - f(position)``."""
    covered_px: tuple[float, float]
    """Lowest and highest step-mean edge position."""
    delay_range_fs: tuple[float, float]
    """Lowest and highest step delay."""
    amplitude_range: tuple[float, float]
    """Lowest and highest step-mean edge amplitude."""
    steps: tuple[DelayStep, ...]
    warnings: tuple[str, ...]

    @property
    def rejected_fraction(self) -> float:
        return self.rejected / self.points if self.points else 0.0

    def delay_at(self, position: npt.ArrayLike) -> FloatArray:
        """The calibration at ``position`` (px)."""
        result = np.polynomial.polynomial.polyval(
            np.asarray(position, dtype=np.float64), self.coefficients
        )
        return np.asarray(result, dtype=np.float64)

    def to_json(self) -> dict[str, object]:
        return {
            "order": self.order,
            "coefficients": list(self.coefficients),
            "coefficient_errors": [_finite(v) for v in self.coefficient_errors],
            "points": self.points,
            "rejected": self.rejected,
            "rejected_fraction": round(self.rejected_fraction, 6),
            "residual_rms_fs": _finite(self.residual_rms_fs),
            "step_residual_rms_fs": _finite(self.step_residual_rms_fs),
            "covered_px": [_finite(v) for v in self.covered_px],
            "delay_range_fs": [_finite(v) for v in self.delay_range_fs],
            "amplitude_range": [_finite(v) for v in self.amplitude_range],
            "steps": [step.to_json() for step in self.steps],
            "warnings": list(self.warnings),
        }


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def delay_steps(delays: FloatArray) -> npt.NDArray[np.intp]:
    """The step index of each delay (steps numbered by increasing delay); see the module."""
    n = delays.size
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    order = np.argsort(delays, kind="stable")
    ordered = delays[order]
    span = float(ordered[-1] - ordered[0])
    gaps = np.diff(ordered)
    threshold = max(1e-3 * span, 10.0 * float(np.median(gaps)) if gaps.size else 0.0)
    starts = np.concatenate(([False], gaps > threshold)) if span > 0 else np.zeros(n, bool)
    index_sorted = np.cumsum(starts)
    count = int(index_sorted[-1]) + 1
    first = np.searchsorted(index_sorted, np.arange(count), side="left")
    last = np.searchsorted(index_sorted, np.arange(count), side="right") - 1
    widest = float((ordered[last] - ordered[first]).max()) if span > 0 else 0.0
    if count > MAX_STEPS or widest > SWEEP_STEP_WIDTH * span:  # a sweep: bins of equal width
        width = span / SWEEP_BINS
        index_sorted = np.minimum(((ordered - ordered[0]) / width).astype(np.intp), SWEEP_BINS - 1)
        _, index_sorted = np.unique(index_sorted, return_inverse=True)
    steps = np.empty(n, dtype=np.intp)
    steps[order] = index_sorted
    return steps


def _biweight(residuals: FloatArray, scale: float) -> FloatArray:
    u = residuals / (TUKEY_C * scale)
    weights: FloatArray = np.where(np.abs(u) < 1.0, (1.0 - u * u) ** 2, 0.0)
    return weights


def _robust_scale(residuals: FloatArray) -> float:
    mad = float(np.median(np.abs(residuals - np.median(residuals))))
    return 1.4826 * mad


def _outliers(
    delays: FloatArray, positions: FloatArray, steps: npt.NDArray[np.intp], order: int
) -> npt.NDArray[np.bool_]:
    """Which points are kept: position against delay, by IRLS with Tukey's biweight."""
    count = int(steps.max()) + 1
    step_delay = np.array([np.median(delays[steps == k]) for k in range(count)])
    step_position = np.array([np.median(positions[steps == k]) for k in range(count)])
    degree = min(order, count - 1)
    if count > order:
        start = Polynomial.fit(step_delay, step_position, degree)
    else:  # pragma: no cover - fit_calibration needs order + 1 steps
        start = Polynomial.fit(delays, positions, degree)
    residuals = positions - start(delays)
    scale = max(_robust_scale(residuals), SCALE_FLOOR_PX)
    weights = _biweight(residuals, scale)
    for _ in range(IRLS_ITERATIONS):
        if np.unique(steps[weights > 0]).size <= degree:
            break
        fitted = Polynomial.fit(delays, positions, degree, w=np.sqrt(weights))
        residuals = positions - fitted(delays)
        scale = max(_robust_scale(residuals[weights > 0]), SCALE_FLOOR_PX)
        new = _biweight(residuals, scale)
        settled = np.allclose(new, weights, atol=1e-6)
        weights = new
        if settled:
            break
    kept: npt.NDArray[np.bool_] = weights > 0
    return kept


def fit_calibration(
    delays_fs: npt.ArrayLike,
    positions: npt.ArrayLike,
    amplitudes: npt.ArrayLike,
    order: int,
    roi_width: int | None = None,
) -> CalibrationFit:
    """The calibration ``delay_fs = f(position)`` of polynomial ``order`` (1-3) from scan points.

    Non-finite points are ignored. Raises :class:`CalibrationFitError` when there is nothing to
    fit: fewer than ``order + 1`` delay steps with kept points, or no spread in position.

    Warnings: the step means cover less than :data:`COVERAGE_WARNING_FRACTION` of ``roi_width``
    (arrival times beyond are extrapolated); the steps' mean amplitudes differ by more than
    :data:`AMPLITUDE_WARNING_RATIO`; more than a fifth of the points rejected; the calibration
    is not monotonic over the covered pixels; exactly ``order + 1`` steps (no check of the
    polynomial by the steps).
    """
    if isinstance(order, bool) or order not in range(1, MAX_ORDER + 1):
        raise CalibrationFitError(f"order must be 1, 2 or 3, not {order!r}")
    d = np.asarray(delays_fs, dtype=np.float64).ravel()
    p = np.asarray(positions, dtype=np.float64).ravel()
    a = np.asarray(amplitudes, dtype=np.float64).ravel()
    if not d.size == p.size == a.size:
        raise CalibrationFitError("delays, positions and amplitudes differ in length")
    finite = np.isfinite(d) & np.isfinite(p)
    d, p, a = d[finite], p[finite], a[finite]
    if d.size == 0:
        raise CalibrationFitError("no points to fit")
    steps = delay_steps(d)
    count = int(steps.max()) + 1
    if count < order + 1:
        raise CalibrationFitError(
            f"the scan has {count} delay step(s): a polynomial of order {order} needs at least "
            f"{order + 1}"
        )
    kept = _outliers(d, p, steps, order)
    step_list: list[DelayStep] = []
    for k in range(count):
        members = steps == k
        chosen = members & kept
        n_kept = int(chosen.sum())
        step_list.append(
            DelayStep(
                delay_fs=float(d[chosen].mean() if n_kept else d[members].mean()),
                points=int(members.sum()),
                kept=n_kept,
                position_mean=float(p[chosen].mean()) if n_kept else math.nan,
                position_std=float(p[chosen].std(ddof=1)) if n_kept > 1 else math.nan,
                amplitude_mean=float(np.nanmean(a[chosen])) if n_kept else math.nan,
            )
        )
    usable = [s for s in step_list if s.kept > 0]
    if len(usable) < order + 1:
        raise CalibrationFitError(
            f"only {len(usable)} delay step(s) keep points after outlier rejection: a "
            f"polynomial of order {order} needs at least {order + 1}"
        )
    x = np.array([s.position_mean for s in usable])
    y = np.array([s.delay_fs for s in usable])
    n = np.array([s.kept for s in usable], dtype=np.float64)
    if not float(x.max() - x.min()) > 0:
        raise CalibrationFitError("the edge does not move: every step has the same position")
    polynomial = Polynomial.fit(x, y, order, w=np.sqrt(n)).convert()
    coefficients = tuple(float(c) for c in polynomial.coef) + (0.0,) * (
        order + 1 - polynomial.coef.size
    )
    shot_residuals = d[kept] - polynomial(p[kept])
    step_residuals = y - polynomial(x)
    amplitudes_by_step = np.array([s.amplitude_mean for s in usable])
    finite_amplitudes = amplitudes_by_step[np.isfinite(amplitudes_by_step)]
    amplitude_range = (
        (float(finite_amplitudes.min()), float(finite_amplitudes.max()))
        if finite_amplitudes.size
        else (math.nan, math.nan)
    )
    fit = CalibrationFit(
        order=order,
        coefficients=coefficients,
        coefficient_errors=_standard_errors(x, n, step_residuals, order),
        points=int(d.size),
        rejected=int(d.size - kept.sum()),
        residual_rms_fs=float(np.sqrt(np.mean(shot_residuals**2))),
        step_residual_rms_fs=float(np.sqrt(np.average(step_residuals**2, weights=n))),
        covered_px=(float(x.min()), float(x.max())),
        delay_range_fs=(float(y.min()), float(y.max())),
        amplitude_range=amplitude_range,
        steps=tuple(step_list),
        warnings=(),
    )
    return replace(fit, warnings=_warnings(fit, len(usable), polynomial, roi_width))


def _standard_errors(
    x: FloatArray, weights: FloatArray, residuals: FloatArray, order: int
) -> tuple[float, ...]:
    """Standard errors of the raw coefficients of a weighted least-squares polynomial fit."""
    dof = x.size - (order + 1)
    if dof <= 0:
        return (math.nan,) * (order + 1)
    scale = float(np.abs(x).max()) or 1.0
    design = np.vander(x / scale, order + 1, increasing=True)
    variance = float(np.sum(weights * residuals**2)) / dof
    try:
        covariance = variance * np.linalg.inv(design.T @ (design * weights[:, None]))
    except np.linalg.LinAlgError:  # pragma: no cover - the positions have a spread
        return (math.nan,) * (order + 1)
    errors = np.sqrt(np.clip(np.diag(covariance), 0.0, None)) / scale ** np.arange(order + 1)
    return tuple(float(e) for e in errors)


def _warnings(
    fit: CalibrationFit, usable: int, polynomial: Polynomial, roi_width: int | None
) -> tuple[str, ...]:
    warnings: list[str] = []
    low, high = fit.covered_px
    if roi_width is not None and roi_width > 0:
        covered = (high - low) / roi_width
        if covered < COVERAGE_WARNING_FRACTION:
            warnings.append(
                f"the scan covers edge positions {low:.0f}-{high:.0f} px, {covered:.0%} of the "
                f"signal ROI's {roi_width} px: arrival times outside are extrapolated"
            )
    small, large = fit.amplitude_range
    if small > 0 and large / small > AMPLITUDE_WARNING_RATIO:
        warnings.append(
            f"the edge amplitude changes from {small:.3g} to {large:.3g} along the scan "
            f"({large / small:.1f} x): the edge weakens where the probe light is dim; check "
            "the steps at the weak end"
        )
    if fit.rejected_fraction > 0.2:
        warnings.append(
            f"{fit.rejected_fraction:.0%} of the points were rejected as outliers: check the "
            "edge detection settings"
        )
    if fit.order > 1:
        grid = np.linspace(low, high, 256)
        slope = polynomial.deriv()(grid)
        if np.any(slope > 0) and np.any(slope < 0):
            warnings.append(
                "the calibration is not monotonic over the covered pixels: two edge positions "
                "give the same arrival time; use a lower order or a wider scan"
            )
    if usable == fit.order + 1:
        warnings.append(
            f"only {usable} delay steps for order {fit.order}: the polynomial passes through "
            "every step and nothing checks it; scan more steps"
        )
    return tuple(warnings)
