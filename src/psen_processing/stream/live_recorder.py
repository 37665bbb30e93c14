"""What the live view shows: a per-frame record that costs next to nothing, and the on-demand
work (downsampled profiles, image thumbnail) done when a viewer asks.

A :class:`LiveRecorder` is an observer of the processing: the app factory makes one and adds it
to the service's observers. The processing loop then only calls :meth:`LiveRecorder.observe`
with each frame's outcome (a reference kept and, on X-ray shots, one deque append; with a
correlation channel chosen, that channel's one value read from the message). Nothing else here
is computed per frame: the thumbnail is drawn from the image the pipeline read the profiles
from (:attr:`FrameOutcome.image`), the normalised signal is the edge finder's own
(:func:`~psen_processing.core.matched_filter.normalised_signal`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ..codec import DataHeader, Message
from ..core.edge_tracking import ShotTiming
from ..core.limits import MAX_CHANNEL_NAME, shown
from ..core.profiles import ArrayRows, ImageRows
from ..errors import InvalidRequest, ProtocolError
from .pipeline import FrameOutcome

__all__ = [
    "MAX_HISTORY_LENGTH",
    "EdgeSample",
    "LiveRecorder",
    "downsample",
    "floats",
    "scalar_channels",
    "scalar_value",
    "shot_kind",
    "thumbnail",
]

MAX_HISTORY_LENGTH = 100_000
"""X-ray shots kept in the live view's history at most (a few MB)."""

FloatArray = npt.NDArray[np.float64]


class EdgeSample(NamedTuple):
    """One X-ray shot in the history, with the value its message held of the correlation
    channel chosen when it was recorded (``channel``; NaN if none or not readable)."""

    pulse_id: int
    timing: ShotTiming
    channel: str | None = None
    value: float = math.nan


_UNCLASSIFIED = frozenset(
    {"edge_reference_channel_missing", "edge_reference_channel_unreadable", "edge_processing_error"}
)
"""Problems that leave a shot's kind unknown."""


def shot_kind(timing: ShotTiming | None) -> str | None:
    """``"xray"`` or ``"reference"`` for a classified shot; None without edge detection or
    when the shot could not be classified."""
    if timing is None or timing.problem in _UNCLASSIFIED:
        return None
    return "reference" if timing.is_reference else "xray"


def _is_scalar(spec_type: str, shape: tuple[int, ...]) -> bool:
    return spec_type != "string" and shape in ((), (1,))


def scalar_channels(header: DataHeader) -> tuple[str, ...]:
    """The channels of ``header`` with one number per pulse (any numeric type or bool), in the
    header's order: those a correlation can be plotted against."""
    return tuple(c.name for c in header.channels if _is_scalar(c.type, c.shape))


def scalar_value(message: Message, name: str) -> float:
    """The one value of channel ``name`` in ``message`` as a float; NaN if the channel is
    absent, not a numeric scalar, carries no value in this message or cannot be decoded."""
    spec = message.channel(name)
    if spec is None or not _is_scalar(spec.type, spec.shape):
        return math.nan
    try:
        array = message.array(name)
    except ProtocolError:
        return math.nan
    if array is None or array.size != 1:
        return math.nan
    return float(array.reshape(-1)[0])


_CHANNELS_NAMED = 8
"""Channels named in the message refusing a correlation channel."""


class LiveRecorder:
    """The latest frame, the latest X-ray shot and a bounded history of X-ray shots (with the
    value of the correlation channel, when one is chosen)."""

    def __init__(self, history_length: int = 1000) -> None:
        if not 1 <= history_length <= MAX_HISTORY_LENGTH:
            raise InvalidRequest(
                f"history length must be 1-{MAX_HISTORY_LENGTH} shots, not {history_length}"
            )
        self.latest: FrameOutcome | None = None
        self.latest_xray: FrameOutcome | None = None
        self.history: deque[EdgeSample] = deque(maxlen=history_length)
        self.correlation_channel: str | None = None
        """The input channel whose value each recorded X-ray shot keeps (one float each)."""
        self._listed: tuple[DataHeader, tuple[str, ...]] | None = None

    @property
    def history_length(self) -> int:
        return self.history.maxlen or 0

    def observe(self, outcome: FrameOutcome) -> None:
        """Called by the processing loop for every frame sent: O(1), no copies."""
        self.latest = outcome
        timing = outcome.timing
        if timing is not None and not timing.is_reference and timing.problem is None:
            self.latest_xray = outcome
            channel, message = self.correlation_channel, outcome.message
            value = (
                math.nan if channel is None or message is None else scalar_value(message, channel)
            )
            self.history.append(EdgeSample(outcome.pulse_id or 0, timing, channel, value))

    def input_channels(self) -> tuple[str, ...]:
        """The numeric scalar channels of the latest frame's input message (worked out once
        per data header)."""
        latest = self.latest
        message = None if latest is None else latest.message
        if message is None:
            return ()
        header = message.data_header
        listed = self._listed
        if listed is None or listed[0] is not header:
            listed = (header, scalar_channels(header))
            self._listed = listed
        return listed[1]

    def choose_channel(self, value: object) -> str | None:
        """Set the correlation channel to ``value`` (a channel name, or None for none) after
        checking it: a name of 1 to MAX_CHANNEL_NAME printable characters, one of the numeric
        scalar channels of the input stream. Raises :class:`InvalidRequest` and changes
        nothing otherwise."""
        if value is None:
            self.correlation_channel = None
            return None
        if (
            not isinstance(value, str)
            or not 0 < len(value) <= MAX_CHANNEL_NAME
            or not value.isprintable()
        ):
            raise InvalidRequest(
                f"correlation channel {shown(value)} refused: send a channel name (a string of "
                f"1 to {MAX_CHANNEL_NAME} printable characters) or null for none"
            )
        channels = self.input_channels()
        if value not in channels:
            if not channels:
                raise InvalidRequest(
                    f"correlation channel {shown(value)} refused: no frame has been received "
                    "yet, so the input's channels are not known"
                )
            listed = ", ".join(
                n if len(n) <= 80 else n[:77] + "..." for n in channels[:_CHANNELS_NAMED]
            )
            more = (
                f" and {len(channels) - _CHANNELS_NAMED} more"
                if len(channels) > _CHANNELS_NAMED
                else ""
            )
            raise InvalidRequest(
                f"correlation channel {shown(value)} refused: not a numeric scalar channel of "
                f"the input stream; those ({len(channels)}) are: {listed}{more}"
            )
        self.correlation_channel = value
        return value

    def clear(self) -> None:
        self.latest = self.latest_xray = None
        self.history.clear()

    def clear_history(self) -> None:
        """Forget the X-ray shots (the latest frame stays, for the profiles)."""
        self.latest_xray = None
        self.history.clear()

    def signal_roi_changed(self) -> None:
        """Edge positions count from the signal ROI's left edge: a new ROI starts a new
        history (as the edge reference restarts)."""
        self.clear_history()


def floats(values: npt.ArrayLike) -> list[float | None]:
    """A JSON-ready list: non-finite values become None (JSON has no NaN)."""
    array = np.asarray(values, dtype=np.float64)
    out: list[float | None] = np.round(array, 6).tolist()
    if not np.isfinite(array).all():
        out = [v if v is not None and math.isfinite(v) else None for v in out]
    return out


def downsample(profile: npt.ArrayLike, max_points: int) -> tuple[FloatArray, int]:
    """Means of blocks of ``step`` points so that at most ``max_points`` remain; and ``step``.

    Point ``i`` of the result stands for pixels ``[i * step, (i + 1) * step)``.
    """
    array = np.asarray(profile, dtype=np.float64)
    step = max(1, math.ceil(array.size / max(1, max_points)))
    if step == 1:
        return array, 1
    whole = array.size // step * step
    blocks = array[:whole].reshape(-1, step).mean(axis=1)
    if whole < array.size:
        blocks = np.append(blocks, array[whole:].mean())
    return blocks, step


_GREY_SCALE_SAMPLE = 50_000
"""Values at most from which a thumbnail's grey scale (its percentiles) is taken."""


def thumbnail(
    image: ImageRows | npt.NDArray[np.generic], max_size: Sequence[int] = (320, 640)
) -> npt.NDArray[np.uint8]:
    """An 8-bit picture of ``image`` at most ``max_size`` (height, width) px, to be drawn at the
    image's aspect: one row from each band of rows (so that a compressed image is decoded only
    there), means of blocks of columns, the 1st to 99.5th percentile spread over 0-255."""
    if isinstance(image, np.ndarray):
        image = ArrayRows(image)
    height, width = image.shape
    fy, fx = max(1, math.ceil(height / max_size[0])), max(1, math.ceil(width / max_size[1]))
    rows, cols = height // fy, width // fx
    picked = image.picked_rows([i * fy + fy // 2 for i in range(rows)])
    data = picked[:, 0 : cols * fx : fx].astype(np.float32)
    for k in range(1, fx):  # means of blocks of fx columns, fx strided sums
        np.add(data, picked[:, k : cols * fx : fx], out=data, casting="unsafe")
    if fx > 1:
        data /= fx
    finite = data[np.isfinite(data)]
    if finite.size == 0:
        return np.zeros(data.shape, dtype=np.uint8)
    # the grey scale needs no more than a sample of the values
    sample = finite[:: max(1, finite.size // _GREY_SCALE_SAMPLE)]
    low, high = (float(v) for v in np.percentile(sample, [1.0, 99.5]))
    scale = 255.0 / (high - low) if high > low else 0.0
    scaled = np.nan_to_num((data - low) * scale, nan=0.0)
    picture: npt.NDArray[np.uint8] = np.clip(scaled, 0, 255).astype(np.uint8)
    return picture
