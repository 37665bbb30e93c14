"""Can the simulated camera keep its rate? Rate and CPU of ``psen_processing_camera``.

Run as ``.venv/bin/python benchmarks/camera_benchmark.py`` (about a minute; ``--quick`` for a
smoke run). For each compression (uncompressed, bitshuffle_lz4) at 1024x1024 and 100 Hz it
starts the real ``psen_processing_camera`` command as its own process, reads every frame it
sends with a PULL socket on 127.0.0.1 (port chosen at run time) and measures, over the frames
after a warm-up:

- the rate the frames arrive at (frames / time between the first and the last measured one);
- the camera process's CPU per frame (utime + stime from ``/proc/<pid>/stat``) and as a share
  of one core.

The baseline, measured in this process in the same run: the CPU to *generate* one such frame
(:func:`psen_processing.sim.spectrum.image` plus its encoding with that compression), which is
what the camera paid per frame before it precomputed a ring of frames. The ``cpu/generate``
column is the camera's CPU per frame divided by it: about 1 or more means the camera makes every
frame as it sends it, well below 1 that a frame costs little more than its send.

Target: the measured rate within 2 % of 100 Hz for both compressions, and the camera's share of
one core below 50 %.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import zmq
from threadpoolctl import threadpool_limits

from _harness import CLK_TCK, cpu_ticks, free_port
from psen_processing.sim.messages import encode_message
from psen_processing.sim.spectrum import SpectrumModel, image

SIZE = 1024
RATE_HZ = 100.0
RATE_TOLERANCE = 0.02
CPU_SHARE_MAX = 0.5
CAMERA_COMMAND = "import sys; from psen_processing.sim.camera import main; sys.exit(main())"
"""``psen_processing_camera``, run by this interpreter."""


@dataclass(frozen=True)
class Result:
    compression: str
    rate_hz: float
    cpu_ms_per_frame: float
    generate_ms: float
    frames: int

    @property
    def cpu_share(self) -> float:
        return self.cpu_ms_per_frame * self.rate_hz / 1000.0

    @property
    def ratio(self) -> float:
        return self.cpu_ms_per_frame / self.generate_ms

    @property
    def ok(self) -> bool:
        return (
            abs(self.rate_hz - RATE_HZ) <= RATE_TOLERANCE * RATE_HZ
            and self.cpu_share < CPU_SHARE_MAX
        )


def generate_ms(compression: str, count: int) -> float:
    """CPU per frame to make and encode one 1024x1024 camera frame, as the camera did per send."""
    model = SpectrumModel(
        width=SIZE,
        envelope_centre=SIZE / 2,
        envelope_fwhm=SIZE * 0.55,
        band_sigma=SIZE / 20,
        edge_depth=0.15,
    )
    rng = np.random.default_rng(0)
    with threadpool_limits(limits=1):
        start = time.process_time()
        for index in range(count):
            edge = SIZE / 2 if index % 2 == 0 else None
            frame = image(model, rng, SIZE, edge, np.uint16)
            encode_message(index, [("CAM:FPICTURE", frame)], compression=compression)
        return (time.process_time() - start) * 1000.0 / count


def measure_camera(compression: str, warmup: int, frames: int) -> tuple[float, float]:
    """(rate in Hz, CPU ms per frame) of the camera command over ``frames`` after ``warmup``."""
    context: zmq.Context[Any] = zmq.Context()
    pull = context.socket(zmq.PULL)
    pull.setsockopt(zmq.LINGER, 0)
    pull.setsockopt(zmq.RCVHWM, 64)
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-c", CAMERA_COMMAND),
            *("--port", str(port), "--interface", "127.0.0.1"),
            *("--rate", str(RATE_HZ), "--width", str(SIZE), "--height", str(SIZE)),
            *("--compression", compression),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        pull.connect(f"tcp://127.0.0.1:{port}")
        received = 0
        start_ticks = start_time = 0.0
        deadline = time.monotonic() + 120
        while received < warmup + frames:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {received} frames from the camera in 120 s")
            if not pull.poll(1000):
                if process.poll() is not None:
                    raise RuntimeError(f"the camera exited with {process.returncode}")
                continue
            pull.recv_multipart(copy=False)
            received += 1
            if received == warmup:
                start_time, start_ticks = time.monotonic(), cpu_ticks(process.pid)
        end_time, end_ticks = time.monotonic(), cpu_ticks(process.pid)
    finally:
        process.terminate()
        process.wait(30)
        pull.close(linger=0)
        context.term()
    rate = frames / (end_time - start_time)
    cpu_ms = (end_ticks - start_ticks) * 1000.0 / CLK_TCK / frames
    return rate, cpu_ms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: fewer frames")
    args = parser.parse_args(argv)
    warmup, frames, generated = (50, 200, 10) if args.quick else (100, 1000, 40)
    results = []
    for compression in ("none", "bitshuffle_lz4"):
        baseline = generate_ms(compression, generated)
        rate, cpu_ms = measure_camera(compression, warmup, frames)
        results.append(Result(compression, rate, cpu_ms, baseline, frames))
    print(f"simulated camera, {SIZE}x{SIZE} uint16 at {RATE_HZ:g} Hz, {frames} frames measured")
    print(
        f"{'compression':<16}{'rate Hz':>9}{'CPU ms/frame':>14}{'CPU %':>7}"
        f"{'generate ms':>13}{'cpu/generate':>14}  verdict"
    )
    for result in results:
        print(
            f"{result.compression:<16}{result.rate_hz:>9.1f}{result.cpu_ms_per_frame:>14.2f}"
            f"{100 * result.cpu_share:>7.0f}{result.generate_ms:>13.2f}{result.ratio:>14.2f}"
            f"  {'ok' if result.ok else 'MISSED'}"
        )
    print(
        f"targets: rate within {100 * RATE_TOLERANCE:g} % of {RATE_HZ:g} Hz, "
        f"CPU below {100 * CPU_SHARE_MAX:g} % of one core"
    )
    return 0 if all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
