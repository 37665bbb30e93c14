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

import numpy as np
import zmq
from threadpoolctl import threadpool_limits

from .codec import COMPRESSIONS, encode_message
from .socket_thread import SocketThread
from .synthetic import SpectrumModel, image

__all__ = ["CameraConfig", "CameraSender", "SimulatedCamera", "main"]

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

    def edge_position(self, pulse_id: int) -> float | None:
        """Where the X-ray edge is on this pulse (px), None on a reference shot."""
        cfg = self.config
        if cfg.xray_period > 0 and pulse_id % cfg.xray_period != 0:
            return None
        drift = cfg.edge_drift * cfg.width * math.sin(pulse_id / 500.0)
        jitter = float(self._rng.normal(0.0, cfg.edge_drift * cfg.width / 10))
        return cfg.width / 2 + drift + jitter

    def message(self, pulse_id: int, timestamp: float | None = None) -> list[bytes]:
        cfg = self.config
        edge = self.edge_position(pulse_id)
        frame = image(self._model, self._rng, cfg.height, edge, np.uint16)
        intensity = float(self._rng.normal(1.0, 0.1)) if edge is not None else 0.0
        now = time.time() if timestamp is None else timestamp
        sec, ns = int(now), int((now % 1) * 1e9)
        return encode_message(
            pulse_id,
            [
                (cfg.image_channel, frame),
                (cfg.intensity_channel, intensity),
                (cfg.truth_channel, float("nan") if edge is None else edge),
            ],
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
    )
    sender = CameraSender(
        SimulatedCamera(config), f"tcp://{args.interface}:{args.port}", args.count
    )
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
