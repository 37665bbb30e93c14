"""Screenshots of the live page in each state of its streams, for the README.

Runs the real ``psen_processing`` command once per state, fed by the simulated camera (or by
nothing, or by a camera of another prefix or socket type), opens its live page in headless
Chromium (Debian's ``chromium``, driven by Playwright; nothing downloaded) and saves a
1280 x 800 screenshot per state:

    .venv/bin/python tools/live_page_screenshots.py [--out docs/screenshots] [--only receiving]

States: receiving (edges, history, histogram and correlation against the camera's
``EDGE_TRUTH_PX`` channel), no_camera, no_consumer, consumer_stalled, wrong_prefix,
wrong_socket_type. About a minute in all.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq
from playwright.sync_api import Page, sync_playwright

from psen_processing.sim.camera import CameraConfig, CameraSender, SimulatedCamera

PREFIX = "SIM-PSEN"
WIDTH, HEIGHT = 1024, 256
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM = Path(os.environ.get("PSEN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
SETTINGS = {
    "roi_signal": [0, WIDTH, HEIGHT * 3 // 8, HEIGHT // 4],
    "roi_background": [0, WIDTH, 0, HEIGHT // 8],
    "edge_detection": {"enabled": True, "calibration": [-5120.0, 10.0]},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(predicate: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Service:
    url: str
    output_port: int

    def get(self, path: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/{path}", timeout=5) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result

    def post(self, path: str, body: object) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}/{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as answer:
            result: dict[str, Any] = json.loads(answer.read())
            return result

    def statistics(self) -> dict[str, Any]:
        statistics: dict[str, Any] = self.get("statistics")["statistics"]
        return statistics


@contextlib.contextmanager
def service(input_stream: str) -> Iterator[Service]:
    """The ``psen_processing`` command on free loopback ports, processing started."""
    rest, output = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Path(tmp) / "settings.json"
        settings.write_text(json.dumps(SETTINGS))
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "psen_processing.cli", input_stream, PREFIX),
                *("-o", str(output), "-r", str(rest), "--auto_start"),
                *("--rest_api_interface", "127.0.0.1", "--output_stream_interface", "127.0.0.1"),
                *("--settings_file", str(settings), "--log_level", "ERROR"),
            ]
        )
        running = Service(f"http://127.0.0.1:{rest}", output)

        def processing() -> bool:
            with contextlib.suppress(OSError):
                return running.get("status")["status"] == "processing"
            return False

        try:
            wait_for(processing, "the service to start")
            yield running
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(20)


@contextlib.contextmanager
def camera(prefix: str = PREFIX, rate_hz: float = 50.0) -> Iterator[str]:
    """The simulated camera sending on a free port; its address."""
    sender = CameraSender(
        SimulatedCamera(CameraConfig(prefix=prefix, width=WIDTH, height=HEIGHT, rate_hz=rate_hz)),
        "tcp://127.0.0.1:0",
    )
    sender.start()
    try:
        yield f"tcp://127.0.0.1:{sender.port}"
    finally:
        sender.stop()


@contextlib.contextmanager
def consumer(context: zmq.Context[Any], port: int, reading: bool) -> Iterator[None]:
    """A PULL socket on the output: reading everything, or connected and never reading."""
    sock = context.socket(zmq.PULL)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVHWM, 1000 if reading else 1)
    sock.connect(f"tcp://127.0.0.1:{port}")
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            if sock.poll(100):
                sock.recv_multipart(copy=False)

    thread = threading.Thread(target=read, daemon=True) if reading else None
    if thread is not None:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if thread is not None:
            thread.join(5)
        sock.close(linger=0)


_SHOWN_PULSES = (
    "['profiles-pulse', 'edge-pulse', 'image-pulse']"
    ".map(id => document.getElementById(id).textContent).join()"
)


def shoot(page: Page, running: Service, path: Path, ready: str) -> None:
    """Open the page, wait until the JS expression ``ready`` is true, save the screenshot;
    again if the page redrew while it was taken and ``ready`` no longer holds."""
    page.goto(f"{running.url}/")
    for _ in range(50):
        page.wait_for_function(ready, timeout=60000)
        before = page.evaluate(_SHOWN_PULSES)
        page.screenshot(path=str(path))
        if page.evaluate(ready) and page.evaluate(_SHOWN_PULSES) == before:
            break
    print(f"wrote {path} ({path.stat().st_size // 1024} kB)")


def badge_says(text: str) -> str:
    return f"document.getElementById('status').textContent.includes({json.dumps(text)})"


def receiving(page: Page, context: zmq.Context[Any], path: Path) -> None:
    with (
        camera() as address,
        service(address) as running,
        consumer(context, running.output_port, reading=True),
    ):
        wait_for(lambda: running.get("live/channels")["channels"], "the input's channels")
        running.post("live/correlation_channel", f"{PREFIX}:EDGE_TRUTH_PX")
        ready = (
            "Number(document.getElementById('history-count').textContent) >= 150 && "
            "Number(document.getElementById('image-pulse').textContent) > 0 && "
            "document.getElementById('correlation').dataset.drawn === '1' && "
            "document.getElementById('profiles-shot').dataset.shot === 'xray' && "
            "document.getElementById('image-shot').dataset.shot === 'xray' && "
            + badge_says("processing")
        )
        shoot(page, running, path, ready)


def no_camera(page: Page, context: zmq.Context[Any], path: Path) -> None:
    with service(f"tcp://127.0.0.1:{free_port()}") as running:
        shoot(page, running, path, badge_says("input not connected"))


def no_consumer(page: Page, context: zmq.Context[Any], path: Path) -> None:
    with camera() as address, service(address) as running:
        wait_for(lambda: running.statistics()["frames_received"] > 0, "a frame")
        shoot(page, running, path, badge_says("output no consumer"))


def consumer_stalled(page: Page, context: zmq.Context[Any], path: Path) -> None:
    with (
        camera() as address,
        service(address) as running,
        consumer(context, running.output_port, reading=False),
    ):
        wait_for(lambda: running.statistics()["output"]["state"] == "blocked", "blocked")
        shoot(page, running, path, badge_says("output blocked"))


def wrong_prefix(page: Page, context: zmq.Context[Any], path: Path) -> None:
    with (
        camera(prefix="OTHER-CAM") as address,
        service(address) as running,
        consumer(context, running.output_port, reading=True),
    ):
        shoot(page, running, path, badge_says("input wrong prefix"))


def wrong_socket_type(page: Page, context: zmq.Context[Any], path: Path) -> None:
    publisher = context.socket(zmq.PUB)
    publisher.setsockopt(zmq.LINGER, 0)
    port = publisher.bind_to_random_port("tcp://127.0.0.1")
    try:
        with service(f"tcp://127.0.0.1:{port}") as running:
            shoot(page, running, path, badge_says("input wrong socket type"))
    finally:
        publisher.close(linger=0)


STATES: dict[str, Callable[[Page, zmq.Context[Any], Path], None]] = {
    "receiving": receiving,
    "no_camera": no_camera,
    "no_consumer": no_consumer,
    "consumer_stalled": consumer_stalled,
    "wrong_prefix": wrong_prefix,
    "wrong_socket_type": wrong_socket_type,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--only", choices=sorted(STATES), action="append")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        print(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set PSEN_CHROMIUM)")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    context: zmq.Context[Any] = zmq.Context()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                for name in args.only or STATES:
                    page = browser.new_page(viewport=VIEWPORT)
                    try:
                        STATES[name](page, context, args.out / f"live_{name}.png")
                    finally:
                        page.close()
            finally:
                browser.close()
    finally:
        context.destroy(linger=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
