"""The calibration routes of the REST app (``/calibration...``) and the live panel's JSON."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool

from ..core.calibration_fit import CalibrationFit
from ..service import PsenService
from ..stream.calibration_run import RunSettings
from ..stream.live_recorder import floats
from .schema import (
    READ_ERRORS,
    TOKEN_SECURITY,
    WRITE_ERRORS,
    AppliedCalibrationAnswer,
    CalibrationAnswer,
    error_responses,
    ok_answer,
)

__all__ = ["MAX_PANEL_POINTS", "install_calibration", "panel_json"]

MAX_PANEL_POINTS = 2000
"""Points sent to the live panel at most (every k-th of the run's points)."""
_CURVE_POINTS = 120

_START_BODY = {
    "required": True,
    "content": {"application/json": {"schema": RunSettings.request_schema()}},
}


def panel_json(service: PsenService) -> dict[str, object]:
    """What the live panel draws: the run's points (at most :data:`MAX_PANEL_POINTS`), the
    step means, the fit curve over the covered pixels, the residuals and the figures."""
    snapshot = service.calibration.snapshot()
    data = service.calibration_json(snapshot)
    fit = service.calibration.fit(snapshot)  # cached: the one calibration_json made
    step = max(1, -(-snapshot.delay_fs.size // MAX_PANEL_POINTS))
    delays, positions = snapshot.delay_fs[::step], snapshot.position[::step]
    panel: dict[str, Any] = {
        "points": {"delay_fs": floats(delays), "position": floats(positions), "every": step},
        "curve": None,
        "residual_fs": None,
    }
    if isinstance(fit, CalibrationFit):
        low, high = fit.covered_px
        grid = np.linspace(low, high, _CURVE_POINTS)
        panel["curve"] = {"position": floats(grid), "delay_fs": floats(fit.delay_at(grid))}
        panel["residual_fs"] = floats(delays - fit.delay_at(positions))
    return {**data, "panel": panel}


def install_calibration(app: FastAPI, service: PsenService, json_body: Any) -> None:
    """Add the calibration routes; ``json_body(request)`` reads a request's JSON body."""

    def envelope(**fields: object) -> dict[str, object]:
        return ok_answer(service.status, **fields)

    @app.get(
        "/calibration",
        summary="The calibration run, its fit and the applied calibration",
        description="The run (idle, running or stopped, with its counters), the fit of its "
        "points (or why there is none yet), the calibration in use and the one before it.",
        response_model=None,
        responses={
            200: {"model": CalibrationAnswer, "description": "The calibration state."},
            **error_responses(*READ_ERRORS),
        },
    )
    def get_calibration() -> dict[str, object]:
        return envelope(calibration=service.calibration_json())

    @app.post(
        "/calibration/start",
        summary="Start a calibration run (delay scan): every X-ray shot with an edge adds a point",
        description="Body: the input channel carrying the delay (e.g. the delay stage's "
        "readback), its unit, and optionally the fit's order (1-3), the expected delay range "
        "and the most points to keep. Shots without a readable delay are counted, not used.",
        openapi_extra={"requestBody": _START_BODY, "security": TOKEN_SECURITY},
        response_model=None,
        responses={
            200: {"model": CalibrationAnswer, "description": "The run started."},
            **error_responses(
                *WRITE_ERRORS,
                e400="An invalid body, or a delay channel that is not in the stream (the "
                "message lists those present): nothing changed.",
                e409="A run is already running, or processing or edge detection is off.",
            ),
        },
    )
    async def start_calibration(request: Request) -> dict[str, object]:
        value = await json_body(request)
        await run_in_threadpool(service.start_calibration, value)
        return envelope(calibration=service.calibration_json())

    @app.post(
        "/calibration/stop",
        summary="Stop the calibration run (its points are kept)",
        description="The run's points stay, and its fit can be applied. No body.",
        openapi_extra={"security": TOKEN_SECURITY},
        response_model=None,
        responses={
            200: {"model": CalibrationAnswer, "description": "The run stopped."},
            **error_responses(*WRITE_ERRORS, e409="No run is running."),
        },
    )
    def stop_calibration() -> dict[str, object]:
        service.stop_calibration()
        return envelope(calibration=service.calibration_json())

    @app.post(
        "/calibration/apply",
        summary="Make the run's fit the edge detection's calibration (the previous one is kept)",
        description="Saved to the settings file with its provenance; the calibration in use "
        "before becomes the previous one (POST /calibration/restore puts it back). No body.",
        openapi_extra={"security": TOKEN_SECURITY},
        response_model=None,
        responses={
            200: {"model": AppliedCalibrationAnswer, "description": "The fit is in use."},
            **error_responses(*WRITE_ERRORS, 500, e409="There is no fit to apply."),
        },
    )
    def apply_calibration() -> dict[str, object]:
        applied = service.apply_calibration()
        return envelope(applied=applied.to_json(), calibration=service.calibration_json())

    @app.post(
        "/calibration/restore",
        summary="Put the calibration before the last apply back",
        description="Swaps the calibration in use and the previous one (a second restore "
        "undoes the first); saved to the settings file. No body.",
        openapi_extra={"security": TOKEN_SECURITY},
        response_model=None,
        responses={
            200: {"model": CalibrationAnswer, "description": "The previous calibration is in use."},
            **error_responses(*WRITE_ERRORS, 500, e409="There is no previous calibration."),
        },
    )
    def restore_calibration() -> dict[str, object]:
        service.restore_calibration()
        return envelope(calibration=service.calibration_json())

    @app.get(
        "/calibration/live",
        summary="The live page's calibration panel data",
        description="As GET /calibration, with the points (at most 2,000), the fit curve and "
        "the residuals the panel draws.",
        response_model=None,
        responses={
            200: {"model": CalibrationAnswer, "description": "The panel's data."},
            **error_responses(*READ_ERRORS),
        },
    )
    def calibration_live() -> dict[str, object]:
        return envelope(calibration=panel_json(service))
