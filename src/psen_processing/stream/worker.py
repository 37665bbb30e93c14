"""The ZeroMQ loop: receive, process, send. The only module that touches the data sockets."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Annotated, Any, Literal, cast

import zmq
from pydantic.dataclasses import dataclass as pydantic_dataclass
from threadpoolctl import threadpool_limits

from ..codec.compression import Buffer
from ..core.channels import ChannelNames
from ..core.edge_tracking import EdgeTracker
from ..core.limits import MAX_CHANNEL_NAME, MAX_PORT
from ..core.profiles import ProcessingSettings
from ..core.settings import Integer, Number, Text, refusing
from ..errors import InvalidOption, ServiceError
from .consumers import ConsumerCount
from .input_connection import InputWatch
from .pipeline import FrameOutcome, FrameProcessor
from .statistics import Statistics, bounded_text

__all__ = ["StreamConfig", "Worker", "bound_port"]

log = logging.getLogger(__name__)

_MORE = int(zmq.SNDMORE) | int(zmq.NOBLOCK)
_LAST = int(zmq.NOBLOCK)

_CONSUMER_CHECK_S = 0.2
"""How often a busy loop (or one waiting for the consumer) reads the sockets' connection
events."""
_DRAIN_S, _DRAIN_MAX = 0.2, 10_000
"""Bounds of counting, at stop, the frames already queued for us."""

# pyzmq's Socket adds a Python layer (routing ids, groups) over its compiled send; the loop sends
# 20-30 parts per frame, so it calls the compiled method directly.
_send_part: Callable[..., Any] = zmq.backend.Socket.send


SENT, DROPPED, STOPPED = 0, 1, 2
"""What became of an output message (``Worker._send``)."""


def _discard_rest(sink: zmq.Socket[Any], parts: list[Any], failed: int) -> None:
    """The parts after ``failed`` (whose send raised EAGAIN mid-message), to libzmq's PUSH,
    which discards them up to the message's last part."""
    last = len(parts) - 1
    if failed >= last:
        return
    try:
        for i in range(failed + 1, last):
            _send_part(sink, parts[i], _MORE)
        _send_part(sink, parts[last], _LAST)
    except zmq.Again:  # already discarding: nothing was queued
        pass


def _receive_now(socket: zmq.Socket[Any]) -> None:
    """Take one queued multipart message and let it go; zmq.Again if none is queued."""
    frame = socket.recv(zmq.NOBLOCK, copy=False)
    while frame.more:
        frame = socket.recv(0, copy=False)


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


def bound_port(socket: zmq.Socket[Any]) -> int:
    """The TCP port ``socket`` was last bound to (``tcp://host:port``, as ZeroMQ reports it)."""
    endpoint = socket.getsockopt_string(zmq.LAST_ENDPOINT)
    return int(endpoint.rsplit(":", 1)[1])


class _ErrorLog:
    """Logs an exception with its traceback at most once per ``interval`` seconds per reason,
    counting the others: a fault that hits every frame fills no disk."""

    def __init__(self, interval: float = 60.0) -> None:
        self._interval = interval
        self._last: dict[str, float] = {}
        self._unlogged: dict[str, int] = {}

    def exception(self, reason: str, message: str, exc: BaseException) -> None:
        now = time.monotonic()
        last = self._last.get(reason)
        if last is not None and now - last < self._interval:
            self._unlogged[reason] = self._unlogged.get(reason, 0) + 1
            return
        self._last[reason] = now
        unlogged = self._unlogged.pop(reason, 0)
        log.error(
            "%s (%s)%s",
            message,
            reason,
            f"; {unlogged} more since the last one logged" if unlogged else "",
            exc_info=exc,
        )


PORT = Integer(0, MAX_PORT)
"""A TCP port to bind; 0 lets the system choose (the worker reports the one it got)."""
_QUEUE = Integer(1, 1_000_000)
"""A ZeroMQ high-water mark, in messages."""
_ENDPOINT = Text(1024, "ZeroMQ address")


@refusing(InvalidOption, "stream option")
@pydantic_dataclass(frozen=True, slots=True)
class StreamConfig:
    """How the processing loop connects: one settings model, each bound stated in its field."""

    input_stream: Annotated[str, _ENDPOINT]
    prefix: Annotated[str, Text(MAX_CHANNEL_NAME, "channel prefix")]
    output_port: Annotated[int, PORT] = 8888
    output_interface: Annotated[str, Text(255, "interface address")] = "*"
    input_mode: Literal["pull", "sub"] = "pull"
    output_mode: Literal["block", "drop"] = "block"
    """block: wait for the consumer (nothing lost while it keeps up); drop: count and drop a
    frame the consumer is not ready for."""
    receive_timeout_ms: Annotated[int, Integer(1, 60_000)] = 100
    input_queue: Annotated[int, _QUEUE] = 32
    output_queue: Annotated[int, _QUEUE] = 32
    bind_timeout_s: Annotated[float, Number(0.0, 3600.0, open_low=True)] = 3.0
    restart_wait_s: Annotated[float, Number(0.0, 3600.0)] = 10.0
    """How long a start waits for the previous run to finish the frame it was processing."""
    image_output_port: Annotated[int, PORT] | None = None
    """If set, the image alone is published on this port for viewers, never waiting."""
    image_output_mode: Literal["pub", "push"] = "pub"
    """pub: every viewer (SUB) gets every image it keeps up with; push: as 1.2.x's image
    stream, consumers (PULL, psi-bsread's default) take turns and an image none is ready for is
    dropped and counted."""
    image_output_queue: Annotated[int, _QUEUE] = 4

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
        heartbeat: Callable[[], None] | None = None,
        heartbeat_interval_s: float = 0.5,
        on_exit: Callable[[Worker], None] | None = None,
    ) -> None:
        """``heartbeat`` is called from the loop at most every ``heartbeat_interval_s`` while it
        goes round (waiting for input or for the consumer included), never once it is stuck or
        ended. ``on_exit(worker)`` is called by the thread as it ends, its sockets closed."""
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
        self._heartbeat = heartbeat
        self._heartbeat_interval_s = heartbeat_interval_s
        self._next_beat = 0.0
        self._on_exit = on_exit
        self.last_beat = time.monotonic()
        """When the loop last went round (monotonic; updated at most every heartbeat interval)."""
        self.output_wait_since: float | None = None
        """Since when (monotonic) the message being sent waits for the consumer; None if not."""
        self._errors = _ErrorLog()
        self._watch: Callable[[], None] = lambda: None
        """Reads the sockets' connection events (set once they are followed)."""
        self.output_port: int | None = None
        """The port the output stream is bound to (the system's choice for port 0), once
        started."""
        self.image_output_port: int | None = None
        """The port the image output is bound to, once started; None without one."""

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

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    def _beat(self, now: float) -> None:
        self.last_beat = now
        self._next_beat = now + self._heartbeat_interval_s
        if self._heartbeat is not None:
            self._heartbeat()

    def _bind(self, socket: zmq.Socket[Any], address: str, what: str = "output stream") -> int:
        """Bind ``socket`` to ``address`` and answer the port it got: the one asked for, or for
        port 0 the one the system chose (read back from ZeroMQ's last endpoint)."""
        deadline = time.monotonic() + self._config.bind_timeout_s
        while True:
            try:
                socket.bind(address)
                return bound_port(socket)
            except zmq.ZMQError as exc:
                # A port released by a previous run can take a moment to become free again.
                if exc.errno != zmq.EADDRINUSE or time.monotonic() > deadline:
                    raise ServiceError(f"cannot bind the {what} to {address}: {exc}") from exc
                time.sleep(0.05)

    def _open_viewers(self) -> None:
        """The image output: PUB drops for a viewer whose short queue is full, so a slow or
        stalled viewer loses images but never holds up the data stream or other viewers; PUSH
        (1.2.x's image stream) is sent to without waiting, so an image no consumer has room for
        is dropped."""
        address = self._config.image_output_address
        if address is None:
            return
        viewers = self._context.socket(
            zmq.PUSH if self._config.image_output_mode == "push" else zmq.PUB
        )
        viewers.setsockopt(zmq.LINGER, 0)
        viewers.setsockopt(zmq.SNDHWM, self._config.image_output_queue)
        try:
            self.image_output_port = self._bind(viewers, address, "image output stream")
        except BaseException:
            viewers.close()
            raise
        self._viewers = viewers

    def _open(self) -> tuple[zmq.Socket[Any], zmq.Socket[Any], InputWatch]:
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
        inputs = None
        try:
            # followed before it connects: its first connection's events are seen
            inputs = InputWatch(source, self._stats, (cfg.input_stream, cfg.input_mode, cfg.prefix))
            source.connect(cfg.input_stream)
            self.output_port = self._bind(sink, cfg.output_address)
            self._open_viewers()
        except BaseException:
            if inputs is not None:
                inputs.close()
            source.close()
            sink.close()
            raise
        return source, sink, inputs

    def _send(
        self,
        sink: zmq.Socket[Any],
        parts: list[Any],
        on_wait: Callable[[float], None] | None = None,
    ) -> int:
        """Send one message whole or not at all: SENT, DROPPED (drop mode) or STOPPED.

        Part by part with plain integer flags: pyzmq's send_multipart costs about three times
        as much for the 20-30 small parts of an output message. Received frames go out
        zero-copy whatever ``copy`` says; the small parts the service adds are copied.

        Once the first part is taken, ZeroMQ takes the rest, unless the consumer's connection
        ends within the message: then libzmq's PUSH discards the parts it took, answers EAGAIN
        and discards every further part up to the message's last one. The rest of the message
        is handed over for that, so the next message starts clean; in drop mode the frame
        counts as dropped, in block mode the whole message goes again to whoever takes it.

        ``on_wait(since)`` is called once when block mode starts waiting for the consumer.
        """
        send, last = _send_part, len(parts) - 1
        while True:
            try:
                send(sink, parts[0], _MORE if last else _LAST)
            except zmq.Again:
                if self._stop.is_set():
                    self._stop_waiting()
                    return STOPPED
                if self._config.output_mode == "drop":
                    self._stop_waiting()
                    return DROPPED
                now = time.monotonic()
                if self.output_wait_since is None:
                    self.output_wait_since = now
                    if on_wait is not None:
                        on_wait(now)
                if now >= self._next_beat:  # waiting for the consumer is not being stuck
                    self._beat(now)
                self._watch()  # consumers that come and go, the input's state
                sink.poll(self._config.receive_timeout_ms, zmq.POLLOUT)
                continue
            if self.output_wait_since is not None:
                self.output_wait_since = None
                self._stats.output_waiting(None, None)
            i = 0
            try:
                for i in range(1, last):
                    send(sink, parts[i], _MORE)
                i = last
                if last:
                    send(sink, parts[last], _LAST)
                return SENT
            except zmq.Again:
                _discard_rest(sink, parts, i)
                self._stats.output_interrupted()
            if self._config.output_mode == "drop":
                return DROPPED

    def _stop_waiting(self) -> None:
        if self.output_wait_since is not None:
            self.output_wait_since = None
            self._stats.output_waiting(None, None)

    def _run(self) -> None:
        try:
            source, sink, inputs = self._open()
        except BaseException as exc:
            self._failed_to_start(exc)
            return
        try:
            processor = FrameProcessor(
                ChannelNames(self._config.prefix),
                self._tracker,
                forward_image=self._viewers is not None,
                # one frame per data header that every message shares: no copy per message, and
                # nothing new left behind when a consumer leaves within a message (encoder.py)
                header_part=zmq.Frame,
            )
            # One frame's work gains nothing from thread pools (bitshuffle's OpenMP, BLAS): they
            # only double the CPU spent. The limit applies to this thread alone.
            limits = threadpool_limits(limits=1)
            try:
                consumers = ConsumerCount(sink, self._stats)
            except BaseException:
                limits.restore_original_limits()
                raise
        except BaseException as exc:  # e.g. no file descriptor left for the socket monitor
            inputs.close()
            self._close_sockets(source, sink)
            self._failed_to_start(exc)
            return
        self._ready.set_result(None)
        check_consumers = 0.0
        next_watch = 0.0

        def watch() -> None:  # at most every _CONSUMER_CHECK_S while waiting for the consumer
            nonlocal next_watch
            now = time.monotonic()
            if now >= next_watch:
                next_watch = now + _CONSUMER_CHECK_S
                consumers.update()
                inputs.update()

        self._watch = watch
        try:
            while not self._stop.is_set():
                try:  # RCVTIMEO bounds the wait: no poll call per frame
                    frames = _receive(source)
                except zmq.Again:
                    now = time.monotonic()
                    if now >= self._next_beat:
                        self._beat(now)
                    consumers.update()
                    inputs.update()
                    continue
                received_at = time.monotonic()
                self._stats.received(received_at)
                if received_at >= self._next_beat:
                    self._beat(received_at)
                self._handle(processor, sink, frames, received_at)
                if received_at >= check_consumers:  # a busy stream: a few times a second
                    consumers.update()
                    inputs.update()
                    check_consumers = received_at + _CONSUMER_CHECK_S
            self._discard_queued(source)
        except Exception as exc:
            log.exception("processing loop failed")
            self.error = exc
        finally:
            limits.restore_original_limits()
            self._stop_waiting()
            consumers.close()
            inputs.close()
            self._close_sockets(source, sink)
            if self._on_exit is not None:
                self._on_exit(self)

    def _failed_to_start(self, error: BaseException) -> None:
        """Processing never began: the starter learns why (``start`` raises), nothing else."""
        self.error = error
        self._ready.set_exception(error)

    def _close_sockets(self, source: zmq.Socket[Any], sink: zmq.Socket[Any]) -> None:
        source.close(linger=0)
        sink.close(linger=0)
        if self._viewers is not None:
            self._viewers.close(linger=0)

    def _discard_queued(self, source: zmq.Socket[Any]) -> None:
        """Count the frames ZeroMQ already took from the camera for us: stopping discards them.

        Bounded in time and number, as the camera may go on sending while this runs."""
        deadline = time.monotonic() + _DRAIN_S
        count = 0
        try:
            while count < _DRAIN_MAX and time.monotonic() < deadline:
                _receive_now(source)
                count += 1
        except zmq.Again:
            pass
        if count:
            self._stats.discarded_at_stop(count, counted=False)
            log.info("stopped: %d received frames discarded", count)

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
            # one traceback a minute per kind of error: a fault on every frame fills no disk
            self._errors.exception(
                f"processing_error, {type(exc).__name__}", "frame could not be processed", exc
            )
            stats.skipped("processing_error", bounded_text(f"{type(exc).__name__}: {exc}"))
            return
        if outcome.parts is None or outcome.pulse_id is None:
            reason = outcome.skip_reason or "unknown"
            stats.skipped(reason, outcome.problems[0][1] if outcome.problems else reason)
            return
        if self._stop.is_set():  # stopped while this frame was processed: it stays here
            stats.discarded_at_stop()
            return
        shown = False

        def waiting(since: float) -> None:  # block mode waits: show what it holds meanwhile
            nonlocal shown
            stats.output_waiting(since, received_at)
            if self._on_frame is not None:
                self._on_frame(outcome)
                shown = True

        result = self._send(sink, outcome.parts, waiting)
        if result == STOPPED:
            stats.discarded_at_stop()
            return
        if self._on_frame is not None and not shown:  # after the send: no added latency
            self._on_frame(outcome)
        stats.frame(
            outcome.pulse_id,
            received_at,
            delivered=result == SENT,
            problems=outcome.problems,
            image=(outcome.image_shape, outcome.image_dtype) if outcome.image_dtype else None,
            timing=outcome.timing,
        )
        if outcome.error is not None:
            reason, failure = outcome.error
            self._errors.exception(reason, f"pulse {outcome.pulse_id} sent incomplete", failure)
        if outcome.image_parts is not None and self._viewers is not None:
            self._publish_image(self._viewers, outcome.image_parts)

    def _publish_image(self, viewers: zmq.Socket[Any], parts: list[Any]) -> None:
        i, last = 0, len(parts) - 1
        try:
            for i in range(last):
                viewers.send(parts[i], _MORE)
            i = last
            viewers.send(parts[last], _LAST)
        except zmq.ZMQError as exc:  # never wait for, or fail because of, a viewer
            if i > 0 and isinstance(exc, zmq.Again):  # PUSH: a consumer left mid-message
                _discard_rest(viewers, parts, i)
            self._stats.image_output(published=False)
            return
        self._stats.image_output(published=True)
