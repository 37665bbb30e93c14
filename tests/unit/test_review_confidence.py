"""Written by a review of the confidence rule (``edge_localisation``, ``edge_confident``,
f7d7cec): what README documents against what the service computes, and the bounds of
``localisation``. On f7d7cec (and 24ceccf) the first and the last test failed (README's account
of the rule); the parametrised one passes and is kept as a pin of every branch of
``find_gls_edge``. README now states the rule whole (the first passes) and the cost to sharp
edges (the last is a strict xfail: a chosen cost)."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest

from psen_processing.core.learned_edge import LearnedEdgeFinder
from psen_processing.core.noise_model import (
    NoiseModel,
    find_gls_edge,
    reference_ratio,
    relative_light,
)

from .test_edge_confidence import learned_model
from .test_noise_model import _shot, _spectrum

F64 = npt.NDArray[np.float64]

N = 600


def _readme_rule(
    position: float, z: float, runner_up_ratio: float, localisation: float, ratios: int
) -> bool:
    """README, "Edge detection and arrival time", **Confidence** (as fixed after this review):
    confident when an edge is reported (``edge_position`` not NaN: ``edge_z >= min_z``),
    ``edge_z >= 6``, ``edge_runner_up_ratio >= 2`` and ``edge_localisation >= 4``, with a
    model learned from at least 64 reference ratios."""
    return (
        math.isfinite(position)
        and z >= 6
        and runner_up_ratio >= 2
        and localisation >= 4
        and ratios >= 64
    )


def test_the_documented_rule_on_the_sent_channels_is_edge_confident_with_a_higher_min_z() -> None:
    """``min_z`` may be set up to 1000. With ``min_z`` 8, shots of ``edge_z`` 6-8 pass every
    threshold README gives for ``edge_confident``, yet the service sends False (their
    ``edge_position`` is NaN): the rule as documented leaves out ``edge_z >= min_z``. A
    consumer that applies the documented rule to the sent channels (README invites "a rule of
    your own" from them) keeps shots without a position."""
    rng = np.random.default_rng(2)
    clean = _spectrum(N, rng)
    finder = LearnedEdgeFinder()
    for _ in range(100):
        finder.add_reference(_shot(clean, rng), None, 16)
    model = finder.model
    assert model is not None and model.references_used >= 64
    mismatched = []
    between = 0
    for _ in range(20):
        edge = (float(rng.uniform(200, 400)), 3.0, 0.015)
        result = finder.find(_shot(clean, rng, edge), None, -1.0, 8.0)
        assert result is not None
        documented = _readme_rule(
            result.position,
            result.z,
            result.runner_up_ratio,
            result.localisation,
            model.references_used,
        )
        between += 6 <= result.z < 8  # the case README left out: passes 6, not min_z
        if documented != result.confident:
            mismatched.append((result.z, result.runner_up_ratio, result.localisation))
    assert not mismatched, mismatched
    assert between >= 2  # the test's power


@pytest.fixture(scope="module")
def learned() -> tuple[NoiseModel, F64, F64]:
    return learned_model()


@pytest.mark.parametrize("branch", ["bright", "dim", "moved_spectrum", "large_step"])
@pytest.mark.parametrize("where", ["middle", "near_start", "near_end"])
def test_localisation_is_finite_and_between_0_and_z_in_every_branch(
    learned: tuple[NoiseModel, F64, F64], branch: str, where: str
) -> None:
    """Passes (kept as a pin): a dim shot (the ``factor`` and ``_unscaled_best``), a
    reference whose spectrum moved (per-pixel ``light``), a step too large for an edge taken
    out (its reach zeroed), and the edge within 10 px of the usable span's ends."""
    model, mean, clean = learned
    rng = np.random.default_rng(7)
    first, stop = model.span
    position = {"middle": 300.0, "near_start": first + 4.0, "near_end": stop - 5.0}[where]
    reference, light, brightness = mean, None, 1.0
    if branch == "moved_spectrum":
        i = np.arange(N, dtype=np.float64)
        reference = np.mean([_shot(np.interp(i - 60, i, clean), rng) for _ in range(16)], axis=0)
        light = relative_light(model, reference)
        assert light is not None
    for _ in range(10):
        shot = _shot(clean, rng, (position, 3.0, 0.05))
        if branch == "dim":
            brightness = 0.3
            shot = shot * brightness
        if branch == "large_step":
            shot[450:] *= 0.3
        ratio = reference_ratio(shot, reference, model.usable)
        edge = find_gls_edge(model, ratio, -1.0, brightness, light)
        if edge.z > 0:
            assert math.isfinite(edge.localisation)
            assert 0.0 <= edge.localisation <= edge.z


@pytest.mark.xfail(
    strict=True,
    reason="a chosen cost (README, Confidence): the localisation bound of 4 asks a sharp edge "
    "for edge_z of about 6-10, a wide one for more; lower bounds (3, 3.5) left confident "
    "shots over 0.3 % off at 10 % depth on the benchmark family",
)
def test_a_sharp_edge_found_where_it_is_is_not_refused_for_its_localisation(
    learned: tuple[NoiseModel, F64, F64],
) -> None:
    """README: ``edge_localisation`` is "low where the position is not pinned to within 10 px
    (a wide or misshapen edge whose neighbours fit almost as well)", and "the price is paid
    where edges are wide or misshapen at low depth". A sharp 2 px edge found within 2 px of
    where it is, plainly there (``edge_z >= 6``, runner-up ratio >= 2), has a localisation of
    only about 0.4 x ``edge_z`` here (0.6-0.8 on the family members ``dim_wings`` and
    ``noisy_camera``): the templates 11 px beside a sharp step still fit it with about 0.7 of
    its ``z`` without any noise, so the rule acts as ``edge_z >= ~10`` whatever the edge's
    shape. On ``dim_wings`` (sharp 3-8 px edges) at 5 % depth it refuses 111 of the 695 shots
    the old rule passed, 99 of them within 3 px, and catches none off (there were none)."""
    model, mean, clean = learned
    rng = np.random.default_rng(13)
    pinned, refused = 0, []
    for _ in range(100):
        position = float(rng.uniform(150, 450))
        shot = _shot(clean, rng, (position, 2.0, 0.015))
        edge = find_gls_edge(model, reference_ratio(shot, mean, model.usable), -1.0)
        if edge.z >= 6 and edge.runner_up_ratio >= 2 and abs(edge.position - position) <= 2:
            pinned += 1
            if edge.localisation < 4:
                refused.append((round(edge.z, 1), round(edge.localisation, 1)))
    assert pinned >= 80  # the test's power
    assert len(refused) <= 0.1 * pinned, (pinned, refused)
