"""The channels the processor adds to each frame, each described once: its name, its type and
shape in the data header and where its value comes from, in one row of a table.

A frame's header entries and its values are both made from these rows, in their order, by
:class:`FrameChannels`: they cannot go out of step. The output order is the table's:
:data:`SETTINGS_CHANNELS`, then :data:`PROFILE_CHANNELS` (each sent when the image gave that
profile), then :data:`EDGE_CHANNELS` (sent while edge detection is on).
"""

from __future__ import annotations

import operator
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..codec import ExtraChannels, channel_entry
from ..core.channels import ChannelNames
from ..core.edge_tracking import ShotTiming
from ..core.profiles import FrameResult, ProcessingSettings

__all__ = [
    "EDGE_CHANNELS",
    "OUTPUT_CHANNELS",
    "PROFILE_CHANNELS",
    "SETTINGS_CHANNELS",
    "FrameChannels",
    "OutputChannel",
]

ChannelType = Literal["string", "profile", "float64", "bool"]
"""``string``: UTF-8 text; ``profile``: a 1-D array of the profile's length and type (the
image's sum type); ``float64``, ``bool``: one value."""


@dataclass(frozen=True, slots=True)
class OutputChannel:
    """One added channel: ``PREFIX:FPICTURE.<suffix>`` (``suffix`` is also its
    :class:`ChannelNames` attribute), of type ``type``, its value the attribute ``field`` (a
    dotted path) of what its table's rows read: the settings snapshot
    (:class:`ProcessingSettings`), the image's profiles (:class:`FrameResult`) or the shot's
    edge (:class:`ShotTiming`)."""

    suffix: str
    type: ChannelType
    field: str


SETTINGS_CHANNELS = (OutputChannel("processing_parameters", "string", "parameters_json"),)
"""From the settings the frame was processed with: made once per settings snapshot."""

PROFILE_CHANNELS = (
    OutputChannel("roi_signal_x_profile", "profile", "roi_signal_x_profile"),
    OutputChannel("roi_background_x_profile", "profile", "roi_background_x_profile"),
)
"""From the image's profiles: each sent when its ROI is set and fits the image."""

EDGE_CHANNELS = (
    OutputChannel("edge_position", "float64", "edge.position"),
    OutputChannel("edge_amplitude", "float64", "edge.amplitude"),
    OutputChannel("edge_z", "float64", "edge.z"),
    OutputChannel("edge_runner_up_ratio", "float64", "edge.runner_up_ratio"),
    OutputChannel("edge_width", "float64", "edge.width"),
    OutputChannel("edge_fwhm", "float64", "edge.fwhm"),
    OutputChannel("arrival_time", "float64", "arrival_time"),
    OutputChannel("is_reference", "bool", "is_reference"),
    OutputChannel("edge_localisation", "float64", "edge.localisation"),
    OutputChannel("edge_confident", "bool", "edge.confident"),
)
"""From the shot's edge detection: all sent while it is on (NaN where nothing was found). New
channels go at the end: consumers may read them by position."""

OUTPUT_CHANNELS = SETTINGS_CHANNELS + PROFILE_CHANNELS + EDGE_CHANNELS
"""Every channel the processor may add, in the order it adds them."""

_PACK: dict[ChannelType, Callable[[Any], bytes]] = {
    "float64": struct.Struct("<d").pack,
    "bool": struct.Struct("?").pack,
}
"""How a one-value channel's value is encoded (little-endian, as its header entry says)."""

_SAMPLE: dict[ChannelType, object] = {"float64": 0.0, "bool": np.True_}
"""A value of a one-value channel's type, from which its header entry is made."""

Value = bytes | npt.NDArray[np.generic]


def _getter(fields: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The attributes ``fields`` (dotted paths) of an object, as a tuple, by one compiled
    attribute getter."""
    if not fields:
        return lambda source: ()
    get = operator.attrgetter(*fields)
    return get if len(fields) > 1 else lambda source: (get(source),)


_edge_of = _getter([row.field for row in EDGE_CHANNELS])


def _runs(rows: tuple[OutputChannel, ...]) -> tuple[tuple[Callable[[Any], bytes], slice], ...]:
    """The rows as runs of one type: how each run's values are encoded, and where they are."""
    runs: list[tuple[Callable[[Any], bytes], slice]] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i].type != rows[start].type:
            runs.append((_PACK[rows[start].type], slice(start, i)))
            start = i
    return tuple(runs)


_EDGE_RUNS = _runs(EDGE_CHANNELS)


class FrameChannels:
    """The channels added to the frames processed with ``settings`` whose profiles (the
    values of :data:`PROFILE_CHANNELS` in a frame's :class:`FrameResult`) are of the lengths
    and types of ``result``'s, with the edge channels or not: their header entries
    (:attr:`extras`, made once) and frame by frame their values (:meth:`values`), both from the
    same rows of the table in the same order."""

    def __init__(
        self,
        names: ChannelNames,
        settings: ProcessingSettings,
        result: FrameResult | None,
        edge: bool,
    ) -> None:
        self._settings = settings
        self._edge = edge
        entries: list[dict[str, Any]] = []
        self._constants: list[Value] = []
        for row in SETTINGS_CHANNELS:
            text = operator.attrgetter(row.field)(settings)
            entries.append(channel_entry(getattr(names, row.suffix), text))
            self._constants.append(text.encode("utf-8"))
        sent: list[str] = []
        kinds: list[object] = []
        unsent: list[str] = []
        for row in PROFILE_CHANNELS:
            profile = None if result is None else operator.attrgetter(row.field)(result)
            if profile is None:
                unsent.append(row.field)
                continue
            entries.append(channel_entry(getattr(names, row.suffix), profile))
            sent.append(row.field)
            kinds += (profile.size, profile.dtype)
        if edge:
            for row in EDGE_CHANNELS:
                entries.append(channel_entry(getattr(names, row.suffix), _SAMPLE[row.type]))
        self.extras = ExtraChannels(tuple(entries))
        # per frame: the profiles sent, their lengths and types, and those not sent, each read
        # by one compiled getter (an AttributeError: a profile sent here is missing)
        self._profiles = _getter(sent)
        self._kinds_of = _getter([f"{f}.{a}" for f in sent for a in ("size", "dtype")])
        self._kinds = tuple(kinds)
        self._unsent = _getter(unsent)
        self._nones = (None,) * len(unsent)
        self._none_sent = not sent

    def values(
        self, settings: ProcessingSettings, result: FrameResult | None, timing: ShotTiming | None
    ) -> list[Value] | None:
        """The values of a frame's added channels, in the order of :attr:`extras`' entries
        (``timing``: the shot's edge, None if edge detection is off); None if these are not the
        frame's channels (another settings snapshot, profiles of other lengths or types, the
        edge channels or not)."""
        if settings is not self._settings or (timing is not None) is not self._edge:
            return None
        if result is None:
            if not self._none_sent:
                return None
            values = self._constants.copy()
        else:
            try:
                if self._kinds_of(result) != self._kinds or (
                    self._nones and any(map(operator.is_not, self._unsent(result), self._nones))
                ):
                    return None
            except AttributeError:  # a profile sent with these channels is None here
                return None
            values = [*self._constants, *self._profiles(result)]
        if timing is not None:
            edge = _edge_of(timing)
            for pack, run in _EDGE_RUNS:
                values += map(pack, edge[run])
        return values
