"""Odd, huge or absurd headers (issue 14): counted under a stable reason, never a per-frame
traceback, never unbounded memory, never a wrong number or a reply the REST API cannot give."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.codec.compression import compress
from psen_processing.core.profiles import ProcessingSettings
from psen_processing.sim.messages import encode_message
from psen_processing.sim.offer import offer
from psen_processing.stream.statistics import Statistics
from psen_processing.stream.worker import StreamConfig, Worker

from ..conftest import (
    IMAGE,
    Running,
    ServiceProcess,
    Source,
    command_line,
    wait_for_rest,
    wait_until,
)

SIGNAL = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND = f"{IMAGE}.roi_background_x_profile"


def _frame(pulse_id: int) -> list[bytes]:
    image = np.arange(64 * 32, dtype=np.uint16).reshape(64, 32)
    return encode_message(pulse_id, [(IMAGE, image), ("OTHER", 1.5)])


def _with_main(parts: list[bytes], main: bytes) -> list[bytes]:
    return [main, *parts[1:]]


def _main(pulse_id: object = 1, **changes: object) -> bytes:
    header: dict[str, object] = {
        "htype": "bsr_m-1.1",
        "pulse_id": pulse_id,
        "global_timestamp": {"sec": 1, "ns": 2},
        "hash": "0" * 32,
    }
    header.update(changes)
    return json.dumps(header).encode()


def _two_part_header(index: int, size: int) -> bytes:
    """A data header of about ``size`` bytes of distinct small channels (named by ``index``)."""
    count = size // 55
    channels = ", ".join(
        f'{{"name": "C{index}-{i:07d}", "type": "float64", "shape": [1]}}' for i in range(count)
    )
    return f'{{"htype": "bsr_d-1.1", "channels": [{channels}]}}'.encode()


def _two_part_message(
    pulse_id: int, header: bytes, dh_compression: str | None = None
) -> list[bytes]:
    changes: dict[str, object] = {"hash": hashlib.md5(header).hexdigest()}
    if dh_compression is not None:
        changes["dh_compression"] = dh_compression
    return [_main(pulse_id, **changes), header]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_memory_per_message_is_bounded_by_bytes(
    tmp_path: Path, zmq_context: zmq.Context[Any]
) -> None:
    camera = zmq_context.socket(zmq.PUSH)
    camera.setsockopt(zmq.LINGER, 0)
    port = camera.bind_to_random_port("tcp://127.0.0.1")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = command_line(
        f"tcp://127.0.0.1:{port}", 0, tmp_path / "settings.json", "--output_mode", "drop"
    )
    service = ServiceProcess(cmd, env=env)
    process = service.process
    try:
        rest = service.rest_port()
        wait_for_rest(rest)
        url = f"http://127.0.0.1:{rest}"
        assert requests.post(f"{url}/start", timeout=10).ok
        sent = 0

        def send(parts: list[bytes]) -> None:
            nonlocal sent
            assert offer(camera, parts, 20000), "the service does not take frames"
            sent += 1

        def received() -> int:
            return int(
                requests.get(f"{url}/statistics", timeout=10).json()["statistics"][
                    "frames_received"
                ]
            )

        for pulse_id in range(10):
            send(_frame(pulse_id))
        wait_until(lambda: received() == sent, 30, "the first frames")
        before = _rss_mb(process.pid)
        for i in range(6):  # over the raw limit, as in the issue (14 MB, two parts)
            send(_two_part_message(100 + i, _two_part_header(i, 14_000_000)))
        for i in range(6):  # just under it: parsed, but never cached (the part count is wrong)
            send(_two_part_message(200 + i, _two_part_header(10 + i, 3_900_000)))
        for i in range(3):  # lz4 bombs: small on the wire, huge once decompressed
            text = _two_part_header(20 + i, 20_000_000)
            bomb = compress(np.frombuffer(text, dtype=np.uint8), "lz4")
            send(_two_part_message(300 + i, bomb, "lz4"))
        for pulse_id in range(400, 450):
            send(_frame(pulse_id))
        wait_until(lambda: received() == sent, 120, "every frame")
        after = _rss_mb(process.pid)
        print(f"service RSS {before:.0f} MB before, {after:.0f} MB after")
        assert after - before < 100, f"RSS grew from {before:.0f} MB to {after:.0f} MB"
        statistics = requests.get(f"{url}/statistics", timeout=10).json()["statistics"]
        assert statistics["frames_skipped_by_reason"] == {
            "header_too_large": 9,
            "wrong_part_count": 6,
        }
        assert statistics["frames_sent"] + statistics["frames_dropped_output"] == 60
    finally:
        process.send_signal(signal.SIGTERM)
        service.finish(20)
        camera.close()


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


ABSURD_MAIN_HEADERS: dict[str, tuple[bytes, str]] = {
    "sec_beyond_int64": (_main(global_timestamp={"sec": 2**64, "ns": 0}), "bad_main_header"),
    "sec_negative": (_main(global_timestamp={"sec": -1, "ns": 0}), "bad_main_header"),
    "ns_1e20": (_main(global_timestamp={"sec": 1, "ns": 10**20}), "bad_main_header"),
    "ns_one_second": (_main(global_timestamp={"sec": 1, "ns": 10**9}), "bad_main_header"),
    "nan_in_timestamp": (
        b'{"htype": "bsr_m-1.1", "pulse_id": 1, "hash": "x", '
        b'"global_timestamp": {"sec": 1, "ns": 2, "frac": NaN}}',
        "bad_main_header",
    ),
    "infinity_in_timestamp": (
        b'{"pulse_id": 1, "hash": "x", "global_timestamp": {"sec": 1, "ns": 2, "x": -Infinity}}',
        "bad_main_header",
    ),
    "overflowing_float_in_timestamp": (
        b'{"pulse_id": 1, "hash": "x", "global_timestamp": {"sec": 1, "ns": 2, "x": 1e400}}',
        "bad_main_header",
    ),
    "deep_nesting": (
        b'{"pulse_id": 1, "hash": "x", "extra": ' + _deep(5000).encode() + b"}",
        "bad_main_header",
    ),
    "nesting_in_timestamp": (
        _main(global_timestamp={"sec": 1, "ns": 2, "x": [[[[1]]]]}),
        "bad_main_header",
    ),
    "5000_digit_value": (
        b'{"pulse_id": 1, "hash": "x", "extra": ' + b"9" * 5000 + b"}",
        "bad_main_header",
    ),
    "5000_digit_pulse_id": (b'{"hash": "x", "pulse_id": ' + b"9" * 5000 + b"}", "bad_main_header"),
    "pulse_id_2_64": (_main(2**64), "bad_main_header"),
    "pulse_id_negative": (_main(-5), "bad_main_header"),
    "pulse_id_float": (_main(1.5), "missing_pulse_id"),
    "dh_compression_an_object": (_main(dh_compression={"a": 1}), "unknown_compression"),
    "main_header_over_64_kib": (_main(extra="x" * 70_000), "header_too_large"),
}


def _strict(text: bytes) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("case", sorted(ABSURD_MAIN_HEADERS))
def test_absurd_main_header_is_counted_without_a_traceback(
    running: Running,
    source: Source,
    zmq_context: zmq.Context[Any],
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    main, reason = ABSURD_MAIN_HEADERS[case]
    running.client.set_roi_signal([0, 32, 0, 64])
    running.client.start()
    sink = running.sink(zmq_context)
    caplog.set_level(logging.INFO)
    for pulse_id in range(20):
        source.send(_with_main(_frame(pulse_id), main))
    source.send(_frame(99))
    message = sink.receive()
    assert message.pulse_id == 99
    wait_until(lambda: running.client.get_statistics()["frames_received"] == 21)
    statistics = running.client.get_statistics()
    assert statistics["frames_skipped_by_reason"] == {reason: 20}
    assert len(statistics["last_problem"] or "") < 500
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert len(caplog.text) < 2000
    assert requests.get(f"{running.url}/live", timeout=10).status_code == 200


def test_output_main_headers_are_strict_json(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running.client.start()
    sink = running.sink(zmq_context)
    nan = b'{"pulse_id": 7, "hash": "%s", "global_timestamp": {"sec": 1, "ns": 2, "f": NaN}}'
    parts = _frame(7)
    source.send(_with_main(parts, nan % json.loads(parts[0])["hash"].encode()))
    source.send(_frame(8))
    sink.socket.poll(10000)
    raw = sink.socket.recv_multipart()
    header = _strict(raw[0])
    assert header["pulse_id"] == 8
    _strict(raw[1])


def test_live_answers_after_the_largest_pulse_id(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running.client.start()
    sink = running.sink(zmq_context)
    for pulse_id in (2**64 - 1, 2**64, 2**70):
        source.send(encode_message(pulse_id, [(IMAGE, np.ones((4, 4), np.uint16))]))
    wait_until(lambda: running.client.get_statistics()["frames_received"] == 3)
    assert requests.get(f"{running.url}/live", timeout=10).status_code == 200
    source.send(_frame(5))
    assert sink.receive().pulse_id == 2**64 - 1
    assert sink.receive().pulse_id == 5
    wait_until(lambda: running.client.get_statistics()["frames_received"] == 4)
    assert running.client.get_statistics()["frames_skipped_by_reason"] == {"bad_main_header": 2}
    reply = requests.get(f"{running.url}/live", timeout=10)
    assert reply.status_code == 200


def test_huge_strings_are_not_echoed_back(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running.client.start()
    sink = running.sink(zmq_context)
    big = "x" * 3_000_000
    header = json.dumps({"htype": "bsr_d-1.1", "channels": [{"name": 5, "blob": big}]}).encode()
    source.send([*_two_part_message(1, header), b"", b""])
    main = _main(2, dh_compression="y" * 60_000)
    source.send(_with_main(_frame(2), main))
    shape = json.dumps({"htype": "bsr_d-1.1", "channels": [
        {"name": "A", "type": "uint16", "shape": [10**4000, 2]}]}).encode()  # fmt: skip
    source.send([*_two_part_message(3, shape), b"", b""])
    source.send(_two_part_message(4, b'{"channels": ' + _deep(5000).encode() + b"}"))
    listed = json.dumps({"channels": [{"name": "A", "compression": ["lz4"]}]}).encode()
    source.send([*_two_part_message(5, listed), b"", b""])
    source.send(_frame(9))
    assert sink.receive().pulse_id == 9
    wait_until(lambda: running.client.get_statistics()["frames_received"] == 6)
    reply = requests.get(f"{running.url}/statistics", timeout=10)
    assert len(reply.content) < 10_000
    assert reply.json()["statistics"]["frames_skipped_by_reason"] == {
        "bad_data_header": 3,
        "unknown_compression": 2,
    }


@pytest.mark.parametrize("dtype", ["<i8", "<u8", ">i8", ">u8"])
def test_64_bit_column_sums_do_not_wrap(
    running: Running, source: Source, zmq_context: zmq.Context[Any], dtype: str
) -> None:
    running.client.set_roi_signal([0, 3, 0, 4])
    running.client.set_roi_background([0, 3, 0, 2])
    running.client.start()
    sink = running.sink(zmq_context)
    image = np.full((4, 3), 2**62, dtype=dtype)
    image[:, 1] = 2**62 + 1
    source.send(encode_message(1, [(IMAGE, image)]))
    message = sink.receive()
    # 2**64 + 4 fits no 64-bit integer: the signal goes out as the nearest float64s
    signal_profile = message.array(SIGNAL)
    assert signal_profile is not None and signal_profile.dtype == np.float64
    assert signal_profile.tolist() == [2.0**64, float(2**64 + 4), 2.0**64]
    # 2**63 + 2 fits uint64 exactly (numpy's sum type), but not int64
    background = message.array(BACKGROUND)
    assert background is not None
    if np.dtype(dtype).kind == "u":
        assert background.dtype == np.uint64
        assert background.tolist() == [2**63, 2**63 + 2, 2**63]
    else:
        assert background.dtype == np.float64
        assert background.tolist() == [2.0**63, float(2**63 + 2), 2.0**63]
    wait_until(lambda: running.client.get_statistics()["frames_sent"] == 1)
    problems = running.client.get_statistics()["profile_problems"]
    assert problems == {"profile_sum_inexact": 1}  # once per frame


def test_unforeseen_errors_are_counted_with_one_traceback_a_minute(
    source: Source, zmq_context: zmq.Context[Any], caplog: pytest.LogCaptureFixture
) -> None:
    # a worker whose settings cannot be read: every frame raises in the processing call
    def broken_settings() -> ProcessingSettings:
        raise LookupError("settings gone")

    statistics = Statistics()
    config = StreamConfig(source.address, "TEST-CAM", 0, "127.0.0.1")
    worker = Worker(config, zmq_context, broken_settings, statistics)
    caplog.set_level(logging.INFO)
    worker.start()
    try:
        for pulse_id in range(50):
            source.send(_frame(pulse_id))
        wait_until(lambda: statistics.snapshot().frames_received == 50)
    finally:
        worker.stop()
    snapshot = statistics.snapshot()
    assert snapshot.frames_skipped_by_reason == {"processing_error": 50}
    assert snapshot.last_problem == "LookupError: settings gone"
    assert len([r for r in caplog.records if r.exc_info]) == 1
    assert worker.alive is False
