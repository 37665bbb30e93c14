"""The learned-noise edge search through the real stream, on frames of two members of the
benchmark family (benchmarks/psen_family): whole camera images with pedestal, fringes, jitter
and dead or hot columns, as the camera would send them."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zmq

from psen_processing.core.edge_tracking import EdgeDetectionSettings, EdgeTracker
from psen_processing.core.learned_edge import CONFIDENT_RATIOS, is_confident
from psen_processing.core.roi import Roi
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Running, Source, wait_until

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

from psen_family.generator import Run  # noqa: E402
from psen_family.members import TUNING_MEMBERS  # noqa: E402

CHANNELS = (
    "edge_position",
    "edge_amplitude",
    "edge_z",
    "edge_runner_up_ratio",
    "edge_width",
    "edge_localisation",
)
WARMUP = 40
"""X-ray shots before the scored ones (the references and the model fill in)."""
SCORED = 60


def _value(message: Any, name: str) -> float:
    return float(message.value(f"{IMAGE}.{name}"))


@pytest.mark.parametrize("member", ["drifting_1024", "broadband_falling"])
def test_edges_of_family_frames_through_the_stream(
    member: str, running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    """Found where they are, reported with their confidence, and the same, shot by shot, as
    the tracker gives with its model builds done at once: the service's builds off the loop
    change no result."""
    run = Run({m.name: m for m in TUNING_MEMBERS}[member], 0.1, 3)
    geometry = run.geometry
    running.client.set_roi_signal(list(geometry.signal))
    running.client.set_roi_background(list(geometry.background))
    settings = running.client.set_edge_detection(
        {"enabled": True, "direction": run.direction, "method": "learned"}
    )
    assert settings["method"] == "learned" and settings["pedestal"] == "background"
    running.client.start()
    sink = running.sink(zmq_context)
    tracker = EdgeTracker()  # builds at once
    local = EdgeDetectionSettings().updated(settings)
    roi = Roi(*geometry.signal)
    scale = geometry.signal[3] / geometry.background[3]
    errors: list[float] = []
    confident_off = 0
    confident_shots = 0
    grown = 0
    confident_sent = 0  # warm-up included
    xray = 0
    for shot in run.shots(2 * (WARMUP + SCORED)):
        source.send(encode_message(shot.truth.pulse_id, [(IMAGE, shot.image())]))
        message = sink.receive()
        signal = np.asarray(message.value(f"{IMAGE}.roi_signal_x_profile"), dtype=np.float64)
        background = np.asarray(
            message.value(f"{IMAGE}.roi_background_x_profile"), dtype=np.float64
        )
        expected = tracker.update(
            local,
            roi_signal=roi,
            pulse_id=shot.truth.pulse_id,
            lookup=lambda _: None,
            signal=signal,
            background=background * scale,
        )
        got = {name: _value(message, name) for name in CHANNELS}
        want = dict(
            zip(
                CHANNELS,
                (
                    expected.edge.position,
                    expected.edge.amplitude,
                    expected.edge.z,
                    expected.edge.runner_up_ratio,
                    expected.edge.width,
                    expected.edge.localisation,
                ),
                strict=True,
            )
        )
        assert got == pytest.approx(want, rel=1e-9, nan_ok=True), shot.truth.pulse_id
        confident = message.value(f"{IMAGE}.edge_confident")
        assert isinstance(confident, bool)
        confident_sent += confident
        assert confident == expected.edge.confident, shot.truth.pulse_id
        if not shot.truth.is_xray:
            assert all(math.isnan(v) for v in got.values())
            assert confident is False
            continue
        xray += 1
        if xray <= WARMUP:
            continue
        model = tracker.learned.model
        assert model is not None
        error = got["edge_position"] - shot.truth.position
        errors.append(error)
        assert confident == is_confident(
            got["edge_z"],
            got["edge_runner_up_ratio"],
            got["edge_localisation"],
            model.references_used,
        )
        grown += model.references_used >= CONFIDENT_RATIOS
        confident_shots += confident
        if confident and not abs(error) <= 10:
            confident_off += 1
        assert got["edge_width"] in (2, 3, 5, 7, 10, 14, 20, 28, 40)
        assert got["edge_amplitude"] == pytest.approx(0.1, abs=0.06)
    found = [e for e in errors if math.isfinite(e)]
    assert len(found) >= 0.95 * SCORED
    assert all(abs(e) < 10 for e in found), found
    assert float(np.median(np.abs(found))) < 1.5
    assert confident_off == 0
    assert grown >= SCORED / 3  # shots with a model from enough ratios to be confident
    assert confident_shots >= 0.9 * grown
    # the statistics count a frame just after it is sent: wait for the last one
    wait_until(
        lambda: running.client.get_statistics()["edge_detection"]["xray_shots"] == xray,
        what="the statistics to count every X-ray shot",
    )
    edge_statistics = running.client.get_statistics()["edge_detection"]
    assert edge_statistics["edges_confident"] == confident_sent
    assert edge_statistics["edge_confident_ratio"] == round(confident_sent / xray, 4)
    model = edge_statistics["noise_model"]
    assert tracker.learned.model.references_used == 64  # the milestone at 64 ratios
    assert model == {"learned_from_references": 64, "failed_builds": 0}
