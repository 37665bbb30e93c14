"""Soak benchmark with fault injection: the real service for a long run, faults every few seconds.

A sender process streams 1024x1024 uint16 bitshuffle_lz4 frames (``--compression``) at 100 Hz
into the real ``psen_processing`` command (a separate process, block output mode by default, at
most 1024 open files as under systemd); a receiver process reads its output and checks that
every good pulse_id comes out exactly once and in order. Every ``--interval`` seconds one fault is
injected, cycling through the kinds below (``--kinds`` picks some; ``--kinds none`` injects
none: a memory soak of the service alone, its RSS printed with the progress):

- malformed frames of every kind the service skips, frames it forwards without profiles, an
  image size or dtype change, an upstream restart (the sender's socket closed and bound again on
  the same port), a consumer stall and a consumer restart, invalid REST requests, a ROI change;
- a consumer reconnect storm: the consumer reconnects every 0.05-0.3 s for ``--storm`` seconds
  while the frames carry ``--storm_channels`` extra channels (another data header);
- an idle-connection flood: ``--flood_connections`` TCP connections to the REST port that never
  send a byte, held ``--flood_hold`` seconds while ``GET /status`` is timed and the output
  watched;
- oversize headers: a 14 MiB data header, an lz4 data header declaring 2 GiB and an lz4 header
  bomb (256 KiB that decompress to 64 MiB), all to be skipped as ``header_too_large``;
- cross-origin writes: ``POST /roi_signal`` and ``POST /stop`` as a page on another site can
  send them (``Origin``, a text/plain or form content type), to be refused with 403 or 415;
- absurd settings (reference_length 2**62, 21,002 calibration coefficients, filter_length
  10**9, ROIs of 2**62 px), to be refused with a 4xx.

``GET /status`` is asked every 0.5 s all along (an answer slower than 2 s is a failure). At the
end a table: frames in and out, where every good frame went, the faults by kind next to what
was observed for each, the slowest ``/status`` and the service's RSS after warm-up, at the end
and at its maximum. Any violation (a good frame the service accepted and lost, a skip not
counted under its reason, a write accepted that should have been refused, ``/status`` not
answering, the service stopped) is listed and the exit code is 1.

    .venv/bin/python benchmarks/soak_benchmark.py --duration 3600 --output_mode block

Not a test: it runs for as long as it is told to.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import random
import resource
import shutil
import struct
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import lz4.block
import numpy as np
import zmq

from _harness import ServiceRun, die_with_parent, free_port, rss_kb, service_command, status_of
from _soak_rest import (
    Outcome,
    StatusPoller,
    absurd_settings,
    cross_origin_write,
    idle_connection_flood,
    settings_view,
)
from psen_processing.sim.messages import encode_message

PREFIX = "SOAK"
IMAGE = f"{PREFIX}:FPICTURE"
HWM = 32
ROI_SIGNAL = [0, 1024, 400, 100]
ROI_BACKGROUND = [0, 1024, 40, 50]
ROI_ALTERNATIVES = ([0, 1024, 400, 100], [100, 800, 350, 120])

HEADER_TOO_LARGE = "frames_skipped_by_reason.header_too_large"
# fault kind -> the statistics counter it must show up in ("" for faults with no counter)
SKIPPED = {
    "bad_main_header": "frames_skipped_by_reason.bad_main_header",
    "missing_pulse_id": "frames_skipped_by_reason.missing_pulse_id",
    "bad_data_header": "frames_skipped_by_reason.bad_data_header",
    "wrong_part_count": "frames_skipped_by_reason.wrong_part_count",
    "value_size_mismatch": "frames_skipped_by_reason.value_size_mismatch",
    "corrupt_compressed_data": "frames_skipped_by_reason.corrupt_compressed_data",
    "unknown_type": "frames_skipped_by_reason.unknown_type",
}
FORWARDED = {
    "image_missing": "profile_problems.image_missing",
    "image_empty": "profile_problems.image_empty",
    "image_unusable_type": "profile_problems.image_unusable_type",
}
OTHER = {
    "image_resize": "profile_problems.roi_signal_outside_image",
    "image_dtype": "",
    "upstream_restart": "",
    "consumer_stall": "",
    "consumer_restart": "",
    "rest_invalid": "",
    "roi_change": "",
}
NEW = {
    "consumer_reconnect_storm": "",
    "idle_connection_flood": "",
    "oversize_header": HEADER_TOO_LARGE,
    "cross_origin_write": "",
    "absurd_settings": "",
}
COUNTERS = {**SKIPPED, **FORWARDED, **OTHER, **NEW}
KINDS = list(COUNTERS)
SENDER_FAULTS = {
    *SKIPPED, *FORWARDED, "image_resize", "image_dtype", "upstream_restart",
    "consumer_reconnect_storm", "oversize_header",
}  # fmt: skip
MALFORMED_PULSE_BASE = 1 << 40
"""Pulse ids of frames the service must skip: one of them in the output is an error."""
OVERSIZE_HEADER_BYTES = 14 * 1024 * 1024
BOMB_SIZE = 0x04000004
"""What the lz4 header bomb decompresses to (64 MiB): its 4 size bytes read the same in both
byte orders, as does 0x7FFFFF7F, the size the small lz4 header declares."""
DECLARED_HUGE = 0x7FFFFF7F


# --- sender -------------------------------------------------------------------------------


class Templates:
    """Pre-encoded messages (without their main header) and the malformed variants."""

    def __init__(
        self, storm_channels: int, seed: int = 1, compression: str = "bitshuffle_lz4"
    ) -> None:
        """``compression``: of the normal frames' image (the faults need bitshuffle_lz4)."""
        rng = np.random.default_rng(seed)
        self.normal = [self._parts(rng.poisson(300, (1024, 1024)).astype(np.uint16), k,
                                   compression) for k in range(4)]  # fmt: skip
        self.resized = self._parts(rng.poisson(300, (256, 2048)).astype(np.uint16), 0)
        self.retyped = self._parts(rng.poisson(30, (1024, 1024)).astype(np.uint8), 0)
        self.no_image = self._parts(None, 0)
        self.string_image = self._parts("not an image", 0)
        base = self.normal[0]
        empty = list(base[1])
        empty[1] = empty[2] = b""
        self.empty_image = (base[0], empty)
        # a channel of an unknown type: its own data header, so its own hash
        header = json.loads(base[1][0])
        header["channels"][1]["type"] = "complex512"
        self.unknown_type = self._rehashed(header, base[1])
        image_value = base[1][1]
        declared = int.from_bytes(image_value[:8], "big")
        self.short_declared = (declared - 2).to_bytes(8, "big") + image_value[8:]
        self.truncated = image_value[:-100]
        self.many_channels = self._many(rng.poisson(300, (1024, 1024)).astype(np.uint16),
                                        storm_channels)  # fmt: skip
        self.oversize = (
            b'{"htype":"bsr_d-1.1","channels":[],"padding":"' + b"x" * OVERSIZE_HEADER_BYTES + b'"}'
        )
        self.declares_huge = struct.pack("<I", DECLARED_HUGE) + lz4.block.compress(
            b'{"htype":"bsr_d-1.1","channels":[]}', store_size=False
        )
        head, tail = b'{"htype":"bsr_d-1.1","channels":[],"padding":"', b'"}'
        bomb = head + b" " * (BOMB_SIZE - len(head) - len(tail)) + tail
        self.bomb = struct.pack("<I", BOMB_SIZE) + lz4.block.compress(bomb, store_size=False)

    @staticmethod
    def _parts(
        image: object, index: int, compression: str = "bitshuffle_lz4"
    ) -> tuple[str, list[bytes]]:
        channels: list[tuple[str, object]] = []
        if image is not None:
            channels.append((IMAGE, image))
        channels += [(f"{PREFIX}:XRAY_INTENSITY", float(index)), (f"{PREFIX}:INDEX", index)]
        if not isinstance(image, np.ndarray):
            compression = "none"
        parts = encode_message(0, channels, compression=compression)
        return str(json.loads(parts[0])["hash"]), parts[1:]

    @staticmethod
    def _many(image: np.ndarray[Any, Any], extra: int) -> tuple[str, list[bytes]]:
        """The image and ``extra`` small channels (scalars and 8-element arrays, uncompressed),
        as a stream of a whole beamline would carry: a data header of its own."""
        picture = encode_message(0, [(IMAGE, image)], compression="bitshuffle_lz4")
        channels: list[tuple[str, object]] = [(f"{PREFIX}:XRAY_INTENSITY", 1.0)]
        for k in range(extra):
            name = f"{PREFIX}-EXTRA:CH{k:04d}"
            channels.append((name, float(k)) if k % 2 else (name, np.arange(8, dtype=np.int32)))
        small = encode_message(0, channels)
        entries = json.loads(picture[1])["channels"] + json.loads(small[1])["channels"]
        header = json.dumps({"htype": "bsr_d-1.1", "channels": entries}).encode()
        return hashlib.md5(header).hexdigest(), [header, *picture[2:], *small[2:]]

    @staticmethod
    def _rehashed(header: dict[str, Any], parts: list[bytes]) -> tuple[str, list[bytes]]:
        raw = json.dumps(header).encode()
        return hashlib.md5(raw).hexdigest(), [raw, *parts[1:]]


def main_header(
    pulse_id: int,
    hash_: str | None = None,
    with_pulse_id: bool = True,
    dh_compression: str | None = None,
) -> bytes:
    now = time.time_ns()
    main: dict[str, Any] = {
        "htype": "bsr_m-1.1",
        "global_timestamp": {"sec": now // 1_000_000_000, "ns": now % 1_000_000_000},
        "hash": hash_,
    }
    if with_pulse_id:
        main["pulse_id"] = pulse_id
    if dh_compression is not None:
        main["dh_compression"] = dh_compression
    return json.dumps(main).encode()


def malformed(kind: str, t: Templates, pulse_id: int) -> list[bytes]:
    hash_, parts = t.normal[0]
    good = [main_header(pulse_id, hash_), *parts]
    if kind == "bad_main_header":
        return [b"{not json", *parts]
    if kind == "missing_pulse_id":
        return [main_header(pulse_id, hash_, with_pulse_id=False), *parts]
    if kind == "bad_data_header":
        return [main_header(pulse_id, f"broken-{pulse_id}"), b"{broken", *parts[1:]]
    if kind == "wrong_part_count":
        return good[:-1]
    if kind == "value_size_mismatch":
        good[2] = t.short_declared
        return good
    if kind == "corrupt_compressed_data":
        good[2] = t.truncated
        return good
    if kind == "unknown_type":
        hash_, parts = t.unknown_type
        return [main_header(pulse_id, hash_), *parts]
    raise ValueError(kind)


def oversize(t: Templates, first_id: int) -> list[list[bytes]]:
    """Three two-part messages whose data header is too large, each with a hash never seen."""
    return [
        [main_header(first_id, f"oversize-{first_id}"), t.oversize],
        [main_header(first_id + 1, f"declares-{first_id}", dh_compression="lz4"), t.declares_huge],
        [main_header(first_id + 2, f"bomb-{first_id}", dh_compression="lz4"), t.bomb],
    ]


def forwarded(kind: str, t: Templates, pulse_id: int) -> list[bytes]:
    hash_, parts = {
        "image_missing": t.no_image,
        "image_empty": t.empty_image,
        "image_unusable_type": t.string_image,
    }[kind]
    return [main_header(pulse_id, hash_), *parts]


class Sender:
    def __init__(self, port: int) -> None:
        self.port = port
        self.context: zmq.Context[Any] = zmq.Context()
        self.socket = self._bind()

    def _bind(self) -> zmq.Socket[Any]:
        deadline = time.monotonic() + 30.0
        while True:
            sock: zmq.Socket[Any] = self.context.socket(zmq.PUSH)
            sock.setsockopt(zmq.SNDHWM, HWM)
            try:
                sock.bind(f"tcp://127.0.0.1:{self.port}")
                return sock
            except zmq.ZMQError:
                sock.close(linger=0)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def send(self, parts: list[bytes]) -> None:
        """Blocking send: a camera's frame is never dropped here."""
        self.socket.send_multipart(parts, copy=False)

    def restart(self) -> None:
        """Close the socket after flushing what it holds, and bind a new one on the same port."""
        self.socket.close(linger=10_000)
        self.context.term()  # returns once queued frames went out (or the linger expired)
        self.context = zmq.Context()
        self.socket = self._bind()

    def close(self) -> None:
        self.socket.close(linger=2000)
        self.context.term()


def sender_main(
    port: int, rate: float, storm_channels: int, compression: str, conn: Connection
) -> None:
    die_with_parent()
    templates = Templates(storm_channels, compression=compression)
    sender = Sender(port)
    conn.send(("ready",))
    good = 0
    injected: Counter[str] = Counter()
    skips: Counter[str] = Counter()  # counter path -> frames sent to be skipped and counted there
    alternative: tuple[str, list[bytes]] | None = None
    alternative_left = 0
    malformed_id = MALFORMED_PULSE_BASE
    period = 1.0 / rate
    deadline = time.monotonic()
    while True:
        if conn.poll(0):
            command = conn.recv()
            if command[0] == "stop":
                break
            kind = command[1]
            injected[kind] += 1
            if kind in SKIPPED:
                sender.send(malformed(kind, templates, malformed_id))
                skips[SKIPPED[kind]] += 1
                malformed_id += 1
            elif kind == "oversize_header":
                for message in oversize(templates, malformed_id):
                    sender.send(message)
                    skips[HEADER_TOO_LARGE] += 1
                    malformed_id += 1
            elif kind in FORWARDED:
                sender.send(forwarded(kind, templates, good))
                good += 1
            elif kind == "image_resize":
                alternative, alternative_left = templates.resized, int(rate)
            elif kind == "image_dtype":
                alternative, alternative_left = templates.retyped, int(rate)
            elif kind == "consumer_reconnect_storm":
                alternative, alternative_left = templates.many_channels, int(rate * command[2])
            elif kind == "upstream_restart":
                sender.restart()
            conn.send(("done", kind))
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -0.5:
            deadline = time.monotonic()  # a camera does not catch up after a long stall
        deadline += period
        if alternative is not None and alternative_left > 0:
            hash_, parts = alternative
            alternative_left -= 1
        else:
            hash_, parts = templates.normal[good % len(templates.normal)]
        sender.send([main_header(good, hash_), *parts])
        good += 1
    sender.close()
    conn.send(("sent", good, dict(injected), dict(skips)))


# --- receiver -----------------------------------------------------------------------------

LOST_AT_RESTART = "lost_at_consumer_restart"
LOST_IN_STORM = "lost_in_reconnect_storm"
LOST_AT_SERVICE_RESTART = "lost_at_service_restart"
SERVICE_RESTART_WINDOW_S = 10.0


class Receiver:
    """The consumer: PULL connect to the service's output, account for every good pulse_id.

    A gap in the pulse ids right after this consumer reconnected is frames lost inside the
    closed connection (sent by the service, never read): counted apart from other gaps.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.context: zmq.Context[Any] = zmq.Context()
        self.sock = self._connect()
        self.expected = 0
        self.counts: Counter[str] = Counter()
        self.gap_label: str | None = None
        """Where the next gap goes, if it comes right after a reconnect."""
        self.service_restart_until = 0.0
        self.stall_until = 0.0
        self.storm_until = 0.0
        self.next_reconnect = 0.0
        self.random = random.Random(7)

    def _connect(self) -> zmq.Socket[Any]:
        sock: zmq.Socket[Any] = self.context.socket(zmq.PULL)
        sock.setsockopt(zmq.RCVHWM, HWM)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"tcp://127.0.0.1:{self.port}")
        return sock

    def reconnect(self, label: str) -> None:
        self.sock.close(linger=0)
        self.sock = self._connect()
        self.gap_label = label
        self.counts["reconnects_" + label] += 1

    def command(self, command: tuple[Any, ...]) -> tuple[Any, ...] | None:
        name = command[0]
        now = time.monotonic()
        if name == "stall":
            self.stall_until = now + command[1]
        elif name == "restart":
            self.reconnect(LOST_AT_RESTART)
        elif name == "storm":
            self.storm_until = now + command[1]
            self.next_reconnect = now
        elif name == "service_restart":
            self.service_restart_until = now + SERVICE_RESTART_WINDOW_S
        elif name == "expected":
            return ("expected", self.expected, dict(self.counts))
        return ("done", name)

    def step(self) -> None:
        now = time.monotonic()
        if now < self.stall_until:
            time.sleep(0.01)
            return
        timeout = 100
        if now < self.storm_until:
            if now >= self.next_reconnect:
                self.reconnect(LOST_IN_STORM)
                self.next_reconnect = now + self.random.uniform(0.05, 0.3)
            timeout = max(1, int((self.next_reconnect - now) * 1000))
        if not self.sock.poll(timeout):
            return
        parts = self.sock.recv_multipart(copy=False)
        self.account(int(json.loads(bytes(parts[0].buffer))["pulse_id"]))

    def account(self, pulse_id: int) -> None:
        counts = self.counts
        counts["received"] += 1
        if pulse_id >= MALFORMED_PULSE_BASE:
            counts["malformed_came_out"] += 1
            return
        if pulse_id < self.expected:
            counts["out_of_order_or_duplicate"] += 1
            return
        if pulse_id > self.expected:
            if time.monotonic() < self.service_restart_until:
                label = LOST_AT_SERVICE_RESTART
            elif self.gap_label is not None:
                label = self.gap_label
            else:
                label = "lost"
            counts[label] += pulse_id - self.expected
        counts["good"] += 1
        self.expected = pulse_id + 1
        self.gap_label = None

    def close(self) -> None:
        self.sock.close(linger=0)
        self.context.term()


def receiver_main(port: int, conn: Connection) -> None:
    die_with_parent()
    receiver = Receiver(port)
    conn.send(("ready",))
    while True:
        if conn.poll(0):
            command = conn.recv()
            if command[0] == "stop":
                break
            conn.send(receiver.command(command))
        receiver.step()
    receiver.close()
    conn.send(("received", receiver.expected, dict(receiver.counts)))


# --- the run ------------------------------------------------------------------------------

INVALID_BODIES = [
    b"[1, 2, 3]", b"[-1, 10, 0, 10]", b"[0, 0, 0, 10]", b'"../../etc/passwd"', b"{broken",
    b"[0, 99999, 0, 10]", b'{"__class__": "os.system"}', b"[1.5, 2, 3, 4]",
]  # fmt: skip
TOTALS = ("frames_received", "frames_sent", "frames_skipped", "frames_dropped_output")
BY_REASON = ("frames_skipped_by_reason", "profile_problems")


def counter(statistics: dict[str, Any], path: str) -> int | str:
    if not path:
        return "-"
    group, key = path.split(".")
    return int((statistics.get(group) or {}).get(key, 0))


def wait_for(conn: Connection, what: str, timeout: float = 60.0) -> Any:
    if not conn.poll(timeout):
        raise RuntimeError(f"no {what!r} within {timeout} s")
    return conn.recv()


def limit_open_files(limit: int) -> Callable[[], None] | None:
    """A preexec_fn giving the service ``limit`` open files, soft and hard (systemd's 1024)."""
    if limit <= 0:
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    return apply


def raise_own_open_files(needed: int) -> None:
    """The flood's sockets are this process's files: raise its soft limit up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class RssSampler:
    """A thread reading the service's RSS every 0.5 s (faults that take seconds included)."""

    def __init__(self, pid: int, warm_up: float) -> None:
        self.pid = pid
        self.start_at = time.monotonic() + warm_up
        self.first: int | None = None
        self.max = 0
        self.last = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            try:
                self.last = rss_kb(self.pid)
            except OSError:
                return
            self.max = max(self.max, self.last)
            if self.first is None and time.monotonic() >= self.start_at:
                self.first = self.last

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2.0)


class Soak:
    """One run: the service, sender and receiver processes, the fault cycle, the accounting."""

    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.kinds: list[str] = args.kinds
        spawn = multiprocessing.get_context("spawn")
        source_port, output_port = free_port(), free_port()
        settings = tmp / "settings.json"
        settings.write_text(
            json.dumps({"roi_signal": ROI_SIGNAL, "roi_background": ROI_BACKGROUND})
        )
        self.log_path = tmp / "service.log"
        self.service = ServiceRun(
            source_port,
            output_port,
            settings,
            self.log_path,
            prefix=PREFIX,
            extra=("--output_mode", args.output_mode),
            log_level="ERROR",
            # this process runs no threads of its own yet when it starts the service
            preexec_fn=limit_open_files(args.service_nofile),
            command=service_command(),
        )
        self.sender_conn, sender_end = spawn.Pipe()
        self.receiver_conn, receiver_end = spawn.Pipe()
        self.sender = spawn.Process(
            target=sender_main,
            args=(source_port, args.rate, args.storm_channels, args.compression, sender_end),
        )
        self.receiver = spawn.Process(target=receiver_main, args=(output_port, receiver_end))
        self.rest = self.service.rest
        self.injected: Counter[str] = Counter()
        self.observed: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
        self.violations: list[str] = []
        self.started = time.monotonic()
        self.offsets: dict[str, Any] = {key: 0 for key in TOTALS}
        self.offsets.update({group: Counter() for group in BY_REASON})
        self.service_restarts = 0
        self.roi_index = 0
        self.stall_statistics_ms = 0.0
        self.received: dict[str, int] = {}

    def violate(self, violation: str) -> None:
        """Record a violation and print it at once (a run stopped early still says what)."""
        self.violations.append(violation)
        at = time.monotonic() - self.started
        print(f"[{at:7.0f} s] VIOLATION {violation}", flush=True)

    def note_status_failure(self, failure: str) -> None:
        """Print a failed ``GET /status`` of the poller at once (counted at the end)."""
        at = time.monotonic() - self.started
        print(f"[{at:7.0f} s] GET /status failed: {failure}", flush=True)

    # -- processes ------------------------------------------------------------------------

    def start(self) -> None:
        self.service.start()
        self.receiver.start()
        wait_for(self.receiver_conn, "receiver ready")
        self.sender.start()
        wait_for(self.sender_conn, "sender ready", 120)

    def stop(self) -> None:
        self.service.stop()
        for process in (self.sender, self.receiver):
            if process.pid is not None:
                process.join(5)
                if process.is_alive():
                    process.terminate()
                    process.join(5)
        if self.args.service_log and self.log_path.exists():
            shutil.copyfile(self.log_path, self.args.service_log)

    def alive(self) -> bool:
        process = self.service.process
        return process is not None and process.poll() is None

    def frames_out(self) -> int:
        """Good frames the consumer has read so far (asked over its pipe, not over REST)."""
        self.receiver_conn.send(("expected",))
        answer = wait_for(self.receiver_conn, "expected")
        return int(answer[2].get("good", 0))

    # -- statistics across restarts -------------------------------------------------------

    def statistics(self) -> dict[str, Any] | None:
        """The service's statistics, plus those of its runs before a restart."""
        code, answer = self.rest.call("GET", "/statistics")
        if code != 200 or not isinstance(answer, dict):
            return None
        statistics: dict[str, Any] = dict(answer["statistics"])
        for key in TOTALS:
            statistics[key] += self.offsets[key]
        for group in BY_REASON:
            statistics[group] = dict(Counter(statistics[group]) + self.offsets[group])
        return statistics

    def restart_service(self) -> None:
        """Start processing again once it stopped (a violation already counted):
        the stopped run's counters are kept, as ``POST /start`` resets them."""
        code, answer = self.rest.call("GET", "/statistics")
        if code == 200 and isinstance(answer, dict):
            stopped = answer["statistics"]
            for key in TOTALS:
                self.offsets[key] += stopped[key]
            for group in BY_REASON:
                self.offsets[group] += Counter(stopped[group])
        self.receiver_conn.send(("service_restart",))
        wait_for(self.receiver_conn, "service_restart")
        self.rest.call("POST", "/start")
        self.service_restarts += 1

    # -- faults ---------------------------------------------------------------------------

    def inject(self, kind: str) -> None:
        self.injected[kind] += 1
        observed = self.observed[kind]
        args = self.args
        if kind == "consumer_reconnect_storm":
            self.storm()
        elif kind in SENDER_FAULTS:
            self.sender_conn.send(("fault", kind))
            self.sender_ack(kind)
        elif kind == "consumer_stall":
            self.receiver_conn.send(("stall", args.interval / 2))
            wait_for(self.receiver_conn, kind)
            time.sleep(args.interval / 4)  # the output has backed up by now
            ms = self.rest.timed("/statistics", timeout=5.0)[0]
            self.stall_statistics_ms = max(self.stall_statistics_ms, ms)
        elif kind == "consumer_restart":
            self.receiver_conn.send(("restart",))
            wait_for(self.receiver_conn, kind)
        elif kind == "rest_invalid":
            before = settings_view(self.rest)
            for body in INVALID_BODIES:
                code, answer = self.rest.call("POST", "/roi_signal", body)
                ok = 400 <= code < 500 and isinstance(answer, dict)
                ok = ok and answer.get("state") == "error"
                observed["rejected_4xx" if ok else f"answered_{code}"] += 1
                if not ok:
                    self.violate(f"rest_invalid: POST /roi_signal {body!r} -> {code}")
            if settings_view(self.rest) != before:
                self.violate("rest_invalid: the settings changed")
        elif kind == "roi_change":
            self.roi_index += 1
            roi = ROI_ALTERNATIVES[self.roi_index % 2]
            code, _ = self.rest.call("POST", "/roi_signal", json.dumps(roi).encode())
            observed["answered_200" if code == 200 else f"answered_{code}"] += 1
        elif kind == "idle_connection_flood":
            self.outcome(
                kind,
                idle_connection_flood(
                    self.rest, args.flood_connections, args.flood_hold, self.frames_out
                ),
            )
        elif kind == "cross_origin_write":
            current = ROI_ALTERNATIVES[self.roi_index % 2]
            other = ROI_ALTERNATIVES[(self.roi_index + 1) % 2]
            roi = other if other != current else [10, 500, 300, 50]
            self.outcome(kind, cross_origin_write(self.rest, roi))
        elif kind == "absurd_settings":
            self.outcome(kind, absurd_settings(self.rest))

    def outcome(self, kind: str, outcome: Outcome) -> None:
        observed = self.observed[kind]
        for name, value in outcome.observed.items():
            if name.endswith("_ms"):
                observed[name] = max(observed[name], round(value))
            else:
                observed[name] += round(value)
        for violation in outcome.violations:
            self.violate(violation)
        if outcome.service_stopped:
            self.restart_service()

    def storm(self) -> None:
        """Many-channel frames while the consumer reconnects every 0.05-0.3 s; then the
        service must still be processing and frames must come out again."""
        seconds = self.args.storm
        self.sender_conn.send(("fault", "consumer_reconnect_storm", seconds))
        self.sender_ack("consumer_reconnect_storm")
        self.receiver_conn.send(("storm", seconds))
        wait_for(self.receiver_conn, "storm")
        time.sleep(seconds)
        before = self.frames_out()
        deadline = time.monotonic() + 5.0
        while self.frames_out() <= before and time.monotonic() < deadline:
            time.sleep(0.1)
        if self.frames_out() <= before:
            self.violate("consumer_reconnect_storm: no frame came out within 5 s after")
        self.check_processing("consumer_reconnect_storm")

    def sender_ack(self, kind: str) -> None:
        """The sender answers a fault between two frames: it waits while the service reads
        nothing, so a service that stopped processing is found and started again here."""
        if not self.sender_conn.poll(5.0):
            self.check_processing(kind)
        wait_for(self.sender_conn, f"fault {kind}")

    def check_processing(self, after: str) -> bool:
        """True if the service is processing; if it stopped, a violation, and it is started
        again (the counters of the stopped run kept)."""
        code, answer = self.rest.call("GET", "/status")
        status = status_of(answer)
        if status == "processing":
            return True
        self.violate(f"service stopped processing: /status {code} {status} ({after})")
        if status == "stopped":
            self.restart_service()
        return False

    # -- the run --------------------------------------------------------------------------

    def run(self) -> int:
        args = self.args
        self.start()
        print(
            f"soak: {args.duration:g} s at {args.rate:g} Hz, 1024x1024 uint16 {args.compression}, "
            f"output mode {args.output_mode}, a fault every {args.interval:g} s of "
            f"{len(self.kinds)} kinds; service pid {self.service.pid}, at most "
            f"{args.service_nofile or 'unchanged'} open files",
            flush=True,
        )
        poller = StatusPoller(self.rest, on_failure=self.note_status_failure)
        poller.start()
        start = time.monotonic()
        rss = RssSampler(self.service.pid, min(60.0, args.duration / 10))
        next_fault = start + args.interval
        next_progress = start + args.progress
        fault_index = 0
        exited = False
        while (now := time.monotonic()) < start + args.duration:
            if not self.alive():
                exited = True
                break
            if poller.last_status == "stopped":
                poller.last_status = None
                self.check_processing("found by the poller")
            if self.kinds and now >= next_fault:
                self.inject(self.kinds[fault_index % len(self.kinds)])
                fault_index += 1
                next_fault = max(next_fault + args.interval, time.monotonic() + 0.5)
            if now >= next_progress:
                self.progress(now - start, rss)
                next_progress += args.progress
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        poller.stop()
        rss.stop()
        if exited or not self.alive():
            tail = self.log_path.read_text(errors="replace")[-3000:]
            self.violate(f"the service exited:\n{tail}")
            return self.report(
                elapsed, statistics=None, sent_good=0, received={}, poller=poller, rss=rss
            )
        self.sender_conn.send(("stop",))
        _, sent_good, _, skips = wait_for(self.sender_conn, "sent", 120)
        self.drain(sent_good)
        self.receiver_conn.send(("stop",))
        _, expected, received = wait_for(self.receiver_conn, "received")
        received["tail_lost"] = max(0, sent_good - expected)
        statistics = self.statistics()
        rss.last = rss_kb(self.service.pid)
        return self.report(
            elapsed,
            statistics=statistics,
            sent_good=sent_good,
            received=received,
            poller=poller,
            rss=rss,
            skips=skips,
        )

    def drain(self, sent_good: int) -> None:
        """Wait until the consumer has everything or stops advancing for 5 s."""
        last, stalled_since = -1, time.monotonic()
        while time.monotonic() - stalled_since < 5.0:
            self.receiver_conn.send(("expected",))
            _, expected, _ = wait_for(self.receiver_conn, "expected")
            if expected >= sent_good:
                break
            if expected != last:
                last, stalled_since = expected, time.monotonic()
            time.sleep(0.2)

    def progress(self, at: float, rss: RssSampler) -> None:
        statistics = self.statistics()
        if statistics is None:
            print(f"[{at:7.0f} s] GET /statistics did not answer", flush=True)
            return
        print(
            f"[{at:7.0f} s] in {statistics['frames_received']} out "
            f"{statistics['frames_sent']} skipped {statistics['frames_skipped']} "
            f"dropped {statistics['frames_dropped_output']} faults "
            f"{sum(self.injected.values())} RSS {rss.last / 1024:.1f} MiB "
            f"(max {rss.max / 1024:.1f}) fps {statistics['frames_per_second']} "
            f"violations {len(self.violations)}",
            flush=True,
        )

    # -- the result -----------------------------------------------------------------------

    def report(
        self,
        elapsed: float,
        *,
        statistics: dict[str, Any] | None,
        sent_good: int,
        received: dict[str, int],
        poller: StatusPoller,
        rss: RssSampler,
        skips: dict[str, int] | None = None,
    ) -> int:
        args = self.args
        stats = statistics or {}
        print(f"\n=== soak result ({elapsed:.0f} s, output mode {args.output_mode}) ===")
        self.received = received
        get = received.get
        rows: list[tuple[str, object]] = [
            ("good frames sent (incl. forwarded faults)", sent_good),
            ("frames received by the service", stats.get("frames_received", "?")),
            ("frames sent by the service", stats.get("frames_sent", "?")),
            ("frames read by the consumer (good)", f"{get('received', 0)} ({get('good', 0)})"),
            ("frames skipped (all reasons)", stats.get("frames_skipped", "?")),
            ("frames dropped at the output (counted)", stats.get("frames_dropped_output", "?")),
            ("good frames lost (no reconnect nearby)", get("lost", 0) + get("tail_lost", 0)),
            ("lost in a closing consumer connection:", ""),
            ("  at a consumer restart", get(LOST_AT_RESTART, 0)),
            ("  in a reconnect storm", get(LOST_IN_STORM, 0)),
            ("lost around a service stop (then restarted)", get(LOST_AT_SERVICE_RESTART, 0)),
            ("out of order or duplicate", get("out_of_order_or_duplicate", 0)),
            ("skipped frames that came out", get("malformed_came_out", 0)),
            ("consumer reconnects (restart / storm)", f"{get('reconnects_' + LOST_AT_RESTART, 0)}"
             f" / {get('reconnects_' + LOST_IN_STORM, 0)}"),
            ("service found stopped and started again", self.service_restarts),
            ("GET /status polls (failed, not processing)",
             f"{poller.polls} ({poller.failures}, {poller.not_processing})"),
            ("slowest GET /status (ms)", f"{poller.slowest_ms:.1f}"),
            ("slowest GET /statistics during a stall (ms)", f"{self.stall_statistics_ms:.1f}"),
            ("RSS after warm-up (MiB)", f"{(rss.first or 0) / 1024:.1f}"),
            ("RSS at the end (MiB)", f"{rss.last / 1024:.1f}"),
            ("RSS max (MiB)", f"{rss.max / 1024:.1f}"),
        ]  # fmt: skip
        if statistics is not None:
            rows += self.account(statistics, sent_good, received, skips or {})
        for name, value in rows:
            print(f"{name:<48} {value!s:>14}")
        print(
            f"\n{'fault kind':<26} {'injected':>8}  {'observed':<44} {'count':>9} {'expected':>9}"
        )
        for kind in self.kinds:
            for what, count, expected in self.observations(kind, stats, skips or {}):
                print(f"{kind:<26} {self.injected[kind]:>8}  {what:<44} {count!s:>9} "
                      f"{expected!s:>9}")  # fmt: skip
        self.log_errors()
        print(f"\nskipped by reason: {stats.get('frames_skipped_by_reason')}")
        print(f"profile problems: {stats.get('profile_problems')}")
        if poller.failures:
            self.violate(
                f"GET /status failed or took over 2 s {poller.failures} times "
                f"(last: {poller.last_failure})"
            )
        if self.violations:
            shown = Counter(v.split(": ", 1)[0] for v in self.violations)
            print(f"\nviolations by kind: {dict(shown)}")
            for violation in dict.fromkeys(self.violations):  # each distinct one once
                print(f"  - {violation}")
        print("\nRESULT:", "PASS" if not self.violations else
              f"FAIL ({len(self.violations)} violations)", flush=True)  # fmt: skip
        return 0 if not self.violations else 1

    def log_errors(self) -> None:
        """The service's ERROR log lines: how many, and the last line of each distinct one."""
        if not self.log_path.exists():
            return
        lines = self.log_path.read_text(errors="replace").splitlines()
        errors = [i for i, line in enumerate(lines) if " ERROR " in line]
        if not errors:
            return
        causes: Counter[str] = Counter()
        for k, i in enumerate(errors):
            end = errors[k + 1] if k + 1 < len(errors) else len(lines)
            block = [line for line in lines[i:end] if line.strip()]
            causes[f"{lines[i].split(' ERROR ', 1)[1]} / {block[-1].strip()}"] += 1
        print(f"\nservice log: {len(errors)} ERROR lines")
        for cause, count in causes.most_common(8):
            print(f"  {count:>5} x {cause[:150]}")

    def observations(
        self, kind: str, stats: dict[str, Any], skips: dict[str, int]
    ) -> list[tuple[str, object, object]]:
        """(what was observed, count, expected) rows of one fault kind."""
        path = COUNTERS[kind]
        seen = self.observed[kind]
        if kind in SKIPPED or kind == "oversize_header":
            return [(path, counter(stats, path), skips.get(path, 0))]
        if kind in FORWARDED:
            return [(path, counter(stats, path), f">={self.injected[kind]}")]
        if path:
            return [(path, counter(stats, path), f">={self.injected[kind]}")]
        rows: list[tuple[str, object, object]] = [(name, value, "-") for name, value in
                                                  sorted(seen.items())]  # fmt: skip
        if kind in ("cross_origin_write", "absurd_settings"):
            rows = [("refused (" + ("403/415" if kind[0] == "c" else "4xx") + ")",
                     seen["refused"], seen["attempts"])]  # fmt: skip
        elif kind == "idle_connection_flood":
            rows = [
                ("idle connections held (TCP connected)", seen["connections"],
                 f"{self.args.flood_connections}x{self.injected[kind]}"),
                ("GET /status during the flood: failed", seen["status_failures"], 0),
                ("GET /status during the flood: slowest ms", seen["status_slowest_ms"], "<2000"),
                ("good frames out while held", seen["frames_during_hold"], ">0"),
            ]  # fmt: skip
        elif kind in ("consumer_reconnect_storm", "consumer_restart"):
            got = self.received.get
            label = LOST_IN_STORM if kind == "consumer_reconnect_storm" else LOST_AT_RESTART
            rows = [
                ("consumer reconnects", got("reconnects_" + label, 0), "-"),
                ("frames lost in the closing connections", got(label, 0), "-"),
            ]
        elif kind == "consumer_stall":
            rows = [("slowest GET /statistics during a stall ms",
                     round(self.stall_statistics_ms), "-")]  # fmt: skip
        return rows or [("-", "-", "-")]

    def account(
        self, stats: dict[str, Any], sent_good: int, received: dict[str, int], skips: dict[str, int]
    ) -> list[tuple[str, object]]:
        """Where every good frame went (rows); the violations of "nothing lost that the service
        accepted"."""
        block = self.args.output_mode == "block"
        get = received.get
        dropped = int(stats["frames_dropped_output"])
        accepted = int(stats["frames_received"]) - int(stats["frames_skipped"])
        in_service = accepted - int(stats["frames_sent"]) - dropped
        before_service = sent_good - accepted
        after_service = int(stats["frames_sent"]) - get("good", 0)
        at_reconnects = get(LOST_AT_RESTART, 0) + get(LOST_IN_STORM, 0)
        at_service_restart = get(LOST_AT_SERVICE_RESTART, 0)
        unexplained = get("lost", 0) + get("tail_lost", 0)
        v = self.violations
        if in_service:
            v.append(f"lost by the service: {in_service} accepted frames neither sent nor dropped")
        if before_service > at_service_restart:
            v.append(f"lost by the service: {before_service} good frames never taken in")
        if after_service > at_reconnects + at_service_restart:
            v.append(f"lost by the service: {after_service} frames sent but not read, more "
                     f"than the {at_reconnects} lost in closing consumer connections")  # fmt: skip
        # a stop drops the frame being sent: expected only once the service was found stopped
        if block and (unexplained or (dropped and not self.service_restarts)):
            v.append(f"lost by the service: {dropped} dropped, {unexplained} lost in block mode")
        if not block and unexplained > dropped:
            v.append(f"lost by the service: {unexplained} lost but only {dropped} dropped")
        if get("out_of_order_or_duplicate") or get("malformed_came_out"):
            v.append("frame order: out of order, duplicate or skipped frames came out")
        for kind, path in [*FORWARDED.items(), ("image_resize", COUNTERS["image_resize"])]:
            seen = int((stats.get(path.split(".")[0]) or {}).get(path.split(".")[1], 0))
            if seen < self.injected[kind]:
                v.append(f"counter did not move: {path} {seen} after "
                         f"{self.injected[kind]} {kind} faults")  # fmt: skip
        expected_reasons = {p.split(".")[1] for p in skips}
        for path, count in sorted(skips.items()):
            if counter(stats, path) != count:
                v.append(f"skip counter: {path} injected {count}, counted {counter(stats, path)}")
        for reason, count in sorted((stats.get("frames_skipped_by_reason") or {}).items()):
            if reason not in expected_reasons and count:
                v.append(f"skip counter: frames_skipped_by_reason.{reason} {count} frames "
                         "skipped for a reason no fault injected")  # fmt: skip
        return [
            ("good frames the service accepted", accepted),
            ("  of them neither sent nor counted as dropped", in_service),
            ("good frames lost before the service (upstream)", before_service),
            ("frames sent by the service, not read", after_service),
        ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds (default 3600)")
    parser.add_argument("--rate", type=float, default=100.0, help="frames per second")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between faults")
    parser.add_argument("--progress", type=float, default=60.0, help="seconds between reports")
    parser.add_argument("--output_mode", choices=["block", "drop"], default="block")
    parser.add_argument(
        "--kinds",
        type=lambda text: [k.strip() for k in text.split(",") if k.strip()],
        default=KINDS,
        help=f"comma-separated fault kinds to cycle through (default all: {','.join(KINDS)}); "
        "none: no faults, a memory soak of the service alone",
    )
    parser.add_argument(
        "--compression", choices=["bitshuffle_lz4", "none"], default="bitshuffle_lz4",
        help="of the frames' image (none only with --kinds none: the faults need compression)",
    )  # fmt: skip
    parser.add_argument("--storm", type=float, default=3.0, help="seconds of a reconnect storm")
    parser.add_argument("--storm_channels", type=int, default=1000,
                        help="extra channels of the frames during a storm")  # fmt: skip
    parser.add_argument("--flood_connections", type=int, default=1100)
    parser.add_argument("--flood_hold", type=float, default=5.0, help="seconds")
    parser.add_argument(
        "--service_nofile",
        type=int,
        default=1024,
        help="the service's open-file limit, soft and hard (0: inherited)",
    )
    parser.add_argument("--service_log", help="keep the service's log (level ERROR) here")
    args = parser.parse_args(argv)
    if args.kinds == ["none"]:
        args.kinds = []  # a memory soak: frames only, no faults
    unknown = [k for k in args.kinds if k not in COUNTERS]
    if unknown:
        parser.error(f"unknown fault kinds {unknown}; known: {','.join(KINDS)}")
    if args.kinds and args.compression != "bitshuffle_lz4":
        parser.error("--compression none needs --kinds none (the faults are of compressed frames)")
    raise_own_open_files(args.flood_connections + 512)
    with tempfile.TemporaryDirectory(prefix="psen-soak-") as tmp:
        soak = Soak(args, Path(tmp))
        try:
            return soak.run()
        finally:
            soak.stop()


if __name__ == "__main__":
    sys.exit(main())
