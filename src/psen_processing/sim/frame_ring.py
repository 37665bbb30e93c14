"""The simulated camera's precomputed frames and its rate watch (pure: no I/O, no clock).

Making a realistic 1024x1024 frame (:func:`.synthetic.image`, then its compression) costs about
55 ms of CPU, so a camera that made each frame as it sent it could not keep 100 Hz. The camera
therefore makes a bounded ring of frames once, at its start, and per pulse only picks one and
writes the pulse's headers (:class:`FrameRing`):

- reference shots cycle through the ring's reference frames;
- X-ray shots take the X-ray frame whose edge is nearest to where the camera wants the edge on
  that pulse (a slow drift across the chip plus shot-to-shot jitter): the ring's X-ray frames
  have their edges evenly spaced over the drift's range, so the edge still wanders over the
  chip and jitters, in steps of the spacing. The truth channel carries the edge of the frame
  actually sent.

:class:`RateWatch` says when the camera falls behind its rate and when it is back, once each.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from dataclasses import dataclass

import numpy as np

from ..codec import channel_entry, compress, timestamp_bytes
from ..codec.encoder import main_header
from ..errors import InvalidOption
from .spectrum import SpectrumModel, image

__all__ = [
    "MAX_RATE_HZ",
    "MAX_RING_FRAMES",
    "MAX_SIDE",
    "MIN_WIDTH",
    "RING_BYTES",
    "FrameRing",
    "RateWatch",
    "build_ring",
    "ring_size",
]

MAX_RATE_HZ = 100_000.0
"""The simulated camera's rate at most (frames per second); far more than it can send."""
MAX_SIDE = 8192
"""Image width and height at most (px): the ring then holds two frames of 128 MiB."""
MIN_WIDTH = 8

RING_BYTES = 64 * 1024 * 1024
"""Memory for the precomputed images (uncompressed size; compressed ones take less): 32 frames
of 1024x1024 uint16, 64 of 1024x256. At least two frames are made whatever their size."""
MAX_RING_FRAMES = 64
"""Frames in the ring at most (each takes about 15 ms per 256k pixels to make at the start)."""


def ring_size(width: int, height: int, ring_bytes: int = RING_BYTES) -> int:
    """Frames in the ring for uint16 images of ``width`` x ``height``: as many as fit in
    ``ring_bytes``, at least 2, at most :data:`MAX_RING_FRAMES`."""
    frame_bytes = 2 * width * height
    return max(2, min(MAX_RING_FRAMES, ring_bytes // frame_bytes))


@dataclass(frozen=True, slots=True)
class FrameRing:
    """Encoded images and the headers around them; :meth:`message` builds one pulse's message."""

    image_channel: str
    intensity_channel: str
    truth_channel: str
    data_header: bytes
    quoted_hash: str
    images: tuple[bytes, ...]
    """Each frame's image value, encoded (compressed) once."""
    xray_frames: tuple[int, ...]
    """Indices into ``images`` of the X-ray frames, by increasing edge position."""
    xray_edges: tuple[float, ...]
    """Where each X-ray frame has its edge (px), increasing."""
    reference_frames: tuple[int, ...]

    @property
    def nbytes(self) -> int:
        """Bytes the ring holds (its encoded images)."""
        return sum(len(value) for value in self.images)

    def nearest_xray(self, edge: float) -> int:
        """Position in ``xray_frames`` of the frame whose edge is nearest to ``edge``."""
        edges = self.xray_edges
        index = int(np.searchsorted(edges, edge))
        if index == len(edges):
            return index - 1
        if index > 0 and edge - edges[index - 1] <= edges[index] - edge:
            return index - 1
        return index

    def message(
        self, pulse_id: int, frame: int, intensity: float, truth: float, *, sec: int, ns: int
    ) -> list[bytes]:
        """Pulse ``pulse_id``'s message carrying image ``frame`` (an index into ``images``)."""
        stamp = timestamp_bytes(sec, ns)
        return [
            main_header(pulse_id, self.quoted_hash, {"sec": sec, "ns": ns}),
            self.data_header,
            self.images[frame],
            stamp,
            struct.pack("<d", intensity),
            stamp,
            struct.pack("<d", truth),
            stamp,
        ]


def build_ring(
    *,
    channels: tuple[str, str, str],
    model: SpectrumModel,
    rng: np.random.Generator,
    height: int,
    frames: int,
    xray_period: int,
    edge_range: tuple[float, float],
    compression: str,
) -> FrameRing:
    """Make ``frames`` images with ``model``: with ``xray_period`` > 1, a quarter of them (at
    least one) are reference shots, the others have X-rays, their edges evenly spaced over
    ``edge_range``; otherwise all have X-rays. (Reference shots differ only by noise and
    jitter: a few serve; the X-ray frames set how finely the edge moves.)

    ``channels``: the image, X-ray intensity and truth channels' names.
    """
    xrays = frames if xray_period <= 1 else frames - max(1, frames // 4)
    low, high = edge_range
    edges = [float(e) for e in np.linspace(low, high, xrays)] if xrays > 1 else [(low + high) / 2]
    values: list[bytes] = []
    first: np.ndarray | None = None
    for index in range(frames):
        edge = edges[index] if index < xrays else None
        picture = image(model, rng, height, edge, np.uint16)
        if first is None:
            first = picture
        values.append(compress(picture, compression))
    assert first is not None
    image_channel, intensity_channel, truth_channel = channels
    entries = [
        channel_entry(image_channel, first, compression),
        channel_entry(intensity_channel, 0.0),
        channel_entry(truth_channel, 0.0),
    ]
    header = json.dumps({"htype": "bsr_d-1.1", "channels": entries}).encode("utf-8")
    return FrameRing(
        image_channel=image_channel,
        intensity_channel=intensity_channel,
        truth_channel=truth_channel,
        data_header=header,
        quoted_hash=json.dumps(hashlib.md5(header).hexdigest()),
        images=tuple(values),
        xray_frames=tuple(range(xrays)),
        xray_edges=tuple(edges),
        reference_frames=tuple(range(xrays, frames)),
    )


@dataclass(frozen=True, slots=True)
class RateChange:
    """The camera fell behind (``behind``) or is back at its rate; ``rate_hz`` over the last
    window."""

    behind: bool
    rate_hz: float


class RateWatch:
    """Frames made per window of ``window_s`` against the wanted rate.

    Behind when a window made fewer than ``behind_below`` of the frames it should have; back
    once a window made at least ``back_at``. :meth:`frame` reports each change once.
    """

    def __init__(
        self,
        rate_hz: float,
        window_s: float = 1.0,
        behind_below: float = 0.9,
        back_at: float = 0.97,
    ) -> None:
        if not (rate_hz > 0 and window_s > 0 and 0 < behind_below < back_at <= 1):
            raise InvalidOption("rate and window must be positive, 0 < behind_below < back_at <= 1")
        self.rate_hz, self.window_s = rate_hz, window_s
        self.behind_below, self.back_at = behind_below, back_at
        self.behind = False
        self.episodes = 0
        """Times the camera fell behind."""
        self.last_rate_hz: float | None = None
        """Frames per second over the last complete window."""
        self._window_start: float | None = None
        self._count = 0

    def frame(self, now: float) -> RateChange | None:
        """One frame was made at ``now`` (monotonic seconds); a change of state, if any."""
        if self._window_start is None:
            self._window_start, self._count = now, 0
            return None
        self._count += 1
        elapsed = now - self._window_start
        if elapsed < self.window_s:
            return None
        rate = self._count / elapsed
        self.last_rate_hz = rate
        self._window_start, self._count = now, 0
        if not self.behind and rate < self.behind_below * self.rate_hz:
            self.behind = True
            self.episodes += 1
            return RateChange(True, rate)
        if self.behind and rate >= self.back_at * self.rate_hz:
            self.behind = False
            return RateChange(False, rate)
        return None


def drift_edge(width: int, drift: float, pulse_id: int, jitter: float) -> float:
    """Where the camera wants the edge on ``pulse_id``: the middle of the chip plus a slow drift
    (amplitude ``drift`` x width, period about 3100 pulses) plus ``jitter`` (px)."""
    return width / 2 + drift * width * math.sin(pulse_id / 500.0) + jitter
