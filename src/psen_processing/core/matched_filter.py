"""Edge finding for PSEN spectra (pure numpy, no I/O, no logging).

The method follows the one of the LCLS timetool: the signal profile (an X-ray shot) is divided
by a reference profile (the average of recent shots without X-rays), minus 1; the ratio is
correlated with a filter matched to a step; the correlation's peak is refined to sub-pixel
precision by a parabola fitted to the points above ``fit_fraction`` of the peak, which also
gives the amplitude and the FWHM. It is made robust against what changes from shot to shot:

* the ratio is taken only where the reference is above ``reference_threshold`` of its maximum
  (the spectrum's wings, where a ratio is mostly noise, are left out);
* the ratio is divided by its intensity-weighted mean, so the shot's total intensity does not
  matter;
* the matched filter is not a bare step: it is the step's template (10-90 % width
  ``filter_width``) whitened against smooth random variation of the ratio, on scales of the
  filter's length and longer, and made blind to a straight line. Being antisymmetric, it is
  then blind to any quadratic within its window, so a change of the spectrum's centre or width
  and smooth modulations are removed locally, where a global polynomial fit would leave
  residuals everywhere;
* the peak is chosen by signal-to-noise (the response weighted by the square root of the
  reference, as the ratio's noise grows in the wings), then refined on the plain response.

Positions are indices into the signal profile: pixel ``i`` is the centre of pixel ``i``, and the
edge position is where the step has half its depth.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import ConfigDict
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import PydanticCustomError

from ..errors import InvalidData, InvalidEdgeSettings
from .limits import MAX_MIN_AMPLITUDE, MAX_REFERENCE_LENGTH, shown
from .settings import Flag, Integer, Number, refusing

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MIN_Z",
    "MAX_FILTER_LENGTH",
    "MAX_MIN_Z",
    "MIN_FILTER_LENGTH",
    "EdgeParams",
    "EdgeResult",
    "ReferenceAccumulator",
    "ReferenceSpan",
    "arrival_time",
    "find_edge",
    "find_edge_in_span",
    "normalised_signal",
    "ratio_in_span",
    "reference_span",
]

FloatArray = npt.NDArray[np.float64]

_LOGISTIC_10_90 = 2.0 * math.log(9.0)
"""10-90 % width of the logistic function 1 / (1 + exp(-u)), in units of u."""


DEFAULT_MIN_Z = 4.0
"""Below this signal-to-noise ratio the learned method reports no edge. Without an edge the
best of the ~10^4 (width, position) candidates of a 1000-px profile reaches about 3.5-4."""

MAX_MIN_Z = 1000.0

DEFAULT_MAX_DEPTH = 0.5
"""The deepest edge the learned method takes for one: the light halving at a falling edge
(doubling at a rising one). A larger change is the spectrum itself (a steep side that moved
against the mean reference), taken out of the shot before the edge is looked for."""

MIN_FILTER_LENGTH = 4
MAX_FILTER_LENGTH = 2000
"""The filter's design solves a system of this size: about 0.3 s at 2000 px (done when the
settings are set or loaded, never per frame and never on the REST API's event loop)."""
FILTER_LENGTH = Integer(MIN_FILTER_LENGTH, MAX_FILTER_LENGTH)
FILTER_WIDTH = Number(
    0.0, problem="between 0 and the filter_length", description="at most filter_length"
)
REFERENCE_LENGTH = Integer(1, MAX_REFERENCE_LENGTH)
"""How many of the latest reference shots are averaged (edge detection's reference_length)."""

_WHITE_TO_SMOOTH = 1.0
"""Variance of pixel noise relative to smooth variation assumed when designing the filter."""


def _kernel(length: int, width: float, direction: str) -> FloatArray:
    """The matched filter: the step's template whitened against smooth variation.

    It is the linear filter with least variance, for unit response to a step of 10-90 % width
    ``width`` and zero response to a straight line, when the ratio holds independent pixel noise
    plus smooth random variation (a flat spectrum of periods down to ``length`` px, as much
    variance as the noise). Being antisymmetric and blind to lines, it is blind to any
    quadratic inside its window. Use it as ``np.correlate(ratio, kernel, "valid")``.
    """
    t = np.arange(length, dtype=np.float64) - 0.5 * (length - 1)
    if width > 0:
        step = 0.5 * (1.0 + np.tanh(t * (0.5 * _LOGISTIC_10_90 / width)))
    else:
        step = np.where(t > 0, 1.0, np.where(t == 0, 0.5, 0.0))
    template = -step if direction == "falling" else step
    covariance = np.sinc((2.0 / length) * (t[:, None] - t[None, :]))
    covariance[np.diag_indices(length)] += _WHITE_TO_SMOOTH
    lines = np.stack([np.ones(length), t], axis=1)
    solved = np.linalg.solve(covariance, np.column_stack([template, lines]))
    c_template, c_lines = solved[:, 0], solved[:, 1:]
    weights = np.linalg.solve(lines.T @ c_lines, lines.T @ c_template)
    kernel: FloatArray = c_template - c_lines @ weights
    kernel /= kernel @ template
    return kernel


@refusing(InvalidEdgeSettings, "edge setting")
@pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(arbitrary_types_allowed=True))
class EdgeParams:
    """Settings of :func:`find_edge`; invalid values raise :class:`InvalidEdgeSettings`
    naming the setting and its bound (the bounds are in the fields' annotations).

    ``direction``: ``"falling"`` (the signal drops after the edge, on the high-pixel side) or
    ``"rising"``. ``filter_length``: length of the matched step filter in px. ``filter_width``:
    10-90 % width in px of the step the filter is matched to (0: sharp step).
    ``fit_fraction``: the parabola is fitted to the points above this fraction of the peak.
    ``min_amplitude``: an edge whose amplitude (about its relative depth, see
    :class:`EdgeResult`) is below it is not found.
    ``background_subtraction``: subtract the background profile from signal and reference.
    ``reference_threshold``: use only pixels where the reference is above this fraction of its
    maximum.

    ``method``: ``"learned"`` (generalised least squares against a noise model learned from
    the reference shots, :mod:`psen_processing.core.learned_edge`; far more accurate, but 20 times
    the matched filter's time per frame: opt-in until it meets its speed target) or
    ``"matched_filter"`` (the default: the step filter of this module). ``filter_length``,
    ``filter_width``, ``fit_fraction``, ``min_amplitude``, ``background_subtraction`` and
    ``reference_threshold`` steer the matched filter, which the learned method also falls back
    to until it has learned its first model. ``min_z``: the learned method reports no edge
    (NaN) when the edge's signal-to-noise ratio against the learned noise is below it.
    ``max_depth``: the learned method takes a step in which the light falls by more than this
    fraction (or rises by more than ``1 / (1 - max_depth)`` times) for the spectrum's own, not
    an edge: it is taken out of the shot and the edge looked for in what is left.
    ``pedestal``: ``"background"`` (the learned method subtracts the mean of the last 64
    background profiles, scaled to the signal's rows, from every profile) or ``"none"``.
    """

    direction: Literal["falling", "rising"] = "falling"
    filter_length: Annotated[int, FILTER_LENGTH] = 150
    filter_width: Annotated[float, FILTER_WIDTH] = 20.0
    fit_fraction: Annotated[float, Number(0.0, 1.0, open_low=True, open_high=True)] = 0.8
    min_amplitude: Annotated[float, Number(0.0, MAX_MIN_AMPLITUDE)] = 0.02
    background_subtraction: Annotated[bool, Flag()] = False
    reference_threshold: Annotated[float, Number(0.0, 1.0, open_high=True)] = 0.1
    method: Literal["learned", "matched_filter"] = "matched_filter"
    min_z: Annotated[float, Number(0.0, MAX_MIN_Z)] = DEFAULT_MIN_Z
    max_depth: Annotated[float, Number(0.05, 0.99)] = DEFAULT_MAX_DEPTH
    pedestal: Literal["background", "none"] = "background"
    kernel: FloatArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        length, width = self.filter_length, self.filter_width
        if not width <= length:
            raise _invalid(
                "filter_width", width, f"must be between 0 and the filter_length ({length})"
            )
        try:
            with np.errstate(all="ignore"):
                kernel = _kernel(length, width, self.direction)
        except np.linalg.LinAlgError:
            kernel = np.full(length, np.nan)
        if not np.isfinite(kernel).all():  # e.g. a step far wider than the filter: no response
            raise _invalid(
                "filter_width",
                width,
                f"gives no usable step filter with filter_length {length}; use a width well "
                "below the filter length",
            )
        kernel.setflags(write=False)
        object.__setattr__(self, "kernel", kernel)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> EdgeParams:
        """Build from a JSON-decoded mapping; missing keys keep their defaults."""
        if not isinstance(data, Mapping):
            raise InvalidEdgeSettings(f"Edge settings must be a mapping, not {data!r}.")
        known = {f.name for f in fields(cls) if f.init}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise InvalidEdgeSettings(
                f"Unknown edge setting(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
            )
        return cls(**dict(data))

    def to_mapping(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict (the inverse of :meth:`from_mapping`)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.init}


def _invalid(name: str, value: object, problem: str) -> InvalidEdgeSettings:
    return InvalidEdgeSettings(f"Invalid edge setting {name}={shown(value)}: {problem}.")


@dataclass(frozen=True, slots=True)
class EdgeResult:
    """Outcome of :func:`find_edge`.

    ``position``: sub-pixel index of the edge in the signal profile (NaN if not found).
    ``amplitude``: the fitted peak of the matched filter's response (NaN if there was nothing
    to correlate). The filter is scaled so that an edge of 10-90 % width ``filter_width`` and
    depth ``d`` relative to the mean of the normalised ratio gives ``d``; sharper edges give up
    to about 1.4 ``d``, an edge twice as wide about 0.6 ``d`` (default filter). ``fwhm``: full
    width at half maximum in px of the parabola fitted to the response's peak (NaN if not
    found).
    ``found``: whether an edge of at least ``min_amplitude`` was found.
    """

    position: float
    amplitude: float
    fwhm: float
    found: bool
    width: float = math.nan
    """10-90 % width (px) of the learned method's best template (NaN for the matched filter)."""
    z: float = math.nan
    """The learned method's signal-to-noise ratio of the edge (NaN for the matched filter)."""
    runner_up_ratio: float = math.nan
    """``z`` over the best candidate elsewhere (learned method; NaN for the matched filter)."""
    localisation: float = math.nan
    """How much better the edge fits at its position than more than 10 px away, as a ``z``
    (learned method; NaN for the matched filter)."""
    confident: bool = False
    """The learned method's edge passes the confidence rule
    (:func:`psen_processing.core.learned_edge.is_confident`); always False for the matched
    filter, which has no noise model to judge by."""


_NOT_FOUND = EdgeResult(math.nan, math.nan, math.nan, False)

_FLOAT64 = np.dtype(np.float64)


def _as_profile(name: str, values: npt.ArrayLike) -> FloatArray:
    if type(values) is np.ndarray and values.dtype is _FLOAT64 and values.ndim == 1:
        return values  # what np.asarray would give back: the array itself
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise InvalidData(f"The {name} profile must be 1-D, not of shape {array.shape}.")
    return array


_FIT_WINDOW = 24
"""Points each side of the peak :func:`_fit_peak` reads at once (it reads on if need be)."""


def _fit_peak(response: FloatArray, peak: int, fraction: float) -> tuple[float, float, float]:
    """Vertex offset, vertex value and FWHM of a parabola fitted around ``response[peak]``.

    Uses the contiguous points above ``fraction`` of the peak value (at least the peak and its
    two neighbours). The points are few, so the least-squares fit is done in plain floats.
    """
    size = response.size
    low, high = max(peak - _FIT_WINDOW, 0), min(peak + _FIT_WINDOW + 1, size)
    near = response[low:high].tolist()  # plain floats: fast to walk
    top = near[peak - low]
    threshold = fraction * top
    i = peak - low
    while i > 0 and near[i - 1] >= threshold:
        i -= 1
    start = low + i
    if i == 0:  # a broad peak: read on in the array
        while start > 0 and response[start - 1] >= threshold:
            start -= 1
    i, end = peak + 1 - low, high - low
    while i < end and near[i] >= threshold:
        i += 1
    stop = low + i
    if i == end:
        while stop < size and response[stop] >= threshold:
            stop += 1
    start = min(start, max(peak - 1, 0))
    stop = max(stop, min(peak + 2, size))
    if stop - start < 3:
        return 0.0, top, math.nan
    points = (
        near[start - low : stop - low]
        if low <= start and stop <= high
        else response[start:stop].tolist()
    )
    fit = _parabola(points, start - peak)
    if fit is None:
        return 0.0, top, math.nan
    c, b, a = fit
    if a >= 0:
        return 0.0, top, math.nan
    vertex = -b / (2.0 * a)
    # A lopsided top: trust the sampled maximum more than the extrapolation.
    vertex = min(1.0, max(-1.0, vertex))
    value = c + b * vertex + a * vertex * vertex
    fwhm = 2.0 * math.sqrt(-value / (2.0 * a)) if value > 0 else math.nan
    return vertex, value, fwhm


def _parabola(y: list[float], first: int) -> tuple[float, float, float] | None:
    """Least-squares ``c + b t + a t**2`` through ``y`` at ``t = first, first + 1, ...``."""
    s0 = s1 = s2 = s3 = s4 = y0 = y1 = y2 = 0.0
    for i, value in enumerate(y):
        t = float(first + i)
        t2 = t * t
        s0 += 1.0
        s1 += t
        s2 += t2
        s3 += t2 * t
        s4 += t2 * t2
        y0 += value
        y1 += value * t
        y2 += value * t2
    # Normal equations [[s0 s1 s2] [s1 s2 s3] [s2 s3 s4]] (c b a) = (y0 y1 y2), by Cramer's rule.
    det = s0 * (s2 * s4 - s3 * s3) - s1 * (s1 * s4 - s3 * s2) + s2 * (s1 * s3 - s2 * s2)
    if det == 0.0 or not math.isfinite(det):
        return None
    c = (y0 * (s2 * s4 - s3 * s3) - s1 * (y1 * s4 - s3 * y2) + s2 * (y1 * s3 - s2 * y2)) / det
    b = (s0 * (y1 * s4 - y2 * s3) - y0 * (s1 * s4 - s3 * s2) + s2 * (s1 * y2 - y1 * s2)) / det
    a = (s0 * (s2 * y2 - s3 * y1) - s1 * (s1 * y2 - y1 * s2) + y0 * (s1 * s3 - s2 * s2)) / det
    return c, b, a


@dataclass(frozen=True, slots=True, eq=False)
class ReferenceSpan:
    """What :func:`find_edge` derives from the reference alone, by :func:`reference_span`.

    Made once per reference and :class:`EdgeParams`, it serves every X-ray shot until the
    reference changes. ``first:last`` is the span of the profile between the first and the
    last pixel where the reference is above ``reference_threshold`` of its maximum;
    ``reference`` is the reference there, dim pixels raised to the threshold (at least 1e-9 of
    the maximum; read-only);
    ``weight`` the square root of ``reference`` relative to its maximum at the centres of the
    filter's windows; ``dim`` and ``bright`` the indices in the span of the pixels at or below
    the threshold and of the others, ``None`` if there are no dim pixels.
    """

    size: int
    first: int
    last: int
    reference: FloatArray
    reference_sum: float
    weight: FloatArray
    dim: npt.NDArray[np.intp] | None
    bright: npt.NDArray[np.intp] | None


def reference_span(reference: npt.ArrayLike, params: EdgeParams) -> ReferenceSpan | None:
    """The part of :func:`find_edge` that depends on the reference only (background already
    subtracted, if it is to be); ``None`` if the reference gives no edge at all (no positive
    maximum, or a usable span too short for the filter)."""
    ref = _as_profile("reference", reference)
    size = ref.size
    top = float(ref.max(initial=-math.inf))
    if not 0 < top < math.inf:
        return None
    threshold = params.reference_threshold
    usable = ref > threshold * top
    # The maximum is usable, so there is a first and a last usable pixel.
    first = int(usable.argmax())
    last = size if usable[size - 1] else size - int(usable[::-1].argmax())
    length = params.filter_length
    if last - first < length + 2:
        return None
    ref = ref[first:last]
    dim: npt.NDArray[np.intp] | None = None
    bright: npt.NDArray[np.intp] | None = None
    if np.count_nonzero(usable) != last - first:  # dead columns or dips inside the span
        span_usable = usable[first:last]
        dim, bright = np.flatnonzero(~span_usable), np.flatnonzero(span_usable)
        ref = np.maximum(ref, max(threshold, 1e-9) * top)
    centre = length // 2
    weight = ref[centre : centre + (last - first - length + 1)] / top
    np.sqrt(weight, out=weight)
    if ref.flags.writeable:
        ref = ref.view()
        ref.setflags(write=False)
    weight.setflags(write=False)
    return ReferenceSpan(size, first, last, ref, float(ref.sum()), weight, dim, bright)


def ratio_in_span(signal: FloatArray, span: ReferenceSpan) -> FloatArray | None:
    """What the matched filter is correlated with: ``signal`` (a whole profile, the background
    already subtracted if it is to be) over the reference, from ``span.first`` to ``span.last``,
    its mean weighted by the reference made 1 and the dim pixels inside the span interpolated
    from their bright neighbours. None if the signal holds no light there."""
    sig = signal[span.first : span.last]
    light = float(sig.sum())
    if not light > 0:
        return None
    # Normalise the intensity: the ratio's mean weighted by the reference is 1. (The "minus 1"
    # of the method is left out: the filter does not respond to a constant.)
    ratio = sig * (span.reference_sum / light)
    np.divide(ratio, span.reference, out=ratio)
    dim = span.dim
    if dim is not None and span.bright is not None:
        bright = span.bright
        ratio[dim] = np.interp(dim, bright, ratio[bright])
    return ratio


def find_edge_in_span(
    signal: npt.ArrayLike, span: ReferenceSpan | None, params: EdgeParams
) -> EdgeResult:
    """:func:`find_edge` for a reference prepared by :func:`reference_span` with the same
    ``params`` (a ``signal`` with the background already subtracted, if it is to be)."""
    sig = _as_profile("signal", signal)
    if span is None:
        return _NOT_FOUND
    if sig.size != span.size:
        raise InvalidData(
            f"The signal ({sig.size} px) and reference ({span.size} px) profiles differ in length."
        )
    ratio = ratio_in_span(sig, span)
    if ratio is None:
        return _NOT_FOUND
    response = np.correlate(ratio, params.kernel, mode="valid")
    # A finite sum means finite values; an infinite one may be an overflow: look closer.
    if not math.isfinite(response.sum()) and not np.isfinite(response).all():
        return _NOT_FOUND
    # Choose the peak by signal-to-noise: the ratio's noise grows as 1/sqrt(reference) towards
    # the wings, so weight the response by sqrt(reference) at the window's centre. Then refine
    # on the unweighted response, whose peak is where the edge is.
    length = params.filter_length
    best = int((response * span.weight).argmax())
    reach = max(1, length // 4)
    low = max(0, best - reach)
    peak = low + int(response[low : best + reach + 1].argmax())
    vertex, amplitude, fwhm = _fit_peak(response, peak, params.fit_fraction)
    if not amplitude >= params.min_amplitude:
        return EdgeResult(math.nan, amplitude, math.nan, False)
    position = span.first + peak + vertex + 0.5 * (length - 1)
    return EdgeResult(position, amplitude, fwhm, True)


def find_edge(
    signal: npt.ArrayLike,
    reference: npt.ArrayLike,
    params: EdgeParams,
    background: npt.ArrayLike | None = None,
) -> EdgeResult:
    """Find the edge in ``signal`` relative to ``reference`` (profiles of equal length).

    With ``params.background_subtraction`` and a ``background`` given, the background (a
    profile of the same length, already on the signal's scale; of another length, its mean)
    is subtracted from both signal and reference first. Raises :class:`InvalidData`
    if the profiles are not 1-D or differ in length.
    """
    sig, ref = _without_background(signal, reference, params, background)
    return find_edge_in_span(sig, reference_span(ref, params), params)


def _without_background(
    signal: npt.ArrayLike,
    reference: npt.ArrayLike,
    params: EdgeParams,
    background: npt.ArrayLike | None,
) -> tuple[FloatArray, FloatArray]:
    """Signal and reference as :func:`find_edge` uses them: checked, the background taken off
    both if ``params`` say so."""
    sig = _as_profile("signal", signal)
    ref = _as_profile("reference", reference)
    if sig.size != ref.size:
        raise InvalidData(
            f"The signal ({sig.size} px) and reference ({ref.size} px) profiles differ in length."
        )
    if params.background_subtraction and background is not None:
        bg = _as_profile("background", background)
        offset: FloatArray | float = (
            bg if bg.size == sig.size else float(bg.mean()) if bg.size else 0.0
        )
        sig = sig - offset
        ref = ref - offset
    return sig, ref


def normalised_signal(
    signal: npt.ArrayLike,
    reference: npt.ArrayLike,
    params: EdgeParams,
    background: npt.ArrayLike | None = None,
) -> FloatArray | None:
    """The normalised ratio :func:`find_edge` correlates with its filter (:func:`ratio_in_span`)
    over the whole profile, NaN outside the reference's usable span: the signal as the edge
    detection sees it, for a viewer. None if the profiles are not 1-D or differ in length, the
    reference gives no span (see :func:`reference_span`) or the signal holds no light in it."""
    if np.ndim(signal) != 1 or np.shape(signal) != np.shape(reference):
        return None
    sig, ref = _without_background(signal, reference, params, background)
    span = reference_span(ref, params)
    ratio = None if span is None else ratio_in_span(sig, span)
    if span is None or ratio is None:
        return None
    whole = np.full(sig.size, np.nan)
    whole[span.first : span.last] = ratio
    return whole


class ReferenceAccumulator:
    """Running mean of the last ``length`` reference (no X-ray) profiles.

    Every profile in the window has equal weight (a plain mean, not an exponential one), so the
    reference follows a drifting spectrum with a delay of ``length / 2`` references. A profile
    whose size differs from the held ones (the ROI changed) starts a new average with it.
    State is per instance; keep one per camera and ROI.
    """

    def __init__(self, length: int = 16) -> None:
        self._length = _reference_length(length)
        self._buffer: FloatArray | None = None
        self._sum: FloatArray | None = None
        self._mean: FloatArray | None = None
        self._count = 0
        self._next = 0

    @property
    def length(self) -> int:
        """How many of the latest profiles are averaged."""
        return self._length

    @property
    def count(self) -> int:
        """How many profiles the average holds now (at most ``length``)."""
        return self._count

    @property
    def mean(self) -> FloatArray | None:
        """The mean of the held profiles, or ``None`` if none is held.

        A read-only array that is never changed: every :meth:`add` makes a new one, so its
        identity tells whether the reference changed. Safe to read from another thread."""
        return self._mean

    @property
    def reference(self) -> FloatArray | None:
        """The mean of the held profiles (a new, writable array), or ``None`` if none is held.

        Safe to call from another thread (a live view) while profiles are added."""
        mean = self._mean
        return None if mean is None else mean.copy()

    def reset(self) -> None:
        """Forget all profiles."""
        self._buffer = None
        self._sum = None
        self._mean = None
        self._count = 0
        self._next = 0

    def resize(self, length: int) -> None:
        """Average the last ``length`` profiles from now on, keeping the newest held ones."""
        length = _reference_length(length)
        held = self._held()
        self._length = length
        self.reset()
        for profile in held[-length:]:
            self.add(profile)

    def add(self, profile: npt.ArrayLike) -> bool:
        """Add one 1-D reference profile; the oldest drops out once ``length`` are held.

        A profile with a non-finite value (NaN, inf) is not added: returns False.
        """
        values = _as_profile("reference", profile)
        if not np.isfinite(values).all():
            return False
        buffer, total = self._buffer, self._sum
        if buffer is None or total is None or buffer.shape[1] != values.size:
            self.reset()
            buffer = self._buffer = np.empty((self._length, values.size))
            total = self._sum = np.zeros(values.size)
        slot = self._next
        if self._count == self._length:
            total -= buffer[slot]
        else:
            self._count += 1
        buffer[slot] = values
        total += values
        self._next = (slot + 1) % self._length
        if self._next == 0:
            # Once per cycle, recompute the sum so that rounding errors cannot pile up.
            total = self._sum = buffer[: self._count].sum(axis=0)
        mean = total / self._count
        mean.setflags(write=False)
        self._mean = mean
        return True

    def _held(self) -> list[FloatArray]:
        """The held profiles, oldest first."""
        if self._buffer is None:
            return []
        order = np.arange(self._next - self._count, self._next) % self._length
        return [self._buffer[i].copy() for i in order]


def _reference_length(length: object) -> int:
    try:
        return REFERENCE_LENGTH.check(length)
    except PydanticCustomError as exc:
        raise _invalid("reference_length", length, exc.message()) from None


def arrival_time(position: float, calibration: Sequence[float] | None) -> float:
    """Arrival time in fs of an edge at ``position`` px, by a calibration polynomial.

    ``calibration`` holds the coefficients lowest order first: ``[c0, c1, c2]`` means
    ``c0 + c1 * position + c2 * position**2``. NaN if there is no calibration or no position.
    """
    if not calibration or not math.isfinite(position):
        return math.nan
    result = 0.0
    for coefficient in reversed(calibration):
        result = result * position + float(coefficient)
    return result
