"""A simulated PSEN camera: realistic spectra with an X-ray edge on X-ray shots, sent as bsread.

``SimulatedCamera`` makes messages (no I/O); ``CameraSender`` paces and sends them on a bound
PUSH socket, dropping a frame when nobody is connected, as a camera that keeps running would.
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import zmq
from threadpoolctl import threadpool_limits

from .codec import COMPRESSIONS, encode_message
from .errors import InvalidOption
from .socket_thread import SocketThread
from .synthetic import SpectrumModel, image

__all__ = [
    "CameraConfig",
    "CameraSender",
    "SimulatedCamera",
    "add_scan_options",
    "main",
    "scan_options",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CameraConfig:
    prefix: str = "SIM-PSEN"
    width: int = 1024
    height: int = 256
    rate_hz: float = 25.0
    compression: str = "none"
    xray_period: int = 2
    """Every ``xray_period``-th pulse (``pulse_id % period == 0``) has X-rays; the rest are
    reference shots."""
    edge_depth: float = 0.15
    edge_drift: float = 0.12
    """Amplitude of the slow drift of the edge around the middle of the chip, as a fraction of
    the width; the shot-to-shot jitter is a tenth of it (rms)."""
    seed: int = 0
    start_pulse_id: int = 1
    scan_steps: int = 0
    """A delay scan of this many steps (0: none): the edge moves with the delay sent in
    :attr:`delay_channel` (ps), by :attr:`truth_calibration`, plus the X-ray arrival jitter."""
    scan_shots: int = 50
    """X-ray shots per delay step; after the last step the scan starts again."""
    scan_jitter_fs: float = 20.0
    """X-ray arrival jitter (fs rms): the edge sits where ``delay + jitter`` puts it."""
    scan_fs_per_px: float = 5.0
    """The scan's calibration slope at the middle of the chip."""
    scan_curvature: float = 0.3
    """The slope is ``scan_fs_per_px x (1 +- scan_curvature)`` at the chip's two ends."""

    @property
    def delay_channel(self) -> str:
        return f"{self.prefix}:DELAY"

    @property
    def truth_calibration(self) -> tuple[float, float, float]:
        """The scan's px -> fs relation, lowest order first (as ``calibration`` holds it):
        ``k u (1 + c u / W)`` with ``u = px - W/2``, ``k`` the slope, ``c`` the curvature."""
        k, c, w = self.scan_fs_per_px, self.scan_curvature, float(self.width)
        c2 = k * c / w
        return (-k * w / 2 + c2 * w * w / 4, k - k * c, c2)

    def scan_delays_fs(self) -> tuple[float, ...]:
        """The scan's delays (fs): steps putting the edge from 20 % to 80 % of the chip."""
        n = self.scan_steps
        if n <= 0:
            return ()
        ends = np.polynomial.polynomial.polyval(
            [0.2 * self.width, 0.8 * self.width], self.truth_calibration
        )
        return tuple(float(v) for v in np.linspace(ends[0], ends[1], n))

    @property
    def image_channel(self) -> str:
        return f"{self.prefix}:FPICTURE"

    @property
    def intensity_channel(self) -> str:
        return f"{self.prefix}:XRAY_INTENSITY"

    @property
    def truth_channel(self) -> str:
        return f"{self.prefix}:EDGE_TRUTH_PX"


_DEFAULTS = CameraConfig()


class SimulatedCamera:
    """Makes one bsread message per pulse; deterministic for a given seed."""

    def __init__(self, config: CameraConfig) -> None:
        if config.compression not in COMPRESSIONS:
            raise ValueError(f"compression must be one of {sorted(COMPRESSIONS)}")
        self.config = config
        self._rng = np.random.default_rng(config.seed)
        self._model = SpectrumModel(
            width=config.width,
            envelope_centre=config.width / 2,
            envelope_fwhm=config.width * 0.55,
            band_sigma=max(1.0, config.height / 20),
            edge_depth=config.edge_depth,
        )
        if config.scan_steps:
            if not 2 <= config.scan_steps <= 10_000 or not 1 <= config.scan_shots <= 1_000_000:
                raise InvalidOption("a delay scan needs 2-10000 steps of 1-1000000 shots")
            if not abs(config.scan_curvature) < 1 or config.scan_fs_per_px == 0:
                raise InvalidOption(
                    "a delay scan needs |curvature| < 1 and a non-zero fs per px (monotonic)"
                )
            if not 0 <= config.scan_jitter_fs <= 1e6:
                raise InvalidOption("the scan jitter must be 0 to 1e6 fs")
        self._delays = config.scan_delays_fs()
        grid = np.linspace(-0.5 * config.width, 1.5 * config.width, 40 * config.width + 1)
        delays = np.polynomial.polynomial.polyval(grid, config.truth_calibration)
        order = np.argsort(delays)  # a decreasing relation (negative slope) too
        self._inverse = (delays[order], grid[order])

    def edge_position(self, pulse_id: int) -> float | None:
        """Where the X-ray edge is on this pulse (px), None on a reference shot."""
        cfg = self.config
        if cfg.xray_period > 0 and pulse_id % cfg.xray_period != 0:
            return None
        if self._delays:
            delay = self.delay_fs(pulse_id) + float(self._rng.normal(0.0, cfg.scan_jitter_fs))
            return float(np.interp(delay, *self._inverse))
        drift = cfg.edge_drift * cfg.width * math.sin(pulse_id / 500.0)
        jitter = float(self._rng.normal(0.0, cfg.edge_drift * cfg.width / 10))
        return cfg.width / 2 + drift + jitter

    def delay_fs(self, pulse_id: int) -> float:
        """The scan's delay at this pulse (fs): ``scan_shots`` X-ray shots per step, cycling."""
        cfg = self.config
        pulses = cfg.scan_shots * max(1, cfg.xray_period)
        step = (pulse_id - cfg.start_pulse_id) // pulses % len(self._delays)
        return self._delays[step]

    def message(self, pulse_id: int, timestamp: float | None = None) -> list[bytes]:
        cfg = self.config
        edge = self.edge_position(pulse_id)
        frame = image(self._model, self._rng, cfg.height, edge, np.uint16)
        intensity = float(self._rng.normal(1.0, 0.1)) if edge is not None else 0.0
        now = time.time() if timestamp is None else timestamp
        sec, ns = int(now), int((now % 1) * 1e9)
        channels: list[tuple[str, object]] = [
            (cfg.image_channel, frame),
            (cfg.intensity_channel, intensity),
            (cfg.truth_channel, float("nan") if edge is None else edge),
        ]
        if self._delays:  # the stage's readback, in ps
            channels.append((cfg.delay_channel, self.delay_fs(pulse_id) / 1000.0))
        return encode_message(
            pulse_id,
            channels,
            sec=sec,
            ns=ns,
            compression=cfg.compression,
        )


class CameraSender(SocketThread):
    """Sends a :class:`SimulatedCamera` at its rate from a thread, bound on ``address``."""

    def __init__(self, camera: SimulatedCamera, address: str, count: int | None = None) -> None:
        super().__init__(zmq.PUSH, "psen-camera")
        self.camera = camera
        self._socket.setsockopt(zmq.SNDHWM, 16)
        if address.endswith(":0"):
            self.port = self._socket.bind_to_random_port(address[: -len(":0")])
        else:
            self._socket.bind(address)
            self.port = int(address.rsplit(":", 1)[1])
        self._count = count
        self.sent = 0
        self.dropped = 0

    def _run(self) -> None:
        # bitshuffle's OpenMP pool would spin a second thread for milliseconds after every
        # compressed frame: one thread does the work at no extra CPU (this thread only)
        threadpool_limits(limits=1)
        period = 1.0 / self.camera.config.rate_hz
        pulse_id = self.camera.config.start_pulse_id
        next_at = time.monotonic()
        while not self._stop.is_set() and (self._count is None or self.sent < self._count):
            parts = self.camera.message(pulse_id)
            if self._socket.poll(int(period * 1000), zmq.POLLOUT):
                self._socket.send_multipart(parts, copy=False)
                self.sent += 1
            else:
                self.dropped += 1
            pulse_id += 1
            next_at += period
            delay = next_at - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_at = time.monotonic()  # behind: do not try to catch up in a burst


def add_scan_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, dash: str) -> None:
    """The delay-scan options (``dash`` + ``delay_scan`` etc.), shared with ``psen_processing
    --simulate`` (``--sim_delay_scan``)."""
    parser.add_argument(
        f"{dash}delay_scan", type=int, default=0, metavar="STEPS",
        help="run a delay scan of STEPS steps (2-10000): the camera also sends PREFIX:DELAY "
        "(ps) and the edge moves with it by a known non-linear relation (default: no scan)",
    )  # fmt: skip
    parser.add_argument(
        f"{dash}scan_shots", type=int, default=_DEFAULTS.scan_shots,
        help=f"X-ray shots per delay step (default {_DEFAULTS.scan_shots})",
    )  # fmt: skip
    parser.add_argument(
        f"{dash}scan_jitter", type=float, default=_DEFAULTS.scan_jitter_fs, metavar="FS",
        help=f"X-ray arrival jitter in fs rms (default {_DEFAULTS.scan_jitter_fs:g})",
    )  # fmt: skip


def scan_options(args: argparse.Namespace, prefix: str = "") -> dict[str, Any]:
    """The delay-scan fields of :class:`CameraConfig` from parsed options."""
    return {
        "scan_steps": getattr(args, f"{prefix}delay_scan"),
        "scan_shots": getattr(args, f"{prefix}scan_shots"),
        "scan_jitter_fs": getattr(args, f"{prefix}scan_jitter"),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="psen_processing_camera",
        description="Stream simulated PSEN camera frames over bsread (bound PUSH socket).",
    )
    parser.add_argument("-p", "--port", type=int, default=9999, help="port to bind (default 9999)")
    parser.add_argument("--interface", default="*", help="interface to bind (default all)")
    parser.add_argument("--prefix", default=_DEFAULTS.prefix, help="camera channel prefix")
    parser.add_argument("--rate", type=float, default=_DEFAULTS.rate_hz, help="frames per second")
    parser.add_argument("--width", type=int, default=_DEFAULTS.width)
    parser.add_argument("--height", type=int, default=_DEFAULTS.height)
    parser.add_argument("--compression", choices=sorted(COMPRESSIONS), default="none")
    parser.add_argument("--xray_period", type=int, default=_DEFAULTS.xray_period)
    parser.add_argument("--edge_depth", type=float, default=_DEFAULTS.edge_depth)
    parser.add_argument("--count", type=int, default=None, help="stop after this many frames")
    parser.add_argument("--seed", type=int, default=0)
    add_scan_options(parser, "--")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.width < 8 or args.height < 1:
        parser.error("rate must be > 0, width >= 8 and height >= 1")
    config = CameraConfig(
        prefix=args.prefix,
        width=args.width,
        height=args.height,
        rate_hz=args.rate,
        compression=args.compression,
        xray_period=args.xray_period,
        edge_depth=args.edge_depth,
        seed=args.seed,
        **scan_options(args),
    )
    try:
        camera = SimulatedCamera(config)
    except InvalidOption as exc:
        parser.error(str(exc))
    sender = CameraSender(camera, f"tcp://{args.interface}:{args.port}", args.count)
    print(f"simulated camera {config.image_channel} on tcp://{args.interface}:{sender.port}")
    sender.start()
    try:
        sender.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sender.stop()
    print(f"sent {sender.sent} frames, {sender.dropped} dropped (no receiver)")
    return 0
