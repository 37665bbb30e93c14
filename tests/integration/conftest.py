"""Fixtures of the integration tests: headless Chromium (Debian's package) driven by
Playwright, a service fed by the simulated camera, and :func:`check_documented`, which checks an
answer against the service's OpenAPI document.

A test using ``page`` is skipped when Chromium is not installed, unless
``PSEN_REQUIRE_BROWSER=1`` (as CI sets it): then a missing browser fails the test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from playwright.sync_api import sync_playwright

from psen_processing.sim.camera import CameraConfig, CameraSender, SimulatedCamera

from ..conftest import Running

CHROMIUM = Path(os.environ.get("PSEN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PREFIX = "SIM-PSEN"
WIDTH, HEIGHT = 512, 64


def _browser_or_skip() -> None:
    if CHROMIUM.exists():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("PSEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PSEN_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def page() -> Iterator[Any]:
    _browser_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1200})
            tab.set_default_timeout(10000)
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            yield tab
            assert not errors, f"errors in the page: {errors}"
        finally:
            browser.close()


@pytest.fixture
def camera_service(make_service: Callable[..., Running]) -> Iterator[Running]:
    camera = SimulatedCamera(CameraConfig(prefix=PREFIX, width=WIDTH, height=HEIGHT, rate_hz=50))
    sender = CameraSender(camera, "tcp://127.0.0.1:0")
    sender.start()
    try:
        running = make_service(f"tcp://127.0.0.1:{sender.port}", prefix=PREFIX)
        running.client.set_roi_signal([0, WIDTH, 24, 16])
        running.client.set_roi_background([0, WIDTH, 0, 8])
        running.client.set_edge_detection({"enabled": True, "calibration": [-2560.0, 10.0]})
        running.client.start()
        yield running
    finally:
        sender.stop()


def check_documented(document: dict[str, Any], method: str, path: str, response: Any) -> None:
    """``response`` (requests' or schemathesis's) to ``method path`` has a status code the
    OpenAPI ``document`` lists for the operation, a media type listed for it and, for JSON, a
    body valid against its schema."""
    code = response.status_code
    responses = document["paths"][path][method.lower()]["responses"]
    described = f"{method} {path} answered {code}"
    assert str(code) in responses, f"{described}: not documented"
    header = response.headers.get("content-type", "")
    media = (header[0] if isinstance(header, list) else header).split(";")[0]
    content = responses[str(code)]["content"]
    assert media in content, f"{described}: {media} not documented"
    if media == "application/json":
        schema = {**content[media]["schema"], "components": document["components"]}
        jsonschema.validate(response.json(), schema)
