"""The psen_processing command, run as a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing import PsenProcessingClient
from psen_processing.cli import live_page_address, parse_args
from psen_processing.codec import Decoder, encode_message

from ..conftest import (
    IMAGE,
    Source,
    command_line,
    free_port,
    wait_for_rest,
)

COMMAND = [sys.executable, "-m", "psen_processing.cli"]


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_seed_arguments_are_accepted() -> None:
    args = parse_args(
        [
            *("tcp://cam:9000", "SLAAR21-LCAM-C561", "-o", "9999", "-r", "12000"),
            *("--rest_api_interface", "127.0.0.1", "--log_level", "DEBUG", "--auto_start"),
        ]
    )
    assert (args.input_stream, args.prefix) == ("tcp://cam:9000", "SLAAR21-LCAM-C561")
    assert (args.output_stream_port, args.rest_api_port) == (9999, 12000)
    assert args.rest_api_interface == "127.0.0.1" and args.auto_start
    assert parse_args(["tcp://cam:9000", "--prefix", "CAM"]).prefix == "CAM"
    defaults = parse_args(["tcp://cam:9000", "CAM"])
    assert (defaults.output_stream_port, defaults.rest_api_port) == (8888, 11000)
    assert defaults.rest_api_interface == "0.0.0.0" and not defaults.auto_start


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cam:9000", "CAM"], "expected tcp://HOST:PORT"),
        (["tcp://cam", "CAM"], "expected tcp://HOST:PORT"),
        (["tcp://cam:99999", "CAM"], "expected tcp://HOST:PORT"),
        (["tcp://cam:9000"], "PREFIX is required"),
        (["tcp://cam:9000", "A", "--prefix", "B"], "two different prefixes"),
        (["tcp://cam:9000", "CAM", "-o", "port"], "not a port number"),
        (["tcp://cam:9000", "CAM", "--image_output_port", "8888"], "must differ from the output"),
        (["tcp://cam:9000", "CAM", "--health_timeout", "0"], "not a number of seconds"),
        (["tcp://cam:9000", "CAM", "--health_timeout", "nan"], "not a number of seconds"),
    ],
)
def test_bad_arguments_are_a_clear_error_not_a_traceback(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    done = subprocess.run(
        [*COMMAND, *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(tmp_path),
        check=False,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_service_process_end_to_end(
    tmp_path: Path, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    rest, output = free_port(), free_port()
    settings = tmp_path / "cam.json"
    process = subprocess.Popen(
        command_line(source.address, rest, settings, "--auto_start", output=output),
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sink = zmq_context.socket(zmq.PULL)
    sink.setsockopt(zmq.LINGER, 0)
    try:
        wait_for_rest(rest, "processing")
        client = PsenProcessingClient(f"http://127.0.0.1:{rest}", timeout=2)
        client.set_roi_signal([0, 5, 0, 2])
        sink.connect(f"tcp://127.0.0.1:{output}")
        source.send(encode_message(42, [(IMAGE, np.ones((2, 5), dtype=np.uint16))]))
        assert sink.poll(10000), "no output from the service process"
        message = Decoder().decode(sink.recv_multipart())
        assert message.pulse_id == 42
        np.testing.assert_array_equal(message.array(f"{IMAGE}.roi_signal_x_profile"), [2.0] * 5)
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        assert '"roi_signal": [\n    0,' in settings.read_text()
    finally:
        sink.close(linger=0)
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def test_main_job_runs_the_simulated_camera_and_shows_numbers(tmp_path: Path) -> None:
    rest, output = free_port(), free_port()
    process = subprocess.Popen(
        [
            *(*COMMAND, "--simulate", "--duration", "6", "-r", str(rest), "-o", str(output)),
            *("--sim_width", "512", "--sim_height", "64"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )
    try:
        assert process.stdout is not None
        head = [process.stdout.readline() for _ in range(2)]
        # the default interface is all of them: the page is shown at localhost
        page = f"http://localhost:{rest}/"
        assert any(f"live view: open {page}" in line for line in head), head
        answer = requests.get(page, timeout=10)
        assert answer.status_code == 200 and "psen_processing live view" in answer.text
        live = requests.get(f"{page}live", timeout=10).json()
        assert live["prefix"] == "SIM-PSEN" and live["roi_signal"] == [0, 512, 24, 16]
        rest_of_output, errors = process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)
    assert process.returncode == 0, errors
    lines = head + rest_of_output.splitlines()
    assert any("simulated camera SIM-PSEN:FPICTURE" in line for line in lines)
    assert any(line.strip() == f"live view: {page}" for line in lines)  # in every report
    outputs = [line for line in lines if "output pulse" in line]
    assert outputs, rest_of_output
    assert "ROIs [0, 512, 24, 16] / [0, 512, 0, 8]" in outputs[-1]
    assert "signal profile peak" in outputs[-1]
    # edge detection is on in the demo: the found edge is shown next to the simulated one
    found = outputs[-1].split("edge at px ")[1]
    position, truth = float(found.split()[0]), float(found.split("simulated: ")[1].split(")")[0])
    assert abs(position - truth) < 10
    counters = [line for line in lines if line.startswith("processing:")]
    frames_out = int(counters[-1].split(" in, ")[1].split(" out")[0])
    assert frames_out > 10


@pytest.mark.parametrize(
    ("interface", "address"),
    [
        ("0.0.0.0", "http://localhost:11000/"),
        ("127.0.0.1", "http://127.0.0.1:11000/"),
        ("sf-daq-1", "http://sf-daq-1:11000/"),
        ("::1", "http://[::1]:11000/"),
    ],
)
def test_live_page_address(interface: str, address: str) -> None:
    assert live_page_address(interface, 11000) == address


def test_image_output_port_option() -> None:
    assert parse_args(["tcp://cam:9000", "CAM"]).image_output_port is None
    assert (
        parse_args(["tcp://cam:9000", "CAM", "--image_output_port", "8889"]).image_output_port
        == 8889
    )
