"""Tests of the synthetic PSEN data generators against their documented truth."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psen_processing.errors import PsenError
from psen_processing.sim.spectrum import (
    InvalidSpectrumModel,
    SpectrumModel,
    expected_spectrum,
    image,
    spectrum,
    transmission,
    useful_range,
)

from .spectra import QUIET


def test_spectrum_is_float64_counts_of_the_model_width() -> None:
    profile = spectrum(SpectrumModel(), np.random.default_rng(0), 400.0)
    assert profile.shape == (1024,)
    assert profile.dtype == np.float64
    assert (profile >= 0).all()
    assert np.array_equal(profile, np.round(profile))


def test_same_seed_same_data_other_seed_other_data() -> None:
    model = SpectrumModel()
    first = spectrum(model, np.random.default_rng(7), 500.0)
    again = spectrum(model, np.random.default_rng(7), 500.0)
    other = spectrum(model, np.random.default_rng(8), 500.0)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_quiet_model_peaks_at_photon_scale_at_the_centre() -> None:
    expected = expected_spectrum(QUIET, np.random.default_rng(0), None)
    assert int(np.argmax(expected)) in (511, 512)
    assert expected.max() == pytest.approx(QUIET.photon_scale, rel=1e-3)
    half = np.flatnonzero(expected >= 0.5 * expected.max())
    assert half[-1] - half[0] + 1 == pytest.approx(QUIET.envelope_fwhm, abs=2)


def test_poisson_noise_has_variance_equal_to_the_mean() -> None:
    model = replace(QUIET, photon_scale=400.0)
    rng = np.random.default_rng(1)
    shots = np.array([spectrum(model, rng, None) for _ in range(400)])
    centre = slice(462, 562)
    mean = shots[:, centre].mean(axis=0)
    variance = shots[:, centre].var(axis=0, ddof=1)
    assert np.mean(variance / mean) == pytest.approx(1.0, abs=0.05)


def test_intensity_jitter_has_the_model_rms() -> None:
    model = replace(QUIET, intensity_jitter=0.1)
    rng = np.random.default_rng(2)
    totals = np.array([expected_spectrum(model, rng, None).sum() for _ in range(2000)])
    assert totals.std() / totals.mean() == pytest.approx(0.1, rel=0.08)
    assert totals.mean() == pytest.approx(expected_spectrum(QUIET, rng, None).sum(), rel=0.01)


def test_shape_jitter_changes_the_normalised_shape() -> None:
    rng = np.random.default_rng(3)
    shapes = [expected_spectrum(SpectrumModel(), rng, None) for _ in range(2)]
    first, second = (s / s.sum() for s in shapes)
    assert np.abs(first / second - 1)[300:700].max() > 0.01
    quiet = [expected_spectrum(QUIET, rng, None) for _ in range(2)]
    assert np.allclose(quiet[0], quiet[1])


def test_the_edge_multiplies_the_spectrum_by_the_transmission() -> None:
    model = SpectrumModel(edge_depth=0.2)
    with_edge = expected_spectrum(model, np.random.default_rng(4), 300.0)
    without = expected_spectrum(model, np.random.default_rng(4), None)
    assert np.allclose(with_edge / without, transmission(model, 300.0))


@given(
    position=st.floats(200.0, 800.0),
    width=st.floats(4.0, 40.0),
    depth=st.floats(0.02, 1.0),
    direction=st.sampled_from(["falling", "rising"]),
)
@settings(max_examples=60, deadline=None)
def test_transmission_step_has_its_depth_centre_and_10_90_width(
    position: float, width: float, depth: float, direction: str
) -> None:
    model = SpectrumModel(edge_depth=depth, edge_width=width, edge_direction=direction)  # type: ignore[arg-type]
    t = transmission(model, position)
    falling = direction == "falling"
    assert t[0] == pytest.approx(1.0 if falling else 1.0 - depth, abs=1e-4)
    assert t[-1] == pytest.approx(1.0 - depth if falling else 1.0, abs=1e-4)
    # The fraction of the step done, increasing with x: half at the position, 10 % and 90 %
    # one width apart.
    done = (1.0 - t) / depth if falling else (t - 1.0 + depth) / depth
    x = np.arange(model.width, dtype=np.float64)
    assert np.interp(position, x, done) == pytest.approx(0.5, abs=0.03)
    at_10, at_90 = np.interp([0.1, 0.9], done, x)
    assert at_90 - at_10 == pytest.approx(width, rel=0.05, abs=0.5)


def test_no_edge_and_sharp_edge() -> None:
    assert np.array_equal(transmission(SpectrumModel(), None), np.ones(1024))
    sharp = transmission(SpectrumModel(edge_width=0.0, edge_depth=0.5), 100.0)
    assert sharp[99] == 1.0
    assert sharp[100] == 0.75
    assert sharp[101] == 0.5


def test_useful_range_is_where_the_envelope_is_above_the_fraction() -> None:
    low, high = useful_range(QUIET, 0.3)
    expected = expected_spectrum(QUIET, np.random.default_rng(0), None) / QUIET.photon_scale
    x = np.arange(QUIET.width, dtype=np.float64)
    assert np.interp(low, x, expected) == pytest.approx(0.3, abs=0.005)
    assert np.interp(high, x, expected) == pytest.approx(0.3, abs=0.005)
    assert low + high == pytest.approx(2 * QUIET.envelope_centre)
    wide = replace(QUIET, envelope_fwhm=5000.0)
    assert useful_range(wide, 0.3) == (0.0, 1023.0)


def test_image_rows_sum_to_the_profile() -> None:
    model = replace(QUIET, read_noise=0.0, offset=0.0, photon_scale=1e5)
    frame = image(model, np.random.default_rng(5), 256, 600.0)
    assert frame.shape == (256, 1024)
    assert frame.dtype == np.uint16
    profile = frame.sum(axis=0, dtype=np.float64)
    truth = expected_spectrum(model, np.random.default_rng(5), 600.0)
    assert np.abs(profile - truth)[200:800].max() < 6 * np.sqrt(truth.max())
    rows = frame.sum(axis=1, dtype=np.float64)
    assert abs(int(np.argmax(rows)) - 127.5) <= 3
    assert rows[:60].sum() == 0  # far outside the band no photons arrive


def test_image_has_offset_and_read_noise() -> None:
    model = replace(SpectrumModel(), offset=100.0, read_noise=3.0)
    frame = image(model, np.random.default_rng(6), 256, None)
    dark = frame[:40].astype(np.float64)
    assert dark.mean() == pytest.approx(100.0, abs=0.1)
    assert dark.std() == pytest.approx(3.0, rel=0.05)


def test_image_clips_to_the_dtype_range() -> None:
    model = replace(SpectrumModel(), photon_scale=1e6, offset=10.0)
    small = image(model, np.random.default_rng(7), 64, 500.0, dtype=np.uint8)
    assert small.dtype == np.uint8
    assert small.max() == 255
    assert small.min() >= 0
    as_float = image(model, np.random.default_rng(7), 64, 500.0, dtype=np.float32)
    assert as_float.dtype == np.float32
    assert as_float.max() > 255
    wide = image(model, np.random.default_rng(7), 64, 500.0, dtype=np.uint32)
    assert wide.dtype == np.uint32
    assert wide.max() == pytest.approx(as_float.max(), rel=1e-3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("width", 1),
        ("envelope_fwhm", 0.0),
        ("width_jitter", 0.7),
        ("modulation_terms", -1),
        ("modulation_max_period", 10.0),
        ("structure_amplitude", 0.6),
        ("photon_scale", -1.0),
        ("edge_depth", 1.5),
        ("edge_width", -1.0),
        ("edge_direction", "up"),
    ],
)
def test_invalid_models_are_rejected_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidSpectrumModel, match=field) as caught:
        SpectrumModel(**{field: value})  # type: ignore[arg-type]
    assert isinstance(caught.value, PsenError)
    assert isinstance(caught.value, ValueError)


def test_invalid_image_height_and_range_fraction() -> None:
    with pytest.raises(InvalidSpectrumModel, match="height"):
        image(SpectrumModel(), np.random.default_rng(0), 0, None)
    with pytest.raises(InvalidSpectrumModel, match="fraction"):
        useful_range(SpectrumModel(), 1.0)


def test_zero_depth_edge_changes_nothing() -> None:
    model = SpectrumModel(edge_depth=0.0)
    assert np.array_equal(transmission(model, 500.0), np.ones(1024))
    assert math.isclose(
        expected_spectrum(model, np.random.default_rng(9), 500.0).sum(),
        expected_spectrum(model, np.random.default_rng(9), None).sum(),
    )
