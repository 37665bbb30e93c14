"""One received message in, one output message (or a counted skip) out. No sockets here."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from .channels import ChannelNames
from .codec import (
    ChannelForwarder,
    Decoder,
    ExtraChannel,
    LazyImage,
    Message,
    OutputEncoder,
    channel_entry,
)
from .codec.compression import Buffer
from .errors import ProtocolError
from .processing import FrameResult, ProcessingSettings, process_image
from .roi import Roi
from .timing import EdgeTracker, ShotTiming

__all__ = ["FrameOutcome", "FrameProcessor"]

_FLOAT64 = struct.Struct("<d")


@dataclass(frozen=True, slots=True)
class FrameOutcome:
    """What became of one received message."""

    pulse_id: int | None = None
    parts: list[Any] | None = None
    """The output message; None if the input was skipped."""
    skip_reason: str | None = None
    problems: tuple[tuple[str, str], ...] = field(default=())
    """``(reason, detail)`` of things not computed for a frame that still goes out."""
    image_shape: tuple[int, ...] | None = None
    image_dtype: str | None = None
    result: FrameResult | None = None
    timing: ShotTiming | None = None
    image_parts: list[Any] | None = None
    """The image channel alone, as a message for viewers (when the processor forwards it)."""


def _background_on_signal_scale(
    settings: ProcessingSettings, result: FrameResult | None
) -> npt.NDArray[np.float64] | None:
    """The background profile scaled to the signal ROI's number of rows (profiles are sums)."""
    if result is None or result.roi_background_x_profile is None:
        return None
    signal, background = settings.roi_signal, settings.roi_background
    if not isinstance(signal, Roi) or not isinstance(background, Roi):
        return None
    return result.roi_background_x_profile * (signal.size_y / background.size_y)


class FrameProcessor:
    """Decodes, processes and re-encodes messages for one camera prefix.

    Holds codec caches and the edge tracker; the settings come in with every call so that each
    frame is processed with exactly one snapshot.
    """

    def __init__(
        self,
        names: ChannelNames,
        tracker: EdgeTracker | None = None,
        *,
        forward_image: bool = False,
    ) -> None:
        self.names = names
        self.image_forwarder = ChannelForwarder(names.image) if forward_image else None
        self.decoder = Decoder()
        self.encoder = OutputEncoder()
        self.tracker = tracker if tracker is not None else EdgeTracker()
        self._params_cache: tuple[ProcessingSettings, ExtraChannel] | None = None
        self._entries: dict[tuple[str, str, tuple[int, ...]], tuple[dict[str, Any], str]] = {}
        self._timing_entries: list[tuple[dict[str, Any], str]] | None = None

    def _extra(self, name: str, value: npt.NDArray[np.generic]) -> ExtraChannel:
        """An output channel, its header entry built once per name, type and shape."""
        key = (name, value.dtype.str, value.shape)
        cached = self._entries.get(key)
        if cached is None:
            entry = channel_entry(name, value)
            cached = self._entries[key] = (entry, ExtraChannel.key_of(entry))
        return ExtraChannel(cached[0], value, cached[1])

    def _parameters_channel(self, settings: ProcessingSettings) -> ExtraChannel:
        cached = self._params_cache
        if cached is not None and cached[0] is settings:
            return cached[1]
        text = settings.parameters_json
        extra = ExtraChannel(
            channel_entry(self.names.processing_parameters, text), text.encode("utf-8")
        )
        self._params_cache = (settings, extra)
        return extra

    def _image(self, message: Message) -> tuple[LazyImage | None, tuple[str, str] | None]:
        name = self.names.image
        spec = message.channel(name)
        if spec is None:
            return None, ("image_missing", f"channel {name} is not in the message")
        if spec.type in ("string", "bool"):
            return None, ("image_unusable_type", f"{name} has type {spec.type}, not a number")
        if len(spec.shape) != 2:
            return None, ("image_not_2d", f"{name} has shape {list(spec.shape)}, not 2-D")
        image = message.image(name)  # ProtocolError here: the frame is corrupt, skip it
        if image is None or 0 in image.shape:
            return None, ("image_empty", f"{name} carries no value in pulse {message.pulse_id}")
        return image, None

    def _timing_channels(self, timing: ShotTiming) -> list[ExtraChannel]:
        if self._timing_entries is None:
            names = self.names
            floats = (
                names.edge_position,
                names.edge_amplitude,
                names.edge_fwhm,
                names.arrival_time,
            )
            entries = [channel_entry(name, 0.0) for name in floats]
            entries.append(channel_entry(names.is_reference, np.True_))
            self._timing_entries = [(entry, ExtraChannel.key_of(entry)) for entry in entries]
        edge = timing.edge
        values = (
            _FLOAT64.pack(edge.position),
            _FLOAT64.pack(edge.amplitude),
            _FLOAT64.pack(edge.fwhm),
            _FLOAT64.pack(timing.arrival_time),
            b"\x01" if timing.is_reference else b"\x00",
        )
        return [
            ExtraChannel(entry, value, key)
            for (entry, key), value in zip(self._timing_entries, values, strict=True)
        ]

    def process(
        self,
        buffers: Sequence[Buffer],
        settings: ProcessingSettings,
        passthrough: Sequence[Any] | None = None,
    ) -> FrameOutcome:
        try:
            message = self.decoder.decode(buffers)
            image, missing = self._image(message)
            # image rows are decoded here, as the ROIs read them: corrupt data surfaces now
            result = None if image is None else process_image(image, settings)
        except ProtocolError as exc:
            return FrameOutcome(skip_reason=exc.reason, problems=((exc.reason, str(exc)),))
        extras = [self._parameters_channel(settings)]
        problems: list[tuple[str, str]] = []
        if missing is not None:
            problems.append(missing)
        if result is not None:
            assert image is not None
            for reason in result.problems:
                problems.append((reason, f"{reason} in pulse {message.pulse_id} ({image.shape})"))
            for name, profile in (
                (self.names.roi_signal_x_profile, result.roi_signal_x_profile),
                (self.names.roi_background_x_profile, result.roi_background_x_profile),
            ):
                if profile is not None:
                    extras.append(self._extra(name, profile))
        timing: ShotTiming | None = None
        if settings.edge_detection.enabled:
            timing = self.tracker.update(
                settings.edge_detection,
                roi_signal=settings.roi_signal,
                pulse_id=message.pulse_id,
                lookup=message.value,
                signal=None if result is None else result.roi_signal_x_profile,
                background=_background_on_signal_scale(settings, result),
            )
            if timing.problem is not None:
                problems.append((timing.problem, f"{timing.problem} in pulse {message.pulse_id}"))
            extras.extend(self._timing_channels(timing))
        parts = self.encoder.encode(message, extras, passthrough)
        forwarder = self.image_forwarder
        return FrameOutcome(
            pulse_id=message.pulse_id,
            parts=parts,
            problems=tuple(problems),
            image_shape=None if image is None else image.shape,
            image_dtype=None if image is None else image.dtype.name,
            result=result,
            timing=timing,
            image_parts=None
            if forwarder is None or image is None
            else forwarder.encode(message, passthrough),
        )
