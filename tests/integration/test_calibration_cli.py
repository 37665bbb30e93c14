"""The simulated camera's delay scan from the command line: options, errors, and a calibration
run against the real command."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest

from psen_processing import PsenProcessingClient
from psen_processing.sim.camera import main as camera_main

from ..conftest import free_port, wait_for_rest, wait_until
from .test_cli import COMMAND, _env, assert_usage_error


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tcp://cam:9000", "CAM", "--sim_delay_scan", "5"], "add --simulate"),
        (["--simulate", "--sim_delay_scan", "1"], "2-10000 steps"),
        (["--simulate", "--sim_delay_scan", "5", "--sim_scan_shots", "0"], "2-10000 steps"),
        (["--simulate", "--sim_delay_scan", "5", "--sim_scan_jitter", "-1"], "jitter"),
    ],
)
def test_bad_scan_options_are_a_clear_error(tmp_path: Path, argv: list[str], message: str) -> None:
    assert_usage_error(tmp_path, argv, message)


def test_the_camera_command_refuses_a_bad_scan(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        camera_main(["--port", str(free_port()), "--delay_scan", "1"])
    assert exited.value.code == 2
    assert "2-10000 steps" in capsys.readouterr().err


def test_simulate_with_a_delay_scan_calibrates(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            *(*COMMAND, "--simulate", "--duration", "120", "-r", "0", "-o", "0"),
            *(
                "--rest_api_interface",
                "127.0.0.1",
            ),
            *("--sim_width", "512", "--sim_height", "64", "--sim_rate", "200"),
            *("--sim_delay_scan", "5", "--sim_scan_shots", "20"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        assert process.stdout is not None
        head = [process.stdout.readline() for _ in range(3)]
        assert any('{"delay_channel": "SIM-PSEN:DELAY", "unit": "ps"}' in line for line in head)
        printed = re.search(r"REST API http://127\.0\.0\.1:(\d+)/", head[0])
        assert printed is not None, head  # -r 0: the port the system chose, printed
        rest = int(printed[1])
        wait_for_rest(rest, "processing")
        client = PsenProcessingClient(f"http://127.0.0.1:{rest}")
        wait_until(lambda: client.get_statistics()["frames_sent"] > 0, 30, "frames")
        client.start_calibration("SIM-PSEN:DELAY", unit="ps", order=1)
        wait_until(lambda: client.get_calibration()["fit"] is not None, 60, "a fit")
        fit = client.get_calibration()["fit"]
        assert 3.0 < fit["coefficients"][1] < 7.0  # about 5 fs/px at the chip's middle
        applied = client.apply_calibration()  # the fit of the points by then (the run goes on)
        assert applied["points"] >= fit["points"]
        assert client.get_edge_detection()["calibration"] == applied["coefficients"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate(timeout=30)
