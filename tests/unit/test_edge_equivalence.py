"""The optimised edge finder and reference average give what the plain method gives.

The oracle (edge_oracle.py) states the method step by step on whole arrays; here it is run
side by side with :func:`find_edge`, :func:`find_edge_in_span`, ``_fit_peak`` and
:class:`ReferenceAccumulator` on many random and synthetic profiles.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psen_processing.core.matched_filter import (
    EdgeParams,
    EdgeResult,
    ReferenceAccumulator,
    _fit_peak,
    find_edge,
    find_edge_in_span,
    reference_span,
)
from psen_processing.errors import InvalidData
from psen_processing.sim.spectrum import SpectrumModel, spectrum

from .edge_oracle import PlainReferences, plain_find_edge, plain_fit_peak

FloatArray = npt.NDArray[np.float64]


# --- the optimised finder against the plain method --------------------------------------------


def assert_same(result: EdgeResult, expected: tuple[float, float, float, bool]) -> None:
    """Equal to within 1e-9 relative (NaN where NaN), and found alike."""
    for got, wanted in zip(
        (result.position, result.amplitude, result.fwhm), expected[:3], strict=True
    ):
        if math.isnan(wanted):
            assert math.isnan(got), (result, expected)
        else:
            assert got == pytest.approx(wanted, rel=1e-9, abs=0.0), (result, expected)
    assert result.found == expected[3], (result, expected)


def random_params(rng: np.random.Generator, **fixed: Any) -> EdgeParams:
    length = int(fixed.get("filter_length", rng.integers(4, 300)))
    values: dict[str, Any] = {
        "direction": str(rng.choice(["falling", "rising"])),
        "filter_length": length,
        "filter_width": float(rng.uniform(0.0, min(40.0, length / 4))),
        "fit_fraction": float(rng.uniform(0.05, 0.95)),
        "min_amplitude": float(rng.choice([0.0, rng.uniform(0.0, 0.05)])),
        "background_subtraction": bool(rng.integers(2)),
        "reference_threshold": float(rng.choice([0.0, rng.uniform(0.0, 0.5)])),
    }
    return EdgeParams(**{**values, **fixed})


def realistic_case(
    rng: np.random.Generator, width: int = 1024
) -> tuple[FloatArray, FloatArray, SpectrumModel]:
    model = SpectrumModel(
        width=width,
        envelope_centre=width / 2,
        envelope_fwhm=float(rng.uniform(0.3, 0.9)) * width,
        edge_depth=float(rng.uniform(0.0, 0.3)),
        edge_width=float(rng.uniform(0.0, 40.0)),
        edge_direction=str(rng.choice(["falling", "rising"])),  # type: ignore[arg-type]
        photon_scale=float(rng.uniform(1e3, 1e5)),
    )
    reference = np.mean([spectrum(model, rng, None) for _ in range(4)], axis=0)
    return spectrum(model, rng, float(rng.uniform(-50, width + 50))), reference, model


Case = tuple[FloatArray, FloatArray, FloatArray | None, EdgeParams]


def make_case(kind: str, rng: np.random.Generator) -> Case:
    """Profiles and settings of one kind of shot, drawn at random."""
    signal, reference, model = realistic_case(rng, int(rng.integers(200, 1500)))
    size = signal.size
    params = random_params(rng)
    background: FloatArray | None = None
    if kind == "realistic":
        params = random_params(rng, direction=model.edge_direction, background_subtraction=False)
    elif kind == "dim columns":  # dead columns and dips, some negative, inside the span
        low = rng.integers(0, size, int(rng.integers(1, 8)))
        reference[low] = rng.uniform(-5.0, 0.1, low.size) * reference.max()
        signal[rng.integers(0, size, 3)] = 0.0
    elif kind == "background":
        pedestal = rng.normal(500.0, 20.0, size)
        signal, reference = signal + pedestal, reference + pedestal
        # the same length, another length (subtracted as its mean) or empty
        background = [pedestal, rng.normal(500.0, 20.0, 7), np.zeros(0)][int(rng.integers(3))]
        params = random_params(rng, background_subtraction=True)
    elif kind == "noise":  # no structure: peaks anywhere, also at the ends
        reference = rng.uniform(-1.0, 10.0, size)
        signal = rng.uniform(-1.0, 10.0, size)
    elif kind == "short span":  # the usable span about as long as the filter
        length = params.filter_length
        reference = np.zeros(max(size, length + 10))
        span = length + int(rng.integers(-1, 4))
        start = int(rng.integers(0, reference.size - span + 1))
        reference[start : start + span] = rng.uniform(1.0, 2.0, span)
        signal = reference * rng.uniform(0.9, 1.1, reference.size)
        params = random_params(rng, filter_length=length, reference_threshold=0.1)
    elif kind == "no reference light":
        reference = -rng.uniform(0.0, 1.0, size) * rng.integers(2)
    elif kind == "non-finite":
        bad = float(rng.choice([np.nan, np.inf, -np.inf]))
        target = [signal, reference, pedestal := rng.normal(0, 1, size)][int(rng.integers(3))]
        target[rng.integers(0, size)] = bad
        background = pedestal
    elif kind == "broad peaks":  # fitted points reach far beyond the peak
        params = random_params(rng, fit_fraction=float(rng.uniform(0.01, 0.2)))
    else:
        raise AssertionError(kind)
    return signal, reference, background, params


KINDS = (
    "realistic",
    "dim columns",
    "background",
    "noise",
    "short span",
    "no reference light",
    "non-finite",
    "broad peaks",
)


@pytest.mark.parametrize("kind", KINDS)
def test_find_edge_gives_what_the_plain_method_gives(kind: str) -> None:
    rng = np.random.default_rng(KINDS.index(kind))
    outcomes = set()
    for _ in range(80):
        signal, reference, background, params = make_case(kind, rng)
        with np.errstate(all="ignore"):
            expected = plain_find_edge(signal, reference, params, background)
            result = find_edge(signal, reference, params, background)
        assert_same(result, expected)
        outcomes.add("found" if expected[3] else "amplitude" if expected[1] == expected[1] else "-")
    # every kind meets the outcomes it is made for
    wanted = {
        "realistic": {"found", "amplitude"},
        "dim columns": {"found"},
        "background": {"found", "-"},
        "noise": {"found", "amplitude"},
        "short span": {"found", "-"},
        "no reference light": {"-"},
        "non-finite": {"-"},
        "broad peaks": {"found"},
    }[kind]
    assert wanted <= outcomes, outcomes


def test_find_edge_in_span_serves_many_shots_and_checks_their_size() -> None:
    rng = np.random.default_rng(20)
    for _ in range(20):
        _, reference, model = realistic_case(rng)
        params = random_params(rng, background_subtraction=False)
        span = reference_span(reference, params)
        for _ in range(5):
            signal = spectrum(model, rng, float(rng.uniform(0, 1024)))
            expected = plain_find_edge(signal, reference, params)
            assert_same(find_edge_in_span(signal, span, params), expected)
        with pytest.raises(InvalidData, match="differ in length"):
            find_edge_in_span(np.ones(1000), span, params)
    assert reference_span(np.zeros(1024), EdgeParams()) is None
    assert not find_edge_in_span(np.ones(1024), None, EdgeParams()).found


@given(
    values=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=200),
    where=st.floats(0.0, 1.0),
    fraction=st.floats(0.01, 0.99),
    broad=st.integers(0, 120),
)
@settings(max_examples=300, deadline=None)
def test_fit_peak_is_the_plain_fit(
    values: list[float], where: float, fraction: float, broad: int
) -> None:
    """Any peak index, flat or broad tops reaching past the points read at first, ends."""
    response = (
        np.asarray(values)
        + np.concatenate([np.arange(broad, 0, -1.0), np.zeros(max(0, len(values) - broad))])[
            : len(values)
        ]
        * 50.0
    )
    peak = min(int(where * len(values)), len(values) - 1)
    expected = plain_fit_peak(response, peak, fraction)
    result = _fit_peak(response, peak, fraction)
    for got, wanted in zip(result, expected, strict=True):
        assert got == wanted or (math.isnan(got) and math.isnan(wanted))


def test_a_broad_top_is_fitted_on_all_its_points() -> None:
    """A top much wider than the points read at first is fitted on all of its points."""
    t = np.arange(400.0)
    response = 1.0 - ((t - 201.3) / 150.0) ** 2  # above 0.5 over +-106 px
    vertex, value, fwhm = _fit_peak(response, 201, 0.5)
    assert 201 + vertex == pytest.approx(201.3, abs=1e-9)
    assert value == pytest.approx(1.0, rel=1e-9)
    assert fwhm == pytest.approx(2 * 150.0 * math.sqrt(0.5), rel=1e-9)
    assert (vertex, value, fwhm) == plain_fit_peak(response, 201, 0.5)


# --- the accumulator's mean ---------------------------------------------------------------------


def test_accumulator_mean_is_shared_read_only_and_never_changed() -> None:
    accumulator = ReferenceAccumulator(3)
    assert accumulator.mean is None
    accumulator.add(np.full(4, 2.0))
    first = accumulator.mean
    assert first is not None and not first.flags.writeable
    assert accumulator.mean is first  # no new array until the next add
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 5.0
    accumulator.add(np.full(4, 4.0))
    assert np.array_equal(first, np.full(4, 2.0))  # the next add made a new one
    second = accumulator.mean
    assert second is not None and second is not first
    assert np.array_equal(second, np.full(4, 3.0))
    # a rejected profile changes nothing
    assert not accumulator.add(np.array([1.0, np.inf, 1.0, 1.0]))
    assert accumulator.mean is second
    # the reference is a new, writable copy of the mean
    reference = accumulator.reference
    assert reference is not None and reference is not second and reference.flags.writeable
    assert np.array_equal(reference, second)
    accumulator.reset()
    assert accumulator.mean is None


def test_accumulator_adds_finite_profiles_whose_sum_overflows() -> None:
    accumulator = ReferenceAccumulator(2)
    assert accumulator.add(np.array([1e308, 1e308, 1.0]))
    assert np.array_equal(accumulator.reference, [1e308, 1e308, 1.0])  # type: ignore[arg-type]
    assert not accumulator.add(np.array([1e308, 1e308, np.nan]))
    assert accumulator.count == 1


@given(
    steps=st.lists(
        st.one_of(
            st.tuples(
                st.just("add"),
                st.sampled_from([3, 5]),
                st.sampled_from([0.0, np.nan, np.inf, -np.inf]),
                st.integers(0, 2**31),
            ),
            st.tuples(st.just("resize"), st.integers(1, 6), st.just(0.0), st.just(0)),
        ),
        max_size=60,
    ),
    length=st.integers(1, 6),
)
@settings(max_examples=60, deadline=None)
def test_accumulator_keeps_what_the_plain_list_keeps(
    steps: list[tuple[str, int, float, int]], length: int
) -> None:
    accumulator, plain = ReferenceAccumulator(length), PlainReferences(length)
    for action, number, bad, seed in steps:
        if action == "resize":
            accumulator.resize(number)
            plain.resize(number)
        else:
            profile = np.random.default_rng(seed).uniform(-1e3, 1e3, number)
            if bad != 0.0:
                profile[seed % number] = bad
            assert accumulator.add(profile) == plain.add(profile)
        expected, mean = plain.mean, accumulator.mean
        assert accumulator.count == len(plain.held)
        if expected is None:
            assert mean is None
        else:
            assert mean is not None
            assert np.allclose(mean, expected, rtol=1e-12, atol=1e-9)
