"""What the live view shows: a per-frame record that costs next to nothing, and the on-demand
work (downsampled profiles, normalised signal, image thumbnail) done when a viewer asks.

The processing loop only calls :meth:`LiveRecorder.observe` (a reference kept and, on X-ray
shots, one deque append). Nothing here is computed per frame.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from .codec import Decoder, LazyImage
from .edge import EdgeParams
from .pipeline import FrameOutcome
from .processing import ArrayRows, ImageRows
from .timing import ShotTiming

__all__ = [
    "EdgeSample",
    "LiveRecorder",
    "downsample",
    "floats",
    "image_of",
    "normalised_signal",
    "thumbnail",
]

FloatArray = npt.NDArray[np.float64]


class EdgeSample(NamedTuple):
    """One X-ray shot in the history."""

    pulse_id: int
    timing: ShotTiming


class LiveRecorder:
    """The latest frame, the latest X-ray shot and a bounded history of X-ray shots."""

    def __init__(self, history_length: int = 1000) -> None:
        self.latest: FrameOutcome | None = None
        self.latest_xray: FrameOutcome | None = None
        self.history: deque[EdgeSample] = deque(maxlen=history_length)

    def observe(self, outcome: FrameOutcome) -> None:
        """Called by the processing loop for every frame sent: O(1), no copies."""
        self.latest = outcome
        timing = outcome.timing
        if timing is not None and not timing.is_reference and timing.problem is None:
            self.latest_xray = outcome
            self.history.append(EdgeSample(outcome.pulse_id or 0, timing))

    def clear(self) -> None:
        self.latest = self.latest_xray = None
        self.history.clear()

    def clear_history(self) -> None:
        """Forget the X-ray shots (the latest frame stays, for the profiles)."""
        self.latest_xray = None
        self.history.clear()


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


def normalised_signal(
    signal: FloatArray,
    reference: FloatArray,
    params: EdgeParams,
    background: FloatArray | None = None,
) -> FloatArray | None:
    """The signal divided by the reference, normalised to a mean of 1 where the reference is
    usable (above ``reference_threshold`` of its maximum), NaN elsewhere; as the edge detection
    sees it. None if the profiles do not match or hold no light."""
    if signal.shape != reference.shape or signal.ndim != 1 or signal.size == 0:
        return None
    sig, ref = signal, reference
    if params.background_subtraction and background is not None:
        offset: FloatArray | float = (
            background if background.size == sig.size else float(background.mean())
        )
        sig, ref = sig - offset, ref - offset
    top = float(ref.max())
    if not math.isfinite(top) or top <= 0:
        return None
    usable = ref > params.reference_threshold * top
    light = float(sig[usable].sum())
    if not light > 0:
        return None
    ratio = np.full(sig.size, np.nan)
    ratio[usable] = sig[usable] * (float(ref[usable].sum()) / light) / ref[usable]
    return ratio


def image_of(outcome: FrameOutcome, name: str) -> LazyImage | None:
    """The image of a processed frame, from the parts it was sent with (decoded when read)."""
    if outcome.parts is None:
        return None
    buffers: list[Any] = [getattr(part, "buffer", part) for part in outcome.parts]
    message = Decoder(validate_sizes=False).decode(buffers)
    return message.image(name)


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
