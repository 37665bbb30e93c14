"""Scale-out prototype for the throughput benchmark: the pipeline pattern over worker processes.

Measured as the device under test ``pipeline``; not part of the service. One coordinating
process receives the stream (PULL connect), opens each message with the service's
:class:`~psen_processing.stream.pipeline.FrameProcessor` (headers, image checks, the bitshuffle_lz4
block chain), keeps the received frames and sends only the image part, zero-copy, to worker
process ``seq % N`` (PUSH over ``ipc://``). A worker decodes the blocks under the ROIs and sums
them (:func:`~psen_processing.core.profiles.process_image`, the service's own function) and sends
the two profiles back (16 kB at 2048 wide). The coordinator completes the frames strictly in
arrival order, so in pulse-id order (edge detection needs every shot in order, so it stays
here), and sends each one on (PUSH bind) exactly as the service would.

Workers are started as separate interpreters (``python _scale_out.py worker ...``), die with
their coordinator, and load the same settings file. No REST API, statistics or live view: this
measures the transport and compute pattern only.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import zmq
from threadpoolctl import threadpool_limits

from _bench_procs import HWM, POLL_MS, PREFIX, _orphaned
from _harness import die_with_parent
from psen_processing.codec import LazyImage
from psen_processing.codec.headers import parse_channel
from psen_processing.core.channels import ChannelNames
from psen_processing.core.profiles import FrameResult, ProcessingSettings, process_image
from psen_processing.errors import ProtocolError
from psen_processing.settings_file import SettingsStore
from psen_processing.stream.pipeline import FrameProcessor, OpenedFrame, skipped

_SEQ = struct.Struct("<Q")
MAX_IN_FLIGHT = 8
"""Frames opened but not yet completed; the coordinator stops reading its input at this many."""


def _settings(path: str) -> ProcessingSettings:
    return SettingsStore(Path(path)).load().settings


# --- worker -------------------------------------------------------------------------------


def worker_main(requests: str, replies: str, settings_path: str, parent: int) -> None:
    """Profiles for each request ``[seq, channel spec, image value]`` until orphaned."""
    die_with_parent()
    settings = _settings(settings_path)
    context = zmq.Context()
    pull = context.socket(zmq.PULL)
    push = context.socket(zmq.PUSH)
    for sock in (pull, push):
        sock.setsockopt(zmq.LINGER, 0)
    pull.connect(requests)
    push.connect(replies)
    limits = threadpool_limits(limits=1)
    try:
        while True:
            if not pull.poll(POLL_MS, zmq.POLLIN):
                if _orphaned(parent):
                    break
                continue
            seq, spec, value = pull.recv_multipart(copy=False)
            try:
                image = LazyImage(parse_channel(json.loads(spec.bytes)), value.buffer)
                result = process_image(image, settings)
            except ProtocolError as exc:
                push.send_multipart([seq, b"error", exc.reason.encode(), str(exc).encode()])
                continue
            push.send_multipart(
                [
                    seq,
                    b"ok",
                    _profile_bytes(result.roi_signal_x_profile),
                    _profile_bytes(result.roi_background_x_profile),
                    json.dumps(result.problems).encode(),
                ]
            )
    finally:
        limits.restore_original_limits()
        pull.close(linger=0)
        push.close(linger=0)
        context.term()


def _profile_bytes(profile: Any) -> bytes:
    """A profile with its type (the image's sum type, as the service sends it)."""
    if profile is None:
        return b""
    return np.dtype(profile.dtype).str.encode() + b":" + np.ascontiguousarray(profile).tobytes()


def _profile(data: bytes) -> Any:
    if not data:
        return None
    kind, _, values = data.partition(b":")
    return np.frombuffer(values, dtype=kind.decode())


# --- coordinator --------------------------------------------------------------------------


@dataclass
class _Pending:
    frames: list[zmq.Frame]
    opened: OpenedFrame | None
    done: bool = False
    result: FrameResult | None = None
    error: ProtocolError | None = None


@dataclass(frozen=True)
class _Sockets:
    source: zmq.Socket[Any]
    sink: zmq.Socket[Any]
    replies: zmq.Socket[Any]
    requests: list[zmq.Socket[Any]]


def pipeline_main(
    source: str, settings_path: str, workers: int, conn: Connection, parent: int
) -> None:
    """The coordinator: reports ``("ready", (output port, worker pids))``, runs until told."""
    die_with_parent()
    settings = _settings(settings_path)
    processor = FrameProcessor(ChannelNames(PREFIX))
    context = zmq.Context()
    pull = context.socket(zmq.PULL)
    pull.setsockopt(zmq.RCVHWM, HWM)
    push = context.socket(zmq.PUSH)
    push.setsockopt(zmq.SNDHWM, HWM)
    replies = context.socket(zmq.PULL)
    sockets = [pull, push, replies]
    with tempfile.TemporaryDirectory(prefix="psen-scale-out-") as folder:
        reply_address = f"ipc://{folder}/replies"
        replies.bind(reply_address)
        requests = []
        procs = []
        for index in range(workers):
            sock = context.socket(zmq.PUSH)
            sock.setsockopt(zmq.SNDHWM, MAX_IN_FLIGHT)
            address = f"ipc://{folder}/requests-{index}"
            sock.bind(address)
            requests.append(sock)
            sockets.append(sock)
            procs.append(
                subprocess.Popen(
                    [sys.executable, __file__, "worker", address, reply_address, settings_path],
                    preexec_fn=die_with_parent,  # noqa: PLW1509 (no threads of ours yet)
                )
            )
        for sock in sockets:
            sock.setsockopt(zmq.LINGER, 0)
        pull.connect(source)
        port = push.bind_to_random_port("tcp://127.0.0.1")
        conn.send(("ready", (port, tuple(p.pid for p in procs))))
        try:
            _coordinate(processor, settings, _Sockets(pull, push, replies, requests), conn, parent)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5.0)
            for sock in sockets:
                sock.close(linger=0)
            context.term()


def _open(
    processor: FrameProcessor, frames: list[zmq.Frame], seq: int, requests: list[zmq.Socket[Any]]
) -> _Pending:
    """Opens a message and hands its image value to worker ``seq % N``."""
    try:
        opened = processor.open(frames)
    except ProtocolError as exc:
        return _Pending(frames, None, done=True, error=exc)
    image = opened.image
    if image is None:
        return _Pending(frames, opened, done=True)
    name = processor.names.image
    index = opened.message.data_header.positions[name]
    spec = opened.message.data_header.channels[index]
    requests[seq % len(requests)].send_multipart(
        [_SEQ.pack(seq), json.dumps(spec.raw).encode(), frames[2 + 2 * index]], copy=False
    )
    return _Pending(frames, opened)


def _coordinate(
    processor: FrameProcessor,
    settings: ProcessingSettings,
    sockets: _Sockets,
    conn: Connection,
    parent: int,
) -> None:
    pull, push, replies, requests = sockets.source, sockets.sink, sockets.replies, sockets.requests
    pending: collections.OrderedDict[int, _Pending] = collections.OrderedDict()
    seq = 0
    reading = zmq.Poller()
    reading.register(pull, zmq.POLLIN)
    reading.register(replies, zmq.POLLIN)
    full = zmq.Poller()
    full.register(replies, zmq.POLLIN)
    while True:
        ready = dict((full if len(pending) >= MAX_IN_FLIGHT else reading).poll(POLL_MS))
        if not ready:
            if _orphaned(parent) or conn.poll():
                return
            continue
        if replies in ready:
            while True:
                try:
                    reply = replies.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                entry = pending[_SEQ.unpack(reply[0])[0]]
                entry.done = True
                if reply[1] == b"ok":
                    entry.result = FrameResult(
                        _profile(reply[2]), _profile(reply[3]), tuple(json.loads(reply[4]))
                    )
                else:
                    entry.error = ProtocolError(reply[2].decode(), reply[3].decode())
        if pull in ready:
            frames = pull.recv_multipart(copy=False)
            pending[seq] = _open(processor, frames, seq, requests)
            seq += 1
        while pending:
            first = next(iter(pending.values()))
            if not first.done:
                break
            pending.popitem(last=False)
            if first.error is not None:
                outcome = skipped(first.error)
            else:
                assert first.opened is not None
                outcome = processor.complete(first.opened, first.result, settings, first.frames)
            if outcome.parts is not None:
                push.send_multipart(outcome.parts, copy=False)


if __name__ == "__main__" and len(sys.argv) == 5 and sys.argv[1] == "worker":
    worker_main(sys.argv[2], sys.argv[3], sys.argv[4], os.getppid())
