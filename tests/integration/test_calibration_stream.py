"""A delay scan from the simulated camera through the real stream and REST: start, stop, fit,
apply, the output's arrival_time and processing_parameters, restore, persistence; and the
endpoints' errors."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.service import PsenService
from psen_processing.settings_file import SettingsStore
from psen_processing.sim.camera import CameraConfig, CameraSender, SimulatedCamera

from ..conftest import Running, wait_until

PREFIX = "SIM-PSEN"
WIDTH, HEIGHT = 512, 64
STEPS, SHOTS, JITTER_FS = 10, 30, 20.0
CONFIG = CameraConfig(
    prefix=PREFIX,
    width=WIDTH,
    height=HEIGHT,
    rate_hz=250,
    scan_steps=STEPS,
    scan_shots=SHOTS,
    scan_jitter_fs=JITTER_FS,
)
FIRST_CALIBRATION = [-2560.0, 10.0]
PARAMETERS = f"{PREFIX}:FPICTURE.processing_parameters"


@pytest.fixture
def scan_service(make_service: Callable[..., Running]) -> Iterator[Running]:
    sender = CameraSender(SimulatedCamera(CONFIG), "tcp://127.0.0.1:0")
    sender.start()
    try:
        # no consumer until the apply: frames meanwhile are dropped, not waited for
        running = make_service(f"tcp://127.0.0.1:{sender.port}", prefix=PREFIX, output_mode="drop")
        running.client.set_roi_signal([0, WIDTH, 24, 16])
        running.client.set_roi_background([0, WIDTH, 0, 8])
        running.client.set_edge_detection({"enabled": True, "calibration": FIRST_CALIBRATION})
        running.client.start()
        wait_until(lambda: running.service.latest is not None, 20, "a processed frame")
        yield running
    finally:
        sender.stop()


def _post(running: Running, path: str, body: Any = None) -> requests.Response:
    return requests.post(f"{running.url}/{path}", json=body, timeout=10)


def test_a_simulated_scan_calibrates_and_later_frames_follow_it(
    scan_service: Running, zmq_context: zmq.Context[Any]
) -> None:
    running, client = scan_service, scan_service.client
    state = client.start_calibration(CONFIG.delay_channel, unit="ps", order=2)
    assert state["run"]["state"] == "running"
    assert state["run"]["delay_channel"] == CONFIG.delay_channel

    def points() -> int:
        return int(client.get_calibration()["run"]["points"])

    # one whole cycle of the scan and a step more: every step is in
    wait_until(lambda: points() >= (STEPS + 1) * SHOTS, 60, "a whole delay scan")
    stopped = client.stop_calibration()
    assert stopped["run"]["state"] == "stopped"
    fit = stopped["fit"]
    assert fit is not None, stopped["fit_problem"]
    assert len(fit["steps"]) == STEPS
    truth = np.array(CONFIG.truth_calibration)
    coefficients, errors = np.array(fit["coefficients"]), np.array(fit["coefficient_errors"])
    # the coefficients match the simulated relation within 5 of their standard errors
    assert np.all(np.abs(coefficients - truth) < 5 * errors), (coefficients, truth, errors)
    # and the curve itself, over the pixels the scan covered, within a few step-mean errors
    grid = np.linspace(*fit["covered_px"], 100)
    curve = np.polynomial.polynomial.polyval(grid, coefficients)
    error = curve - np.polynomial.polynomial.polyval(grid, truth)
    # (a fit of N shots of scatter s with 3 coefficients is right to about s * sqrt(3 / N);
    # 6 of those allow for the ends of the range, where it is least sure)
    expected = fit["residual_rms_fs"] * math.sqrt(3 / fit["points"])
    assert np.abs(error).max() < 6 * expected, (np.abs(error).max(), expected)
    assert 0.5 * JITTER_FS < fit["residual_rms_fs"] < 3 * JITTER_FS
    assert stopped["run"]["xray_shots"] >= fit["points"]

    sink = running.sink(zmq_context)
    applied = client.apply_calibration()
    assert applied["coefficients"] == fit["coefficients"]
    assert applied["points"] == fit["points"]
    assert applied["delay_channel"] == CONFIG.delay_channel and applied["unit"] == "ps"
    assert client.get_edge_detection()["calibration"] == fit["coefficients"]

    # later frames: arrival_time is the applied polynomial at edge_position, and so follows the
    # scan's delay to within the X-ray jitter
    offsets: list[float] = []
    while len(offsets) < 200:
        message = sink.receive()
        parameters = json.loads(str(message.value(PARAMETERS)))
        source = parameters.get("calibration_source")
        if source is None or source["id"] != applied["id"]:
            continue  # sent before the apply
        assert parameters["edge_detection"]["calibration"] == fit["coefficients"]
        assert source["points"] == fit["points"]
        position = float(message.value(f"{PREFIX}:FPICTURE.edge_position"))  # type: ignore[arg-type]
        arrival = float(message.value(f"{PREFIX}:FPICTURE.arrival_time"))  # type: ignore[arg-type]
        if not math.isfinite(position):
            continue
        assert arrival == pytest.approx(
            float(np.polynomial.polynomial.polyval(position, coefficients)), rel=1e-12, abs=1e-9
        )
        delay_fs = 1000.0 * float(message.value(CONFIG.delay_channel))  # type: ignore[arg-type]
        offsets.append(arrival - delay_fs)
    spread = float(np.std(offsets))
    assert 0.5 * JITTER_FS < spread < 3 * JITTER_FS
    assert abs(float(np.mean(offsets))) < 5 * spread / math.sqrt(len(offsets)) + 6 * expected

    # the previous calibration is kept and can be restored; the file keeps both
    restored = client.restore_calibration()
    assert restored["calibration"] == FIRST_CALIBRATION
    assert restored["applied"] is None
    assert restored["previous"]["applied"]["id"] == applied["id"]
    record = SettingsStore(running.settings_path).load().settings.calibration_record
    assert record.previous is not None and record.previous.applied is not None
    assert record.previous.applied.id == applied["id"]
    # a second restore puts the fit back, with its provenance
    again = client.restore_calibration()
    assert again["calibration"] == fit["coefficients"]
    assert again["applied"]["id"] == applied["id"]
    # a restarted service has both, from the settings file
    restarted = PsenService(running.service.config, SettingsStore(running.settings_path))
    try:
        state = restarted.calibration_json()
        assert restarted.settings_problem is None
        assert state["calibration"] == fit["coefficients"]
        assert state["applied"]["id"] == applied["id"]
        assert state["previous"]["calibration"] == FIRST_CALIBRATION
        parameters = json.loads(restarted.settings.parameters_json)
        assert parameters["calibration_source"]["id"] == applied["id"]
    finally:
        restarted.close()


def test_calibration_errors_name_the_problem_and_change_nothing(scan_service: Running) -> None:
    running = scan_service
    before = running.client.get_edge_detection()
    reply = _post(running, "calibration/apply")
    assert reply.status_code == 409 and "no fit to apply" in reply.json()["status"]
    reply = _post(running, "calibration/restore")
    assert reply.status_code == 409 and "no previous calibration" in reply.json()["status"]
    reply = _post(running, "calibration/stop")
    assert reply.status_code == 409 and "no calibration run is running" in reply.json()["status"]
    reply = _post(running, "calibration/start", {"delay_channel": "NO:SUCH"})
    assert reply.status_code == 400
    assert "unknown delay channel 'NO:SUCH'" in reply.json()["status"]
    assert CONFIG.delay_channel in reply.json()["status"]  # the channels present are named
    reply = _post(
        running, "calibration/start", {"delay_channel": CONFIG.delay_channel, "unit": "m"}
    )
    assert reply.status_code == 400 and "unit='m'" in reply.json()["status"]
    reply = _post(running, "calibration/start", {"delay_channel": CONFIG.delay_channel, "order": 9})
    assert reply.status_code in (400, 422) and "order" in reply.text
    assert running.client.get_calibration()["run"]["state"] == "idle"
    running.client.start_calibration(CONFIG.delay_channel, unit="ps")
    with pytest.raises(ValueError, match="already running"):
        running.client.start_calibration(CONFIG.delay_channel, unit="ps")
    running.client.stop_calibration()
    running.client.stop()
    reply = _post(running, "calibration/start", {"delay_channel": CONFIG.delay_channel})
    assert reply.status_code == 409 and "processing is stopped" in reply.json()["status"]
    assert running.client.get_edge_detection() == before


def test_a_new_signal_roi_discards_the_runs_points(scan_service: Running) -> None:
    client = scan_service.client
    client.start_calibration(CONFIG.delay_channel, unit="ps")
    wait_until(lambda: client.get_calibration()["run"]["points"] >= 20, 30, "points")
    client.set_roi_signal([0, WIDTH, 20, 24])
    run = client.get_calibration()["run"]
    assert run["state"] == "running"
    assert run["points"] < 20
    assert "signal ROI changed" in run["discarded"]
    wait_until(lambda: client.get_calibration()["run"]["points"] >= 5, 30, "new points")
