"""Fault injection: the real service over ZeroMQ and HTTP, one test per fault of issue 5.

Malformed frames are skipped and counted by reason, frames without a usable image are forwarded
without profiles, image changes mid-stream never stop the stream, an upstream restart is
followed by itself, and an absent or stalled consumer neither grows the service nor stops it
from answering.
"""

from __future__ import annotations

import hashlib
import json
import struct
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.sim.messages import encode_message
from psen_processing.sim.offer import offer

from ..conftest import IMAGE, Running, Source, bind_push, wait_until

SIGNAL = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND = f"{IMAGE}.roi_background_x_profile"
PARAMETERS = f"{IMAGE}.processing_parameters"
ROI = [0, 64, 8, 16]


def _image(shape: tuple[int, int] = (64, 1024), dtype: str = "<u2", seed: int = 0) -> Any:
    return np.random.default_rng(seed).integers(0, 250, size=shape).astype(dtype)


def _profile(image: Any, roi: list[int]) -> Any:
    ox, sx, oy, sy = roi
    return image[oy : oy + sy, ox : ox + sx].astype(np.float64).sum(axis=0)


def _rehash(parts: list[bytes], header: bytes) -> list[bytes]:
    """The message with another data header, under that header's own hash."""
    main = json.loads(parts[0])
    main["hash"] = hashlib.md5(header).hexdigest()
    return [json.dumps(main).encode(), header, *parts[2:]]


def _with_header_change(
    parts: list[bytes], change: Callable[[dict[str, Any]], None]
) -> list[bytes]:
    header = json.loads(parts[1])
    change(header)
    return _rehash(parts, json.dumps(header).encode())


def _compressed(pulse_id: int, compression: str) -> list[bytes]:
    return encode_message(pulse_id, [(IMAGE, _image(seed=pulse_id)), ("OTHER", 1.5)],
                          compression=compression)  # fmt: skip


def _flip_byte(value: bytes, at: int) -> bytes:
    damaged = bytearray(value)
    damaged[at] ^= 0xFF
    return bytes(damaged)


def _bad_main_header(parts: list[bytes]) -> list[bytes]:
    return [b"\x00not json", *parts[1:]]


def _missing_pulse_id(parts: list[bytes]) -> list[bytes]:
    main = json.loads(parts[0])
    del main["pulse_id"]
    return [json.dumps(main).encode(), *parts[1:]]


def _bad_data_header(parts: list[bytes]) -> list[bytes]:
    return _rehash(parts, b'{"htype": "bsr_d-1.1", "channels": [')


def _wrong_part_count(parts: list[bytes]) -> list[bytes]:
    return parts[:-1]


def _short_value(parts: list[bytes]) -> list[bytes]:
    return [*parts[:2], parts[2][:-2], *parts[3:]]  # uncompressed: two bytes short


def _short_lz4_value(parts: list[bytes]) -> list[bytes]:
    declared = struct.unpack("<I", parts[2][:4])[0]  # lz4 declares fewer bytes than the shape
    return [*parts[:2], struct.pack("<I", declared - 2) + parts[2][4:], *parts[3:]]


def _bitshuffle_chain_broken(parts: list[bytes]) -> list[bytes]:
    # the end cut off: the last block, far from the ROI's rows, is never decoded
    return [*parts[:2], parts[2][:-3], *parts[3:]]


def _bitshuffle_block_under_roi(parts: list[bytes]) -> list[bytes]:
    # block 3 holds rows 12-15 (4096 values a block, 1024 a row), which the ROI reads: it
    # starts with a match at offset 0, every length is intact, the block cannot be decoded
    value = bytearray(parts[2])
    position = 12
    for _ in range(3):
        position += 4 + int.from_bytes(value[position : position + 4], "big")
    value[position + 4 : position + 40] = bytes(36)
    return [*parts[:2], bytes(value), *parts[3:]]


def _lz4_payload(parts: list[bytes]) -> list[bytes]:
    # the size header intact, the data cut short: found because lz4 values are decoded whole
    return [*parts[:2], parts[2][:-40], *parts[3:]]


def _unknown_type(parts: list[bytes]) -> list[bytes]:
    return _with_header_change(parts, lambda h: h["channels"][1].update(type="complex512"))


def _unknown_compression(parts: list[bytes]) -> list[bytes]:
    return _with_header_change(parts, lambda h: h["channels"][1].update(compression="zstd"))


UNDECODABLE = {
    # case: (input compression, damage, reason counted)
    "non_json_main_header": ("none", _bad_main_header, "bad_main_header"),
    "main_header_without_pulse_id": ("none", _missing_pulse_id, "missing_pulse_id"),
    "data_header_not_json": ("none", _bad_data_header, "bad_data_header"),
    "wrong_number_of_parts": ("none", _wrong_part_count, "wrong_part_count"),
    "value_shorter_than_shape": ("none", _short_value, "value_size_mismatch"),
    "lz4_value_declares_too_little": ("lz4", _short_lz4_value, "value_size_mismatch"),
    "bitshuffle_block_chain_broken": ("bitshuffle_lz4", _bitshuffle_chain_broken,
                                      "corrupt_compressed_data"),
    "bitshuffle_block_under_roi_corrupt": ("bitshuffle_lz4", _bitshuffle_block_under_roi,
                                           "corrupt_compressed_data"),
    "lz4_payload_corrupt": ("lz4", _lz4_payload, "corrupt_compressed_data"),
    "unknown_type": ("none", _unknown_type, "unknown_type"),
    "unknown_compression": ("none", _unknown_compression, "unknown_compression"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(UNDECODABLE))
def test_undecodable_frame_is_counted_by_reason_and_the_next_good_frame_goes_out(
    running: Running, source: Source, zmq_context: zmq.Context[Any], case: str
) -> None:
    compression, damage, reason = UNDECODABLE[case]
    running.client.set_roi_signal(ROI)
    running.client.start()
    sink = running.sink(zmq_context)
    source.send(damage(_compressed(1, compression)))
    good = _compressed(2, compression)
    source.send(good)
    message = sink.receive()
    assert message.pulse_id == 2
    np.testing.assert_array_equal(message.array(SIGNAL), _profile(_image(seed=2), ROI))
    _wait_sent(running, 1)  # counted just after the frame went out
    statistics = running.client.get_statistics()
    assert statistics["frames_skipped_by_reason"] == {reason: 1}
    assert (statistics["frames_received"], statistics["frames_sent"]) == (2, 1)
    assert statistics["last_problem"]
    assert not sink.socket.poll(50), "the skipped frame must not come out"


def _wait_sent(running: Running, count: int) -> None:
    wait_until(lambda: running.client.get_statistics()["frames_sent"] >= count)


def _without_image(pulse_id: int) -> list[bytes]:
    return encode_message(pulse_id, [("OTHER", 1.5), ("WAVE", np.arange(5.0))])


def _empty_image(pulse_id: int) -> list[bytes]:
    image = np.zeros((4, 4), dtype=np.uint16)
    parts = encode_message(pulse_id, [(IMAGE, image), ("OTHER", 1.5), ("WAVE", np.arange(5.0))])
    parts[2] = parts[3] = b""  # the 2-D image channel carries no value in this pulse
    return parts


def _string_image(pulse_id: int) -> list[bytes]:
    return encode_message(pulse_id, [(IMAGE, "a string"), ("OTHER", 1.5), ("WAVE", np.arange(5.0))])


def _one_dimensional_image(pulse_id: int) -> list[bytes]:
    return encode_message(pulse_id, [(IMAGE, np.arange(100, dtype=np.uint16)), ("OTHER", 1.5)])


def _bool_image(pulse_id: int) -> list[bytes]:
    parts = encode_message(pulse_id, [(IMAGE, np.zeros((4, 4), dtype=np.uint8)), ("OTHER", 1.5)])
    return _with_header_change(parts, lambda h: h["channels"][0].update(type="bool"))


FORWARDED = {
    "image_missing": _without_image,
    "image_empty": _empty_image,
    "image_unusable_type": _string_image,
    "image_not_2d": _one_dimensional_image,
}


@pytest.mark.parametrize(
    ("reason", "make"), [*FORWARDED.items(), ("image_unusable_type", _bool_image)]
)
def test_frame_without_a_usable_image_is_forwarded_with_all_channels_and_no_profiles(
    running: Running,
    source: Source,
    zmq_context: zmq.Context[Any],
    reason: str,
    make: Callable[[int], list[bytes]],
) -> None:
    running.client.set_roi_signal([0, 2, 0, 2])
    running.client.set_roi_background([0, 2, 2, 2])
    running.client.start()
    sink = running.sink(zmq_context)
    sent = make(1)
    source.send(sent)
    message = sink.receive()
    assert message.pulse_id == 1
    names = [channel.name for channel in message.data_header.channels]
    assert names[:-1] == [channel["name"] for channel in json.loads(sent[1])["channels"]]
    assert names[-1] == PARAMETERS
    assert [bytes(part) for part in message.parts[2:-2]] == sent[2:], "values forwarded as sent"
    assert message.channel(SIGNAL) is None and message.channel(BACKGROUND) is None
    source.send(encode_message(2, [(IMAGE, np.ones((4, 4), dtype=np.uint16))]))
    assert sink.receive().array(SIGNAL) is not None
    _wait_sent(running, 2)
    statistics = running.client.get_statistics()
    assert statistics["profile_problems"] == {reason: 1}
    assert statistics["frames_skipped"] == 0 and statistics["frames_sent"] == 2


def test_image_size_and_dtype_changes_mid_stream(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    signal, background = [0, 60, 10, 20], [0, 40, 0, 5]
    running.client.set_roi_signal(signal)
    running.client.set_roi_background(background)
    running.client.start()
    sink = running.sink(zmq_context)
    sequence = [
        ((60, 90), "<u2", "bitshuffle_lz4", True),
        ((30, 200), "<f4", "none", True),
        ((120, 50), "u1", "lz4", False),  # 50 px wide: the signal ROI no longer fits
        ((40, 64), ">i4", "none", True),  # big endian, and it fits again
        ((25, 70), "<f8", "bitshuffle_lz4", False),  # 25 rows: the signal ROI's rows end at 30
    ]
    for pulse_id, (shape, dtype, compression, fits) in enumerate(sequence):
        image = _image(shape, dtype, seed=pulse_id)
        source.send(encode_message(pulse_id, [(IMAGE, image)], compression=compression))
        message = sink.receive()
        assert message.pulse_id == pulse_id
        np.testing.assert_array_equal(message.array(BACKGROUND), _profile(image, background))
        if fits:
            np.testing.assert_array_equal(message.array(SIGNAL), _profile(image, signal))
        else:
            assert message.channel(SIGNAL) is None
        _wait_sent(running, pulse_id + 1)
        statistics = running.client.get_statistics()
        assert statistics["image_shape"] == list(shape)
        assert statistics["image_dtype"] == np.dtype(dtype).name
    statistics = running.client.get_statistics()
    assert statistics["profile_problems"] == {"roi_signal_outside_image": 2}
    assert "roi_signal_outside_image" in statistics["last_problem"]
    assert statistics["frames_sent"] == len(sequence) and statistics["frames_skipped"] == 0


def test_upstream_restart_on_the_same_address_resumes_by_itself(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running.client.set_roi_signal([0, 4, 0, 4])
    running.client.start()
    sink = running.sink(zmq_context)
    image = np.ones((4, 4), dtype=np.uint16)
    for pulse_id in range(3):
        source.send(encode_message(pulse_id, [(IMAGE, image)]))
        assert sink.receive().pulse_id == pulse_id
    for restart in range(2):  # the camera IOC restarts: its socket goes, a new one binds
        source.socket.close(linger=0)
        source.socket = bind_push(zmq_context, source.address)
        for pulse_id in range(10 * (restart + 1), 10 * (restart + 1) + 3):
            source.send(encode_message(pulse_id, [(IMAGE, image)]), timeout_ms=10_000)
            message = sink.receive()
            assert message.pulse_id == pulse_id
            np.testing.assert_array_equal(message.array(SIGNAL), np.full(4, 4.0))
    assert running.client.get_status() == "processing"
    _wait_sent(running, 9)


def _fill(source: Source, count: int, shape: tuple[int, int] = (256, 256)) -> int:
    """Send up to ``count`` frames while the service takes them; how many it took."""
    image = np.zeros(shape, dtype=np.uint16)
    sent = 0
    while sent < count and offer(source.socket, encode_message(sent, [(IMAGE, image)]), 300):
        sent += 1
    return sent


def _timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


def test_block_mode_with_no_consumer_is_bounded_answers_and_loses_nothing(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running.client.set_roi_signal([0, 10, 0, 10])
    running.client.start()
    taken = _fill(source, 2000)
    # the input backs up at the camera: the service holds a bounded number of frames
    assert taken < 400, f"the service took {taken} frames it could not send"
    for _ in range(5):  # while the output is blocked, REST answers
        assert _timed(running.client.get_statistics) < 1.0
    statistics = running.client.get_statistics()
    assert statistics["frames_dropped_output"] == 0
    sink = running.sink(zmq_context)  # the consumer comes: everything taken comes out in order
    assert [sink.receive().pulse_id for _ in range(taken)] == list(range(taken))
    wait_until(lambda: running.client.get_statistics()["frames_sent"] == taken)


@pytest.mark.parametrize("mode", ["block", "drop"])
@pytest.mark.parametrize("consumer", ["absent", "stalled"])
def test_stop_returns_within_a_second_while_the_output_is_stuck(
    make_service: Callable[..., Running],
    source: Source,
    zmq_context: zmq.Context[Any],
    mode: str,
    consumer: str,
) -> None:
    run = make_service(source.address, output_mode=mode)
    run.client.set_roi_signal([0, 10, 0, 10])
    run.client.start()
    if consumer == "stalled":
        run.sink(zmq_context, hwm=2)  # connected, never reads
    taken = _fill(source, 300)
    if mode == "block":
        assert taken < 300, "the output should be stuck"
    else:
        wait_until(lambda: run.client.get_statistics()["frames_dropped_output"] > 0)
    assert _timed(run.client.stop) < 1.0
    assert run.client.get_status() == "stopped"
    assert _timed(run.client.start) < 1.0  # and it can be started again at once


def test_drop_mode_counts_every_frame_it_could_not_send(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    run = make_service(source.address, output_mode="drop")
    run.client.set_roi_signal([0, 10, 0, 10])
    run.client.start()
    taken = _fill(source, 200)
    assert taken == 200, "in drop mode the camera is never held up"
    wait_until(lambda: run.client.get_statistics()["frames_received"] == 200)
    statistics = run.client.get_statistics()
    assert statistics["frames_dropped_output"] == 200 and statistics["frames_sent"] == 0
    stalled = run.sink(zmq_context, hwm=4)
    taken = _fill(source, 200)
    wait_until(lambda: run.client.get_statistics()["frames_received"] == 400)
    statistics = run.client.get_statistics()
    assert statistics["frames_sent"] + statistics["frames_dropped_output"] == 400
    assert statistics["frames_dropped_output"] > 200, "a stalled consumer also costs frames"
    received = []
    while stalled.socket.poll(200):
        received.append(stalled.decoder.decode(stalled.socket.recv_multipart()).pulse_id)
    assert len(received) == statistics["frames_sent"]
    assert received == sorted(received)


def test_rest_answers_and_changes_apply_while_the_consumer_stalls(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running.client.set_roi_signal([0, 10, 0, 10])
    running.client.start()
    sink = running.sink(zmq_context, hwm=2)
    taken = _fill(source, 1000)
    assert taken < 1000
    assert _timed(lambda: running.client.set_roi_signal([0, 20, 0, 10])) < 1.0
    with pytest.raises(ValueError, match="roi_signal"):
        running.client.set_roi_signal([0, 20, 0])
    assert running.client.get_roi_signal() == [0, 20, 0, 10]
    pulse_ids = [sink.receive().pulse_id for _ in range(taken)]
    assert pulse_ids == list(range(taken))
    source.send(encode_message(taken, [(IMAGE, np.zeros((256, 256), dtype=np.uint16))]))
    assert sink.receive().array(SIGNAL).shape == (20,)  # type: ignore[union-attr]


def test_a_blocked_service_takes_no_more_frames_however_long_it_waits(
    running: Running, source: Source
) -> None:
    """Bounded memory where it would grow: frames taken in but not sent out."""
    running.client.set_roi_signal([0, 10, 0, 10])
    running.client.start()
    first = _fill(source, 5000, shape=(64, 64))
    assert first < 5000
    wait_until(lambda: requests.get(f"{running.url}/status", timeout=2).ok)
    second = _fill(source, 5000, shape=(64, 64))  # another 300 ms: nothing more is taken
    assert second == 0
