"""Steps too large for an X-ray edge (``max_depth``) taken out of a shot's ratio before the
edge is looked for. Written by a review of the first version (cbcf637: the best candidate of
the searched sign alone, taken out by its own amplitude, up to 3 times, from the numerators
only); every test here failed there, and each names what it shows."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import numpy.typing as npt
import pytest

from psen_processing.core.noise_model import (
    GlsEdge,
    NoiseModel,
    find_gls_edge,
    ratio_and_brightness,
)

from .test_noise_model import _model_from, _shot, _spectrum

F64 = npt.NDArray[np.float64]
PIXELS = np.arange(1024.0)
MAX_STEP = math.log(2.0)  # the default max_depth 0.5


def _erf_step(at: float, width: float, factor: float) -> F64:
    """The light times ``factor`` after ``at``: an erf step (10-90 % ``width``) in the log."""
    sigma = width / 2.5631
    cdf = 0.5 * (1 + np.vectorize(math.erf)((PIXELS - at) / (sigma * math.sqrt(2))))
    return np.asarray(np.exp(math.log(factor) * cdf))


@cache
def _gaussian() -> tuple[F64, NoiseModel, F64]:
    rng = np.random.default_rng(11)
    clean = _spectrum(1024, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(64)])
    assert model is not None
    return clean, model, mean


def _flat(shift: float) -> F64:
    """A flat top with steep (15 px) sides at 200 and 820 (+ ``shift``), wings at 2 %."""
    sigma = 15.0 / 2.5631
    erf = np.vectorize(math.erf)
    up = 0.5 * (1 + erf((PIXELS - 200 - shift) / (sigma * math.sqrt(2))))
    down = 0.5 * (1 - erf((PIXELS - 820 - shift) / (sigma * math.sqrt(2))))
    return np.asarray(20_000.0 * (0.02 + 0.98 * up * down))


@cache
def _flat_model() -> tuple[NoiseModel, F64]:
    rng = np.random.default_rng(2)
    model, mean = _model_from([_shot(_flat(0.0), rng) for _ in range(64)])
    assert model is not None
    return model, mean


def _find(model: NoiseModel, mean: F64, shot: F64, sign: float = -1.0) -> GlsEdge:
    ratio, alpha = ratio_and_brightness(shot, mean, model.usable)
    return find_gls_edge(model, ratio, sign, alpha)


def _confident(edge: GlsEdge) -> bool:
    return bool(edge.z >= 6 and edge.runner_up_ratio >= 2)


@pytest.mark.parametrize("drop_at", [450.0, 750.0])
def test_a_sharp_edge_keeps_its_sub_pixel_position_beside_a_taken_out_step(
    drop_at: float,
) -> None:
    """A 20 %, 2 px edge at 600-600.875 with the light dropping to a quarter 150 px away. The
    drop is taken out of the numerators but not of ``whitened``, which ``_fine_offset`` (the
    sub-pixel search of widths 2 and 3) reads: the drop's whole tail is added to every shift's
    numerator and pins the offset. At cbcf637: RMS 1.15 px (450) / 0.93 px (750), the error
    falling linearly with the true sub-pixel position (the estimate stuck); without the drop
    0.063 px; with the drop also taken out of ``whitened``, 0.11-0.17 px."""
    clean, model, mean = _gaussian()
    errors = []
    for s in range(16):
        position = 600.0 + (s % 8) / 8
        shot = _shot(clean * _erf_step(drop_at, 5.0, 0.25), np.random.default_rng(s),
                     (position, 2.0, 0.2))  # fmt: skip
        errors.append(_find(model, mean, shot).position - position)
    rms = float(np.sqrt(np.mean(np.square(errors))))
    assert rms < 0.3, (rms, np.round(errors, 2))


@pytest.mark.parametrize(("shift", "sign"), [(20.0, -1.0), (40.0, -1.0), (-10.0, 1.0)])
def test_a_moved_flat_top_does_not_hide_a_real_edge(shift: float, sign: float) -> None:
    """The case the change is for: a steep side of the spectrum that moved. A flat top whose
    sides moved by ``shift`` px gives steps of both signs (a dip at one side, a bump at the
    other); only the best candidate *of the searched sign* is checked against the bound, so
    when the huge steps are of the other sign nothing is taken out, and through the model's
    smooth modulations they raise a false edge of the searched sign elsewhere. At cbcf637 a
    real 10 % edge at 500 was within 3 px in 0 of 10 shots in each case (shift -10 rising: 7
    of 10 confident and wrong); taking out huge steps of either sign (argmax of ``|z|`` in
    the loop, the signed best after it): 10 of 10 in every case, none confident and wrong."""
    model, mean = _flat_model()
    good = confident_wrong = 0
    for s in range(10):
        rng = np.random.default_rng(100 + s)
        light = _flat(shift)
        if sign > 0:
            shot = _shot(light * np.where(PIXELS > 500, 1.1, 1.0), rng)
        else:
            shot = _shot(light, rng, (500.0, 10.0, 0.1))
        edge = _find(model, mean, shot, sign)
        ok = abs(edge.position - 500.0) < 3
        good += ok
        confident_wrong += _confident(edge) and not ok
    assert good >= 9 and confident_wrong == 0, (good, confident_wrong)


def test_a_step_still_too_large_after_the_last_take_out_is_not_a_confident_edge() -> None:
    """Four drops to a quarter (200, 300, 400, 500) and a real 10 % edge at 550: after the
    third take-out the candidate is reported without being checked against the bound. At
    cbcf637: 20 of 20 shots report the drop at 199 with a fitted depth of 55 % (|A| 0.81 >
    log 2), confident (z 146, runner-up ratio 2.2). A setting documented as "the deepest edge
    the learned method takes for one" should never be exceeded by a reported edge: after the
    last take-out, a candidate still over the bound is no edge (z 0 / NaN)."""
    clean, model, mean = _gaussian()
    drops = _erf_step(200, 5, 0.25) * _erf_step(300, 5, 0.25) * _erf_step(400, 5, 0.25)
    drops = drops * _erf_step(500, 5, 0.25)
    bad = []
    for s in range(10):
        edge = _find(model, mean, _shot(clean * drops, np.random.default_rng(s),
                                        (550.0, 10.0, 0.1)))  # fmt: skip
        if edge.z >= 4 and abs(edge.amplitude) > MAX_STEP:
            bad.append((round(edge.position, 1), round(edge.z, 1), round(edge.amplitude, 2)))
    assert not bad, bad


def test_two_huge_drops_leave_no_confident_false_edge() -> None:
    """Two drops to a third 100 px apart (300, 400), no edge. Greedy take-out without refit:
    the first take-out is a 40 px template at 315 fitting both at once (A -1.57), the second
    the drop at 401 at what that left (-0.79); what is left then is a false edge at ~565 (z
    ~107, A -0.17). At cbcf637: confident in 3 of 5 shots (ratio 2.2-3.1). Refitting the
    taken-out steps jointly (their cross terms are the arrays _of_step already computes)
    would remove what they account for together."""
    clean, model, mean = _gaussian()
    drops = _erf_step(300, 5, 1 / 3) * _erf_step(400, 5, 1 / 3)
    found = [_find(model, mean, _shot(clean * drops, np.random.default_rng(s))) for s in range(5)]
    confident = [(round(e.position, 1), round(e.z, 1), round(e.runner_up_ratio, 2))
                 for e in found if _confident(e)]  # fmt: skip
    assert not confident, confident


def test_a_wide_real_edge_beside_a_huge_drop_is_not_confidently_off() -> None:
    """A 10 %, 25 px edge at 600 and the light dropping to a quarter 20 px after it: the
    drop's take-out (its amplitude fitted with part of the real edge in it) leaves the edge
    12 px off on average, every shot confident (z ~22, ratio ~6.8) at cbcf637; with the drop
    100 px away the error is -3.4 px. Control first: the same edge alone."""
    clean, model, mean = _gaussian()
    alone = [
        _find(model, mean, _shot(clean, np.random.default_rng(s), (600.0, 25.0, 0.1))).position
        for s in range(10)
    ]
    assert abs(float(np.mean(alone)) - 600.0) < 5, alone
    off = []
    for s in range(10):
        shot = _shot(clean * _erf_step(620, 5, 0.25), np.random.default_rng(s),
                     (600.0, 25.0, 0.1))  # fmt: skip
        edge = _find(model, mean, shot)
        if _confident(edge) and abs(edge.position - 600.0) > 10:
            off.append(round(edge.position, 1))
    assert not off, off


@pytest.mark.xfail(
    strict=True,
    reason="open: a real edge deeper than max_depth is taken out as the spectrum's own, and "
    "what its template misfit leaves is reported beside it (raise max_depth for such edges)",
)
def test_a_real_edge_deeper_than_max_depth_gives_an_honest_no_edge() -> None:
    """A real 90 % edge (deeper than the default max_depth) is taken out as the spectrum's
    own; what its template misfit leaves is reported: at cbcf637 z >= 4 (an edge position
    reported) in 40 of 40 shots, median 10.6 px from the true edge, a depth of ~1 % (z
    median 8.4, max 13.7; a few confident). The answer should be no edge (z < min_z) or the
    edge itself, not a position beside it."""
    clean, model, mean = _gaussian()
    rng = np.random.default_rng(21)
    wrong = []
    for _ in range(20):
        position = float(rng.uniform(300, 700))
        width = float(rng.choice([3.0, 10.0, 25.0]))
        edge = _find(model, mean, _shot(clean, rng, (position, width, 0.9)))
        if edge.z >= 4 and abs(edge.position - position) > 3:
            wrong.append((round(position), width, round(edge.position, 1), round(edge.z, 1)))
    assert len(wrong) <= 2, wrong
