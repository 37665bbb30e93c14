"""Soak benchmark with fault injection: the real service for a long run, faults every few seconds.

A sender process streams 1024x1024 uint16 bitshuffle_lz4 frames at 100 Hz into the real
``psen_processing`` command (a separate process, block output mode by default); a receiver
process reads its output and checks that every good pulse_id comes out exactly once and in
order. Every ``--interval`` seconds one fault is injected, cycling through the kinds below:
malformed frames of every kind the service skips, frames it forwards without profiles, an image
size or dtype change, an upstream restart (the sender's socket closed and bound again on the
same port), a consumer stall and a consumer restart, invalid REST requests and a ROI change.
Progress lines are printed every ``--progress`` seconds; at the end a table: frames in and out,
skips and profile problems by reason next to the faults injected, lost and out-of-order good
frames, and the service's RSS after warm-up, at the end and at its maximum.

    .venv/bin/python benchmarks/soak_benchmark.py --duration 3600

Not a test: it runs for as long as it is told to.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import multiprocessing
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import zmq

from _bench_procs import rss_kb
from psen_processing.codec import encode_message

PREFIX = "SOAK"
IMAGE = f"{PREFIX}:FPICTURE"
HWM = 32
ROI_SIGNAL = [0, 1024, 400, 100]
ROI_BACKGROUND = [0, 1024, 40, 50]
ROI_ALTERNATIVES = ([0, 1024, 400, 100], [100, 800, 350, 120])

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
KINDS = [*SKIPPED, *FORWARDED, *OTHER]
SENDER_FAULTS = {*SKIPPED, *FORWARDED, "image_resize", "image_dtype", "upstream_restart"}
MALFORMED_PULSE_BASE = 1 << 40
"""Pulse ids of frames the service must skip: one of them in the output is an error."""


def die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- sender -------------------------------------------------------------------------------


class Templates:
    """Pre-encoded messages (without their main header) and the malformed variants."""

    def __init__(self, seed: int = 1) -> None:
        rng = np.random.default_rng(seed)
        self.normal = [self._parts(rng.poisson(300, (1024, 1024)).astype(np.uint16), k)
                       for k in range(4)]  # fmt: skip
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

    @staticmethod
    def _parts(image: object, index: int) -> tuple[str, list[bytes]]:
        channels: list[tuple[str, object]] = []
        if image is not None:
            channels.append((IMAGE, image))
        channels += [(f"{PREFIX}:XRAY_INTENSITY", float(index)), (f"{PREFIX}:INDEX", index)]
        compression = "bitshuffle_lz4" if isinstance(image, np.ndarray) else "none"
        parts = encode_message(0, channels, compression=compression)
        return str(json.loads(parts[0])["hash"]), parts[1:]

    @staticmethod
    def _rehashed(header: dict[str, Any], parts: list[bytes]) -> tuple[str, list[bytes]]:
        raw = json.dumps(header).encode()
        return hashlib.md5(raw).hexdigest(), [raw, *parts[1:]]


def main_header(pulse_id: int, hash_: str | None = None, with_pulse_id: bool = True) -> bytes:
    now = time.time_ns()
    main: dict[str, Any] = {
        "htype": "bsr_m-1.1",
        "global_timestamp": {"sec": now // 1_000_000_000, "ns": now % 1_000_000_000},
        "hash": hash_,
    }
    if with_pulse_id:
        main["pulse_id"] = pulse_id
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
            sock = self.context.socket(zmq.PUSH)
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


def sender_main(port: int, rate: float, conn: Connection) -> None:
    die_with_parent()
    templates = Templates()
    sender = Sender(port)
    conn.send(("ready",))
    good = 0
    injected: Counter[str] = Counter()
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
                malformed_id += 1
            elif kind in FORWARDED:
                sender.send(forwarded(kind, templates, good))
                good += 1
            elif kind == "image_resize":
                alternative, alternative_left = templates.resized, int(rate)
            elif kind == "image_dtype":
                alternative, alternative_left = templates.retyped, int(rate)
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
    conn.send(("sent", good, dict(injected)))


# --- receiver -----------------------------------------------------------------------------


def receiver_main(port: int, conn: Connection) -> None:
    die_with_parent()
    context: zmq.Context[Any] = zmq.Context()

    def connect() -> zmq.Socket[Any]:
        sock = context.socket(zmq.PULL)
        sock.setsockopt(zmq.RCVHWM, HWM)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(f"tcp://127.0.0.1:{port}")
        return sock

    sock = connect()
    conn.send(("ready",))
    expected = 0
    counts: Counter[str] = Counter()
    after_restart = False
    stall_until = 0.0
    while True:
        if conn.poll(0):
            command = conn.recv()
            if command[0] == "stop":
                break
            if command[0] == "stall":
                stall_until = time.monotonic() + command[1]
            elif command[0] == "restart":
                sock.close(linger=0)
                sock = connect()
                after_restart = True
            elif command[0] == "expected":
                conn.send(("expected", expected, dict(counts)))
                continue
            conn.send(("done", command[0]))
        if time.monotonic() < stall_until:
            time.sleep(0.01)
            continue
        if not sock.poll(100):
            continue
        parts = sock.recv_multipart(copy=False)
        pulse_id = int(json.loads(bytes(parts[0].buffer))["pulse_id"])
        counts["received"] += 1
        if pulse_id >= MALFORMED_PULSE_BASE:
            counts["malformed_came_out"] += 1
        elif pulse_id == expected:
            expected += 1
        elif pulse_id > expected:
            counts["lost_at_consumer_restart" if after_restart else "lost"] += pulse_id - expected
            expected = pulse_id + 1
        else:
            counts["out_of_order_or_duplicate"] += 1
        after_restart = False
    sock.close(linger=0)
    context.term()
    conn.send(("received", expected, dict(counts)))


# --- the run ------------------------------------------------------------------------------


class Rest:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method: str, endpoint: str, body: bytes | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(self.base + endpoint, data=body, method=method)
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=5.0) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


INVALID_BODIES = [
    b"[1, 2, 3]", b"[-1, 10, 0, 10]", b"[0, 0, 0, 10]", b'"../../etc/passwd"', b"{broken",
    b"[0, 99999, 0, 10]", b'{"__class__": "os.system"}', b"[1.5, 2, 3, 4]",
]  # fmt: skip


def settings_view(rest: Rest) -> tuple[Any, ...]:
    return tuple(rest.call("GET", f"/{name}")[1].get(name) for name in (
        "roi_signal", "roi_background", "edge_detection"))  # fmt: skip


def get_statistics(rest: Rest) -> dict[str, Any]:
    statistics: dict[str, Any] = rest.call("GET", "/statistics")[1]["statistics"]
    return statistics


def counter(statistics: dict[str, Any], path: str) -> int | str:
    if not path:
        return "-"
    group, key = path.split(".")
    return int((statistics.get(group) or {}).get(key, 0))


def service_command() -> list[str]:
    script = Path(sys.executable).with_name("psen_processing")
    if script.exists():
        return [str(script)]
    found = shutil.which("psen_processing")
    return [found] if found else [sys.executable, "-m", "psen_processing.cli"]


def wait_for(conn: Connection, what: str, timeout: float = 60.0) -> Any:
    if not conn.poll(timeout):
        raise RuntimeError(f"no {what!r} within {timeout} s")
    return conn.recv()


def run(args: argparse.Namespace, tmp: Path) -> int:
    spawn = multiprocessing.get_context("spawn")
    source_port, output_port, rest_port = free_port(), free_port(), free_port()
    settings = tmp / "settings.json"
    settings.write_text(json.dumps({"roi_signal": ROI_SIGNAL, "roi_background": ROI_BACKGROUND}))
    log_path = tmp / "service.log"
    command = [
        *service_command(), f"tcp://127.0.0.1:{source_port}", PREFIX,
        "-o", str(output_port), "-r", str(rest_port), "--rest_api_interface", "127.0.0.1",
        "--output_stream_interface", "127.0.0.1", "--auto_start", "--output_mode",
        args.output_mode, "--settings_file", str(settings), "--log_level", "ERROR",
    ]  # fmt: skip
    sender_conn, sender_end = spawn.Pipe()
    receiver_conn, receiver_end = spawn.Pipe()
    sender = spawn.Process(target=sender_main, args=(source_port, args.rate, sender_end))
    receiver = spawn.Process(target=receiver_main, args=(output_port, receiver_end))
    rest = Rest(rest_port)
    with log_path.open("wb") as log:
        service = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError, ValueError):
                if rest.call("GET", "/status")[1].get("status") == "processing":
                    break
            if service.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        receiver.start()
        wait_for(receiver_conn, "receiver ready")
        sender.start()
        wait_for(sender_conn, "sender ready")
        print(
            f"soak: {args.duration:g} s at {args.rate:g} Hz, 1024x1024 uint16 bitshuffle_lz4, "
            f"output mode {args.output_mode}, a fault every {args.interval:g} s; "
            f"service pid {service.pid}",
            flush=True,
        )
        start = time.monotonic()
        warm_up = min(60.0, args.duration / 10)
        rss_start: int | None = None
        rss_max = 0
        next_fault = start + args.interval
        next_progress = start + args.progress
        next_sample = start
        fault_index = 0
        injected: Counter[str] = Counter()
        rest_results: Counter[str] = Counter()
        roi_index = 0
        rest_ms_max = 0.0
        while (now := time.monotonic()) < start + args.duration:
            if service.poll() is not None:
                raise RuntimeError(f"the service exited:\n{log_path.read_text()[-3000:]}")
            if now >= next_sample:
                rss = rss_kb(service.pid)
                rss_max = max(rss_max, rss)
                if rss_start is None and now - start >= warm_up:
                    rss_start = rss
                next_sample = now + 1.0
            if now >= next_fault:
                kind = KINDS[fault_index % len(KINDS)]
                fault_index += 1
                injected[kind] += 1
                if kind in SENDER_FAULTS:
                    sender_conn.send(("fault", kind))
                    wait_for(sender_conn, f"fault {kind}")
                elif kind == "consumer_stall":
                    receiver_conn.send(("stall", args.interval / 2))
                    wait_for(receiver_conn, kind)
                    time.sleep(args.interval / 4)  # the output has backed up by now
                    asked = time.monotonic()
                    rest.call("GET", "/statistics")
                    rest_ms_max = max(rest_ms_max, (time.monotonic() - asked) * 1000)
                elif kind == "consumer_restart":
                    receiver_conn.send(("restart",))
                    wait_for(receiver_conn, kind)
                elif kind == "rest_invalid":
                    before = settings_view(rest)
                    for body in INVALID_BODIES:
                        code, answer = rest.call("POST", "/roi_signal", body)
                        ok = 400 <= code < 500 and answer.get("state") == "error"
                        rest_results["rejected_4xx" if ok else f"answered_{code}"] += 1
                    if settings_view(rest) != before:
                        rest_results["state_changed"] += 1
                elif kind == "roi_change":
                    roi_index += 1
                    roi = ROI_ALTERNATIVES[roi_index % 2]
                    code, _ = rest.call("POST", "/roi_signal", json.dumps(roi).encode())
                    rest_results["roi_change_ok" if code == 200 else f"roi_change_{code}"] += 1
                next_fault += args.interval
            if now >= next_progress:
                statistics = get_statistics(rest)
                print(
                    f"[{now - start:7.0f} s] in {statistics['frames_received']} out "
                    f"{statistics['frames_sent']} skipped {statistics['frames_skipped']} "
                    f"dropped {statistics['frames_dropped_output']} faults "
                    f"{sum(injected.values())} RSS {rss_kb(service.pid) / 1024:.1f} MiB "
                    f"(max {rss_max / 1024:.1f}) fps {statistics['frames_per_second']}",
                    flush=True,
                )
                next_progress += args.progress
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        sender_conn.send(("stop",))
        _, sent_good, sender_injected = wait_for(sender_conn, "sent", 120)
        # let the output drain: wait until the receiver has everything or stops advancing
        last, stalled_since = -1, time.monotonic()
        while time.monotonic() - stalled_since < 5.0:
            receiver_conn.send(("expected",))
            _, expected, _ = wait_for(receiver_conn, "expected")
            if expected >= sent_good:
                break
            if expected != last:
                last, stalled_since = expected, time.monotonic()
            time.sleep(0.2)
        receiver_conn.send(("stop",))
        _, expected, received = wait_for(receiver_conn, "received")
        statistics = get_statistics(rest)
        rss_end = rss_kb(service.pid)
    finally:
        if service.poll() is None:
            service.send_signal(signal.SIGTERM)
            try:
                service.wait(10)
            except subprocess.TimeoutExpired:
                service.kill()
        for process in (sender, receiver):
            if process.pid is not None:
                process.join(5)
                if process.is_alive():
                    process.terminate()
    lost = int(received.get("lost", 0)) + max(0, sent_good - expected)
    print(f"\n=== soak result ({elapsed:.0f} s, output mode {args.output_mode}) ===")
    rows = [
        ("good frames sent (incl. forwarded faults)", sent_good),
        ("frames received by the service", statistics["frames_received"]),
        ("frames sent by the service", statistics["frames_sent"]),
        ("frames read by the consumer", received.get("received", 0)),
        ("frames skipped (all reasons)", statistics["frames_skipped"]),
        ("frames dropped at the output", statistics["frames_dropped_output"]),
        ("lost good frames", lost),
        ("lost inside a consumer restart (its own queue)",
         received.get("lost_at_consumer_restart", 0)),
        ("out of order or duplicate", received.get("out_of_order_or_duplicate", 0)),
        ("skipped frames that came out", received.get("malformed_came_out", 0)),
        ("slowest GET /statistics during a stall (ms)", f"{rest_ms_max:.1f}"),
        ("RSS after warm-up (MiB)", f"{(rss_start or 0) / 1024:.1f}"),
        ("RSS at the end (MiB)", f"{rss_end / 1024:.1f}"),
        ("RSS max (MiB)", f"{rss_max / 1024:.1f}"),
    ]  # fmt: skip
    for name, value in rows:
        print(f"{name:<48} {value:>12}")
    print(f"\n{'fault kind':<26} {'injected':>9}  {'counter':<48} {'count':>7}")
    for kind in KINDS:
        path = {**SKIPPED, **FORWARDED, **OTHER}[kind]
        count = injected[kind] if kind not in sender_injected else sender_injected[kind]
        print(f"{kind:<26} {count:>9}  {path or '-':<48} {counter(statistics, path):>7}")
    print(f"\nREST: {dict(rest_results)}")
    print(f"skipped by reason: {statistics['frames_skipped_by_reason']}")
    print(f"profile problems: {statistics['profile_problems']}")
    failures = []
    if args.output_mode == "block" and lost:
        failures.append(f"{lost} good frames lost")
    if received.get("out_of_order_or_duplicate") or received.get("malformed_came_out"):
        failures.append("order or skipped frames wrong")
    if rest_results.get("state_changed") or any(k.startswith("answered_") for k in rest_results):
        failures.append("REST rejected requests wrongly")
    for kind, path in SKIPPED.items():
        if counter(statistics, path) != sender_injected.get(kind, 0):
            failures.append(f"{kind}: injected {sender_injected.get(kind, 0)}, counted "
                            f"{counter(statistics, path)}")  # fmt: skip
    print("\nRESULT:", "PASS" if not failures else "FAIL: " + "; ".join(failures), flush=True)
    return 0 if not failures else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds (default 3600)")
    parser.add_argument("--rate", type=float, default=100.0, help="frames per second")
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between faults")
    parser.add_argument("--progress", type=float, default=60.0, help="seconds between reports")
    parser.add_argument("--output_mode", choices=["block", "drop"], default="block")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="psen-soak-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
