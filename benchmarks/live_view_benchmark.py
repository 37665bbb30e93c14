"""What the live page costs the data stream: the service at 100 Hz without and with a viewer.

A sender process replays pre-encoded 2048 x 2048 uint16 frames (bitshuffle_lz4) at 100 Hz to
the real ``psen_processing`` command (edge detection on), a receiver process reads the output
stream, and in the second phase a "page" polls ``/live`` four times per second,
``/live/image.png`` once per second and ``/live/channels`` every 5 s, as the live page does,
with a correlation channel chosen (so the history keeps that channel's value per X-ray shot).
Prints a table: output rate, frames lost, latency, service CPU per frame, and the page's
response times; PASS/FAIL per target: no frame lost, the rate held, the p99 latency raised by
at most 5 ms (about 50 s in all).

    .venv/bin/python benchmarks/live_view_benchmark.py [--seconds 20] [--rate 100]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import multiprocessing
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import zmq

from _harness import Rest, ServiceRun, cpu_seconds, free_port
from psen_processing.sim.camera import CameraConfig, SimulatedCamera

PREFIX = "BENCH"
WIDTH = HEIGHT = 2048
N_IMAGES = 8


def sender_main(port: int, rate: float, conn: Connection) -> None:
    """Replays N_IMAGES pre-encoded frames with a fresh main header per pulse, paced."""
    camera = SimulatedCamera(
        CameraConfig(prefix=PREFIX, width=WIDTH, height=HEIGHT, compression="bitshuffle_lz4")
    )
    frames = [camera.message(pulse_id)[1:] for pulse_id in range(N_IMAGES)]
    header_hash = hashlib.md5(frames[0][0]).hexdigest()
    context: zmq.Context[Any] = zmq.Context()
    sock = context.socket(zmq.PUSH)
    sock.setsockopt(zmq.SNDHWM, 32)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind(f"tcp://127.0.0.1:{port}")
    conn.send("ready")
    conn.recv()  # go
    period, pulse_id, sent = 1.0 / rate, 0, 0
    next_at = time.monotonic()
    while not conn.poll():
        main = {"htype": "bsr_m-1.1", "pulse_id": pulse_id, "hash": header_hash}
        parts = [json.dumps(main).encode(), *frames[pulse_id % N_IMAGES]]
        with contextlib.suppress(zmq.Again):
            sock.send_multipart(parts, flags=zmq.NOBLOCK, copy=False)
            sent += 1
        pulse_id += 1
        next_at += period
        delay = next_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    conn.send(sent)
    sock.close()
    context.term()


def receiver_main(port: int, conn: Connection) -> None:
    context: zmq.Context[Any] = zmq.Context()
    sock = context.socket(zmq.PULL)
    sock.setsockopt(zmq.RCVHWM, 32)
    sock.connect(f"tcp://127.0.0.1:{port}")
    conn.send("ready")
    received = 0
    while not conn.poll():
        if sock.poll(100):
            sock.recv_multipart(copy=False)
            received += 1
    conn.send(received)
    sock.close(linger=0)
    context.term()


@dataclass
class Phase:
    name: str
    fps: float
    lost: int
    p50_ms: float
    p99_ms: float
    cpu_ms_per_frame: float
    live_ms: list[float]
    image_ms: list[float]


class Viewer(threading.Thread):
    """Polls like the live page: /live every 250 ms, the thumbnail every second, the input's
    channels every 5 s."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.live_ms: list[float] = []
        self.image_ms: list[float] = []
        self.channels_ms: list[float] = []

    def _get(self, path: str, into: list[float]) -> None:
        start = time.perf_counter()
        with urllib.request.urlopen(f"{self.url}/{path}", timeout=5) as answer:
            answer.read()
        into.append((time.perf_counter() - start) * 1000)

    def run(self) -> None:
        tick = 0
        while not self.stop.wait(0.25):
            self._get("live", self.live_ms)
            if tick % 4 == 0:
                self._get("live/image.png", self.image_ms)
            if tick % 20 == 0:
                self._get("live/channels", self.channels_ms)
            tick += 1


def run_phase(name: str, api: Rest, pid: int, seconds: float, viewer: bool) -> Phase:
    before = api.get("/statistics")["statistics"]
    cpu = cpu_seconds(pid)
    started = time.monotonic()
    page = Viewer(api.base) if viewer else None
    if page is not None:
        # as a user of the page would: the history keeps this channel's value per X-ray shot
        api.post("/live/correlation_channel", f"{PREFIX}:XRAY_INTENSITY")
        page.start()
    time.sleep(seconds)
    if page is not None:
        page.stop.set()
        page.join(10)
    after = api.get("/statistics")["statistics"]
    cpu = cpu_seconds(pid) - cpu
    elapsed = time.monotonic() - started
    sent = after["frames_sent"] - before["frames_sent"]
    lost = (
        after["frames_skipped"]
        - before["frames_skipped"]
        + after["frames_dropped_output"]
        - before["frames_dropped_output"]
    )
    return Phase(
        name,
        sent / elapsed,
        lost,
        after["latency_ms"]["p50"],
        after["latency_ms"]["p99"],
        cpu * 1000 / max(sent, 1),
        [] if page is None else page.live_ms,
        [] if page is None else page.image_ms,
    )


def _ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.1f} / {max(values):.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each phase")
    parser.add_argument("--rate", type=float, default=100.0, help="input frames per second")
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    source_port, output_port = free_port(), free_port()
    sender_conn, sender_end = spawn.Pipe()
    receiver_conn, receiver_end = spawn.Pipe()
    sender = spawn.Process(target=sender_main, args=(source_port, args.rate, sender_end))
    receiver = spawn.Process(target=receiver_main, args=(output_port, receiver_end))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Path(tmp) / "settings.json"
        signal_roi = [0, WIDTH, HEIGHT * 3 // 8, HEIGHT // 4]
        settings.write_text(
            json.dumps(
                {
                    "roi_signal": signal_roi,
                    "roi_background": [0, WIDTH, 0, HEIGHT // 8],
                    "edge_detection": {"enabled": True, "calibration": [0.0, 10.0]},
                }
            )
        )
        service = ServiceRun(source_port, output_port, settings, Path(tmp) / "service.log",
                             prefix=PREFIX)  # fmt: skip
        try:
            service.start()
            sender.start()
            receiver.start()
            print("preparing frames ...", flush=True)
            assert sender_conn.recv() == "ready" and receiver_conn.recv() == "ready"
            sender_conn.send("go")
            time.sleep(3)  # warm up: caches, reference
            phases = [
                run_phase("no viewer", service.rest, service.pid, args.seconds, viewer=False),
                run_phase("live page polling", service.rest, service.pid, args.seconds, True),
            ]
            sender_conn.send("stop")
            receiver_conn.send("stop")
            sent, received = sender_conn.recv(), receiver_conn.recv()
        finally:
            service.stop(20)
            for process in (sender, receiver):
                if process.pid is None:
                    continue
                process.join(10)
                if process.is_alive():
                    process.terminate()
    print(
        f"\n{WIDTH}x{HEIGHT} uint16 bitshuffle_lz4 at {args.rate:g} Hz, edge detection on, "
        f"{args.seconds:g} s per phase; {sent} frames sent, {received} received in all\n"
    )
    header = (
        f"{'phase':<20}{'out fps':>9}{'lost':>6}{'p50 ms':>8}{'p99 ms':>8}{'CPU ms/fr':>11}"
        f"{'  /live ms med/max':>20}{'  image ms med/max':>20}"
    )
    print(header)
    print("-" * len(header))
    for p in phases:
        print(
            f"{p.name:<20}{p.fps:>9.1f}{p.lost:>6}{p.p50_ms:>8.2f}{p.p99_ms:>8.2f}"
            f"{p.cpu_ms_per_frame:>11.3f}{_ms(p.live_ms):>20}{_ms(p.image_ms):>20}"
        )
    quiet, viewed = phases
    checks = [
        (viewed.lost == quiet.lost == 0, "no frame lost, with or without the viewer"),
        (viewed.fps >= 0.97 * args.rate, f"rate with the viewer >= 97 % of {args.rate:g} Hz"),
        (viewed.p99_ms <= quiet.p99_ms + 5.0, "p99 latency with the viewer <= without + 5 ms"),
    ]
    print()
    for ok, text in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
