"""The confidence rule (``edge_confident``): a shot is confident only where its edge's
position is pinned, not only where an edge is plainly there (``edge_localisation``)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from psen_processing.core.edge_tracking import EdgeDetectionSettings, EdgeTracker
from psen_processing.core.learned_edge import (
    CONFIDENT_LOCALISATION,
    CONFIDENT_RATIOS,
    LearnedEdgeFinder,
    is_confident,
)
from psen_processing.core.matched_filter import EdgeParams, EdgeResult
from psen_processing.core.noise_model import (
    GlsEdge,
    NoiseModel,
    _step,
    find_gls_edge,
    reference_ratio,
)
from psen_processing.core.roi import Roi

from .test_noise_model import _model_from, _shot, _spectrum

F64 = npt.NDArray[np.float64]

N = 600


def learned_model() -> tuple[NoiseModel, F64, F64]:
    """A model from 128 references of a 600 px spectrum, their mean and the clean spectrum."""
    rng = np.random.default_rng(3)
    clean = _spectrum(N, rng)
    model, mean = _model_from([_shot(clean, rng) for _ in range(128)])
    assert model is not None
    return model, mean, clean


@pytest.fixture(scope="module")
def learned() -> tuple[NoiseModel, F64, F64]:
    return learned_model()


def _ramp_shot(
    clean: F64, rng: np.random.Generator, centre: float, length: float, depth: float
) -> F64:
    """A shot whose light falls by ``depth`` along a straight ramp ``length`` px long centred
    at ``centre`` (0 for a sharp step), under a jittering 37 px ripple, with photon noise."""
    i = np.arange(clean.size, dtype=np.float64)
    ripple = 1 + rng.uniform(0.01, 0.04) * np.sin(2 * np.pi * i / 37 + rng.uniform(0, 2 * np.pi))
    shape = clean * ripple * rng.uniform(0.7, 1.3)
    if length > 0:
        fallen = np.clip((i - (centre - length / 2)) / length, 0.0, 1.0)
    else:
        fallen = (i >= centre).astype(np.float64)
    return np.asarray(rng.poisson(shape * (1 - depth * fallen)), dtype=np.float64)


def _edges(
    learned: tuple[NoiseModel, F64, F64], length: float, depth: float
) -> list[tuple[GlsEdge, float]]:
    model, mean, clean = learned
    rng = np.random.default_rng(11)
    out = []
    for _ in range(200):
        centre = float(rng.uniform(200, 400))
        shot = _ramp_shot(clean, rng, centre, length, depth)
        out.append((find_gls_edge(model, reference_ratio(shot, mean, model.usable), -1.0), centre))
    return out


def test_an_edge_whose_position_is_not_pinned_is_not_confident(
    learned: tuple[NoiseModel, F64, F64],
) -> None:
    """A faint fall spread over 64 px: plainly there (z >= 6, nothing else near as good) but
    where along the ramp is not pinned; by z and the runner-up alone (the rule until
    2026-11-30) a tenth of the shots called confident were off by more than 10 px."""
    edges = _edges(learned, 64.0, 0.015)
    off = [abs(edge.position - centre) > 10 for edge, centre in edges]
    by_z_alone = [edge.z >= 6 and edge.runner_up_ratio >= 2 for edge, _ in edges]
    model = learned[0]
    confident = [
        is_confident(e.z, e.runner_up_ratio, e.localisation, model.references_used)
        for e, _ in edges
    ]
    assert sum(o and c for o, c in zip(off, by_z_alone, strict=True)) >= 10  # the test's power
    assert not any(o and c for o, c in zip(off, confident, strict=True))
    assert all(e.localisation < CONFIDENT_LOCALISATION for e, _ in edges if e.z < 12)


def test_a_sharp_edge_is_confident_and_pinned(learned: tuple[NoiseModel, F64, F64]) -> None:
    edges = _edges(learned, 0.0, 0.03)
    for edge, centre in edges:
        assert abs(edge.position - centre) <= 5
        assert is_confident(
            edge.z, edge.runner_up_ratio, edge.localisation, learned[0].references_used
        )
        assert edge.localisation <= edge.z


def test_localisation_is_the_z_gained_over_the_best_position_beyond_10_px(
    learned: tuple[NoiseModel, F64, F64],
) -> None:
    """``localisation**2 = z**2 - z_far**2``, ``z_far`` the best ``z`` of any width more than
    10 px from the best one: here every template's GLS ``z`` is computed one by one
    (``t^T Sigma^-1 x / sqrt(t^T Sigma^-1 t)``), not by the search's FFT."""
    model, mean, clean = learned
    rng = np.random.default_rng(5)
    shot = _ramp_shot(clean, rng, 300.0, 40.0, 0.02)
    ratio = reference_ratio(shot, mean, model.usable)
    edge = find_gls_edge(model, ratio, -1.0)
    whitened = model.whiten(ratio)
    first, stop = model.span
    z = np.full((len(model.kernels.widths), N), -np.inf)
    for row in range(z.shape[0]):
        for q in range(first, stop):
            template = _step(model, row, q, N)
            inverse_t = model.whiten(template)
            z[row, q] = -float(template @ whitened) / math.sqrt(float(template @ inverse_t))
    best = int(np.argmax(z.max(axis=0)))
    profile = z.max(axis=0)
    far = max(float(profile[: best - 10].max()), float(profile[best + 11 :].max()), 0.0)
    assert edge.z == pytest.approx(float(z.max()), rel=1e-6)
    assert edge.localisation == pytest.approx(math.sqrt(edge.z**2 - far**2), rel=1e-6)
    assert 0 < edge.localisation < edge.z


def _sharp_shots(
    finder: LearnedEdgeFinder, clean: F64, rng: np.random.Generator
) -> list[EdgeResult]:
    out = []
    for _ in range(20):
        shot = _ramp_shot(clean, rng, float(rng.uniform(200, 400)), 0.0, 0.03)
        result = finder.find(shot, None, -1.0, 4.0)
        assert result is not None
        out.append(result)
    return out


def test_a_young_model_calls_no_shot_confident_a_grown_one_does() -> None:
    """Before the model is learned from :data:`CONFIDENT_RATIOS` reference ratios no shot is
    confident, however plain its edge; from then on the finder reports the rule."""
    rng = np.random.default_rng(2)
    clean = _spectrum(N, rng)
    finder = LearnedEdgeFinder()
    for _ in range(40):
        finder.add_reference(_shot(clean, rng), None, 16)
    assert finder.model is not None and finder.model.references_used < CONFIDENT_RATIOS
    young = _sharp_shots(finder, clean, rng)
    assert all(r.found and r.z >= 6 and r.localisation >= 4 for r in young)
    assert not any(r.confident for r in young)
    for _ in range(CONFIDENT_RATIOS + 8):
        finder.add_reference(_shot(clean, rng), None, 16)
    model = finder.model
    assert model is not None and model.references_used >= CONFIDENT_RATIOS
    grown = _sharp_shots(finder, clean, rng)
    for r in grown:
        rule = is_confident(r.z, r.runner_up_ratio, r.localisation, model.references_used)
        assert r.confident == (r.found and rule)
    assert sum(r.confident for r in grown) >= 18


def test_the_matched_filter_and_the_learned_methods_fallback_are_never_confident() -> None:
    rng = np.random.default_rng(4)
    clean = _spectrum(N, rng)
    roi = Roi(0, N, 0, 1)
    for params in (EdgeParams(), EdgeParams(method="learned")):
        tracker = EdgeTracker()
        settings = EdgeDetectionSettings(enabled=True, reference_length=4, params=params)
        found = 0
        for pulse_id in range(1, 9):  # too few references for a model: the fallback answers
            xray = pulse_id % 2 == 0
            profile = _ramp_shot(clean, rng, 300.0, 0.0, 0.3 if xray else 0.0)
            timing = tracker.update(
                settings,
                roi_signal=roi,
                pulse_id=pulse_id,
                lookup=lambda _: None,
                signal=profile,
                background=None,
            )
            assert not timing.edge.confident and math.isnan(timing.edge.localisation)
            found += timing.edge.found
        assert found >= 3  # the edges were found, by the matched filter
