"""Settings across crashes: a save killed at any moment; a corrupt file when the command starts."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from psen_processing import PsenProcessingClient
from psen_processing.core.edge_tracking import ChannelClassifier
from psen_processing.core.roi import Roi
from psen_processing.settings_file import SettingsStore

from ..conftest import ServiceProcess, command_line, wait_for_rest

# Saves settings whose numbers grow with every save, as fast as it can, until it is killed.
# Every number in the file is the save's number: a torn or mixed write could not go unseen.
SAVER = """
import sys
from pathlib import Path

import pytest
from psen_processing.core.profiles import ProcessingSettings
from psen_processing.core.roi import parse_roi
from psen_processing.core.roi import Roi
from psen_processing.settings_file import SettingsStore
from psen_processing.core.edge_tracking import EdgeDetectionSettings

store, n = SettingsStore(Path(sys.argv[1])), int(sys.argv[2])
edge = EdgeDetectionSettings()
while True:
    n += 1
    edge = edge.updated({"calibration": [float(n)] * 8, "reference": {"mode": "channel",
        "channel": str(n) * (256 // len(str(n))), "threshold": float(n)}})
    store.save(ProcessingSettings(parse_roi([0, 1, 0, 1], "roi_signal"), None, edge))
    if n == int(sys.argv[2]) + 1:
        print("ready", flush=True)  # one save done: the file exists, saving goes on
"""


@pytest.mark.slow
def test_a_save_killed_at_any_moment_leaves_the_old_or_the_new_settings(tmp_path: Path) -> None:
    path = tmp_path / "settings" / "cam.json"
    rng = random.Random(11)
    last = 0
    saved_while_killed = 0
    for iteration in range(20):
        process = subprocess.Popen(
            [sys.executable, "-c", SAVER, str(path), str((iteration + 1) * 1_000_000)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.05))
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        process.stdout.close()
        loaded = SettingsStore(path).load()
        assert loaded.problem is None, f"iteration {iteration}: {loaded.problem}"
        assert isinstance(loaded.settings.roi_signal, Roi)
        edge = loaded.settings.edge_detection
        assert isinstance(edge.reference, ChannelClassifier)
        number = int(edge.reference.threshold)
        assert edge.calibration == (float(number),) * 8, "one save's settings, complete"
        assert edge.reference.channel == str(number) * (256 // len(str(number)))
        assert number > (iteration + 1) * 1_000_000, "a completed save is never lost"
        assert number >= last, "never older than what was there before"
        saved_while_killed += number > (iteration + 1) * 1_000_000 + 1
        last = number
        leftovers = sorted(p.name for p in path.parent.iterdir() if p.name != path.name)
        assert leftovers == [], "load clears half-written temporaries; nothing was moved aside"
    assert saved_while_killed >= 5, "the kills should mostly land while the saver is saving"


def test_corrupt_settings_file_at_start_is_reported_kept_aside_and_defaults_used(
    tmp_path: Path,
) -> None:
    settings = tmp_path / "conf" / "cam.json"
    settings.parent.mkdir()
    garbage = b'{"roi_signal": [0, 10, 0, 1'  # a save torn by a crash of an older version
    settings.write_bytes(garbage)
    service = ServiceProcess(
        command_line("tcp://127.0.0.1:1", 0, settings),
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
    )
    try:
        rest = service.rest_port()
        wait_for_rest(rest, "stopped")
        client = PsenProcessingClient(f"http://127.0.0.1:{rest}", timeout=2)
        problem = client.get_statistics()["settings_problem"]
        assert str(settings) in problem and "started with defaults" in problem
        aside = [p for p in settings.parent.iterdir() if p.name.startswith("cam.json.corrupt-")]
        assert len(aside) == 1 and aside[0].read_bytes() == garbage
        assert str(aside[0]) in problem
        assert client.get_roi_signal() == [] and client.get_roi_background() == []
        client.set_roi_signal([1, 2, 3, 4])  # the service works and saves a good file again
        assert SettingsStore(settings).load().settings.roi_signal == Roi(1, 2, 3, 4)
    finally:
        service.process.send_signal(signal.SIGTERM)
        code = service.finish()
    assert code == 0
    assert "settings file could not be used" in service.output and str(aside[0]) in service.output


@pytest.mark.parametrize(
    "content",
    [
        b'{"edge_detection": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"edge_detection": {"reference_length": ' + b"7" * 5000 + b"}}",
        b'{"edge_detection": {"reference_length": 4611686018427387904}}',
        b"\x00" * 3_000_000,
    ],
    ids=["100000-deep nesting", "5000-digit integer", "out of bounds", "3 MB of zeros"],
)
def test_any_unusable_settings_file_is_moved_aside_and_the_command_starts(
    tmp_path: Path, content: bytes
) -> None:
    settings = tmp_path / "cam.json"
    settings.write_bytes(content)
    service = ServiceProcess(
        command_line("tcp://127.0.0.1:1", 0, settings),
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")},
    )
    try:
        rest = service.rest_port()
        wait_for_rest(rest, "stopped")
        client = PsenProcessingClient(f"http://127.0.0.1:{rest}", timeout=5)
        problem = client.get_statistics()["settings_problem"]
        assert str(settings) in problem and "started with defaults" in problem
        aside = [p for p in tmp_path.iterdir() if p.name.startswith("cam.json.corrupt-")]
        assert len(aside) == 1 and aside[0].read_bytes() == content
        assert not settings.exists()
        assert client.get_edge_detection()["reference_length"] == 16
    finally:
        service.process.send_signal(signal.SIGTERM)
        code = service.finish()
    assert code == 0, service.output
