"""The REST API (FastAPI): the seed endpoints and their JSON envelope, on top of PsenService."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from ..core.edge_tracking import EdgeDetectionSettings
from ..core.roi import roi_request_schema, roi_to_json
from ..errors import (
    CalibrationError,
    InvalidRequest,
    PsenError,
    RequestTooLarge,
    ServiceError,
    SettingsFileError,
)
from ..service import PsenService, RoiName
from ..stream.live_recorder import LiveRecorder
from .calibration_routes import install_calibration
from .docs import add_token_scheme, install_docs
from .guards import GuardMiddleware, HttpGuards
from .live_routes import install_live_view
from .metrics import install_metrics
from .schema import (
    READ_ERRORS,
    TOKEN_SECURITY,
    WRITE_ERRORS,
    EdgeDetectionAnswer,
    HealthAnswer,
    OkAnswer,
    RoiBackgroundAnswer,
    RoiSignalAnswer,
    StatisticsAnswer,
    error_responses,
    ok_answer,
)

__all__ = ["MAX_BODY_BYTES", "READ_METHODS", "build_app"]

MAX_BODY_BYTES = 64 * 1024
"""Request bodies larger than this are refused (413): no setting needs more."""

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing: open even when an API token is set."""


API_DESCRIPTION = """ROI X profiles and X-ray arrival times of PSEN camera images, added to a
bsread stream. Every answer is JSON with `state` (`ok` or `error`) and `status` (the processing
status, or on an error the message saying what is wrong); errors answer a 4xx or 5xx status
with that envelope and change nothing. Writes need `Authorization: Bearer TOKEN` when the
service has an API token, and are refused from web pages of other origins (see Security in the
README). Interactive docs: `/docs`, reference: `/redoc`."""


def _token_matches(header: str | None, token: bytes) -> bool:
    """Whether an ``Authorization`` header carries ``Bearer <token>`` (constant-time compare)."""
    if header is None:
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "surrogateescape"), token)


def _json_body_schema(schema: dict[str, Any], *, required: bool) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


_ROI_BODY = _json_body_schema(roi_request_schema(), required=False)
"""A ROI as :func:`parse_roi` takes it; its bounds are :class:`Roi`'s."""

_EDGE_BODY = _json_body_schema(EdgeDetectionSettings.request_schema(), required=True)
"""A partial update as :meth:`EdgeDetectionSettings.updated` takes it; its bounds are those of
the settings models."""


def _envelope(service: PsenService, **fields: object) -> dict[str, object]:
    return ok_answer(service.status, **fields)


def _error(status_code: int, message: str) -> JSONResponse:
    return JSONResponse({"state": "error", "status": message}, status_code=status_code)


def _answer_with(status_code: int) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    """An exception handler answering ``status_code`` with the error's own message."""

    async def answer(_: Request, exc: Exception) -> JSONResponse:
        return _error(status_code, str(exc))

    return answer


async def _json_body(request: Request) -> Any:
    """The request's JSON body; an empty body counts as ``null`` (older clients send none).

    Read in chunks, so that a body without a Content-Length (chunked) is refused as soon as it
    passes the limit instead of being held whole.
    """
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise RequestTooLarge(
                    f"request body too large: at most {MAX_BODY_BYTES} bytes accepted"
                )
            chunks.append(chunk)
    except ClientDisconnect as exc:  # fewer bytes than its Content-Length, then gone
        raise InvalidRequest("the client went away before it sent the whole body") from exc
    body = b"".join(chunks)
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # an integer too long, nesting too deep
        raise InvalidRequest(
            f"request body is JSON no setting can hold ({type(exc).__name__}): send plain "
            "numbers and lists as the settings' bounds allow"
        ) from exc


def build_app(
    service: PsenService, *, api_token: str | None = None, guards: HttpGuards | None = None
) -> FastAPI:
    """The ASGI app for ``service``; everything it needs comes in as arguments.

    With ``api_token``, every request that can change something (any method but GET, HEAD and
    OPTIONS, on any path) needs ``Authorization: Bearer <api_token>``; reads stay open.
    ``guards`` (default: :class:`HttpGuards` with no lists) are checked first, on every request.
    """
    token = api_token.encode("utf-8") if api_token else None
    app = FastAPI(
        title="psen_processing",
        summary="ROI profiles of PSEN camera images in a bsread stream",
        version="2.1.0",
        description=API_DESCRIPTION,
        docs_url=None,  # FastAPI's own pages load their scripts from a CDN: see api_docs
        redoc_url=None,
    )

    @app.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return _error(413, f"request body too large: at most {MAX_BODY_BYTES} bytes accepted")
        return await call_next(request)

    @app.middleware("http")  # added last, so it runs first: nothing is read before it
    async def require_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if (
            token is not None
            and request.method not in READ_METHODS
            and not _token_matches(request.headers.get("authorization"), token)
        ):
            response = _error(
                401,
                "this request needs the API token: send 'Authorization: Bearer <token>'"
                if "authorization" not in request.headers
                else "wrong API token",
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        return await call_next(request)

    # A package error answers with its status and its own message: the most specific class of
    # the error's MRO in this table decides (RequestTooLarge before InvalidRequest's PsenError).
    for kind, code in (
        (RequestTooLarge, 413),
        (ServiceError, 503),
        (CalibrationError, 409),
        (PsenError, 400),
    ):
        app.add_exception_handler(kind, _answer_with(code))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, f"invalid request: {exc.errors()}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = str(exc.detail)
        if exc.status_code == 404:
            message = f"no endpoint {request.url.path}"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}"
        return _error(exc.status_code, message)

    @app.exception_handler(SettingsFileError)
    async def settings_error(_: Request, exc: SettingsFileError) -> JSONResponse:
        return _error(500, f"nothing was changed: {exc}")

    @app.post(
        "/start",
        summary="Start processing",
        openapi_extra={"security": TOKEN_SECURITY},
        description="Opens the input and output streams and starts processing; starting when "
        "already processing changes nothing. No body.",
        response_model=None,
        responses={
            200: {"model": OkAnswer, "description": "Processing (the new status)."},
            **error_responses(
                *WRITE_ERRORS,
                503,
                e503="The streams could not be opened (e.g. the output port is taken); the "
                "message says which.",
            ),
        },
    )
    def start() -> dict[str, object]:
        service.start()
        return _envelope(service)

    @app.post(
        "/stop",
        summary="Stop processing",
        openapi_extra={"security": TOKEN_SECURITY},
        description="Stops processing and closes the streams; returns promptly even when "
        "nobody reads the output. No body.",
        response_model=None,
        responses={
            200: {"model": OkAnswer, "description": "Stopped (the new status)."},
            **error_responses(*WRITE_ERRORS, e503="The processing thread did not finish in time."),
        },
    )
    def stop() -> dict[str, object]:
        service.stop()
        return _envelope(service)

    @app.get(
        "/status",
        summary="Processing status",
        description="Whether the service is processing or stopped.",
        response_model=None,
        responses={200: {"model": OkAnswer}, **error_responses(*READ_ERRORS)},
    )
    def status() -> dict[str, object]:
        return _envelope(service)

    @app.get(
        "/health",
        summary="Health for load balancers and monitoring",
        description="200 while processing is alive and input frames arrive and go out, or "
        "when stopped on purpose; 503 with the reason otherwise (see Faults in the README).",
        response_model=None,
        responses={
            200: {"model": HealthAnswer, "description": "Healthy."},
            503: {
                "model": HealthAnswer,
                "description": "Not healthy: state is error, status and reason say what to check.",
            },
            **error_responses(*READ_ERRORS),
        },
    )
    def health() -> JSONResponse:
        result = service.health()
        fields = {
            "health": "ok" if result.ok else "failing",
            "reason": result.reason,
            "processing": service.status,
            "last_input_age_s": result.last_input_age_s,
        }
        if result.ok:
            return JSONResponse(_envelope(service, **fields))
        return JSONResponse({"state": "error", "status": result.reason, **fields}, 503)

    @app.get(
        "/statistics",
        summary="Processing statistics",
        description="Counters of the processing and the states of the input and output "
        "streams; a superset of 1.x's four keys.",
        response_model=None,
        responses={200: {"model": StatisticsAnswer}, **error_responses(*READ_ERRORS)},
    )
    def statistics() -> dict[str, object]:
        return _envelope(service, statistics=service.statistics_json())

    def roi_routes(name: RoiName) -> None:
        def get_roi() -> dict[str, object]:
            return _envelope(service, **{name: roi_to_json(service.get_roi(name))})

        async def set_roi(request: Request) -> dict[str, object]:
            value = await _json_body(request)
            # validation and the save (fsync) run in a worker thread, off the event loop
            roi = await run_in_threadpool(service.set_roi, name, value)
            return _envelope(service, **{name: roi_to_json(roi)})

        kind = "signal" if name == "roi_signal" else "background"
        answer = RoiSignalAnswer if name == "roi_signal" else RoiBackgroundAnswer
        app.get(
            f"/{name}",
            summary=f"Get the {kind} ROI",
            description=f"The {kind} ROI, [] when it is off.",
            response_model=None,
            responses={200: {"model": answer}, **error_responses(*READ_ERRORS)},
        )(get_roi)
        app.post(
            f"/{name}",
            summary=f"Set the {kind} ROI",
            description=f"Sets the {kind} ROI, [offset_x, size_x, offset_y, size_y] in pixels, "
            "or switches it off ([] or null or no body); saved to the settings file. An "
            "invalid ROI is refused and changes nothing.",
            response_model=None,
            responses={
                200: {"model": answer, "description": "The ROI now in use."},
                **error_responses(*WRITE_ERRORS, 500),
            },
            openapi_extra={"requestBody": _ROI_BODY, "security": TOKEN_SECURITY},
        )(set_roi)

    roi_routes("roi_signal")
    roi_routes("roi_background")

    @app.get(
        "/edge_detection",
        summary="Get the edge detection settings",
        description="Every edge detection setting in use.",
        response_model=None,
        responses={200: {"model": EdgeDetectionAnswer}, **error_responses(*READ_ERRORS)},
    )
    def get_edge_detection() -> dict[str, object]:
        return _envelope(service, edge_detection=service.get_edge_detection().to_json())

    @app.post(
        "/edge_detection",
        summary="Change edge detection settings",
        description="Only the keys given change; saved to the settings file. A value out of "
        "its bound is refused and changes nothing.",
        response_model=None,
        responses={
            200: {"model": EdgeDetectionAnswer, "description": "Every setting now in use."},
            **error_responses(*WRITE_ERRORS, 500),
        },
        openapi_extra={"requestBody": _EDGE_BODY, "security": TOKEN_SECURITY},
    )
    async def set_edge_detection(request: Request) -> dict[str, object]:
        value = await _json_body(request)
        # the filter design (up to about 0.3 s) and the save run in a worker thread: the event
        # loop, and so every other request, never waits for them
        edge = await run_in_threadpool(service.set_edge_detection, value)
        return _envelope(service, edge_detection=edge.to_json())

    install_calibration(app, service, _json_body)
    live = LiveRecorder()  # the live view records what the processing loop shows it
    service.add_observer(live)
    app.state.live = live
    install_live_view(app, service, live, _json_body)
    install_metrics(app, service)
    install_docs(app)
    add_token_scheme(app)
    # added last, so it is the outermost: Host, Origin and Content-Type before anything else
    app.add_middleware(GuardMiddleware, guards=guards or HttpGuards())
    return app
