"""The psen_processing command, run as a real process."""

from __future__ import annotations

import argparse
import os
import re
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
from psen_processing.cli import build_parser, live_page_address, parse_args
from psen_processing.codec import Decoder
from psen_processing.sim.camera import build_parser as camera_parser
from psen_processing.sim.messages import encode_message

from ..conftest import (
    IMAGE,
    ServiceProcess,
    Source,
    command_line,
    wait_for_rest,
)

COMMAND = [sys.executable, "-m", "psen_processing.cli"]
CAMERA = "import sys; from psen_processing.sim.camera import main; sys.exit(main())"


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}


def assert_usage_error(tmp_path: Path, argv: list[str], message: str) -> None:
    """The command with ``argv`` exits 2 with ``message`` on stderr, and no traceback."""
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
        (["--simulate", "--duration", "nan"], "not a number in range"),
        (["--simulate", "--duration", "0"], "not a number in range"),
        (["--simulate", "--sim_rate", "0"], "not a number in range (above 0, at most 100000)"),
        (["--simulate", "--sim_rate", "1e6"], "not a number in range"),
        (["--simulate", "--sim_width", "4"], "not an integer in range (8-8192)"),
        (["--simulate", "--sim_height", "1.5"], "not an integer in range"),
    ],
)
def test_bad_arguments_are_a_clear_error_not_a_traceback(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    assert_usage_error(tmp_path, argv, message)


def test_service_process_end_to_end(
    tmp_path: Path, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    settings = tmp_path / "cam.json"
    # -r 0 and -o 0: the system picks both ports, the command prints them
    service = ServiceProcess(
        command_line(source.address, 0, settings, "--auto_start"), env=_env(tmp_path)
    )
    sink = zmq_context.socket(zmq.PULL)
    sink.setsockopt(zmq.LINGER, 0)
    try:
        rest, output = service.ports()
        wait_for_rest(rest, "processing")
        client = PsenProcessingClient(f"http://127.0.0.1:{rest}", timeout=2)
        client.set_roi_signal([0, 5, 0, 2])
        sink.connect(f"tcp://127.0.0.1:{output}")
        source.send(encode_message(42, [(IMAGE, np.ones((2, 5), dtype=np.uint16))]))
        assert sink.poll(10000), "no output from the service process"
        message = Decoder().decode(sink.recv_multipart())
        assert message.pulse_id == 42
        np.testing.assert_array_equal(message.array(f"{IMAGE}.roi_signal_x_profile"), [2.0] * 5)
        service.process.send_signal(signal.SIGTERM)
        assert service.finish() == 0, service.output
        assert '"roi_signal": [\n    0,' in settings.read_text()
    finally:
        sink.close(linger=0)
        service.finish(0)


def _demo(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*COMMAND, "--simulate", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
    )


def _finish(process: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return process.communicate(timeout=90)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def test_main_job_runs_the_simulated_camera_and_shows_numbers(tmp_path: Path) -> None:
    # -r 0: the system picks the port; the page's address shows the one it picked
    process = _demo(
        tmp_path,
        *("--duration", "6", "-r", "0", "-o", "0", "--sim_width", "512"),
        *("--sim_height", "64"),
    )
    try:
        assert process.stdout is not None
        head = [process.stdout.readline().rstrip("\n") for _ in range(4)]
        pages = [line.split("open ")[1].split()[0] for line in head if "live view: open" in line]
        assert len(pages) == 1, head
        page = pages[0]
        # the default interface is all of them: the page is shown at localhost
        assert page.startswith("http://localhost:") and not page.endswith(":0/"), page
        answer = requests.get(page, timeout=10)
        assert answer.status_code == 200 and "psen_processing live view" in answer.text
        live = requests.get(f"{page}live", timeout=10).json()
        assert live["prefix"] == "SIM-PSEN" and live["roi_signal"] == [0, 512, 24, 16]
    finally:
        rest_of_output, errors = _finish(process)
    assert process.returncode == 0, errors
    lines = head + rest_of_output.splitlines()
    assert any("simulated camera SIM-PSEN:FPICTURE" in line for line in lines)
    # the page's address is printed once, not in every report
    assert sum(page in line for line in lines) == 1, lines
    port = page.rsplit(":", 1)[1]
    assert f"REST API http://127.0.0.1:{port}" in head[0], head
    # what the demo switched on, said once at the start
    assert (
        "psen_processing: example ROIs set (none were saved): signal ROI [0, 512, 24, 16] "
        "(rows 24-39, on the spectrum), background ROI [0, 512, 0, 8] (rows 0-7, no light)"
    ) in head
    switched = [line for line in head if "edge detection switched on" in line]
    assert len(switched) == 1 and "demo calibration 10 fs/px, 0 fs at px 256" in switched[0]
    outputs = [line for line in lines if "output pulse" in line]
    assert outputs, rest_of_output
    assert "signal ROI [0, 512, 24, 16]: profile peak" in outputs[-1]
    assert "background ROI [0, 512, 0, 8]: profile mean" in outputs[-1]
    # edge detection is on in the demo: the found edge is shown next to the simulated one
    found = outputs[-1].split("edge at px ")[1]
    position, truth = float(found.split()[0]), float(found.split("simulated: ")[1].split(")")[0])
    assert abs(position - truth) < 10
    counters = [line for line in lines if line.startswith("processing:")]
    frames_out = int(counters[-1].split(" in, ")[1].split(" out")[0])
    assert frames_out > 10
    cameras = [line.strip() for line in lines if line.strip().startswith("camera ")]
    assert cameras, lines
    rate = float(cameras[-1].removeprefix("camera ").split(" Hz of 25 Hz, ")[0])
    assert 22.5 <= rate <= 27.5, cameras  # not behind (under 90 %)
    # it ends with a summary
    summary = lines[-1]
    assert summary.startswith("psen_processing: summary after "), lines[-3:]
    assert "the simulated camera sent " in summary and "kept its rate" in summary
    tally = summary.split("edge found on ")[1]
    found_on, shots = int(tally.split()[0]), int(tally.split(" of ")[1].split()[0])
    assert shots > 5 and found_on >= shots - 1, summary
    assert float(summary.split("mean ")[1].split()[0]) < 3.0, summary
    assert "falling behind" not in errors and "behind its rate" not in errors


def test_demo_warns_once_when_the_camera_cannot_keep_its_rate(tmp_path: Path) -> None:
    """A deliberately impossible rate (100 kHz): one warning, the reports and the summary say
    so."""
    process = _demo(
        tmp_path,
        *("--duration", "5", "-r", "0", "-o", "0", "--sim_rate", "100000"),
        *("--sim_width", "64", "--sim_height", "16"),
    )
    output, errors = _finish(process)
    assert process.returncode == 0, errors
    warnings = [line for line in errors.splitlines() if "behind its rate" in line]
    assert len(warnings) == 1, errors
    assert "WARNING" in warnings[0] and "of 100000 Hz" in warnings[0]
    reports = [line.strip() for line in output.splitlines() if "camera BEHIND its rate" in line]
    assert reports, output
    assert "fell behind its rate 1 time(s)" in output.splitlines()[-1]


def test_help_shows_every_option_with_its_default() -> None:
    """Every option listed by the parser has a help text in ``--help``, which says its default
    (the value, when the parser has one)."""
    for command, parser in (
        (COMMAND, build_parser()),
        ([sys.executable, "-c", CAMERA], camera_parser()),
    ):
        done = subprocess.run(
            [*command, "--help"], capture_output=True, text=True, timeout=60, check=True
        )
        entries = _help_entries(done.stdout)
        for action in parser._actions:
            if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
                continue
            names = action.option_strings or [str(action.metavar or action.dest)]
            matching = [
                text
                for header, text in entries.items()
                if (
                    header == names[0]
                    if not action.option_strings
                    else all(re.search(rf"(^|[ ,]){re.escape(n)}\b", header) for n in names)
                )
            ]
            assert len(matching) == 1, (names, list(entries))
            text = matching[0]
            assert text, f"{names}: no help text"
            if not action.option_strings:
                continue
            assert "default" in text, f"{names}: no default shown in {text!r}"
            default = action.default
            if default is not None:
                assert _shown(default) in text, f"{names}: default {default!r} not in {text!r}"


def _shown(default: object) -> str:
    """How the help shows a default: flags 'off', empty lists 'none', the value otherwise."""
    if default is False:
        return "off"
    if default == []:
        return "none"
    if isinstance(default, float):
        return f"{default:g}"
    return str(default)


def _help_entries(text: str) -> dict[str, str]:
    """argparse's help: each entry's first line (two spaces in) and its help text."""
    entries: dict[str, str] = {}
    header: str | None = None
    for line in text.splitlines():
        if line.startswith("  ") and not line.startswith("   "):
            # "  -o PORT, --output_stream_port PORT   help text" or the text on the next line
            header, _, rest = line.strip().partition("  ")
            entries[header] = rest.strip()
        elif line.startswith("   ") and header is not None:
            entries[header] = f"{entries[header]} {line.strip()}".strip()
        else:
            header = None
    return entries


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
