"""Shot classification, edge settings updates and the per-service reference tracker."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from psen_processing.core.channels import ChannelNames
from psen_processing.core.edge_tracking import (
    ChannelClassifier,
    EdgeDetectionSettings,
    EdgeTracker,
    PulseIdClassifier,
    ShotTiming,
)
from psen_processing.core.matched_filter import EdgeParams, arrival_time
from psen_processing.core.profiles import ProcessingSettings
from psen_processing.core.roi import Roi
from psen_processing.errors import InvalidEdgeSettings
from psen_processing.sim.messages import encode_message
from psen_processing.sim.spectrum import SpectrumModel, image, spectrum
from psen_processing.stream.pipeline import FrameProcessor

from .edge_oracle import PlainReferences, plain_find_edge

MODEL = SpectrumModel(width=600, envelope_centre=300, envelope_fwhm=360, edge_depth=0.2)
ROI = Roi(0, 600, 0, 10)


def _no_channels(name: str) -> object:
    raise AssertionError(f"pulse_id mode must not read channel {name}")


def test_pulse_id_classification() -> None:
    tracker = EdgeTracker()
    settings = EdgeDetectionSettings(reference=PulseIdClassifier(period=4, signal_offset=3))
    kinds = [tracker.classify(settings, pulse_id, _no_channels) for pulse_id in range(8)]
    assert kinds == [True, True, True, False, True, True, True, False]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.2, True),
        (0.5, True),
        (0.51, False),
        (np.array([3.0]), False),
        (None, "edge_reference_channel_missing"),
        ("high", "edge_reference_channel_unreadable"),
    ],
)
def test_channel_classification(value: object, expected: bool | str) -> None:
    settings = EdgeDetectionSettings(reference=ChannelClassifier("I0", 0.5))
    assert EdgeTracker().classify(settings, 1, {"I0": value}.get) == expected


def test_updates_are_partial_and_validated() -> None:
    base = EdgeDetectionSettings()
    changed = base.updated({"enabled": True, "calibration": [1, 2], "direction": "rising"})
    assert changed.enabled and changed.calibration == (1.0, 2.0)
    assert changed.params.direction == "rising"
    assert changed.reference == base.reference and changed.reference_length == 16
    again = changed.updated({"reference": {"mode": "channel", "channel": "I0", "threshold": 2}})
    assert again.reference == ChannelClassifier("I0", 2.0)
    assert again.params.direction == "rising"  # untouched keys keep their values
    assert EdgeDetectionSettings().updated(again.to_json()) == again  # JSON round trip
    assert again.updated({"calibration": None}).calibration is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"enabled": 1}, "enabled"),
        ({"reference_length": 0}, "reference_length"),
        ({"reference": "pulse_id"}, "must be an object"),
        ({"reference": {"mode": "pulse_id", "period": 2, "extra": 1}}, "extra"),
        ({"reference": {"mode": [], "channel": ""}}, "reference.mode=[]"),
        ({"reference": {"mode": {"a": 1}}}, "reference.mode="),
        ({"calibration": [1, float("nan")]}, "calibration[1]"),
        ({"calibration": "1, 2"}, "calibration"),
        ({"min_amplitude": -1}, "min_amplitude"),
        ({"bogus": True}, "bogus"),
    ],
)
def test_invalid_updates_name_the_problem(data: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidEdgeSettings, match=words.replace("[", r"\[")):
        EdgeDetectionSettings().updated(data)


def _update(
    tracker: EdgeTracker, settings: EdgeDetectionSettings, pulse_id: int, **kw: Any
) -> ShotTiming:
    return tracker.update(
        settings,
        roi_signal=kw.get("roi", ROI),
        pulse_id=pulse_id,
        lookup=_no_channels,
        signal=kw.get("signal"),
        background=None,
    )


def test_tracker_finds_the_edge_and_resets_on_roi_change() -> None:
    rng = np.random.default_rng(3)
    settings = EdgeDetectionSettings(enabled=True, reference_length=8, calibration=(0.0, 2.0))
    tracker = EdgeTracker()
    first = _update(tracker, settings, 1, signal=spectrum(MODEL, rng, None))
    assert first.is_reference and math.isnan(first.edge.position) and first.problem is None
    for pulse_id in range(3, 17, 2):
        _update(tracker, settings, pulse_id, signal=spectrum(MODEL, rng, None))
    shot = _update(tracker, settings, 20, signal=spectrum(MODEL, rng, 310.0))
    assert not shot.is_reference and shot.edge.found
    assert shot.edge.position == pytest.approx(310.0, abs=4.0)
    assert shot.arrival_time == pytest.approx(2.0 * shot.edge.position)
    # a new signal ROI throws the old reference away
    moved = _update(tracker, settings, 22, roi=Roi(1, 599, 0, 10), signal=spectrum(MODEL, rng, 310))
    assert moved.problem == "edge_no_reference" and tracker.reference is None


def test_tracker_without_a_profile_reports_why() -> None:
    settings = EdgeDetectionSettings(enabled=True)
    shot = _update(EdgeTracker(), settings, 2, signal=None)
    assert shot.problem == "edge_no_signal_profile" and not shot.edge.found


def test_background_subtraction_scales_the_background_to_the_signal_rows() -> None:
    """A camera pedestal dilutes the relative edge depth unless the background ROI (fewer rows
    than the signal ROI) is scaled to the signal's rows and subtracted."""
    model = SpectrumModel(
        width=600, envelope_centre=300, envelope_fwhm=360, band_sigma=3, edge_depth=0.2,
        offset=3000.0, photon_scale=6e4,
    )  # fmt: skip
    rng = np.random.default_rng(4)

    def amplitudes(subtract: bool) -> list[float]:
        edge = EdgeDetectionSettings(enabled=True, reference_length=4).updated(
            {"background_subtraction": subtract, "method": "matched_filter"}
        )
        settings = ProcessingSettings(Roi(0, 600, 10, 20), Roi(0, 600, 0, 5), edge)
        processor = FrameProcessor(ChannelNames("C"))
        found = []
        for pulse_id in range(1, 21):
            frame = image(model, rng, 40, 300.0 if pulse_id % 2 == 0 else None)
            outcome = processor.process(encode_message(pulse_id, [("C:FPICTURE", frame)]), settings)
            if outcome.timing is not None and outcome.timing.edge.found and pulse_id > 8:
                assert outcome.timing.edge.position == pytest.approx(300.0, abs=5.0)
                found.append(outcome.timing.edge.amplitude)
        return found

    diluted, restored = amplitudes(False), amplitudes(True)
    assert len(restored) == 6
    # the pedestal (20 rows x 3000 counts) is about as large as the light: subtracting it
    # properly roughly doubles the relative depth; subtracting an unscaled 5-row background
    # would remove only a quarter of it
    assert np.mean(restored) > 1.6 * np.mean(diluted if diluted else [1e-9])
    assert np.mean(restored) == pytest.approx(model.edge_depth, rel=0.2)


# --- the tracker against the plain method, shot by shot ---------------------------------------


class PlainTracker:
    """What the tracker should give, from the plain oracle (no state beyond the held list)."""

    def __init__(self) -> None:
        self.references = PlainReferences(16)
        self.roi: Roi | None = None

    def update(
        self,
        settings: EdgeDetectionSettings,
        roi: Roi,
        is_reference: bool,
        signal: npt.NDArray[np.float64],
        background: npt.NDArray[np.float64] | None,
    ) -> tuple[float, float, float, bool] | str | None:
        if roi != self.roi:
            self.references.reset()
            self.roi = roi
        if self.references.length != settings.reference_length:
            self.references.resize(settings.reference_length)
        if is_reference:
            self.references.add(signal)
            return None
        mean = self.references.mean
        if mean is None or mean.size != signal.size:
            return "edge_no_reference"
        return plain_find_edge(signal, mean, settings.params, background)


def test_tracker_gives_what_the_plain_method_gives_shot_by_shot() -> None:
    """Runs of X-ray shots on one reference, rejected references, parameter, reference length,
    background and ROI changes: every X-ray shot's edge is the plain method's."""
    rng = np.random.default_rng(9)
    roi = Roi(0, 600, 0, 10)
    settings = EdgeDetectionSettings(
        enabled=True,
        reference=ChannelClassifier("I0", 0.5),
        reference_length=4,
        calibration=(1.0, 2.0),
        params=EdgeParams(method="matched_filter"),
    )
    tracker, plain = EdgeTracker(), PlainTracker()
    checked: list[ShotTiming] = []

    def shot(is_reference: bool, **kw: Any) -> None:
        signal = kw.get("signal")
        if signal is None:
            edge = None if is_reference else float(rng.uniform(100, 500))
            signal = spectrum(kw.get("model", MODEL), rng, edge)
        background = kw.get("background")
        intensity = 0.0 if is_reference else 1.0
        got = tracker.update(
            settings,
            roi_signal=kw.get("roi", roi),
            pulse_id=len(checked),
            lookup=lambda name: np.float64(intensity) if name == "I0" else None,
            signal=signal,
            background=background,
        )
        expected = plain.update(settings, kw.get("roi", roi), is_reference, signal, background)
        assert got.is_reference == is_reference
        if expected is None:
            assert got.problem is None and not got.edge.found
        elif isinstance(expected, str):
            assert got.problem == expected
        else:
            assert got.problem is None
            for value, wanted in zip(
                (got.edge.position, got.edge.amplitude, got.edge.fwhm), expected[:3], strict=True
            ):
                assert value == pytest.approx(wanted, rel=1e-9, nan_ok=True)
            assert got.edge.found == expected[3]
            assert got.arrival_time == pytest.approx(1.0 + 2.0 * expected[0], nan_ok=True)
        checked.append(got)

    shot(False)  # no reference yet
    for _ in range(5):
        shot(True)
    for _ in range(4):  # X-ray shots on an unchanged reference
        shot(False)
    shot(True, signal=np.full(600, np.nan))  # rejected: the reference stays
    shot(False)
    shot(False, signal=np.where(np.arange(600) == 300, np.nan, spectrum(MODEL, rng, 250.0)))
    # other parameters, same reference
    settings = settings.updated({"reference_threshold": 0.4, "fit_fraction": 0.5})
    shot(False)
    shot(False)
    rising = replace(MODEL, edge_direction="rising")
    settings = settings.updated({"direction": "rising"})
    shot(False, model=rising)
    settings = settings.updated({"direction": "falling", "reference_length": 2})
    shot(False)
    shot(True)
    shot(True)
    shot(False)
    # background subtraction: the reference differs from shot to shot
    settings = settings.updated({"background_subtraction": True})
    for _ in range(3):
        shot(False, background=rng.normal(50.0, 5.0, 600))
    shot(False, background=None)
    settings = settings.updated({"background_subtraction": False})
    # an equal ROI keeps the reference; another one starts a new one
    shot(False, roi=Roi(0, 600, 0, 10))
    shot(False, roi=Roi(0, 600, 1, 10))
    shot(True, roi=Roi(0, 600, 1, 10))
    shot(False, roi=Roi(0, 600, 1, 10))
    shot(False, roi=Roi(0, 600, 1, 10), signal=spectrum(MODEL, rng, 300.0)[:500])
    found = [s.edge.found for s in checked if not s.is_reference and s.problem is None]
    assert sum(found) >= 10 and not all(found)


def test_tracker_reference_is_a_copy_the_caller_may_change() -> None:
    rng = np.random.default_rng(10)
    settings = EdgeDetectionSettings(enabled=True, reference_length=4)
    tracker = EdgeTracker()
    for pulse_id in range(1, 9, 2):
        _update(tracker, settings, pulse_id, signal=spectrum(MODEL, rng, None))
    signal = spectrum(MODEL, rng, 300.0)
    before = _update(tracker, settings, 10, signal=signal)
    reference = tracker.reference
    assert reference is not None and reference is not tracker.reference
    reference[:] = 1.0  # e.g. a live view scribbling on what it was given
    after = _update(tracker, settings, 12, signal=signal)
    assert before.edge.found and after.edge == before.edge


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (
            {"reference_length": 1001},
            "reference_length=1001: must be an integer between 1 and 1000",
        ),
        ({"reference_length": 2**62}, "between 1 and 1000"),
        ({"reference_length": 2**200}, "an integer of 201 bits"),
        ({"calibration": [0.0] * 9}, "at most 8"),
        ({"calibration": [0.0, -2e12]}, r"calibration\[1\]=.*at most 1e\+12"),
        ({"reference": {"mode": "pulse_id", "period": 1_000_001}}, "between 1 and 1000000"),
        ({"reference": {"mode": "pulse_id", "period": 4, "signal_offset": 4}}, "smaller"),
        ({"reference": {"mode": "channel", "channel": "C" * 257}}, "1 to 256 characters"),
        ({"reference": {"mode": "channel", "channel": "C", "threshold": math.inf}}, "finite"),
    ],
)
def test_every_setting_is_bounded(data: dict[str, Any], words: str) -> None:
    with pytest.raises(InvalidEdgeSettings, match=words) as info:
        EdgeDetectionSettings().updated(data)
    assert len(str(info.value)) < 300


def test_bounds_are_checked_however_settings_are_made() -> None:
    with pytest.raises(InvalidEdgeSettings, match="reference_length"):
        EdgeDetectionSettings(reference_length=2**62)
    with pytest.raises(InvalidEdgeSettings, match="calibration"):
        EdgeDetectionSettings(calibration=(1.0,) * 9)
    largest = EdgeDetectionSettings().updated(
        {
            "reference_length": 1000,
            "calibration": [1e12] * 8,
            "reference": {"mode": "pulse_id", "period": 10**6, "signal_offset": 10**6 - 1},
        }
    )
    assert largest.reference_length == 1000
    assert math.isfinite(arrival_time(65535.0, largest.calibration))


def test_an_unknown_setting_is_refused_listing_every_valid_one() -> None:
    settings = EdgeDetectionSettings()
    with pytest.raises(InvalidEdgeSettings) as caught:
        settings.updated({"enabled": True, "filter_lenght": 100})
    message = str(caught.value)
    assert "filter_lenght" in message
    valid = message.partition("Valid settings:")[2]
    for key in settings.to_json():
        assert key in valid, key
