"""The processes of ``throughput_benchmark.py``: sender, pass-through forwarder and receiver.

Each runs in its own process (multiprocessing, "spawn") and talks to the parent over a
:class:`multiprocessing.connection.Connection`. They exchange bsread messages over real ZeroMQ
on 127.0.0.1. The frames are prepared once by the parent (:func:`build_frame_set`) and loaded
from a pickle file, so that the sender only re-dumps the main header (pulse_id) and packs the
8-byte send time per message.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import struct
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import zmq

from _harness import cpu_ticks, die_with_parent
from psen_processing.codec import Decoder
from psen_processing.sim.messages import encode_message

PREFIX = "BENCH"
IMAGE = f"{PREFIX}:FPICTURE"
SEND_TIME = f"{PREFIX}:SEND_TIME"
IMAGE_INDEX = f"{PREFIX}:IMAGE_INDEX"
XRAY_INTENSITY = f"{PREFIX}:XRAY_INTENSITY"
EVENT_CODE = f"{PREFIX}:EVENT_CODE"
INPUT_CHANNELS = (IMAGE, SEND_TIME, IMAGE_INDEX, XRAY_INTENSITY, EVENT_CODE)
SIGNAL_PROFILE = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND_PROFILE = f"{IMAGE}.roi_background_x_profile"
PARAMETERS = f"{IMAGE}.processing_parameters"
EDGE_POSITION = f"{IMAGE}.edge_position"

HWM = 32
"""Send and receive high-water marks of every benchmark socket (the service's defaults)."""
POLL_MS = 200
CHANNEL_SEC, CHANNEL_NS = 1_700_000_000, 0
"""The channels' own timestamps: fixed, so that their parts are pre-encoded."""


@dataclass(frozen=True)
class FrameSet:
    """Pre-encoded messages for one image size and compression, and what the output must hold.

    ``parts[i]`` is the message of image ``i`` without its main header (data header, then
    value and timestamp parts per channel). Pulse ``p`` carries image ``p % len(parts)``; images
    with an even index have an X-ray edge, so X-ray shots are the even pulse ids.
    """

    height: int
    width: int
    compression: str
    header_hash: str
    parts: list[list[bytes]]
    send_time_part: int
    """Index of SEND_TIME's value part in a full message (main header included)."""
    input_names: tuple[str, ...]
    roi_signal: list[int]
    roi_background: list[int]
    signal_profiles: list[npt.NDArray[np.float64]] = field(repr=False)
    background_profiles: list[npt.NDArray[np.float64]] = field(repr=False)

    @property
    def n_images(self) -> int:
        return len(self.parts)

    def message(self, pulse_id: int, send_time: float) -> list[bytes]:
        now = time.time_ns()
        main = {
            "htype": "bsr_m-1.1",
            "pulse_id": pulse_id,
            "global_timestamp": {"sec": now // 1_000_000_000, "ns": now % 1_000_000_000},
            "hash": self.header_hash,
        }
        out = [json.dumps(main).encode(), *self.parts[pulse_id % self.n_images]]
        out[self.send_time_part] = struct.pack("<d", send_time)
        return out


def roi_profile(image: npt.NDArray[np.generic], roi: list[int]) -> npt.NDArray[np.float64]:
    x, w, y, h = roi
    profile: npt.NDArray[np.float64] = image[y : y + h, x : x + w].sum(axis=0, dtype=np.float64)
    return profile


def build_frame_set(
    images: list[npt.NDArray[np.uint16]],
    compression: str,
    roi_signal: list[int],
    roi_background: list[int],
) -> FrameSet:
    """Encodes every image once: the image with ``compression``, the scalars uncompressed.

    Both halves come from ``encode_message``; their data-header entries are joined into one
    data header, whose md5 every main header then carries.
    """
    height, width = images[0].shape
    parts: list[list[bytes]] = []
    header_bytes = b""
    for index, image in enumerate(images):
        picture = encode_message(
            0, [(IMAGE, image)], sec=CHANNEL_SEC, ns=CHANNEL_NS, compression=compression
        )
        scalars = encode_message(
            0,
            [
                (SEND_TIME, 0.0),
                (IMAGE_INDEX, np.int64(index)),
                (XRAY_INTENSITY, 0.5 + 0.1 * index),
                (EVENT_CODE, np.int32(index % 2)),
            ],
            sec=CHANNEL_SEC,
            ns=CHANNEL_NS,
        )
        channels = json.loads(picture[1])["channels"] + json.loads(scalars[1])["channels"]
        header_bytes = json.dumps({"htype": "bsr_d-1.1", "channels": channels}).encode()
        parts.append([header_bytes, *picture[2:], *scalars[2:]])
    return FrameSet(
        height=height,
        width=width,
        compression=compression,
        header_hash=hashlib.md5(header_bytes).hexdigest(),
        parts=parts,
        send_time_part=2 + 2 * INPUT_CHANNELS.index(SEND_TIME),
        input_names=INPUT_CHANNELS,
        roi_signal=roi_signal,
        roi_background=roi_background,
        signal_profiles=[roi_profile(image, roi_signal) for image in images],
        background_profiles=[roi_profile(image, roi_background) for image in images],
    )


def save_frame_set(frame_set: FrameSet, path: Path) -> None:
    path.write_bytes(pickle.dumps(frame_set, protocol=pickle.HIGHEST_PROTOCOL))


def load_frame_set(path: str) -> FrameSet:
    frame_set: FrameSet = pickle.loads(Path(path).read_bytes())
    return frame_set


def thread_runtimes_ms(pids: tuple[int, ...]) -> dict[str, float] | None:
    """Each thread's ``se.sum_exec_runtime`` (ms, ns resolution) from ``/proc/<pid>/task/*/sched``,
    keyed ``"NAME (TID)"``.

    A finer cross-check of :func:`_harness.cpu_ticks` (whose 10 ms ticks are coarse over a few
    hundred frames); None where the kernel does not provide it.
    """
    out: dict[str, float] = {}
    try:
        for pid in pids:
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/comm", encoding="utf-8") as handle:
                    name = handle.read().strip()
                with open(f"/proc/{pid}/task/{tid}/sched", encoding="ascii") as handle:
                    for line in handle:
                        if line.startswith("se.sum_exec_runtime"):
                            out[f"{name} ({tid})"] = float(line.split(":", 1)[1])
                            break
    except (OSError, ValueError):
        return None
    return out or None


def runtime_delta_ms(start: dict[str, float] | None, end: dict[str, float] | None) -> float | None:
    """CPU ms between two :func:`thread_runtimes_ms`; None if a thread ended in between."""
    if start is None or end is None or not set(start) <= set(end):
        return None
    return sum(end[tid] - start.get(tid, 0.0) for tid in end)


def _orphaned(parent: int) -> bool:
    return os.getppid() != parent


def _command(conn: Connection, parent: int) -> Any:
    """The next command from the parent; ("stop",) if the parent went away."""
    while not conn.poll(0.5):
        if _orphaned(parent):
            return ("stop",)
    try:
        return conn.recv()
    except EOFError:
        return ("stop",)


# --- sender -------------------------------------------------------------------------------


def sender_main(frame_set_path: str, conn: Connection, parent: int) -> None:
    """Binds a PUSH socket, reports its port, then sends on command.

    ``("send", first_pulse_id, count, rate_hz)``: ``count`` messages, paced on a monotonic
    schedule at ``rate_hz`` or as fast as the socket takes them if ``rate_hz`` is 0. Answers
    ``("sent", count_sent, late, error)``, ``late`` counting sends more than 2 ms behind
    schedule.
    """
    die_with_parent()
    frames = load_frame_set(frame_set_path)
    context = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.setsockopt(zmq.SNDHWM, HWM)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SNDTIMEO, 20_000)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    conn.send(("ready", port))
    try:
        while True:
            command = _command(conn, parent)
            if command[0] != "send":
                break
            _, first, count, rate = command
            conn.send(_send(sock, frames, first, count, rate))
    finally:
        sock.close(linger=0)
        context.term()


def _send(
    sock: zmq.Socket[Any], frames: FrameSet, first: int, count: int, rate: float
) -> tuple[str, int, int, str | None]:
    period = 1.0 / rate if rate > 0 else 0.0
    deadline = time.monotonic()
    late = 0
    for k in range(count):
        if period:
            delay = deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.002:
                late += 1
            deadline += period
        now = time.monotonic()
        try:
            sock.send_multipart(frames.message(first + k, now), copy=False)
        except zmq.Again:
            return ("sent", k, late, "send timed out (the consumer stopped reading)")
    return ("sent", count, late, None)


# --- forwarder ----------------------------------------------------------------------------


def forwarder_main(source: str, conn: Connection, parent: int) -> None:
    """The transport limit: PULL connect, PUSH bind, each message passed on untouched."""
    die_with_parent()
    context = zmq.Context()
    pull = context.socket(zmq.PULL)
    pull.setsockopt(zmq.RCVHWM, HWM)
    pull.setsockopt(zmq.LINGER, 0)
    push = context.socket(zmq.PUSH)
    push.setsockopt(zmq.SNDHWM, HWM)
    push.setsockopt(zmq.LINGER, 0)
    pull.connect(source)
    port = push.bind_to_random_port("tcp://127.0.0.1")
    conn.send(("ready", port))
    try:
        while True:
            if pull.poll(POLL_MS, zmq.POLLIN):
                frames = pull.recv_multipart(copy=False)
                push.send_multipart(frames, copy=False)
            elif _orphaned(parent) or conn.poll():
                break
    finally:
        pull.close(linger=0)
        push.close(linger=0)
        context.term()


# --- receiver -----------------------------------------------------------------------------


@dataclass
class PhaseResult:
    """What the receiver saw of one phase (one batch of consecutive pulse ids)."""

    expected: int
    received: int = 0
    lost: int = 0
    out_of_order: int = 0
    first_time: float = math.nan
    last_time: float = math.nan
    cpu_start: int | None = None
    cpu_end: int | None = None
    runtimes_start: dict[str, float] | None = None
    runtimes_end: dict[str, float] | None = None
    latencies_ms: list[float] = field(default_factory=list)
    checked: int = 0
    failures: list[str] = field(default_factory=list)
    failed_frames: int = 0


class _Checker:
    """Checks sampled output frames against what was sent."""

    def __init__(self, frames: FrameSet, service: bool) -> None:
        self.frames = frames
        self.service = service
        self.decoder = Decoder()
        self.input_specs: list[dict[str, Any]] = json.loads(frames.parts[0][0])["channels"]

    def problems(self, pulse_id: int, parts: list[memoryview], send_time: float) -> list[str]:
        frames = self.frames
        message = self.decoder.decode(parts)
        out: list[str] = []
        if message.pulse_id != pulse_id:
            out.append(f"pulse_id {message.pulse_id} != {pulse_id}")
        index = pulse_id % frames.n_images
        sent = frames.parts[index]
        for i, spec in enumerate(self.input_specs):
            name = spec["name"]
            position = message.data_header.index(name)
            if position is None:
                out.append(f"{name} missing")
                continue
            if message.data_header.channels[position].raw != spec:
                out.append(f"{name} header entry changed")
            value = bytes(message.parts[2 + 2 * position])
            if name == SEND_TIME:
                if value != struct.pack("<d", send_time):
                    out.append(f"{name} value changed")
            elif value != sent[1 + 2 * i]:
                out.append(f"{name} value bytes differ from those sent")
            if bytes(message.parts[3 + 2 * position]) != sent[2 + 2 * i]:
                out.append(f"{name} timestamp bytes differ from those sent")
        if self.service:
            out += self._results(message, pulse_id, index)
        return out

    def _results(self, message: Any, pulse_id: int, index: int) -> list[str]:
        frames = self.frames
        out: list[str] = []
        for name, expected in (
            (SIGNAL_PROFILE, frames.signal_profiles[index]),
            (BACKGROUND_PROFILE, frames.background_profiles[index]),
        ):
            profile = message.array(name)
            if profile is None:
                out.append(f"{name} missing")
            elif profile.shape != expected.shape or not np.array_equal(profile, expected):
                out.append(f"{name} differs from numpy's sum over the ROI's rows")
        parameters = message.value(PARAMETERS)
        try:
            decoded = json.loads(parameters) if isinstance(parameters, str) else None
        except json.JSONDecodeError:
            decoded = None
        if not isinstance(decoded, dict):
            out.append(f"{PARAMETERS} missing or not a JSON object: {parameters!r}")
        elif (
            decoded.get("roi_signal") != frames.roi_signal
            or decoded.get("roi_background") != frames.roi_background
        ):
            out.append(f"{PARAMETERS} does not hold the ROIs: {parameters}")
        edge = message.value(EDGE_POSITION)
        xray = pulse_id % 2 == 0
        if not isinstance(edge, float):
            out.append(f"{EDGE_POSITION} missing or not a float: {edge!r}")
        elif xray and not math.isfinite(edge):
            out.append(f"{EDGE_POSITION} not finite on an X-ray shot")
        elif not xray and not math.isnan(edge):
            out.append(f"{EDGE_POSITION} = {edge} on a reference shot (expected NaN)")
        return out


@dataclass(frozen=True)
class ReceiverSpec:
    frame_set_path: str
    address: str
    """The DUT's output stream."""
    dut_pids: tuple[int, ...]
    """The DUT's processes (their CPU is summed)."""
    service: bool
    """Check the service's results too (not only that the input channels are passed on)."""


@dataclass(frozen=True)
class Expect:
    """One phase: ``count`` consecutive pulse ids from ``first`` on.

    The DUT's CPU ticks are read as the ``warmup``-th and the last frame arrive; latencies are
    kept for the frames after the warm-up. With ``check``, measured frames whose
    ``pulse_id % 20`` is 0 or 11 (every 10th, alternately X-ray and reference shots) are
    decoded and checked. The phase ends early after ``idle_timeout`` s without a frame.
    """

    first: int
    count: int
    warmup: int
    check: bool
    idle_timeout: float


def receiver_main(spec: ReceiverSpec, conn: Connection, parent: int) -> None:
    """PULL connect to the device under test; answers each :class:`Expect` with a
    :class:`PhaseResult` (and a ``("warm", time)`` message when the warm-up is done)."""
    die_with_parent()
    checker = _Checker(load_frame_set(spec.frame_set_path), spec.service)
    context = zmq.Context()
    sock = context.socket(zmq.PULL)
    sock.setsockopt(zmq.RCVHWM, HWM)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(spec.address)
    conn.send(("ready", None))
    try:
        while True:
            command = _command(conn, parent)
            if not isinstance(command, Expect):
                break
            conn.send(_receive(sock, checker, spec.dut_pids, command, conn))
    finally:
        sock.close(linger=0)
        context.term()


def _receive(
    sock: zmq.Socket[Any],
    checker: _Checker,
    dut_pids: tuple[int, ...],
    phase: Expect,
    conn: Connection,
) -> PhaseResult:
    result = PhaseResult(expected=phase.count)
    layouts: dict[str, int] = {}
    next_id = phase.first
    end = phase.first + phase.count
    while next_id < end:
        if not sock.poll(int(phase.idle_timeout * 1000), zmq.POLLIN):
            break
        parts = sock.recv_multipart(copy=False)
        now = time.monotonic()
        main = json.loads(parts[0].bytes)
        pulse_id = main["pulse_id"]
        part = layouts.get(main["hash"])
        if part is None:
            names = [c["name"] for c in json.loads(parts[1].bytes)["channels"]]
            part = layouts[main["hash"]] = 2 + 2 * names.index(SEND_TIME)
        send_time = struct.unpack("<d", parts[part].buffer)[0]
        if pulse_id < next_id:
            result.out_of_order += 1
            continue
        result.lost += pulse_id - next_id
        next_id = pulse_id + 1
        result.received += 1
        if result.received == 1:
            result.first_time = now
        result.last_time = now
        if result.received == phase.warmup:
            result.cpu_start = cpu_ticks(*dut_pids)
            result.runtimes_start = thread_runtimes_ms(dut_pids)
            conn.send(("warm", now))
        elif result.received > phase.warmup:
            result.latencies_ms.append((now - send_time) * 1e3)
            if phase.check and pulse_id % 20 in (0, 11):
                _check(result, checker, pulse_id, parts, send_time)
    if result.received > phase.warmup:
        result.cpu_end = cpu_ticks(*dut_pids)
        result.runtimes_end = thread_runtimes_ms(dut_pids)
    result.lost += end - next_id
    return result


def _check(
    result: PhaseResult, checker: _Checker, pulse_id: int, parts: list[Any], send_time: float
) -> None:
    result.checked += 1
    try:
        problems = checker.problems(pulse_id, [p.buffer for p in parts], send_time)
    except Exception as exc:  # a frame the decoder rejects is a failure
        problems = [f"cannot decode: {type(exc).__name__}: {exc}"]
    if problems:
        result.failed_frames += 1
        result.failures += [f"pulse {pulse_id}: {p}" for p in problems]
