"""Shot classification, edge settings updates and the per-service reference tracker."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from psen_processing.channels import ChannelNames
from psen_processing.codec import encode_message
from psen_processing.errors import InvalidEdgeSettings
from psen_processing.pipeline import FrameProcessor
from psen_processing.processing import ProcessingSettings
from psen_processing.roi import Roi
from psen_processing.synthetic import SpectrumModel, image, spectrum
from psen_processing.timing import (
    ChannelClassifier,
    EdgeDetectionSettings,
    EdgeTracker,
    PulseIdClassifier,
    ShotTiming,
)

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
            {"background_subtraction": subtract}
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
