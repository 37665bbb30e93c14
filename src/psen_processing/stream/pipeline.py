"""One received message in, one output message (or a counted skip) out. No sockets here."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..codec import (
    ChannelForwarder,
    Decoder,
    ExtraChannels,
    LazyImage,
    Message,
    OutputEncoder,
    channel_entry,
)
from ..codec.compression import Buffer
from ..core.channels import ChannelNames
from ..core.edge_tracking import EdgeTracker, ShotTiming
from ..core.matched_filter import EdgeResult
from ..core.profiles import (
    FrameResult,
    ProcessingSettings,
    Profile,
    background_on_signal_scale,
    process_image,
)
from ..errors import ProtocolError

__all__ = ["FrameOutcome", "FrameProcessor", "OpenedFrame", "skipped"]

_FLOAT64 = struct.Struct("<d")

_NO_EDGE = EdgeResult(math.nan, math.nan, math.nan, False)


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
    error: tuple[str, BaseException] | None = None
    """An unforeseen exception that cost this frame a profile or its edge (the frame still
    went out), with its reason key: for the log, which the caller keeps from flooding."""
    message: Message | None = None
    """The received message (decoded lazily: its other channels, e.g. a delay stage's
    readback, are read only if asked for)."""
    image: LazyImage | None = None
    """The received image, as the profiles were read from it (rows decoded when read): for
    viewers, which need not decode the message again."""


@dataclass(frozen=True, slots=True)
class _ChannelSet:
    """The extra channels of the frames processed with ``settings`` (compared by identity) and
    profiles of these lengths and types."""

    settings: ProcessingSettings
    signal_kind: tuple[int, np.dtype[Any]] | None
    background_kind: tuple[int, np.dtype[Any]] | None
    timing: bool
    channels: ExtraChannels


def _kind(profile: Profile | None) -> tuple[int, np.dtype[Any]] | None:
    """What a profile's channel entry depends on: its length and type."""
    return None if profile is None else (profile.size, profile.dtype)


@dataclass(frozen=True, slots=True)
class OpenedFrame:
    """A received message with its headers decoded and its image found (not decoded)."""

    message: Message
    image: LazyImage | None
    missing: tuple[str, str] | None
    """Why there is no image to process (reason, detail), if there is none."""


_CHANNELS_NAMED = 5
"""Channels named when the image channel is missing (a wrong prefix): the first few."""


def _missing_image(name: str, message: Message) -> str:
    """The image channel is not in ``message``: which channels are (a wrong prefix?)."""
    present = [spec.name for spec in message.data_header.channels]
    if not present:
        return f"channel {name} is not in the message, which has no channels"
    shown = ", ".join(n if len(n) <= 80 else n[:77] + "..." for n in present[:_CHANNELS_NAMED])
    more = f" and {len(present) - _CHANNELS_NAMED} more" if len(present) > _CHANNELS_NAMED else ""
    return f"channel {name} is not in the message; channels present ({len(present)}): {shown}{more}"


def skipped(error: ProtocolError) -> FrameOutcome:
    """The outcome of a message skipped for ``error``."""
    return FrameOutcome(skip_reason=error.reason, problems=((error.reason, str(error)),))


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
        header_part: Callable[[bytes], Any] | None = None,
    ) -> None:
        self.names = names
        self.image_forwarder = ChannelForwarder(names.image) if forward_image else None
        self.decoder = Decoder()
        self.encoder = OutputEncoder(header_part=header_part)
        self.tracker = tracker if tracker is not None else EdgeTracker()
        self._parameters: tuple[ProcessingSettings, dict[str, Any], bytes] | None = None
        self._channels: _ChannelSet | None = None
        self._timing_entries: tuple[dict[str, Any], ...] | None = None

    def _parameters_channel(self, settings: ProcessingSettings) -> tuple[dict[str, Any], bytes]:
        """The ``.processing_parameters`` header entry and value, made once per settings."""
        cached = self._parameters
        if cached is not None and cached[0] is settings:
            return cached[1], cached[2]
        text = settings.parameters_json
        entry = channel_entry(self.names.processing_parameters, text)
        self._parameters = (settings, entry, text.encode("utf-8"))
        return entry, self._parameters[2]

    def _extra_channels(
        self,
        settings: ProcessingSettings,
        signal: Profile | None,
        background: Profile | None,
        timing: bool,
    ) -> ExtraChannels:
        """The channels added to a frame, in order; made again only when the settings or the
        profiles' lengths or types (the image's type) change."""
        signal_kind, background_kind = _kind(signal), _kind(background)
        cached = self._channels
        if (
            cached is not None
            and cached.settings is settings
            and cached.signal_kind == signal_kind
            and cached.background_kind == background_kind
            and cached.timing == timing
        ):
            return cached.channels
        names = self.names
        entries = [self._parameters_channel(settings)[0]]
        for name, profile in (
            (names.roi_signal_x_profile, signal),
            (names.roi_background_x_profile, background),
        ):
            if profile is not None:
                entries.append(channel_entry(name, profile))
        if timing:
            entries += self._timing_channel_entries()
        channels = ExtraChannels(tuple(entries))
        self._channels = _ChannelSet(settings, signal_kind, background_kind, timing, channels)
        return channels

    def _timing_channel_entries(self) -> tuple[dict[str, Any], ...]:
        if self._timing_entries is None:
            names = self.names
            floats = (
                names.edge_position,
                names.edge_amplitude,
                names.edge_z,
                names.edge_runner_up_ratio,
                names.edge_width,
                names.edge_fwhm,
            )
            entries = [channel_entry(name, 0.0) for name in (*floats, names.arrival_time)]
            entries.append(channel_entry(names.is_reference, np.True_))
            self._timing_entries = tuple(entries)
        return self._timing_entries

    def _image(self, message: Message) -> tuple[LazyImage | None, tuple[str, str] | None]:
        name = self.names.image
        spec = message.channel(name)
        if spec is None:
            return None, ("image_missing", _missing_image(name, message))
        if spec.type in ("string", "bool"):
            return None, ("image_unusable_type", f"{name} has type {spec.type}, not a number")
        if len(spec.shape) != 2:
            return None, ("image_not_2d", f"{name} has shape {list(spec.shape)}, not 2-D")
        image = message.image(name)  # ProtocolError here: the frame is corrupt, skip it
        if image is None or 0 in image.shape:
            return None, ("image_empty", f"{name} carries no value in pulse {message.pulse_id}")
        return image, None

    def process(
        self,
        buffers: Sequence[Buffer],
        settings: ProcessingSettings,
        passthrough: Sequence[Any] | None = None,
    ) -> FrameOutcome:
        failure: BaseException | None = None
        try:  # anything else raised here (a bug) is the caller's: there is no frame to send
            opened = self.open(buffers)
        except ProtocolError as exc:
            return skipped(exc)
        try:
            image = opened.image
            # image rows are decoded here, as the ROIs read them: corrupt data surfaces now
            result = None if image is None else process_image(image, settings)
        except ProtocolError as exc:
            return skipped(exc)
        except Exception as exc:  # unforeseen: the frame goes out without profiles
            result, failure = None, exc
        return self.complete(opened, result, settings, passthrough, failure=failure)

    def open(self, buffers: Sequence[Buffer]) -> OpenedFrame:
        """The message and its image, nothing decoded yet. Raises :class:`ProtocolError` for a
        message to skip."""
        message = self.decoder.decode(buffers)
        image, missing = self._image(message)
        return OpenedFrame(message, image, missing)

    def complete(
        self,
        opened: OpenedFrame,
        result: FrameResult | None,
        settings: ProcessingSettings,
        passthrough: Sequence[Any] | None = None,
        *,
        failure: BaseException | None = None,
    ) -> FrameOutcome:
        """Edge detection and the output message, given the image's profiles ``result``
        (computed by :meth:`process`, or elsewhere from the same image and settings; or
        ``None`` and the ``failure`` that kept them from being computed).

        An unforeseen exception in the profiles or the edge detection costs this frame those
        channels, never the frame: it goes out with all its input channels, the problem counted
        (``profile_processing_error``, ``edge_processing_error``) and the exception handed back
        in :attr:`FrameOutcome.error`.
        """
        message, image, missing = opened.message, opened.image, opened.missing
        pulse_id = message.pulse_id
        problems: list[tuple[str, str]] = [] if missing is None else [missing]
        error: tuple[str, BaseException] | None = None
        if failure is not None:
            error = ("profile_processing_error", failure)
            problems.append((error[0], _failed("profiles", pulse_id, failure)))
        values: list[bytes | npt.NDArray[np.generic]] = [self._parameters_channel(settings)[1]]
        signal = background = None
        if result is not None:
            assert image is not None
            for reason in result.problems:
                problems.append((reason, f"{reason} in pulse {pulse_id} ({image.shape})"))
            signal, background = result.roi_signal_x_profile, result.roi_background_x_profile
            if signal is not None:
                values.append(signal)
            if background is not None:
                values.append(background)
        timing: ShotTiming | None = None
        edge_settings = settings.edge_detection
        if edge_settings.enabled:
            try:
                timing = self.tracker.update(
                    edge_settings,
                    roi_signal=settings.roi_signal,
                    roi_background=settings.roi_background,
                    pulse_id=pulse_id,
                    lookup=message.value,
                    # sent in the image's sum type; edge detection works in float64
                    signal=None if result is None else result.signal_float64,
                    background=background_on_signal_scale(
                        background, settings.roi_signal, settings.roi_background
                    )
                    if edge_settings.params.background_subtraction
                    or (
                        edge_settings.params.method == "learned"
                        and edge_settings.params.pedestal == "background"
                    )
                    else None,
                )
            except Exception as exc:  # unforeseen: the frame goes out without an edge
                reason = "edge_processing_error"
                timing = ShotTiming(False, _NO_EDGE, math.nan, reason)
                error = error or (reason, exc)
                problems.append((reason, _failed("edge detection", pulse_id, exc)))
            else:
                if timing.problem is not None:
                    problems.append((timing.problem, f"{timing.problem} in pulse {pulse_id}"))
            edge = timing.edge
            values += (
                _FLOAT64.pack(edge.position),
                _FLOAT64.pack(edge.amplitude),
                _FLOAT64.pack(edge.z),
                _FLOAT64.pack(edge.runner_up_ratio),
                _FLOAT64.pack(edge.width),
                _FLOAT64.pack(edge.fwhm),
                _FLOAT64.pack(timing.arrival_time),
                b"\x01" if timing.is_reference else b"\x00",
            )
        channels = self._extra_channels(settings, signal, background, timing is not None)
        parts = self.encoder.encode_values(message, channels, values, passthrough)
        forwarder = self.image_forwarder
        return FrameOutcome(
            pulse_id=pulse_id,
            parts=parts,
            problems=tuple(problems),
            image_shape=None if image is None else image.shape,
            image_dtype=None if image is None else image.type_name,
            result=result,
            timing=timing,
            image_parts=None
            if forwarder is None or image is None
            else forwarder.encode(message, passthrough),
            error=error,
            message=message,
            image=image,
        )


def _failed(what: str, pulse_id: int, exc: BaseException) -> str:
    return f"{what} failed in pulse {pulse_id}: {type(exc).__name__}: {exc}"
