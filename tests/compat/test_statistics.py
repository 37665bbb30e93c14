"""Issue 16, item 2: /statistics holds 1.x's keys, n_processed_images, last_sent_pulse_id,
processing_start_time and last_sent_time, with their meaning and format (times as
``str(datetime.now())``: local time, space separated), from the first start on; before it,
none of them pretends that frames were processed."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from ..conftest import ServiceProcess, Source, command_line, wait_for_rest
from .conftest import Legacy, ones, receive

LEGACY_KEYS = ("n_processed_images", "last_sent_pulse_id", "processing_start_time",
               "last_sent_time")  # fmt: skip
LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?$")


def _local(text: str) -> datetime:
    assert LOCAL_TIME.match(text), text
    return datetime.fromisoformat(text)


def _near_now(text: str) -> None:
    assert abs(_local(text) - datetime.now()) < timedelta(seconds=60), text


def test_the_keys_of_1x_from_the_first_start_on(legacy: Legacy) -> None:
    client = legacy.client
    before = client.get_statistics()
    for key in LEGACY_KEYS:
        assert key not in before, key  # as 1.x: nothing before the first start
    assert before["frames_sent"] == 0
    client.set_roi_signal([0, 10, 0, 5])
    assert client.start() == "processing"
    started = client.get_statistics()
    assert started["n_processed_images"] == 0
    assert started["last_sent_pulse_id"] is None and started["last_sent_time"] is None
    _near_now(started["processing_start_time"])
    receiver = legacy.receiver()
    for pulse_id in range(5):
        legacy.send(pulse_id, ones())
        assert receive(receiver).pulse_id == pulse_id
    statistics = client.get_statistics()
    assert statistics["n_processed_images"] == 5  # e.g. get_statistics()["n_processed_images"]
    assert statistics["last_sent_pulse_id"] == 4
    assert statistics["processing_start_time"] == started["processing_start_time"]
    _near_now(statistics["last_sent_time"])
    assert _local(statistics["last_sent_time"]) >= _local(statistics["processing_start_time"])
    # the richer counters agree with them
    assert statistics["frames_sent"] == 5 and statistics["last_pulse_id"] == 4
    # kept after a stop, as in 1.x; a new start begins again
    assert client.stop() == "stopped"
    stopped = client.get_statistics()
    assert {k: stopped[k] for k in LEGACY_KEYS} == {k: statistics[k] for k in LEGACY_KEYS}
    assert client.start() == "processing"
    again = client.get_statistics()
    assert again["n_processed_images"] == 0 and again["last_sent_pulse_id"] is None
    assert _local(again["processing_start_time"]) >= _local(statistics["processing_start_time"])
    client.stop()


def test_times_are_the_local_time_of_the_service(tmp_path: Path, source: Source) -> None:
    """The command in a zone 5:30 h east of UTC (a POSIX TZ, no time zone database needed)."""
    env = {**os.environ, "TZ": "PSEN-05:30", "XDG_CONFIG_HOME": str(tmp_path)}
    service = ServiceProcess(
        command_line(source.address, 0, tmp_path / "cam.json", "--auto_start"), env=env
    )
    try:
        rest = service.rest_port()
        wait_for_rest(rest, "processing")
        answer = requests.get(f"http://127.0.0.1:{rest}/statistics", timeout=5).json()
        started = _local(answer["statistics"]["processing_start_time"])
        local_now = datetime.now(UTC).replace(tzinfo=None) + timedelta(hours=5, minutes=30)
        assert abs(started - local_now) < timedelta(seconds=60), (started, local_now)
    finally:
        service.process.terminate()
        service.finish()
