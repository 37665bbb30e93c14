"""What the REST API's OpenAPI document says about answers: their schemas, and the error
envelope per status code (documentation only: the routes build their JSON themselves, so the
answers stay byte for byte what they were).

Every error answer is 1.x's envelope ``{"state": "error", "status": MESSAGE}``
(:class:`ErrorEnvelope`); ``GET /health``'s 503 adds its health fields (:class:`HealthAnswer`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..core.roi import roi_schema

__all__ = [
    "READ_ERRORS",
    "TOKEN_SCHEME",
    "TOKEN_SECURITY",
    "WRITE_ERRORS",
    "AppliedCalibrationAnswer",
    "CalibrationAnswer",
    "CorrelationChannelAnswer",
    "EdgeDetectionAnswer",
    "ErrorEnvelope",
    "HealthAnswer",
    "LiveAnswer",
    "LiveChannelsAnswer",
    "OkAnswer",
    "RoiBackgroundAnswer",
    "RoiSignalAnswer",
    "StatisticsAnswer",
    "error_responses",
    "media_response",
    "ok_answer",
]


class ErrorEnvelope(BaseModel):
    """Every error answer: 1.x's JSON envelope, with a message saying what is wrong."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["error"]
    status: str = Field(min_length=1, description="What is wrong, and what to do about it.")


class OkAnswer(BaseModel):
    """A successful answer: ``state`` ok and the processing status."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["ok"]
    status: Literal["stopped", "processing"]


RoiJson = list[int]
_ROI_FIELD = Field(
    description="[offset_x, size_x, offset_y, size_y], or [] when the ROI is off",
    json_schema_extra=roi_schema(),
)


class RoiSignalAnswer(OkAnswer):
    """The signal ROI."""

    roi_signal: RoiJson = _ROI_FIELD


class RoiBackgroundAnswer(OkAnswer):
    """The background ROI."""

    roi_background: RoiJson = _ROI_FIELD


class StatisticsAnswer(OkAnswer):
    """The processing counters (the README's REST interface section lists every key)."""

    statistics: dict[str, Any] = Field(
        description="frames_received, frames_sent, frames_skipped(_by_reason), "
        "frames_dropped_output, input and output (the streams' states), latency_ms, "
        "profile_problems, ...; from the first start also 1.x's n_processed_images, "
        "last_sent_pulse_id, processing_start_time and last_sent_time"
    )


class EdgeDetectionAnswer(OkAnswer):
    """The edge detection settings in use (every key; see the README's Edge detection)."""

    edge_detection: dict[str, Any] = Field(
        description="enabled, reference, reference_length, calibration, direction, "
        "filter_length, filter_width, fit_fraction, min_amplitude, background_subtraction, "
        "reference_threshold, method, min_z, max_depth, pedestal"
    )


class LiveAnswer(OkAnswer):
    """What the live page shows, in one object (its fields may grow with the page)."""

    model_config = ConfigDict(extra="allow")

    prefix: str
    statistics: dict[str, Any] = Field(description="the counters the page shows")
    last_error: str | None
    roi_signal: RoiJson = _ROI_FIELD
    roi_background: RoiJson = _ROI_FIELD
    edge_detection: dict[str, Any] = Field(description="enabled, calibrated")
    profiles: dict[str, Any] = Field(
        description="pulse_id and the signal, background and reference profiles (null: none)"
    )
    edge: dict[str, Any] | None = Field(
        description="the latest X-ray shot's edge (null: edge detection off)"
    )
    history: dict[str, Any] = Field(description="the recent edges and arrival times, per pulse")


class CorrelationChannelAnswer(OkAnswer):
    """``/live/correlation_channel``: the input channel the X-ray shots' history keeps."""

    correlation_channel: str | None = Field(
        description="the chosen channel (null: none: the correlation plot is empty)"
    )


class LiveChannelsAnswer(CorrelationChannelAnswer):
    """``GET /live/channels``: the numeric scalar channels of the latest input frame."""

    channels: list[str] = Field(description="their names, as in the stream (at most 2,000)")
    channels_not_listed: int = Field(description="how many more there are (0: none)")


class CalibrationAnswer(OkAnswer):
    """``/calibration...``: the calibration run, its fit, the calibration in use and the one
    before it."""

    model_config = ConfigDict(extra="allow")

    calibration: dict[str, Any] = Field(
        description="run (state, counters, settings), fit (coefficients, quality, warnings, "
        "steps) or why there is none, current and previous calibration with their provenance"
    )


class AppliedCalibrationAnswer(CalibrationAnswer):
    """``POST /calibration/apply``: what was applied, and the calibration state after it."""

    applied: dict[str, Any] = Field(
        description="the calibration now in use: coefficients, when made, from how many "
        "points, over which delay range, residual RMS"
    )


class HealthAnswer(BaseModel):
    """``GET /health``: healthy (200, ``state`` ok) or not (503, ``state`` error and
    ``status`` the reason)."""

    model_config = ConfigDict(extra="forbid")

    state: Literal["ok", "error"]
    status: str = Field(description="the processing status (200) or the reason (503)")
    health: Literal["ok", "failing"]
    reason: str = Field(description="why healthy or not, and what to check")
    processing: Literal["stopped", "processing"]
    last_input_age_s: float | None = Field(
        description="seconds since the last input frame (null: none since the start)"
    )


TOKEN_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "The service's API token (--api_token or $PSEN_PROCESSING_API_TOKEN), needed "
    "by every write when the service has one; without one, none is needed.",
}
TOKEN_SECURITY: list[dict[str, list[str]]] = [{}, {"api_token": []}]
"""A write's security: nothing, or the token when the service has one."""

READ_ERRORS = (400, 413)
"""What a GET can be answered besides its own: a Host not in --allowed_hosts (400), a body over
the limit (413)."""
WRITE_ERRORS = (400, 401, 403, 413, 415)
"""What a POST can be answered besides its own: an invalid body or Host (400), a missing token
(401), another origin (403), a body over the limit (413) or not declared JSON (415)."""

_ERRORS: dict[int, str] = {
    400: "The request is invalid (an invalid ROI or setting, a body that is not JSON), or its "
    "Host is not one of --allowed_hosts. Nothing was changed.",
    401: "The API token is missing or wrong (a write, when the service has --api_token).",
    403: "A write from a web page of another origin (not in --allowed_origins).",
    404: "Not there.",
    405: "The method is not allowed on this path.",
    409: "The state does not allow it now (e.g. a calibration run already running): nothing "
    "was changed.",
    413: "The request body is over 64 KiB.",
    415: "A write whose body is not declared 'Content-Type: application/json'.",
    500: "The settings could not be saved: nothing was changed.",
    503: "The service cannot do it now.",
}


def ok_answer(status: str, **fields: object) -> dict[str, object]:
    """A successful answer: 1.x's envelope (``state`` ok, ``status`` the processing status)
    with the route's own ``fields``."""
    return {"state": "ok", "status": status, **fields}


def error_responses(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error status codes, each the error envelope;
    ``descriptions`` (``e503="..."``) replace the general ones (and add their codes)."""
    every = sorted(set(codes) | {int(key.removeprefix("e")) for key in descriptions})
    return {
        code: {
            "model": ErrorEnvelope,
            "description": descriptions.get(f"e{code}", _ERRORS[code]),
        }
        for code in every
    }


def media_response(media_type: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI response of another media type than JSON."""
    return {"description": description, "content": {media_type: {"schema": schema}}}
