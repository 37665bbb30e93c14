"""Issue 16, item 5: the command lines of every released version start the service: 1.1.0's
positional ``INPUT_STREAM PREFIX -o/--output_stream_port``, 1.2.x's ``--data_output_stream_port``
and ``--image_output_stream_port`` (short ``-o`` and ``-i``), ``--log_level=INFO``. A call
without INPUT_STREAM and PREFIX is a usage error, as it was; the demo needs ``--simulate``."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
from bsread import PULL, Sender
from bsread import Source as BsreadSource

from psen_processing.cli import parse_args

from ..conftest import free_port, wait_for_rest
from .conftest import close_bsread, receive

COMMAND = [sys.executable, "-m", "psen_processing.cli"]

# the arguments after "psen_processing" in the systemd units of the original repository
UNITS = {
    "SLAAR21-LCAM-C561 (1.1.0)": "tcp://daqsf-sioc-cs-83:8010 SLAAR21-LCAM-C561 "
    "--output_stream_port 8888 --rest_api_port 11000 --log_level=INFO --auto_start",
    "SLAAR11-LCAM-C422 (1.1.0)": "tcp://daqsf-sioc-cs-81:8120 SLAAR11-LCAM-C422 "
    "--output_stream_port 8890 --rest_api_port 11001 --log_level=INFO --auto_start",
    "SARES11-SPEC125-M2 (1.2.0)": "tcp://daqsf-sioc-cs-82:9010 SARES11-SPEC125-M2 "
    "--output_stream_port 8895 --rest_api_port 11002 --log_level=INFO --auto_start",
    "SARES20-CAMS142-M5 (1.2.x)": "tcp://daqsf-sioc-cs-85:9010 SARES20-CAMS142-M5 "
    "--data_output_stream_port 9895 --image_output_stream_port 9896 --rest_api_port 12002 "
    "--log_level=INFO --auto_start",
    "SARES20-CAMS142-M4 (1.2.x)": "tcp://daqsf-sioc-cs-85:9000 SARES20-CAMS142-M4 "
    "--data_output_stream_port 9885 --image_output_stream_port 9886 --rest_api_port 12003 "
    "--log_level=INFO --auto_start",
}


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_the_command_lines_of_the_released_units_parse(unit: str) -> None:
    words = shlex.split(UNITS[unit])
    args = parse_args(words)
    assert args.input_stream == words[0] and args.prefix == words[1]
    ports = {w: int(words[i + 1]) for i, w in enumerate(words) if w.endswith("_port")}
    assert args.output_stream_port == ports.get(
        "--data_output_stream_port", ports.get("--output_stream_port")
    )
    assert args.image_output_port == ports.get("--image_output_stream_port")
    if args.image_output_port is not None:
        assert args.image_output_mode == "push"  # as 1.2.x's image stream: psi-bsread's PULL
    assert args.rest_api_port == ports["--rest_api_port"]
    assert args.log_level == "INFO" and args.auto_start and not args.simulate


def test_short_forms_of_the_output_ports() -> None:
    args = parse_args(["tcp://cam:9000", "CAM", "-o", "8895", "-i", "8896", "-r", "12000"])
    assert (args.output_stream_port, args.image_output_port) == (8895, 8896)
    assert args.image_output_mode == "push" and args.rest_api_port == 12000
    viewers = parse_args(["tcp://cam:9000", "CAM", "--image_output_port", "8896"])
    assert (viewers.image_output_port, viewers.image_output_mode) == (8896, "pub")


def test_the_options_of_1_0_for_the_input_and_the_prefix() -> None:
    args = parse_args(["--input_stream", "tcp://cam:9000", "-p", "CAM", "--auto_start"])
    assert (args.input_stream, args.prefix, args.auto_start) == ("tcp://cam:9000", "CAM", True)


def _run(argv: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
        check=False,
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "INPUT_STREAM and PREFIX are required"),
        (["--auto_start"], "INPUT_STREAM and PREFIX are required"),
        (["-o", "8895"], "INPUT_STREAM and PREFIX are required"),
        (["--simulate", "tcp://cam:9000", "CAM"], "--simulate"),
        (["tcp://cam:9000", "CAM", "-o", "1", "--data_output_stream_port", "2"], "two different"),
        (["tcp://cam:9000", "CAM", "--image_output_port", "1", "-i", "2"], "give one of them"),
        (["tcp://cam:9000", "CAM", "-o", "8888", "-i", "8888"], "must differ"),
        (["tcp://a:1", "CAM", "--input_stream", "tcp://b:2"], "two different input streams"),
        (["--input_stream", "tcp://cam:9000"], "PREFIX is required"),
    ],
)
def test_usage_errors(tmp_path: Path, argv: list[str], message: str) -> None:
    done = _run(argv, tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "usage:" in done.stderr
    assert "Traceback" not in done.stderr
    if not argv:
        assert "--simulate" in done.stderr  # says how to run the demo


def test_a_1_2_unit_command_line_runs_with_its_data_and_image_streams(tmp_path: Path) -> None:
    camera_port, data, images, rest = free_port(), free_port(), free_port(), free_port()
    camera = Sender(port=camera_port, address="tcp://127.0.0.1", send_timeout=10000)
    camera.open()
    argv = [
        *(f"tcp://127.0.0.1:{camera_port}", "SARES20-CAMS142-M4"),
        *("--data_output_stream_port", str(data), "--image_output_stream_port", str(images)),
        *("--rest_api_port", str(rest), "--log_level=INFO", "--auto_start"),
        *("--rest_api_interface", "127.0.0.1", "--settings_file", str(tmp_path / "m4.json")),
    ]
    process = subprocess.Popen(
        [*COMMAND, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path)},
    )
    receivers: list[Any] = []
    try:
        wait_for_rest(rest, "processing")
        url = f"http://127.0.0.1:{rest}"
        requests.post(f"{url}/roi_signal", json=[0, 8, 0, 2], timeout=5)
        # 1.2.x's consumers: psi-bsread receivers in their default mode (PULL), on both ports
        for port in (data, images):
            receiver = BsreadSource(host="127.0.0.1", port=port, mode=PULL, receive_timeout=100)
            receiver.connect()
            receivers.append(receiver)
        image = np.arange(4 * 8, dtype=np.uint16).reshape(4, 8)
        name = "SARES20-CAMS142-M4:FPICTURE"
        for pulse_id in range(50):  # until the image stream's consumer is connected
            camera.send(data={name: image}, pulse_id=pulse_id)
            message = receive(receivers[0])
            assert message.pulse_id == pulse_id
            profile = message.data[f"{name}.roi_signal_x_profile"].value
            assert profile.tolist() == image[0:2].sum(0).tolist()
            seen = receivers[1].receive()
            if seen is not None:
                assert list(seen.data.data) == [name]
                np.testing.assert_array_equal(seen.data.data[name].value, image)
                break
        else:
            pytest.fail("no image on the image output stream")
    finally:
        for receiver in receivers:
            close_bsread(receiver.disconnect, receiver.stream)
        close_bsread(camera.close, camera.stream)
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert process.returncode == 0, errors
