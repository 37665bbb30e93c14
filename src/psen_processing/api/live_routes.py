"""The live web page and the JSON and image it polls, added to the REST app.

Everything is computed when a viewer asks, from what the app's
:class:`~psen_processing.stream.live_recorder.LiveRecorder` (an observer of the service's frames)
keeps: the processing loop never renders, copies or encodes anything for the page.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from threadpoolctl import ThreadpoolController

from ..core.limits import MAX_CHANNEL_NAME
from ..core.matched_filter import normalised_signal
from ..core.profiles import background_on_signal_scale
from ..core.roi import roi_to_json
from ..errors import ProtocolError
from ..service import PsenService
from ..stream.live_recorder import LiveRecorder, downsample, floats, shot_kind, thumbnail
from ..stream.pipeline import FrameOutcome
from .png import encode_png
from .schema import (
    READ_ERRORS,
    TOKEN_SECURITY,
    WRITE_ERRORS,
    CorrelationChannelAnswer,
    LiveAnswer,
    LiveChannelsAnswer,
    error_responses,
    media_response,
    ok_answer,
)

__all__ = [
    "MAX_LISTED_CHANNELS",
    "MAX_PROFILE_POINTS",
    "install_live_view",
    "live_snapshot",
    "web_directory",
]

MAX_PROFILE_POINTS = 1024
"""Longer profiles are sent as means of blocks of pixels (``step`` px per point)."""
MAX_LISTED_CHANNELS = 2000
"""Numeric scalar input channels listed for the correlation plot at most (the first ones)."""

_STATISTICS = (
    "frames_received",
    "frames_sent",
    "frames_skipped",
    "frames_skipped_by_reason",
    "frames_dropped_output",
    "profile_problems",
    "frames_per_second",
    "latency_ms",
    "last_pulse_id",
    "last_problem",
    "image_shape",
    "image_output",
    "edge_detection",
    "input",
    "output",
)


def web_directory() -> Path:
    """Where the page's files are installed (package data of psen_processing, beside this
    module; the package is always installed as files, never zipped)."""
    return Path(__file__).resolve().parent / "web"


def _series(values: Any) -> dict[str, object] | None:
    if values is None:
        return None
    points, step = downsample(values, MAX_PROFILE_POINTS)
    return {"step": step, "size": int(values.size), "values": floats(points)}


def _edge_view(service: PsenService, outcome: FrameOutcome | None) -> dict[str, object] | None:
    """The latest X-ray shot: its normalised signal (against the current reference) and edge."""
    if outcome is None or outcome.timing is None or outcome.result is None:
        return None
    timing, result = outcome.timing, outcome.result
    settings = service.settings
    signal, reference = result.signal_float64, service.tracker.reference
    normalised = None
    if signal is not None and reference is not None:
        background = background_on_signal_scale(
            result.roi_background_x_profile, settings.roi_signal, settings.roi_background
        )
        normalised = normalised_signal(
            signal, reference, settings.edge_detection.params, background
        )
    (position, amplitude, fwhm, arrival) = floats(
        [timing.edge.position, timing.edge.amplitude, timing.edge.fwhm, timing.arrival_time]
    )
    return {
        "pulse_id": outcome.pulse_id,
        "shot": shot_kind(timing),
        "normalised": _series(normalised),
        "found": timing.edge.found,
        "position": position,
        "amplitude": amplitude,
        "fwhm": fwhm,
        "arrival_time": arrival,
    }


def _history(live: LiveRecorder, channel: str | None) -> dict[str, object]:
    """The X-ray shots kept; ``channel``: the values of the correlation channel, where a shot
    was recorded while it was chosen (NaN, sent as null, elsewhere)."""
    samples = tuple(live.history)  # one C-level copy: atomic under the GIL
    history: dict[str, object] = {
        "length": live.history_length,
        "pulse_id": [sample.pulse_id for sample in samples],
        "position": floats([s.timing.edge.position for s in samples]),
        "amplitude": floats([s.timing.edge.amplitude for s in samples]),
        "arrival_time": floats([s.timing.arrival_time for s in samples]),
    }
    if channel is not None:
        nan = float("nan")
        history["channel"] = floats([s.value if s.channel == channel else nan for s in samples])
    return history


def live_snapshot(service: PsenService, live: LiveRecorder) -> dict[str, object]:
    """Everything the page shows, in one JSON object."""
    statistics = service.statistics_json()
    settings = service.settings
    latest = live.latest
    result = None if latest is None else latest.result
    profiles: dict[str, object] = {
        "pulse_id": None if latest is None else latest.pulse_id,
        "shot": None if latest is None else shot_kind(latest.timing),
    }
    for name, values in (
        ("signal", None if result is None else result.roi_signal_x_profile),
        ("background", None if result is None else result.roi_background_x_profile),
        ("reference", service.tracker.reference if settings.edge_detection.enabled else None),
    ):
        profiles[name] = _series(values)
    edge = settings.edge_detection
    channel = live.correlation_channel
    return {
        "state": "ok",
        "status": service.status,
        "prefix": service.config.prefix,
        "statistics": {key: statistics.get(key) for key in _STATISTICS},
        "last_error": statistics.get("last_error"),
        "roi_signal": roi_to_json(settings.roi_signal),
        "roi_background": roi_to_json(settings.roi_background),
        "edge_detection": {"enabled": edge.enabled, "calibrated": edge.calibration is not None},
        "profiles": profiles,
        "edge": _edge_view(service, live.latest_xray) if edge.enabled else None,
        "history": _history(live, channel),
        "correlation_channel": channel,
    }


class _Thumbnails:
    """The PNG of the latest frame's image, made when asked and kept until the next frame."""

    def __init__(self, live: LiveRecorder) -> None:
        self._live = live
        self._lock = threading.Lock()
        self._made_from: FrameOutcome | None = None
        self._png: bytes | None = None
        # The web server's threads have bitshuffle's OpenMP pool at its default size: a
        # decoder call there would leave a second thread spinning for milliseconds on the
        # core the stream needs. The limit is set around each thumbnail, in whichever thread.
        self._pools = ThreadpoolController()

    def latest(self) -> tuple[FrameOutcome | None, bytes | None]:
        """The latest frame and the PNG of its image (None if it has none)."""
        outcome = self._live.latest
        if outcome is None:
            return None, None
        with self._lock:
            if outcome is not self._made_from:
                self._png = None
                try:
                    image = outcome.image  # the pipeline's: rows decoded only where drawn
                    if image is not None:
                        with self._pools.limit(limits=1):
                            self._png = encode_png(thumbnail(image))
                except (ProtocolError, ValueError):
                    pass  # the frame was sent without a usable image: nothing to show
                self._made_from = outcome
            return outcome, self._png


def _no_image() -> JSONResponse:
    return JSONResponse({"state": "error", "status": "no image received yet"}, status_code=404)


_CHANNEL_BODY = {
    "required": False,
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"type": "null"},
                    {"type": "string", "minLength": 1, "maxLength": MAX_CHANNEL_NAME},
                ],
                "description": "a numeric scalar input channel (see GET /live/channels), or "
                "null for none",
            }
        }
    },
}


def install_live_view(
    app: FastAPI,
    service: PsenService,
    live_view: LiveRecorder,
    read_json: Callable[[Request], Awaitable[Any]],
) -> None:
    """Serve the page at ``/``, its files under ``/static/``, ``/live`` and
    ``/live/image.png`` that it polls, and the input channels and the correlation channel of
    its correlation plot, from what ``live_view`` (an observer of ``service``) records
    (``read_json`` reads a request's JSON body, bounded)."""
    directory = web_directory()
    page = (directory / "index.html").read_text(encoding="utf-8")
    thumbnails = _Thumbnails(live_view)

    @app.get("/", include_in_schema=False)
    def index() -> HTMLResponse:
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    @app.get(
        "/live",
        summary="What the live page shows",
        description="The latest profiles, edge, history and counters, polled by the live page.",
        response_class=JSONResponse,
        response_model=None,
        responses={200: {"model": LiveAnswer}, **error_responses(*READ_ERRORS)},
    )
    def live() -> Response:
        # orjson writes the ~70 kB of numbers about 15 times faster than the json module, and
        # the processing loop waits for the interpreter while either holds it
        body = orjson.dumps(live_snapshot(service, live_view))
        return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})

    @app.get(
        "/live/image.png",
        summary="Thumbnail of the latest image",
        description="The latest input image, scaled down to an 8-bit grayscale PNG; its pulse "
        "id in the X-Pulse-Id header, and X-Shot: xray or reference when edge detection "
        "classified it.",
        response_class=Response,
        responses={
            200: media_response(
                "image/png", "The thumbnail.", {"type": "string", "format": "binary"}
            ),
            **error_responses(*READ_ERRORS, 404, e404="No image received yet."),
        },
    )
    def live_image() -> Response:
        outcome, png = thumbnails.latest()
        if outcome is None or png is None:
            return _no_image()
        headers = {"Cache-Control": "no-store", "X-Pulse-Id": str(outcome.pulse_id)}
        shot = shot_kind(outcome.timing)
        if shot is not None:
            headers["X-Shot"] = shot
        return Response(png, media_type="image/png", headers=headers)

    def channel_answer(**fields: object) -> dict[str, object]:
        return ok_answer(
            service.status, correlation_channel=live_view.correlation_channel, **fields
        )

    @app.get(
        "/live/channels",
        summary="The numeric scalar channels of the input stream (for the correlation plot)",
        description="Read from the latest input frame's data header (none before the first "
        "frame); the chosen correlation channel is one of them.",
        response_model=None,
        responses={
            200: {"model": LiveChannelsAnswer, "description": "The channels."},
            **error_responses(*READ_ERRORS),
        },
    )
    def live_channels() -> dict[str, object]:
        channels = live_view.input_channels()
        return channel_answer(
            channels=list(channels[:MAX_LISTED_CHANNELS]),
            channels_not_listed=max(0, len(channels) - MAX_LISTED_CHANNELS),
        )

    @app.get(
        "/live/correlation_channel",
        summary="The input channel the live page's correlation plot shows the edge against",
        description="Its value is kept with every X-ray shot of the live history; not saved "
        "across restarts.",
        response_model=None,
        responses={
            200: {"model": CorrelationChannelAnswer, "description": "The chosen channel."},
            **error_responses(*READ_ERRORS),
        },
    )
    def get_correlation_channel() -> dict[str, object]:
        return channel_answer()

    @app.post(
        "/live/correlation_channel",
        summary="Choose the input channel the X-ray shots' history keeps (null: none)",
        description="A numeric scalar channel of the input stream (see GET /live/channels), "
        "or null for none; anything else is refused and changes nothing.",
        openapi_extra={"requestBody": _CHANNEL_BODY, "security": TOKEN_SECURITY},
        response_model=None,
        responses={
            200: {"model": CorrelationChannelAnswer, "description": "The channel now chosen."},
            **error_responses(
                *WRITE_ERRORS,
                e400="Not a numeric scalar channel of the input stream (or no frame yet, a "
                "name too long or unprintable, a body that is not JSON): nothing changed.",
            ),
        },
    )
    async def set_correlation_channel(request: Request) -> dict[str, object]:
        live_view.choose_channel(await read_json(request))  # InvalidRequest: 400
        return channel_answer()

    app.mount("/static", StaticFiles(directory=directory), name="static")
