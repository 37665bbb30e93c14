"""A simulated PSEN camera: realistic spectra with an X-ray edge on X-ray shots, sent as bsread.

``SimulatedCamera`` makes messages (no I/O); ``CameraSender`` paces and sends them on a bound
PUSH socket, dropping a frame when nobody is connected, as a camera that keeps running would.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import zmq
from threadpoolctl import threadpool_limits

from ..cli_options import DefaultsHelpFormatter, bounded
from ..codec import COMPRESSIONS
from ..core.limits import MAX_PERIOD, MAX_PORT
from ..errors import InvalidOption
from .frame_ring import (
    MAX_RATE_HZ,
    MAX_SIDE,
    MIN_WIDTH,
    RING_BYTES,
    FrameRing,
    RateWatch,
    build_ring,
    drift_edge,
    ring_size,
)
from .messages import encode_message
from .offer import offer
from .socket_thread import SocketThread
from .spectrum import SpectrumModel, image

__all__ = [
    "CameraConfig",
    "CameraSender",
    "SimulatedCamera",
    "add_scan_options",
    "build_parser",
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
    ring_bytes: int = RING_BYTES
    """Memory for the precomputed frames (see :data:`.simulation.RING_BYTES`); a delay scan
    makes each frame anew instead (its edge follows the delay, not the ring's steps)."""
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
    """Makes one bsread message per pulse from a ring of precomputed frames (see
    :mod:`.simulation`); deterministic for a given seed. The ring is made on first use."""

    def __init__(self, config: CameraConfig) -> None:
        if config.compression not in COMPRESSIONS:
            raise InvalidOption(f"compression must be one of {sorted(COMPRESSIONS)}")
        self.config = config
        self._rng = np.random.default_rng(config.seed)
        self._model = SpectrumModel(
            width=config.width,
            envelope_centre=config.width / 2,
            envelope_fwhm=config.width * 0.55,
            band_sigma=max(1.0, config.height / 20),
            edge_depth=config.edge_depth,
        )
        self._ring: FrameRing | None = None
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

    @property
    def ring(self) -> FrameRing:
        """The precomputed frames (made now if not yet: about 15 ms per 256k pixels each)."""
        if self._ring is None:
            cfg = self.config
            reach = 1.3 * cfg.edge_drift * cfg.width  # the drift and 3 rms of jitter
            self._ring = build_ring(
                channels=(cfg.image_channel, cfg.intensity_channel, cfg.truth_channel),
                model=self._model,
                rng=self._rng,
                height=cfg.height,
                frames=ring_size(cfg.width, cfg.height, cfg.ring_bytes),
                xray_period=cfg.xray_period,
                edge_range=(
                    max(0.0, cfg.width / 2 - reach),
                    min(cfg.width - 1.0, cfg.width / 2 + reach),
                ),
                compression=cfg.compression,
            )
        return self._ring

    def edge_position(self, pulse_id: int) -> float | None:
        """Where the camera wants the X-ray edge on this pulse (px), None on a reference shot;
        the frame sent has the ring's nearest one (:meth:`frame_for`)."""
        cfg = self.config
        if cfg.xray_period > 0 and pulse_id % cfg.xray_period != 0:
            return None
        if self._delays:
            delay = self.delay_fs(pulse_id) + float(self._rng.normal(0.0, cfg.scan_jitter_fs))
            return float(np.interp(delay, *self._inverse))
        jitter = float(self._rng.normal(0.0, cfg.edge_drift * cfg.width / 10))
        return drift_edge(cfg.width, cfg.edge_drift, pulse_id, jitter)

    def frame_for(self, pulse_id: int) -> tuple[int, float | None]:
        """The ring's frame for this pulse, and where its edge is (None: reference shot)."""
        ring = self.ring
        wanted = self.edge_position(pulse_id)
        if wanted is None and ring.reference_frames:
            period = max(1, self.config.xray_period)
            turn = pulse_id // period % len(ring.reference_frames)
            return ring.reference_frames[turn], None
        if wanted is None:  # every frame has X-rays: a reference shot shows one as it is
            wanted = self.config.width / 2
        index = ring.nearest_xray(wanted)
        return ring.xray_frames[index], ring.xray_edges[index]

    def delay_fs(self, pulse_id: int) -> float:
        """The scan's delay at this pulse (fs): ``scan_shots`` X-ray shots per step, cycling."""
        cfg = self.config
        pulses = cfg.scan_shots * max(1, cfg.xray_period)
        step = (pulse_id - cfg.start_pulse_id) // pulses % len(self._delays)
        return self._delays[step]

    def message(self, pulse_id: int, timestamp: float | None = None) -> list[bytes]:
        now = time.time() if timestamp is None else timestamp
        sec, ns = int(now), int((now % 1) * 1e9)
        if self._delays:
            return self._scan_message(pulse_id, sec, ns)
        frame, edge = self.frame_for(pulse_id)
        intensity = float(self._rng.normal(1.0, 0.1)) if edge is not None else 0.0
        truth = float("nan") if edge is None else edge
        return self.ring.message(pulse_id, frame, intensity, truth, sec=sec, ns=ns)

    def _scan_message(self, pulse_id: int, sec: int, ns: int) -> list[bytes]:
        """A frame of a delay scan, made for this pulse: the edge where the delay puts it."""
        cfg = self.config
        edge = self.edge_position(pulse_id)
        frame = image(self._model, self._rng, cfg.height, edge, np.uint16)
        intensity = float(self._rng.normal(1.0, 0.1)) if edge is not None else 0.0
        channels: list[tuple[str, object]] = [
            (cfg.image_channel, frame),
            (cfg.intensity_channel, intensity),
            (cfg.truth_channel, float("nan") if edge is None else edge),
            (cfg.delay_channel, self.delay_fs(pulse_id) / 1000.0),  # the stage's readback, ps
        ]
        return encode_message(pulse_id, channels, sec=sec, ns=ns, compression=cfg.compression)


class CameraSender(SocketThread):
    """Sends a :class:`SimulatedCamera` at its rate from a thread, bound on ``address``.

    The camera's ring of frames is made first, on this thread. Falling behind the rate (the
    machine cannot send frames that fast) is logged as a warning once, and getting back to it
    once; ``behind``, ``behind_episodes`` and ``rate_hz`` say how it goes.
    """

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
        self._watch = RateWatch(camera.config.rate_hz)
        self.sent = 0
        self.dropped = 0

    @property
    def behind(self) -> bool:
        """Whether the last second made fewer than 90 % of the frames the rate asks for."""
        return self._watch.behind

    @property
    def behind_episodes(self) -> int:
        return self._watch.episodes

    @property
    def rate_hz(self) -> float | None:
        """Frames made per second over the last complete second (None: none yet)."""
        return self._watch.last_rate_hz

    def _prepare(self) -> None:
        started = time.monotonic()
        ring = self.camera.ring
        cfg = self.camera.config
        log.info(
            "simulated camera: %d frames of %dx%d precomputed (%.1f MiB, %s) in %.1f s",
            len(ring.images), cfg.width, cfg.height, ring.nbytes / 2**20, cfg.compression,
            time.monotonic() - started,
        )  # fmt: skip

    def _run(self) -> None:
        # bitshuffle's OpenMP pool would spin a second thread for milliseconds after every
        # compressed frame: one thread does the work at no extra CPU (this thread only)
        threadpool_limits(limits=1)
        self._prepare()
        rate = self.camera.config.rate_hz
        period = 1.0 / rate
        pulse_id = self.camera.config.start_pulse_id
        next_at = time.monotonic()
        while not self._stop.is_set() and (self._count is None or self.sent < self._count):
            parts = self.camera.message(pulse_id)
            if offer(self._socket, parts, int(period * 1000), copy=False):
                self.sent += 1
            else:
                self.dropped += 1
            pulse_id += 1
            now = time.monotonic()
            change = self._watch.frame(now)
            if change is not None and change.behind:
                log.warning(
                    "simulated camera behind its rate: %.1f Hz of %g Hz (this machine cannot "
                    "make frames that fast: lower the rate or the image size)",
                    change.rate_hz, rate,
                )  # fmt: skip
            elif change is not None:
                log.info(
                    "simulated camera back at its rate: %.1f Hz of %g Hz", change.rate_hz, rate
                )
            next_at += period
            delay = next_at - now
            if delay > 0:
                self._stop.wait(delay)
            elif delay < -2 * period:
                next_at = now  # far behind: do not try to catch up in a burst


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
        help="X-ray shots per delay step",
    )  # fmt: skip
    parser.add_argument(
        f"{dash}scan_jitter", type=float, default=_DEFAULTS.scan_jitter_fs, metavar="FS",
        help="X-ray arrival jitter in fs rms",
    )  # fmt: skip


def scan_options(args: argparse.Namespace, prefix: str = "") -> dict[str, Any]:
    """The delay-scan fields of :class:`CameraConfig` from parsed options."""
    return {
        "scan_steps": getattr(args, f"{prefix}delay_scan"),
        "scan_shots": getattr(args, f"{prefix}scan_shots"),
        "scan_jitter_fs": getattr(args, f"{prefix}scan_jitter"),
    }


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="psen_processing_camera",
        description="Stream simulated PSEN camera frames over bsread (bound PUSH socket).",
        formatter_class=DefaultsHelpFormatter,
    )
    parser.add_argument(
        "-p", "--port", type=bounded(int, 0, MAX_PORT), default=9999, help="port to bind"
    )
    parser.add_argument("--interface", default="*", help="interface to bind (*: all)")
    parser.add_argument("--prefix", default=_DEFAULTS.prefix, help="camera channel prefix")
    parser.add_argument(
        "--rate", type=bounded(float, 0.0, MAX_RATE_HZ, low_open=True), default=_DEFAULTS.rate_hz,
        help=f"frames per second (above 0, at most {MAX_RATE_HZ:g})",
    )  # fmt: skip
    parser.add_argument(
        "--width", type=bounded(int, MIN_WIDTH, MAX_SIDE), default=_DEFAULTS.width,
        help=f"image width, px ({MIN_WIDTH}-{MAX_SIDE})",
    )  # fmt: skip
    parser.add_argument(
        "--height", type=bounded(int, 1, MAX_SIDE), default=_DEFAULTS.height,
        help=f"image height, px (1-{MAX_SIDE})",
    )  # fmt: skip
    parser.add_argument(
        "--compression", choices=sorted(COMPRESSIONS), default="none",
        help="compression of the image channel",
    )  # fmt: skip
    parser.add_argument(
        "--xray_period", type=bounded(int, 0, MAX_PERIOD), default=_DEFAULTS.xray_period,
        help="X-rays on pulse ids divisible by this, reference shots on the others (0 or 1: "
        "X-rays on every pulse)",
    )  # fmt: skip
    parser.add_argument(
        "--edge_depth", type=bounded(float, 0.0, 1.0), default=_DEFAULTS.edge_depth,
        help="relative depth of the X-ray edge (0-1)",
    )  # fmt: skip
    parser.add_argument(
        "--count", type=bounded(int, 1, 2**62), default=None,
        help="stop after this many frames (default: run until interrupted)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=bounded(int, 0, 2**63 - 1), default=0, help="random seed of the images"
    )
    add_scan_options(parser, "--")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
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
