"""The learned-noise edge search over a stream of shots: the state one service keeps for it.

:mod:`.noise_model` finds an edge against a noise model; this module keeps what the model is
learned from and when it is renewed:

* the **pedestal**: the mean of the last :data:`BACKGROUNDS` background profiles (already on
  the signal rows' scale), subtracted from every signal profile;
* the **reference**: the mean of the last ``reference_length`` pedestal-free reference shots;
* the **reference ratios**: each reference shot's :func:`.noise_model.reference_ratio` to the
  reference before it joined (none from a near-dark shot: :data:`DIM_REFERENCE`), the last
  :data:`RATIOS` of them;
* the **model**, learned from the ratios when their count reaches 4, 8, 16, 32, 64, 128 and 256,
  then every :data:`REBUILD_EVERY` references (from the last :data:`RATIOS` ratios).

A model build takes tens of milliseconds, so all but the first run off the processing loop
(``submit``, e.g. a one-thread executor) and are installed :data:`INSTALL_AFTER` references
after they were started, waiting for the build if it is not done. What model an X-ray shot
sees is therefore a function of the shots alone, not of timing: runs are reproducible.
The first model is built at once, on the loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .matched_filter import DEFAULT_MAX_DEPTH, EdgeResult, ReferenceAccumulator
from .noise_model import (
    ModelParams,
    NoiseModel,
    find_gls_edge,
    learn_noise_model,
    ratio_and_brightness,
    relative_light,
    usable_pixels,
)

__all__ = [
    "BACKGROUNDS",
    "CONFIDENT_LOCALISATION",
    "CONFIDENT_RATIOS",
    "CONFIDENT_RUNNER_UP",
    "CONFIDENT_Z",
    "INSTALL_AFTER",
    "MAX_LENGTH",
    "OUTLINE_EVERY",
    "RATIOS",
    "REBUILD_EVERY",
    "LearnedEdgeFinder",
    "ModelSubmitter",
    "is_confident",
]

F64 = npt.NDArray[np.float64]

MAX_LENGTH = 8192
"""Longest signal profile (px) the learned method takes; a longer one is left to the
matched filter (learning a model of 8,192 px takes about 300 MB at its peak and 0.2-1 s:
tracemalloc, 256 ratios, 24 components, 64 fine cosines; 250 MB with 128 ratios)."""
BACKGROUNDS = 64
"""Background profiles averaged into the pedestal."""
RATIOS = 256
"""Reference ratios a model is learned from (128 until 2026-11-29: with 256 the learned
covariance is closer to the true one: fewer shots off on 28 of the benchmark family's 37
members)."""
REBUILD_EVERY = 256
"""References between model builds once :data:`RATIOS` ratios are held (a build takes about
25 ms at 1,024 px: every 256 references it costs about 0.05 ms per frame when references and
X-ray shots alternate)."""
DIM_REFERENCE = 0.25
"""A reference shot with less than this fraction of the reference's light (a near-dark shot, an
empty frame) gives no ratio to learn from: its ratio's noise is that of its own light, at
least 4 times the model's in variance, and two near-dark references among 128 halved the z of
real edges (with 256 ratios, chirped_sase_probe put a tenth of its shots off at 5 % depth
instead of 4 % while such a model was in use). It still joins the reference's mean (where it
only dims it, which the ratio's normalisation takes out). A ratio's size is no guide: a real
state of the spectrum seen on a few per cent of the shots makes ratios as large, and the model
must learn it."""
INSTALL_AFTER = 4
"""References after a build's start at which its model is put to use."""
_FIRST_BUILDS = tuple(2**k for k in range(2, RATIOS.bit_length()))
"""Ratio counts at which a model is built while the first ratios come in: 4, 8, ... up to
:data:`RATIOS`."""

CONFIDENT_Z = 6.0
"""A confident edge has at least this ``z`` (:func:`is_confident`)."""
CONFIDENT_RUNNER_UP = 2.0
"""... at least this ``runner_up_ratio`` ..."""
CONFIDENT_LOCALISATION = 4.0
"""... and at least this ``localisation``: it fits where it was found better by this ``z``
than anywhere more than 10 px away (since 2026-11-30; without it, shots whose best position
was 10-30 px beside the true edge, a wide or misshapen edge whose neighbours fit almost as
well, were confident: on the benchmark family at 5 % depth over 0.3 % of the confident shots
were off by more than 10 px in 10 of 52 members, with it in 4)."""
CONFIDENT_RATIOS = 64
"""... found with a model learned from at least this many reference ratios (the first with the
fine modulations, ``noise_model._FINE_RATIOS``): a younger model does not know the noise well
enough (since 2026-11-30: on the benchmark family it made 1.45 % of no-edge shots confident
against 0.22 % for a model from 64 ratios and 0.10 % from 128-256; of the confident X-ray shots
off by more than 10 px at 10 % and 20 % depth, 9 of 22 and 12 of 15 came from such models). The
first references after every start of learning give no confident shot."""


def is_confident(
    z: float, runner_up_ratio: float, localisation: float, references_used: int
) -> bool:
    """The confidence rule: an edge whose position can be trusted for a time-sorted scan
    (:data:`CONFIDENT_Z`, :data:`CONFIDENT_RUNNER_UP`, :data:`CONFIDENT_LOCALISATION`,
    :data:`CONFIDENT_RATIOS`: ``references_used``, the ratios the model was learned from; False
    if any is NaN)."""
    return (
        z >= CONFIDENT_Z
        and runner_up_ratio >= CONFIDENT_RUNNER_UP
        and localisation >= CONFIDENT_LOCALISATION
        and references_used >= CONFIDENT_RATIOS
    )


_DERIVATIVE_FWHM_PER_10_90 = 2.0 * math.sqrt(2.0 * math.log(2.0)) / 2.5631031310892007
"""FWHM of an error-function step's derivative, per 10-90 % width of the step (0.919)."""

ModelJob = Callable[[], NoiseModel | None]
ModelSubmitter = Callable[[ModelJob], "Future[NoiseModel | None]"]
"""Runs a model build elsewhere (e.g. ``ThreadPoolExecutor.submit``)."""


def _now(job: ModelJob) -> Future[NoiseModel | None]:
    future: Future[NoiseModel | None] = Future()
    try:
        future.set_result(job())
    except Exception as exc:
        future.set_exception(exc)
    return future


OUTLINE_EVERY = 16
"""References between renewals of the reference's darkest columns (where the shot's dark level
is measured) and of its peak (:func:`.noise_model.usable_pixels`): they move slowly, and
finding them costs a partition of the profile (about 8 us each at 1,000 px)."""


@dataclass(frozen=True, slots=True)
class _Outline:
    made_at: int
    """The reference count when it was made."""
    dark: npt.NDArray[np.intp]
    peak: float


@dataclass(frozen=True, slots=True)
class _Pending:
    future: Future[NoiseModel | None]
    install_at: int
    """The reference count at which the model is put to use."""


class LearnedEdgeFinder:
    """Pedestal, reference, reference ratios and noise model of one service's signal ROI.

    Only the processing loop calls it. ``submit`` runs model builds (default: at once)."""

    def __init__(self, submit: ModelSubmitter | None = None, params: ModelParams | None = None):
        self._submit: ModelSubmitter = submit or _now
        self._params = params or ModelParams()
        self._backgrounds = ReferenceAccumulator(BACKGROUNDS)
        self._references = ReferenceAccumulator(16)
        self._ratios: F64 | None = None
        self._ratio_count = 0
        self._next_ratio = 0
        self._ratios_seen = 0
        self._reference_count = 0
        self._model: NoiseModel | None = None
        self._pending: _Pending | None = None
        self._failures = 0
        self._light: F64 | None = None
        self._light_of: tuple[NoiseModel, F64] | None = None
        """The model and reference :attr:`_light` was made for."""
        self._outline: _Outline | None = None

    @property
    def model(self) -> NoiseModel | None:
        """The model in use (None until the first is learned)."""
        return self._model

    @property
    def reference(self) -> F64 | None:
        """The pedestal-free reference (read-only)."""
        return self._references.mean

    @property
    def pedestal(self) -> F64 | None:
        """The mean of the recent background profiles subtracted as the pedestal (read-only)."""
        return self._backgrounds.mean

    @property
    def failed_builds(self) -> int:
        """Model builds that raised (the model before them stayed in use)."""
        return self._failures

    def reset(self) -> None:
        """Forget everything learned (the signal ROI changed)."""
        self._backgrounds.reset()
        self._references.reset()
        self._ratios = None
        self._ratio_count = self._next_ratio = self._ratios_seen = self._reference_count = 0
        self._model = None
        self._pending = None
        self._light_of = None
        self._outline = None

    def _add_background(self, signal: F64, background: F64 | None) -> None:
        # a profile with a NaN or inf pixel (a float camera's bad pixel) would poison the
        # pedestal, and through it the reference and the model, for 64 frames: not kept
        if background is None or not background.size or not np.isfinite(background).all():
            return
        if background.size != signal.size:  # a background ROI of another width: its mean
            background = np.full(signal.size, float(np.mean(background)))
        self._backgrounds.add(background)

    def _pedestal_free(self, signal: F64, background: F64 | None) -> F64:
        if background is None:
            return signal
        self._add_background(signal, background)
        pedestal = self._backgrounds.mean
        if pedestal is None:
            return signal
        shift = level_shift(background, pedestal, self._dark_columns(background.size))
        return np.asarray(signal - pedestal - shift, dtype=np.float64)

    def _dark_columns(self, size: int) -> npt.NDArray[np.intp] | None:
        """The quarter of the columns where the reference has the least light (None before a
        reference of this width): where :func:`level_shift` is measured."""
        reference = self._references.mean
        if reference is None or reference.size != size:
            return None
        return self._outline_of(reference).dark

    def _outline_of(self, reference: F64) -> _Outline:
        """The reference's darkest columns and peak, renewed every :data:`OUTLINE_EVERY`
        references."""
        outline = self._outline
        count = max(reference.size // 4, 1)
        if (
            outline is None
            or outline.dark.size != count
            or self._reference_count - outline.made_at >= OUTLINE_EVERY
        ):
            dark = np.argpartition(reference, count - 1)[:count]
            peak = usable_pixels(reference, self._params.usable_fraction)[1]
            outline = self._outline = _Outline(self._reference_count, dark, peak)
        return outline

    def add_reference(self, signal: F64, background: F64 | None, reference_length: int) -> None:
        """A reference shot: its ratio to the reference, then it joins the reference."""
        if signal.size > MAX_LENGTH or not np.isfinite(signal).all():
            return
        if self._references.length != reference_length:
            self._references.resize(reference_length)
        clean = self._pedestal_free(signal, background)
        mean = self._references.mean
        if mean is not None and mean.size != clean.size:
            self.reset()
            clean = self._pedestal_free(signal, background)
            mean = None
        if mean is not None:
            # the peak of a while ago (it moves slowly), the pixels of this reference (a
            # drifting spectrum's: with the usable pixels of 16 references ago,
            # narrowband_fast_drift put 35.5 % of its shots off at 5 % depth instead of 31)
            peak = self._outline_of(mean).peak
            usable = usable_pixels(mean, self._params.usable_fraction, peak)[0]
            ratio, brightness = ratio_and_brightness(clean, mean, usable)
            if brightness >= DIM_REFERENCE:
                self._add_ratio(ratio)
        self._references.add(clean)
        self._reference_count += 1
        self._renew_model()

    def _add_ratio(self, ratio: F64) -> None:
        ratios = self._ratios
        if ratios is None or ratios.shape[1] != ratio.size:
            ratios = self._ratios = np.empty((RATIOS, ratio.size))
            self._ratio_count = self._next_ratio = 0
        ratios[self._next_ratio] = ratio
        self._next_ratio = (self._next_ratio + 1) % RATIOS
        self._ratio_count = min(self._ratio_count + 1, RATIOS)
        self._ratios_seen += 1

    def _renew_model(self) -> None:
        pending = self._pending
        if pending is not None and self._reference_count >= pending.install_at:
            self._pending = None
            try:
                model = pending.future.result()
            except Exception:
                self._failures += 1
            else:
                if model is not None:
                    self._model = model
        count, seen = self._ratio_count, self._ratios_seen
        due = seen in _FIRST_BUILDS or (seen > RATIOS and seen % REBUILD_EVERY == 0)
        if not due or self._pending is not None or self._ratios is None:
            return
        mean = self._references.mean
        if mean is None:
            return
        # oldest first (the model's cross-validation takes blocks of consecutive shots)
        rows = np.roll(self._ratios[:count], -self._next_ratio if count == RATIOS else 0, axis=0)
        params = self._params

        def build() -> NoiseModel | None:
            return learn_noise_model(mean, rows, params)

        if self._model is None:  # nothing to find edges with yet: learn it now
            try:
                self._model = build()
            except Exception:
                self._failures += 1
            return
        self._pending = _Pending(self._submit(build), self._reference_count + INSTALL_AFTER)

    def find(
        self,
        signal: F64,
        background: F64 | None,
        sign: float,
        min_z: float,
        max_depth: float = DEFAULT_MAX_DEPTH,
    ) -> EdgeResult | None:
        """The edge of an X-ray shot, or None while no model is learned (or the shot's
        profile does not fit it): the caller falls back to another method. ``max_depth``:
        a larger change of the light is the spectrum's own (``EdgeParams.max_depth``)."""
        model = self._model
        reference = self._references.mean
        if model is None or reference is None or reference.size != signal.size:
            if signal.size <= MAX_LENGTH:
                self._add_background(signal, background)
            return None
        clean = self._pedestal_free(signal, background)
        ratio, alpha = ratio_and_brightness(clean, reference, model.usable)
        made_for = self._light_of
        if made_for is None or made_for[0] is not model or made_for[1] is not reference:
            # a new model or reference (every reference's mean is a new array)
            self._light_of, self._light = (model, reference), relative_light(model, reference)
        max_step = -math.log1p(-max_depth)
        edge = find_gls_edge(model, ratio, sign, alpha, self._light, max_step=max_step)
        found = edge.z >= min_z and math.isfinite(edge.position)
        depth = sign * math.expm1(edge.amplitude) if math.isfinite(edge.amplitude) else math.nan
        return EdgeResult(
            position=edge.position if found else math.nan,
            amplitude=depth,
            fwhm=edge.width * _DERIVATIVE_FWHM_PER_10_90,
            found=found,
            width=edge.width,
            z=edge.z,
            runner_up_ratio=edge.runner_up_ratio,
            localisation=edge.localisation,
            confident=found
            and is_confident(
                edge.z, edge.runner_up_ratio, edge.localisation, model.references_used
            ),
        )


def level_shift(
    background: F64, pedestal: F64, columns: npt.NDArray[np.intp] | None = None
) -> float:
    """How far the shot's own background ROI profile lies above the pedestal (the mean of the
    recent ones): a whole-frame dark-level jump (a pulsed magnet's pickup, a bias that follows
    the frame rate) that the mean of 64 frames does not follow. The median over ``columns``
    (all if None; the service passes the quarter where the reference is darkest) of their
    difference (the upper one of an even count): the median, so that a hot or flickering column
    or a cosmic ray's hit in the background rows moves it little; the darkest columns, so that
    light reaching the background rows (a halo of the band, shaped like the spectrum, where a
    pickup is flat) is not taken for a dark level. A background ROI of another width: the
    median of its profile less the pedestal's mean. Columns that are not finite say nothing;
    0 if none is left."""
    if not (background.size and pedestal.size):
        return 0.0
    if background.size != pedestal.size:  # a background ROI of another width
        difference = np.subtract(background, float(np.mean(pedestal)))
    elif columns is None:
        difference = np.subtract(background, pedestal)
    else:
        difference = np.subtract(background[columns], pedestal[columns])
    if not np.isfinite(difference).all():  # masked or unread columns
        difference = difference[np.isfinite(difference)]
        if not difference.size:
            return 0.0
    middle = difference.size // 2
    difference.partition(middle)  # in place: a fifth of np.median's cost at 1,000 px
    return float(difference[middle])
