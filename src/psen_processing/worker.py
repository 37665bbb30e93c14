"""The ZeroMQ loop: receive, process, send. The only module that touches the data sockets."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal, cast

import zmq
from threadpoolctl import threadpool_limits

from .channels import ChannelNames
from .codec.compression import Buffer
from .errors import ServiceError
from .pipeline import FrameOutcome, FrameProcessor
from .processing import ProcessingSettings
from .statistics import Statistics, bounded_text
from .timing import EdgeTracker

__all__ = ["StreamConfig", "Worker"]

log = logging.getLogger(__name__)

_MORE = int(zmq.SNDMORE) | int(zmq.NOBLOCK)
_LAST = int(zmq.NOBLOCK)

# pyzmq's Socket adds a Python layer (routing ids, groups) over its compiled send; the loop sends
# 20-30 parts per frame, so it calls the compiled method directly.
_send_part: Callable[..., Any] = zmq.backend.Socket.send

TRACEBACK_INTERVAL_S = 60.0
"""At most one traceback per kind of unforeseen error in this time; the rest are counted."""


def _receive(socket: zmq.Socket[Any]) -> list[zmq.Frame]:
    """One multipart message, zero-copy. Like ``recv_multipart(copy=False)``, but it asks each
    frame whether more follow instead of querying the socket option per part."""
    frame = socket.recv(0, copy=False)
    frames = [frame]
    recv = socket.recv
    while frame.more:
        frame = recv(0, copy=False)
        frames.append(frame)
    return frames


@dataclass(frozen=True, slots=True)
class StreamConfig:
    input_stream: str
    prefix: str
    output_port: int = 8888
    output_interface: str = "*"
    input_mode: Literal["pull", "sub"] = "pull"
    output_mode: Literal["block", "drop"] = "block"
    """block: wait for the consumer (nothing lost while it keeps up); drop: count and drop a
    frame the consumer is not ready for."""
    receive_timeout_ms: int = 100
    input_queue: int = 32
    output_queue: int = 32
    bind_timeout_s: float = 3.0
    image_output_port: int | None = None
    """If set, the image alone is published (PUB) on this port for viewers, never waiting."""
    image_output_queue: int = 4

    @property
    def output_address(self) -> str:
        return f"tcp://{self.output_interface}:{self.output_port}"

    @property
    def image_output_address(self) -> str | None:
        if self.image_output_port is None:
            return None
        return f"tcp://{self.output_interface}:{self.image_output_port}"


class Worker:
    """A thread running the loop until ``stop``; one per start."""

    def __init__(
        self,
        config: StreamConfig,
        context: zmq.Context[Any],
        settings: Callable[[], ProcessingSettings],
        statistics: Statistics,
        *,
        on_frame: Callable[[FrameOutcome], None] | None = None,
        tracker: EdgeTracker | None = None,
    ) -> None:
        self._config = config
        self._context = context
        self._settings = settings
        self._stats = statistics
        self._on_frame = on_frame
        self._tracker = tracker
        self._stop = threading.Event()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="psen-worker", daemon=True)
        self.error: BaseException | None = None
        self._viewers: zmq.Socket[Any] | None = None
        self._tracebacks: dict[str, float] = {}
        """When a traceback of each kind of unforeseen error was last logged."""

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        try:
            self._ready.result(timeout)
        except TimeoutError as exc:
            self.stop()
            raise ServiceError("processing did not start in time") from exc

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _bind(self, socket: zmq.Socket[Any], address: str, what: str = "output stream") -> None:
        deadline = time.monotonic() + self._config.bind_timeout_s
        while True:
            try:
                socket.bind(address)
                return
            except zmq.ZMQError as exc:
                # A port released by a previous run can take a moment to become free again.
                if exc.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                    raise ServiceError(f"cannot bind the {what} to {address}: {exc}") from exc
                time.sleep(0.05)

    def _open_viewers(self) -> None:
        """The image output: PUB drops for a viewer whose short queue is full, so a slow or
        stalled viewer loses images but never holds up the data stream or other viewers."""
        address = self._config.image_output_address
        if address is None:
            return
        viewers = self._context.socket(zmq.PUB)
        viewers.setsockopt(zmq.LINGER, 0)
        viewers.setsockopt(zmq.SNDHWM, self._config.image_output_queue)
        try:
            self._bind(viewers, address, "image output stream")
        except BaseException:
            viewers.close()
            raise
        self._viewers = viewers

    def _open(self) -> tuple[zmq.Socket[Any], zmq.Socket[Any]]:
        cfg = self._config
        source = self._context.socket(zmq.SUB if cfg.input_mode == "sub" else zmq.PULL)
        source.setsockopt(zmq.LINGER, 0)
        source.setsockopt(zmq.RCVHWM, cfg.input_queue)
        source.setsockopt(zmq.RCVTIMEO, cfg.receive_timeout_ms)
        if cfg.input_mode == "sub":
            source.setsockopt(zmq.SUBSCRIBE, b"")
        sink = self._context.socket(zmq.PUSH)
        sink.setsockopt(zmq.LINGER, 0)
        sink.setsockopt(zmq.SNDHWM, cfg.output_queue)
        try:
            source.connect(cfg.input_stream)
            self._bind(sink, cfg.output_address)
            self._open_viewers()
        except BaseException:
            source.close()
            sink.close()
            raise
        return source, sink

    def _send(self, sink: zmq.Socket[Any], parts: list[Any]) -> bool:
        """Send one message; False if it was dropped (drop mode, or stopping).

        Part by part with plain integer flags: pyzmq's send_multipart costs about three times
        as much for the 20-30 small parts of an output message. Received frames go out
        zero-copy whatever ``copy`` says; the small parts the service adds are copied. Once the
        first part is taken, ZeroMQ takes the rest of the message.
        """
        send, last = _send_part, len(parts) - 1
        while True:
            try:
                send(sink, parts[0], _MORE if last else _LAST)
                break
            except zmq.Again:
                if self._config.output_mode == "drop" or self._stop.is_set():
                    return False
                sink.poll(self._config.receive_timeout_ms, zmq.POLLOUT)
        for i in range(1, last):
            send(sink, parts[i], _MORE)
        if last:
            send(sink, parts[last], _LAST)
        return True

    def _run(self) -> None:
        try:
            source, sink = self._open()
        except BaseException as exc:
            self.error = exc
            self._ready.set_exception(exc)
            return
        self._ready.set_result(None)
        processor = FrameProcessor(
            ChannelNames(self._config.prefix),
            self._tracker,
            forward_image=self._viewers is not None,
        )
        # One frame's work gains nothing from thread pools (bitshuffle's OpenMP, BLAS): they
        # only double the CPU spent. The limit applies to this thread alone.
        limits = threadpool_limits(limits=1)
        try:
            while not self._stop.is_set():
                try:  # RCVTIMEO bounds the wait: no poll call per frame
                    frames = _receive(source)
                except zmq.Again:
                    continue
                received_at = time.monotonic()
                self._handle(processor, sink, frames, received_at)
        except Exception as exc:
            log.exception("processing loop failed")
            self.error = exc
        finally:
            limits.restore_original_limits()
            source.close(linger=0)
            sink.close(linger=0)
            if self._viewers is not None:
                self._viewers.close(linger=0)

    def _handle(
        self,
        processor: FrameProcessor,
        sink: zmq.Socket[Any],
        frames: list[zmq.Frame],
        received_at: float,
    ) -> None:
        stats = self._stats
        try:
            # zmq frames expose their bytes (buffer protocol): they are the parts as received
            outcome = processor.process(cast(list[Buffer], frames), self._settings(), frames)
        except Exception as exc:  # a bug must cost one frame, not the service
            self._log_unforeseen(exc)
            stats.skipped("processing_error", bounded_text(f"{type(exc).__name__}: {exc}"))
            return
        if outcome.parts is None or outcome.pulse_id is None:
            reason = outcome.skip_reason or "unknown"
            stats.skipped(reason, outcome.problems[0][1] if outcome.problems else reason)
            return
        delivered = self._send(sink, outcome.parts)
        if self._on_frame is not None:  # after the send: it adds nothing to the latency
            self._on_frame(outcome)
        stats.frame(
            outcome.pulse_id,
            received_at,
            delivered=delivered,
            problems=outcome.problems,
            image=(outcome.image_shape, outcome.image_dtype) if outcome.image_dtype else None,
            timing=outcome.timing,
        )
        if outcome.image_parts is not None and self._viewers is not None:
            self._publish_image(self._viewers, outcome.image_parts)

    def _log_unforeseen(self, exc: Exception) -> None:
        """A traceback for the first error of its kind in ``TRACEBACK_INTERVAL_S``, so that a
        stream of bad frames cannot flood the log (every frame is counted all the same)."""
        kind = type(exc).__name__
        now = time.monotonic()
        last = self._tracebacks.get(kind)
        if last is not None and now - last < TRACEBACK_INTERVAL_S:
            return
        self._tracebacks[kind] = now
        log.error(
            "frame could not be processed (further %s within %.0f s are only counted)",
            kind,
            TRACEBACK_INTERVAL_S,
            exc_info=exc,
        )

    def _publish_image(self, viewers: zmq.Socket[Any], parts: list[Any]) -> None:
        try:
            last = len(parts) - 1
            for i in range(last):
                viewers.send(parts[i], _MORE)
            viewers.send(parts[last], _LAST)
        except zmq.ZMQError:  # never wait for, or fail because of, a viewer
            self._stats.image_output(published=False)
            return
        self._stats.image_output(published=True)
