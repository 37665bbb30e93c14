"""The delay-scan fit (pure numpy), the calibration run's bookkeeping and the provenance record."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psen_processing.codec import Decoder
from psen_processing.core.calibration_fit import (
    MAX_STEPS,
    CalibrationFit,
    delay_steps,
    fit_calibration,
)
from psen_processing.core.calibration_record import (
    AppliedCalibration,
    CalibrationRecord,
    PreviousCalibration,
)
from psen_processing.core.edge_tracking import EdgeDetectionSettings, ShotTiming
from psen_processing.core.matched_filter import EdgeResult
from psen_processing.core.profiles import ProcessingSettings
from psen_processing.errors import (
    CalibrationError,
    CalibrationFitError,
    InvalidEdgeSettings,
    InvalidRequest,
)
from psen_processing.settings_file import SettingsStore, settings_from_json
from psen_processing.sim.messages import encode_message
from psen_processing.stream.calibration_run import CalibrationRun, RunSettings
from psen_processing.stream.pipeline import FrameOutcome

WIDTH = 1024
TRUTH = (-2000.0, 3.0, 0.002)


def _scan(
    rng: np.random.Generator,
    truth: tuple[float, ...] = TRUTH,
    *,
    steps: int = 20,
    shots: int = 50,
    jitter_fs: float = 20.0,
    outliers: float = 0.0,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Delays (fs), edge positions (px) and amplitudes of a scan whose edge follows ``truth``."""
    grid = np.linspace(0.0, WIDTH, 200_001)
    curve = np.polynomial.polynomial.polyval(grid, truth)
    order = np.argsort(curve)
    low, high = np.polynomial.polynomial.polyval([0.15 * WIDTH, 0.85 * WIDTH], truth)
    delays = np.repeat(np.linspace(min(low, high), max(low, high), steps), shots)
    positions = np.interp(delays + rng.normal(0, jitter_fs, delays.size), curve[order], grid[order])
    positions += rng.normal(0, 0.5, delays.size)
    bad = rng.random(delays.size) < outliers
    positions[bad] = rng.uniform(0, WIDTH, int(bad.sum()))
    return delays, positions, np.full(delays.size, 0.1)


def _within(fit: CalibrationFit, truth: tuple[float, ...], sigmas: float = 5.0) -> None:
    errors = np.array(fit.coefficients) - np.array(truth)
    assert np.all(np.abs(errors) < sigmas * np.array(fit.coefficient_errors)), (
        fit.coefficients,
        fit.coefficient_errors,
    )


def test_fit_recovers_a_quadratic_relation_with_its_quality_figures() -> None:
    delays, positions, amplitudes = _scan(np.random.default_rng(1))
    fit = fit_calibration(delays, positions, amplitudes, 2, WIDTH)
    _within(fit, TRUTH)
    assert fit.points == 1000 and fit.rejected_fraction < 0.02
    assert 17 < fit.residual_rms_fs < 24  # the shots' jitter (20 fs) and a little edge noise
    assert len(fit.steps) == 20 and all(step.points == 50 for step in fit.steps)
    assert 0.14 * WIDTH < fit.covered_px[0] < 0.16 * WIDTH
    assert 0.84 * WIDTH < fit.covered_px[1] < 0.86 * WIDTH
    assert fit.warnings == ()
    step = fit.steps[3]
    assert step.position_std == pytest.approx(20.0 / 3.3, rel=0.35)  # jitter over the slope


def test_outliers_are_rejected_and_do_not_pull_the_fit() -> None:
    delays, positions, amplitudes = _scan(np.random.default_rng(2), outliers=0.25)
    fit = fit_calibration(delays, positions, amplitudes, 2, WIDTH)
    _within(fit, TRUTH)
    assert 0.2 < fit.rejected_fraction < 0.3
    assert any("rejected as outliers" in w for w in fit.warnings)
    # a plain least-squares fit of the same points is far off
    plain = np.polynomial.Polynomial.fit(positions, delays, 2).convert().coef
    assert abs(plain[1] - TRUTH[1]) > 10 * fit.coefficient_errors[1]


@settings(max_examples=25, deadline=None)
@given(
    order=st.integers(1, 3),
    slope=st.floats(-8.0, 8.0).filter(lambda v: abs(v) > 0.5),
    curvature=st.floats(-0.5, 0.5),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_monotonic_relation_of_the_chosen_order_is_recovered(
    order: int, slope: float, curvature: float, seed: int
) -> None:
    c2 = slope * curvature / WIDTH if order >= 2 else 0.0
    c3 = -c2 / (3 * WIDTH) if order == 3 else 0.0
    truth = (123.0, slope, c2, c3)[: order + 1]
    delays, positions, amplitudes = _scan(np.random.default_rng(seed), truth, shots=30)
    fit = fit_calibration(delays, positions, amplitudes, order, WIDTH)
    assert fit.order == order and len(fit.coefficients) == order + 1
    grid = np.linspace(*fit.covered_px, 50)
    curve_error = fit.delay_at(grid) - np.polynomial.polynomial.polyval(grid, truth)
    # the step means' scatter is about 20 fs / sqrt(30): the curve is right to a few of those
    assert np.abs(curve_error).max() < 6 * 20.0 / math.sqrt(30) * 3


def test_warnings_for_a_narrow_scan_and_a_fading_edge() -> None:
    rng = np.random.default_rng(3)
    delays = np.repeat(np.linspace(0.0, 300.0, 10), 20)
    positions = 500.0 + delays / 3.0 + rng.normal(0, 2, delays.size)
    amplitudes = np.repeat(np.linspace(0.2, 0.05, 10), 20)
    fit = fit_calibration(delays, positions, amplitudes, 1, WIDTH)
    assert any("of the signal ROI's 1024 px" in w for w in fit.warnings)
    assert any("edge amplitude changes from 0.05 to 0.2" in w for w in fit.warnings)
    assert fit.amplitude_range == pytest.approx((0.05, 0.2))


def test_too_few_steps_or_no_movement_cannot_be_fitted() -> None:
    delays = np.repeat([0.0, 100.0], 10)
    with pytest.raises(CalibrationFitError, match="2 delay step"):
        fit_calibration(delays, delays / 3.0, np.ones(20), 2)
    with pytest.raises(CalibrationFitError, match="does not move"):
        fit_calibration(np.repeat([0.0, 100.0, 200.0], 10), np.full(30, 400.0), np.ones(30), 1)
    with pytest.raises(CalibrationFitError, match="order"):
        fit_calibration(delays, delays, delays, 4)
    with pytest.raises(CalibrationFitError, match="no points"):
        fit_calibration([math.nan], [1.0], [1.0], 1)


def test_exactly_enough_steps_fits_with_a_warning() -> None:
    delays = np.repeat([0.0, 100.0, 200.0], 5)
    fit = fit_calibration(delays, 100.0 + delays / 4.0, np.ones(15), 2)
    assert fit.coefficients == pytest.approx((-400.0, 4.0, 0.0), abs=1e-6)
    assert any("passes through every step" in w for w in fit.warnings)
    assert all(math.isnan(e) for e in fit.coefficient_errors)


def test_steps_group_a_jittery_readback_and_bin_a_sweep() -> None:
    rng = np.random.default_rng(4)
    readback = np.repeat(np.arange(12) * 50.0, 30) + rng.normal(0, 0.05, 360)
    steps = delay_steps(rng.permutation(readback))
    assert int(steps.max()) + 1 == 12
    sweep = np.linspace(0.0, 1000.0, 5000)  # every delay different: a continuous sweep
    assert int(delay_steps(sweep).max()) + 1 == 50 < MAX_STEPS


def _outcome(delay: object, position: float = 300.0, reference: bool = False) -> FrameOutcome:
    channels: list[tuple[str, object]] = [("CAM:FPICTURE", np.zeros((2, 2), np.uint16))]
    if delay is not None:
        channels.append(("STAGE:DELAY", delay))
    message = Decoder().decode(encode_message(7, channels))
    edge = EdgeResult(position, 0.1, 3.0, math.isfinite(position))
    return FrameOutcome(pulse_id=7, timing=ShotTiming(reference, edge, math.nan), message=message)


def test_run_counts_shots_without_delay_or_edge_and_stops_at_its_bound() -> None:
    run = CalibrationRun()
    run.start(RunSettings("STAGE:DELAY", unit="ps", expected_range=(-1.0, 1.0), max_points=10), 500)
    with pytest.raises(CalibrationError, match="already running"):
        run.start(RunSettings("STAGE:DELAY"), 500)
    for k in range(12):
        run.observe(_outcome(0.5, 100.0 + k))
    run.observe(_outcome(None))
    run.observe(_outcome("a string"))
    run.observe(_outcome(2.0))  # outside the expected range
    run.observe(_outcome(0.5, math.nan))
    run.observe(_outcome(0.5, reference=True))
    snapshot = run.snapshot()
    assert snapshot.delay_fs.tolist() == [500.0] * 10  # ps to fs
    assert snapshot.position.tolist() == [100.0 + k for k in range(10)]
    assert snapshot.counters == {
        "xray_shots": 16,
        "shots_without_edge": 1,
        "shots_without_delay": 2,
        "shots_out_of_range": 1,
        "shots_over_limit": 2,
    }
    assert snapshot.to_json()["full"] is True
    run.stop()
    run.observe(_outcome(0.5))
    assert run.snapshot().counters["xray_shots"] == 16  # stopped: nothing is taken
    with pytest.raises(CalibrationError, match="no calibration run is running"):
        run.stop()
    assert run.fit(run.snapshot()) == (
        "the scan has 1 delay step(s): a polynomial of order 2 needs at least 3"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "JSON object"),
        ({}, "delay_channel=None"),
        ({"delay_channel": ""}, "delay_channel=''"),
        ({"delay_channel": "D", "unit": "mm"}, "unit='mm'"),
        ({"delay_channel": "D", "unit": []}, "unit=\\[\\]"),
        ({"delay_channel": "D", "order": []}, "order=\\[\\]"),
        ({"delay_channel": "D", "max_points": {}}, "max_points=\\{\\}"),
        ({"delay_channel": "D", "order": 4}, "order=4"),
        ({"delay_channel": "D", "order": True}, "order=True"),
        ({"delay_channel": "D", "expected_range": [2, 1]}, "low must be below high"),
        ({"delay_channel": "D", "expected_range": [1]}, "must be \\[low, high\\]"),
        ({"delay_channel": "D", "expected_range": [0, "x"]}, "finite number"),
        ({"delay_channel": "D", "unit": "s", "expected_range": [0, 10]}, "within"),
        ({"delay_channel": "D", "max_points": 5}, "max_points=5"),
        ({"delay_channel": "D", "max_points": 10**9}, "max_points=1000000000"),
        ({"delay_channel": "D", "speed": 1}, "unknown calibration start key"),
    ],
)
def test_run_settings_name_the_problem(body: object, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        RunSettings.from_json(body)


def test_run_settings_take_integral_numbers_as_json_may_give_them() -> None:
    settings = RunSettings.from_json({"delay_channel": "D", "order": 3.0, "max_points": 100.0})
    assert (settings.order, settings.max_points) == (3, 100)
    assert isinstance(settings.order, int) and isinstance(settings.max_points, int)


def _applied(coefficients: tuple[float, ...] = (1.0, 2.0)) -> AppliedCalibration:
    return AppliedCalibration(
        id="cal-20260101000000-abcdef12",
        made_at="2026-01-01T00:00:00Z",
        coefficients=coefficients,
        order=1,
        points=1000,
        rejected_fraction=0.01,
        delay_range_fs=(-500.0, 500.0),
        covered_px=(100.0, 900.0),
        residual_rms_fs=20.5,
        delay_channel="STAGE:DELAY",
        unit="ps",
    )


def test_record_round_trips_through_the_settings_file(tmp_path: Path) -> None:
    record = CalibrationRecord(_applied(), PreviousCalibration((5.0, 6.0), None))
    saved = ProcessingSettings(
        edge_detection=EdgeDetectionSettings(enabled=True, calibration=(1.0, 2.0)),
        calibration_record=record,
    )
    store = SettingsStore(tmp_path / "s.json")
    store.save(saved)
    loaded = store.load()
    assert loaded.problem is None and loaded.settings == saved
    parameters = json.loads(loaded.settings.parameters_json)
    assert parameters["calibration_source"]["id"] == "cal-20260101000000-abcdef12"
    assert parameters["calibration_source"]["points"] == 1000
    assert parameters["edge_detection"]["calibration"] == [1.0, 2.0]


def test_identity_only_while_the_coefficients_are_the_fits_own() -> None:
    settings = ProcessingSettings(
        edge_detection=EdgeDetectionSettings(enabled=True, calibration=(1.0, 2.5)),
        calibration_record=CalibrationRecord(_applied()),
    )
    assert json.loads(settings.parameters_json)["calibration_source"] is None
    off = ProcessingSettings(calibration_record=CalibrationRecord(_applied()))
    assert "calibration_source" not in json.loads(off.parameters_json)


def test_a_settings_file_without_calibration_record_still_loads() -> None:
    old: dict[str, Any] = {
        "version": 1,
        "roi_signal": [0, 100, 0, 10],
        "roi_background": None,
        "edge_detection": {"enabled": True, "calibration": [0.0, 10.0]},
    }
    settings = settings_from_json(old)
    assert settings.calibration_record == CalibrationRecord()
    assert settings.edge_detection.calibration == (0.0, 10.0)


@pytest.mark.parametrize(
    "record",
    [
        "x",
        {"applied": {"id": "x"}},
        {"applied": None, "previous": {"calibration": [1e13]}},
        {"applied": None, "extra": 1},
        {"applied": {**_applied().to_json(), "points": -1}},
        {"applied": {**_applied().to_json(), "order": 5}},
        {"applied": {**_applied().to_json(), "delay_range_fs": [0.0]}},
    ],
)
def test_a_bad_record_in_the_file_is_refused_and_the_rest_kept(
    tmp_path: Path, record: object
) -> None:
    with pytest.raises(InvalidEdgeSettings):
        CalibrationRecord.from_json(record)
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps({"version": 1, "roi_signal": [0, 100, 0, 10], "calibration": record})
    )
    loaded = SettingsStore(path).load()
    assert loaded.problem is not None and "calibration" in loaded.problem
    assert loaded.settings.roi_signal is not None
    assert loaded.settings.calibration_record == CalibrationRecord()
