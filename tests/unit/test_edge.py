"""Tests of the edge finder on synthetic PSEN spectra with known edges."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psen_processing.core.matched_filter import (
    EdgeParams,
    EdgeResult,
    ReferenceAccumulator,
    arrival_time,
    find_edge,
)
from psen_processing.errors import InvalidData, InvalidEdgeSettings, PsenError
from psen_processing.sim.spectrum import SpectrumModel, expected_spectrum, spectrum, useful_range

from .spectra import QUIET

FloatArray = npt.NDArray[np.float64]


def averaged_reference(model: SpectrumModel, rng: np.random.Generator, n: int = 16) -> FloatArray:
    accumulator = ReferenceAccumulator(n)
    for _ in range(n):
        accumulator.add(spectrum(model, rng, None))
    reference = accumulator.reference
    assert reference is not None
    return reference


# --- accuracy on realistic data ------------------------------------------------------------


@given(
    fraction=st.floats(0.0, 1.0),
    width=st.floats(5.0, 40.0),
    direction=st.sampled_from(["falling", "rising"]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_edges_across_the_useful_range_are_found_at_20_percent_depth(
    fraction: float, width: float, direction: str, seed: int
) -> None:
    model = SpectrumModel(edge_depth=0.2, edge_width=width, edge_direction=direction)  # type: ignore[arg-type]
    low, high = useful_range(model, 0.3)
    position = low + fraction * (high - low)
    rng = np.random.default_rng(seed)
    reference = averaged_reference(model, rng)
    result = find_edge(spectrum(model, rng, position), reference, EdgeParams(direction=direction))  # type: ignore[arg-type]
    assert result.found
    assert result.position == pytest.approx(position, abs=3.0)
    assert 0.05 < result.amplitude < 0.5
    assert 5.0 < result.fwhm < 80.0


def test_weak_edges_are_mostly_found_within_10_px() -> None:
    model = SpectrumModel(edge_depth=0.05)
    rng = np.random.default_rng(11)
    low, high = useful_range(model, 0.3)
    accumulator = ReferenceAccumulator(16)
    for _ in range(16):
        accumulator.add(spectrum(model, rng, None))
    errors = []
    for _ in range(150):
        accumulator.add(spectrum(model, rng, None))
        position = float(rng.uniform(low, high))
        reference = accumulator.reference
        assert reference is not None
        result = find_edge(spectrum(model, rng, position), reference, EdgeParams())
        errors.append(abs(result.position - position) if result.found else math.inf)
    good = np.asarray(errors) <= 10
    assert good.mean() >= 0.96
    assert np.median(np.asarray(errors)[good]) < 2.0


def test_noise_free_edge_is_exact_and_amplitude_is_the_relative_depth() -> None:
    model = replace(QUIET, edge_depth=0.1, edge_width=20.0)
    rng = np.random.default_rng(0)
    reference = expected_spectrum(model, rng, None)
    for position in (300.0, 456.3, 700.7):
        signal = expected_spectrum(model, rng, position)
        result = find_edge(signal, reference, EdgeParams())
        assert result.found
        assert result.position == pytest.approx(position, abs=0.1)
        # The ratio is normalised to a mean of 1, so the depth is relative to that mean.
        normalised_depth = 0.1 / (signal.sum() / reference.sum())
        assert result.amplitude == pytest.approx(normalised_depth, rel=0.1)


def test_rising_edges_need_the_rising_direction() -> None:
    model = replace(QUIET, edge_depth=0.2, edge_direction="rising", photon_scale=1e5)
    rng = np.random.default_rng(1)
    reference = averaged_reference(model, rng)
    signal = spectrum(model, rng, 420.0)
    rising = find_edge(signal, reference, EdgeParams(direction="rising"))
    assert rising.found
    assert rising.position == pytest.approx(420.0, abs=1.0)
    falling = find_edge(signal, reference, EdgeParams(direction="falling"))
    assert not (falling.found and abs(falling.position - 420.0) < 20)


def test_reference_shots_mostly_have_no_edge() -> None:
    model = SpectrumModel()
    rng = np.random.default_rng(2)
    accumulator = ReferenceAccumulator(16)
    for _ in range(16):
        accumulator.add(spectrum(model, rng, None))
    found = []
    for _ in range(150):
        shot = spectrum(model, rng, None)
        reference = accumulator.reference
        assert reference is not None
        result = find_edge(shot, reference, EdgeParams())
        found.append(result.found)
        assert result.found or math.isnan(result.position)
        accumulator.add(shot)
    assert np.mean(found) < 0.25


def test_intensity_does_not_matter() -> None:
    rng = np.random.default_rng(3)
    model = SpectrumModel()
    reference = averaged_reference(model, rng)
    signal = spectrum(model, rng, 555.0)
    once = find_edge(signal, reference, EdgeParams())
    thrice = find_edge(3.0 * signal, reference, EdgeParams())
    assert once.found
    assert thrice.position == pytest.approx(once.position, abs=1e-9)
    assert thrice.amplitude == pytest.approx(once.amplitude, rel=1e-9)


def test_a_smooth_change_of_shape_does_not_move_the_edge() -> None:
    rng = np.random.default_rng(4)
    model = replace(QUIET, edge_depth=0.05, photon_scale=1e6)
    reference = averaged_reference(model, rng)
    signal = spectrum(model, rng, 600.0)
    x = np.arange(1024.0)
    tilted = signal * (1.0 + 0.3 * (x - 512.0) / 512.0 + 0.2 * ((x - 512.0) / 512.0) ** 2)
    plain = find_edge(signal, reference, EdgeParams())
    changed = find_edge(tilted, reference, EdgeParams())
    assert plain.position == pytest.approx(600.0, abs=1.0)
    assert changed.position == pytest.approx(plain.position, abs=0.5)


def test_weak_spectrum_wings_give_no_false_edges() -> None:
    rng = np.random.default_rng(5)
    model = replace(SpectrumModel(edge_depth=0.1), envelope_fwhm=300.0)
    reference = averaged_reference(model, rng)
    for _ in range(20):
        result = find_edge(spectrum(model, rng, 512.0), reference, EdgeParams())
        assert result.position == pytest.approx(512.0, abs=5.0)


# --- background subtraction -----------------------------------------------------------------


def test_background_subtraction_restores_the_edge_depth() -> None:
    model = replace(QUIET, edge_depth=0.1, photon_scale=1e6)
    rng = np.random.default_rng(6)
    reference = expected_spectrum(model, rng, None)
    signal = expected_spectrum(model, rng, 500.0)
    background = np.full(1024, 5e5) + np.linspace(0.0, 1e5, 1024)
    clean = find_edge(signal, reference, EdgeParams())
    on = EdgeParams(background_subtraction=True)
    subtracted = find_edge(signal + background, reference + background, on, background)
    assert subtracted.position == pytest.approx(clean.position, abs=1e-6)
    assert subtracted.amplitude == pytest.approx(clean.amplitude, rel=1e-6)
    # Without subtraction (switched off, or no background given) the offset dilutes the edge.
    off = find_edge(signal + background, reference + background, EdgeParams(), background)
    missing = find_edge(signal + background, reference + background, on, None)
    assert off == missing
    assert off.amplitude < 0.8 * clean.amplitude


def test_background_of_another_length_is_subtracted_as_its_mean() -> None:
    model = replace(QUIET, edge_depth=0.1, photon_scale=1e6)
    rng = np.random.default_rng(7)
    reference = expected_spectrum(model, rng, None)
    signal = expected_spectrum(model, rng, 640.0)
    background = np.array([4e5, 6e5, 5e5])
    on = EdgeParams(background_subtraction=True)
    result = find_edge(signal + 5e5, reference + 5e5, on, background)
    clean = find_edge(signal, reference, on)
    assert result.position == pytest.approx(clean.position, abs=1e-6)


# --- degenerate input -------------------------------------------------------------------------


def test_profiles_of_different_length_or_shape_are_rejected() -> None:
    """A data problem, not a settings one (still a ValueError)."""
    with pytest.raises(InvalidData, match="differ in length"):
        find_edge(np.ones(100), np.ones(99), EdgeParams())
    with pytest.raises(InvalidData, match="1-D"):
        find_edge(np.ones((2, 100)), np.ones((2, 100)), EdgeParams())


@pytest.mark.parametrize(
    ("signal", "reference"),
    [
        (np.ones(1024), np.zeros(1024)),  # no reference light
        (np.ones(1024), -np.ones(1024)),
        (np.zeros(1024), np.ones(1024)),  # no signal light
        (np.ones(100), np.ones(100)),  # shorter than the filter
        (np.ones(0), np.ones(0)),
        (np.full(1024, np.nan), np.ones(1024)),
    ],
)
def test_unusable_profiles_give_no_edge(signal: FloatArray, reference: FloatArray) -> None:
    result = find_edge(signal, reference, EdgeParams())
    assert not result.found
    assert math.isnan(result.position)
    assert math.isnan(result.fwhm)


def test_a_flat_ratio_has_no_edge() -> None:
    reference = expected_spectrum(QUIET, np.random.default_rng(0), None)
    result = find_edge(2 * reference, reference, EdgeParams())
    assert not result.found
    assert abs(result.amplitude) < 1e-9


def test_a_tiny_reference_somewhere_does_not_blow_up() -> None:
    model = replace(QUIET, edge_depth=0.2, photon_scale=1e6)
    rng = np.random.default_rng(8)
    reference = expected_spectrum(model, rng, None)
    signal = expected_spectrum(model, rng, 400.0)
    reference[700] = 1e-12  # a dead column
    result = find_edge(signal, reference, EdgeParams())
    assert result.position == pytest.approx(400.0, abs=0.5)


# --- parameters -------------------------------------------------------------------------------


def test_default_parameters() -> None:
    params = EdgeParams()
    assert params.direction == "falling"
    assert params.fit_fraction == 0.8
    assert params.background_subtraction is False
    assert params.kernel.shape == (params.filter_length,)
    assert not params.kernel.flags.writeable


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("direction", "up", "'falling' or 'rising'"),
        ("filter_length", 3, "between"),
        ("filter_length", 10_000, "between"),
        ("filter_length", 60.5, "integer"),
        ("filter_length", True, "integer"),
        ("filter_length", "60", "integer"),
        ("filter_width", -1.0, "between 0 and the filter_length"),
        ("filter_width", 151.0, "between 0 and the filter_length"),
        ("filter_width", math.nan, "finite"),
        ("fit_fraction", 1.0, "between 0 and 1"),
        ("fit_fraction", 0.0, "between 0 and 1"),
        ("min_amplitude", -0.1, "between 0 and 100"),
        ("min_amplitude", 1e6, "between 0 and 100"),
        ("min_amplitude", "0.1", "number"),
        ("background_subtraction", 1, "true or false"),
        ("reference_threshold", 1.0, r"\[0, 1\)"),
        ("reference_threshold", math.inf, "finite"),
    ],
)
def test_invalid_parameters_are_rejected_naming_field_and_problem(
    field: str, value: object, problem: str
) -> None:
    with pytest.raises(InvalidEdgeSettings, match=rf"{field}=.*{problem}") as caught:
        EdgeParams(**{field: value})  # type: ignore[arg-type]
    assert isinstance(caught.value, PsenError)
    assert isinstance(caught.value, ValueError)


def test_mapping_round_trip_through_json() -> None:
    params = EdgeParams(
        direction="rising",
        filter_length=80,
        filter_width=12.5,
        fit_fraction=0.7,
        min_amplitude=0.01,
        background_subtraction=True,
        reference_threshold=0.2,
    )
    text = json.dumps(params.to_mapping())
    again = EdgeParams.from_mapping(json.loads(text))
    assert again == params
    assert np.array_equal(again.kernel, params.kernel)
    assert "kernel" not in params.to_mapping()


def test_from_mapping_keeps_defaults_and_accepts_json_numbers() -> None:
    params = EdgeParams.from_mapping({"filter_length": 120.0, "filter_width": 10})
    assert params.filter_length == 120
    assert isinstance(params.filter_length, int)
    assert params.filter_width == 10.0
    assert isinstance(params.filter_width, float)
    assert params.fit_fraction == EdgeParams().fit_fraction


def test_from_mapping_names_unknown_keys() -> None:
    with pytest.raises(InvalidEdgeSettings, match="kernel, step_length"):
        EdgeParams.from_mapping({"step_length": 50, "kernel": [1], "direction": "falling"})


# --- reference accumulator --------------------------------------------------------------------


def test_accumulator_is_the_mean_of_the_last_n() -> None:
    accumulator = ReferenceAccumulator(3)
    assert accumulator.reference is None
    profiles = [np.full(5, float(v)) for v in (1, 2, 3, 4, 5)]
    expected_means = [1.0, 1.5, 2.0, 3.0, 4.0]
    for profile, mean in zip(profiles, expected_means, strict=True):
        assert accumulator.add(profile)
        reference = accumulator.reference
        assert reference is not None
        assert np.allclose(reference, mean)
    assert accumulator.count == 3
    assert accumulator.length == 3


@given(
    st.lists(st.lists(st.floats(-1e6, 1e6), min_size=4, max_size=4), min_size=1, max_size=40),
    st.integers(1, 7),
)
@settings(max_examples=50, deadline=None)
def test_accumulator_matches_numpy_mean(values: list[list[float]], length: int) -> None:
    accumulator = ReferenceAccumulator(length)
    for row in values:
        accumulator.add(np.asarray(row))
    reference = accumulator.reference
    assert reference is not None
    assert np.allclose(reference, np.mean(values[-length:], axis=0), rtol=1e-9, atol=1e-6)


def test_accumulator_reset_and_profile_size_change() -> None:
    accumulator = ReferenceAccumulator(4)
    accumulator.add(np.ones(10))
    accumulator.add(np.ones(10) * 3)
    accumulator.add(np.full(6, 7.0))  # the ROI changed: start again
    reference = accumulator.reference
    assert reference is not None
    assert reference.shape == (6,)
    assert np.allclose(reference, 7.0)
    assert accumulator.count == 1
    accumulator.reset()
    assert accumulator.reference is None
    assert accumulator.count == 0


def test_accumulator_resize_keeps_the_newest() -> None:
    accumulator = ReferenceAccumulator(5)
    for value in range(7):
        accumulator.add(np.full(3, float(value)))
    accumulator.resize(2)
    reference = accumulator.reference
    assert reference is not None
    assert np.allclose(reference, 5.5)
    accumulator.resize(10)
    accumulator.add(np.full(3, 10.0))
    reference = accumulator.reference
    assert reference is not None
    assert np.allclose(reference, (5 + 6 + 10) / 3)


def test_accumulator_skips_non_finite_profiles_and_returns_copies() -> None:
    accumulator = ReferenceAccumulator(2)
    accumulator.add(np.ones(4))
    assert not accumulator.add(np.array([1.0, np.nan, 1.0, 1.0]))
    reference = accumulator.reference
    assert reference is not None
    reference[:] = 99.0
    again = accumulator.reference
    assert again is not None
    assert np.allclose(again, 1.0)


@pytest.mark.parametrize("length", [0, -1, True, 2.5, 1001, 2**62])
def test_accumulator_rejects_bad_lengths(length: object) -> None:
    with pytest.raises(InvalidEdgeSettings, match=r"reference_length=.*between 1 and 1000"):
        ReferenceAccumulator(length)  # type: ignore[arg-type]


def test_accumulator_instances_do_not_share_state() -> None:
    first, second = ReferenceAccumulator(), ReferenceAccumulator()
    first.add(np.ones(3))
    assert second.reference is None


# --- arrival time -----------------------------------------------------------------------------


def test_arrival_time_polynomial_lowest_order_first() -> None:
    assert arrival_time(2.0, [1.0, 2.0, 3.0]) == 1.0 + 2.0 * 2.0 + 3.0 * 4.0
    assert arrival_time(500.0, [-1000.0, 2.5]) == 250.0
    assert arrival_time(7.0, (4.0,)) == 4.0


@pytest.mark.parametrize(
    ("position", "calibration"),
    [(1.0, None), (1.0, []), (math.nan, [1.0, 2.0]), (math.inf, [1.0])],
)
def test_arrival_time_is_nan_without_calibration_or_position(
    position: float, calibration: list[float] | None
) -> None:
    assert math.isnan(arrival_time(position, calibration))


@given(
    st.floats(-2000.0, 2000.0),
    st.lists(st.floats(-10.0, 10.0), min_size=1, max_size=5),
)
def test_arrival_time_matches_numpy_polyval(position: float, calibration: list[float]) -> None:
    expected = float(np.polynomial.polynomial.polyval(position, calibration))
    assert arrival_time(position, calibration) == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_edge_result_is_a_frozen_value() -> None:
    result = EdgeResult(1.0, 0.1, 20.0, True)
    with pytest.raises(AttributeError):
        result.position = 2.0  # type: ignore[misc]
    assert result == EdgeResult(1.0, 0.1, 20.0, True)


def test_from_mapping_needs_a_mapping() -> None:
    with pytest.raises(InvalidEdgeSettings, match="mapping"):
        EdgeParams.from_mapping([("direction", "falling")])  # type: ignore[arg-type]


@pytest.mark.parametrize("width", [1e300, 1e200])
def test_a_step_far_wider_than_the_filter_is_refused_not_a_nan_filter(width: float) -> None:
    """Found by fuzzing the REST API: such a width gave a filter of NaN (and a warning)."""
    with pytest.raises(InvalidEdgeSettings, match="filter_width"):
        EdgeParams(filter_width=width)


def test_accumulator_at_its_largest_holds_what_its_bound_implies() -> None:
    accumulator = ReferenceAccumulator(1000)
    with pytest.raises(InvalidEdgeSettings):
        accumulator.resize(1001)
    for i in range(2500):
        accumulator.add(np.full(2560, float(i)))
    assert accumulator.count == 1000
    buffer = accumulator._buffer  # the memory the reference holds
    assert buffer is not None and buffer.nbytes == 1000 * 2560 * 8
    assert accumulator.mean is not None and accumulator.mean[0] == pytest.approx(1999.5)
