"""Edge detection per shot: settings, X-ray/reference classification and the running reference.

Pure apart from :class:`EdgeTracker`'s own state (the reference average of one service), which
only the processing loop touches.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Annotated, Any, Literal

import numpy as np
import numpy.typing as npt
from pydantic import ConfigDict
from pydantic.dataclasses import dataclass as pydantic_dataclass

from ..errors import InvalidEdgeSettings
from .learned_edge import LearnedEdgeFinder, ModelSubmitter
from .limits import (
    MAX_CALIBRATION_COEFFICIENTS,
    MAX_CALIBRATION_MAGNITUDE,
    MAX_CHANNEL_NAME,
    MAX_PERIOD,
    shown,
)
from .matched_filter import (
    REFERENCE_LENGTH,
    EdgeParams,
    EdgeResult,
    ReferenceAccumulator,
    ReferenceSpan,
    arrival_time,
    find_edge,
    find_edge_in_span,
    reference_span,
)
from .roi import RoiSetting
from .settings import Flag, Integer, Number, Numbers, Text, refusing, request_schema

__all__ = [
    "ChannelClassifier",
    "EdgeDetectionSettings",
    "EdgeTracker",
    "PulseIdClassifier",
    "ShotTiming",
]


@refusing(InvalidEdgeSettings, "edge setting", "reference.")
@pydantic_dataclass(frozen=True, slots=True)
class PulseIdClassifier:
    """X-ray shot when ``pulse_id % period == signal_offset``; otherwise a reference shot."""

    period: Annotated[int, Integer(1, MAX_PERIOD)] = 2
    signal_offset: Annotated[int, Integer(0, MAX_PERIOD - 1)] = 0
    mode: Literal["pulse_id"] = "pulse_id"

    def __post_init__(self) -> None:
        if self.signal_offset >= self.period:
            raise InvalidEdgeSettings(
                f"Invalid edge setting reference.signal_offset={self.signal_offset}: must be "
                f"smaller than the period ({self.period})."
            )

    def to_json(self) -> dict[str, Any]:
        return {"mode": "pulse_id", "period": self.period, "signal_offset": self.signal_offset}


@refusing(InvalidEdgeSettings, "edge setting", "reference.")
@pydantic_dataclass(frozen=True, slots=True)
class ChannelClassifier:
    """X-ray shot when the input channel's value is above ``threshold`` (e.g. an intensity
    monitor); otherwise a reference shot."""

    channel: Annotated[str, Text(MAX_CHANNEL_NAME, "channel name")]
    threshold: Annotated[float, Number()] = 0.0
    mode: Literal["channel"] = "channel"

    def to_json(self) -> dict[str, Any]:
        return {"mode": "channel", "channel": self.channel, "threshold": self.threshold}


ShotClassifier = PulseIdClassifier | ChannelClassifier

_CLASSIFIERS: dict[str, type[ShotClassifier]] = {
    "pulse_id": PulseIdClassifier,
    "channel": ChannelClassifier,
}


def _classifier(data: object) -> ShotClassifier:
    if not isinstance(data, Mapping):
        raise InvalidEdgeSettings(
            f"Invalid edge setting reference={shown(data)}: must be an object such as "
            '{"mode": "pulse_id", "period": 2, "signal_offset": 0} or '
            '{"mode": "channel", "channel": "NAME", "threshold": 0.5}.'
        )
    values = dict(data)
    mode = values.pop("mode", None)
    if not isinstance(mode, str) or mode not in _CLASSIFIERS:
        raise InvalidEdgeSettings(
            f"Invalid edge setting reference.mode={shown(mode)}: must be 'pulse_id' or 'channel'."
        )
    kind = _CLASSIFIERS[mode]
    allowed = sorted(f.name for f in fields(kind) if f.name != "mode")
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise InvalidEdgeSettings(
            f"Unknown key(s) {shown(unknown)} in reference of mode {mode!r}; known: {allowed}."
        )
    if kind is ChannelClassifier and "channel" not in values:
        raise InvalidEdgeSettings("Edge setting reference of mode 'channel' needs 'channel'.")
    return kind(**values)


CALIBRATION = Numbers(
    Number(magnitude=MAX_CALIBRATION_MAGNITUDE),
    MAX_CALIBRATION_COEFFICIENTS,
    "polynomial coefficients (fs, lowest order first)",
)
"""Edge detection's calibration: polynomial px -> fs, lowest order first; null or [] for none."""


_TOP_LEVEL = ("enabled", "reference", "reference_length", "calibration")


@refusing(InvalidEdgeSettings, "edge setting")
@pydantic_dataclass(frozen=True, slots=True, config=ConfigDict(arbitrary_types_allowed=True))
class EdgeDetectionSettings:
    enabled: Annotated[bool, Flag()] = False
    reference: ShotClassifier = field(default_factory=PulseIdClassifier)
    reference_length: Annotated[int, REFERENCE_LENGTH] = 16
    """How many of the latest reference shots are averaged into the reference."""
    calibration: Annotated[tuple[float, ...] | None, CALIBRATION] = None
    """Polynomial px -> fs, lowest order first; None: arrival time is NaN."""
    params: EdgeParams = field(default_factory=EdgeParams)

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "reference": self.reference.to_json(),
            "reference_length": self.reference_length,
            "calibration": None if self.calibration is None else list(self.calibration),
            **self.params.to_mapping(),
        }

    def updated(self, data: object) -> EdgeDetectionSettings:
        """These settings with the keys given in ``data`` changed (a partial update)."""
        if not isinstance(data, Mapping):
            raise InvalidEdgeSettings(
                f"Edge detection settings must be a JSON object, not {type(data).__name__}."
            )
        values = dict(data)
        known = (*_TOP_LEVEL, *self.params.to_mapping())
        unknown = [key for key in values if key not in known]
        if unknown:
            raise InvalidEdgeSettings(
                f"Unknown edge setting(s): {', '.join(shown(k) for k in unknown)}. "
                f"Valid settings: {', '.join(known)}."
            )
        changes: dict[str, Any] = {
            name: values.pop(name) for name in ("enabled", "reference_length", "calibration")
            if name in values
        }  # fmt: skip
        if "reference" in values:
            changes["reference"] = _classifier(values.pop("reference"))
        if values:
            changes["params"] = EdgeParams.from_mapping({**self.params.to_mapping(), **values})
        return replace(self, **changes)

    @staticmethod
    def request_schema() -> dict[str, Any]:
        """The JSON Schema of a (partial) update, as :meth:`updated` takes it: every setting of
        these settings and of :class:`EdgeParams` in one object, none required."""
        own = request_schema(EdgeDetectionSettings)["properties"]
        reference = [request_schema(kind) for kind in (PulseIdClassifier, ChannelClassifier)]
        for schema in reference:
            schema["properties"]["mode"].pop("default")
            schema["required"] = ["mode", *schema.get("required", [])]
        own["reference"] = {"oneOf": reference}
        own.pop("params")
        properties = {**own, **request_schema(EdgeParams)["properties"]}
        return {"type": "object", "additionalProperties": False, "properties": properties}


@dataclass(frozen=True, slots=True)
class ShotTiming:
    """The timing outcome of one shot."""

    is_reference: bool
    edge: EdgeResult
    arrival_time: float
    problem: str | None = None
    """Why no edge could be looked for (a stable reason key), if so."""


_NO_EDGE = EdgeResult(math.nan, math.nan, math.nan, False)
_REFERENCE_SHOT = ShotTiming(True, _NO_EDGE, math.nan)


class EdgeTracker:
    """Classifies shots, keeps the reference average and finds edges on X-ray shots.

    One per service: the reference survives a stop and start of processing, and is reset when
    the signal ROI changes. What the edge finder derives from the reference alone is kept
    until the reference or the edge parameters change (without background subtraction; with
    it, the reference differs from shot to shot).
    """

    def __init__(self, submit: ModelSubmitter | None = None) -> None:
        self.learned = LearnedEdgeFinder(submit)
        """The learned-noise method's pedestal, reference, ratios and model."""
        self._references = ReferenceAccumulator()
        self._roi: RoiSetting = None
        self._background_roi: RoiSetting = None
        self._span_of: tuple[npt.NDArray[np.float64], EdgeParams] | None = None
        self._span: ReferenceSpan | None = None
        self._learning: tuple[str, str] | None = None
        """The method and pedestal setting the learned finder learned with."""

    @property
    def reference(self) -> npt.NDArray[np.float64] | None:
        return self._references.reference

    def classify(
        self, settings: EdgeDetectionSettings, pulse_id: int, lookup: Callable[[str], object]
    ) -> bool | str:
        """True for a reference shot, False for an X-ray shot, or a problem key."""
        rule = settings.reference
        if isinstance(rule, PulseIdClassifier):
            return pulse_id % rule.period != rule.signal_offset
        try:
            value = lookup(rule.channel)
        except Exception:  # a corrupt monitor channel costs this shot's edge, no more
            return "edge_reference_channel_unreadable"
        if value is None:
            return "edge_reference_channel_missing"
        try:
            number = float(np.asarray(value, dtype=np.float64).reshape(-1)[0])
        except (TypeError, ValueError, IndexError):
            return "edge_reference_channel_unreadable"
        return not number > rule.threshold

    def update(
        self,
        settings: EdgeDetectionSettings,
        *,
        roi_signal: RoiSetting,
        roi_background: RoiSetting = None,
        pulse_id: int,
        lookup: Callable[[str], object],
        signal: npt.NDArray[np.float64] | None,
        background: npt.NDArray[np.float64] | None,
    ) -> ShotTiming:
        references = self._references
        if roi_signal is not self._roi and roi_signal != self._roi:
            references.reset()
            self.learned.reset()
            self._roi = roi_signal
        if references.length != settings.reference_length:
            references.resize(settings.reference_length)
        kind = self.classify(settings, pulse_id, lookup)
        if isinstance(kind, str):
            return ShotTiming(False, _NO_EDGE, math.nan, kind)
        if signal is None:
            return ShotTiming(kind, _NO_EDGE, math.nan, "edge_no_signal_profile")
        params = settings.params
        learned = params.method == "learned"
        if (params.method, params.pedestal) != self._learning:
            self.learned.reset()  # learned without a pedestal, or while not learning: stale
            self._learning = (params.method, params.pedestal)
        if roi_background is not self._background_roi and roi_background != self._background_roi:
            if learned and params.pedestal == "background":  # learned with another pedestal
                self.learned.reset()
            self._background_roi = roi_background
        pedestal = background if learned and params.pedestal == "background" else None
        if kind:
            references.add(signal)
            if learned:
                self.learned.add_reference(signal, pedestal, settings.reference_length)
            return _REFERENCE_SHOT
        reference = references.mean
        if reference is None or reference.size != signal.size:
            return ShotTiming(False, _NO_EDGE, math.nan, "edge_no_reference")
        if learned:
            sign = -1.0 if params.direction == "falling" else 1.0
            found = self.learned.find(signal, pedestal, sign, params.min_z, params.max_depth)
            if found is not None:
                return ShotTiming(False, found, arrival_time(found.position, settings.calibration))
        if params.background_subtraction and background is not None:
            edge = find_edge(signal, reference, params, background)
        else:
            span_of = self._span_of
            if span_of is None or span_of[0] is not reference or span_of[1] is not params:
                self._span = reference_span(reference, params)
                self._span_of = (reference, params)
            edge = find_edge_in_span(signal, self._span, params)
        return ShotTiming(False, edge, arrival_time(edge.position, settings.calibration))
