"""One received message in, one output message (or a counted skip) out. No sockets here."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..codec import ChannelForwarder, Decoder, LazyImage, Message, OutputEncoder
from ..codec.compression import Buffer
from ..core.channels import ChannelNames
from ..core.edge_tracking import EdgeTracker, ShotTiming
from ..core.matched_filter import EdgeResult
from ..core.profiles import (
    FrameResult,
    ProcessingSettings,
    background_on_signal_scale,
    process_image,
)
from ..errors import ProtocolError
from .output_channels import FrameChannels

__all__ = ["FrameOutcome", "FrameProcessor", "OpenedFrame", "skipped"]

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

    @property
    def image_shape(self) -> tuple[int, int] | None:
        return None if self.image is None else self.image.shape

    @property
    def image_dtype(self) -> str | None:
        return None if self.image is None else self.image.type_name


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
        self._channels: FrameChannels | None = None
        """The channels added to the last frame (made again when the settings or the
        profiles' lengths or types change)."""

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
        background = None
        if result is not None:
            assert image is not None
            for reason in result.problems:
                problems.append((reason, f"{reason} in pulse {pulse_id} ({image.shape})"))
            background = result.roi_background_x_profile
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
        # the added channels' header entries and values come from the same table rows
        channels = self._channels
        values = None if channels is None else channels.values(settings, result, timing)
        if channels is None or values is None:
            channels = FrameChannels(self.names, settings, result, timing is not None)
            self._channels = channels
            values = channels.values(settings, result, timing)
            assert values is not None
        parts = self.encoder.encode_values(message, channels.extras, values, passthrough)
        forwarder = self.image_forwarder
        return FrameOutcome(
            pulse_id=pulse_id,
            parts=parts,
            problems=tuple(problems),
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
