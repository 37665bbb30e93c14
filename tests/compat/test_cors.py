"""Issue 16, item 8: browser dashboards of other origins keep reading the service: every read
answers ``Access-Control-Allow-Origin: *`` as 1.x did, and their preflight is answered; writes
from other origins stay refused unless listed with --allowed_origins (real HTTP requests here;
Chromium itself in tests/integration/test_browser.py)."""

from __future__ import annotations

import pytest
import requests

from .conftest import Legacy

DASHBOARD = "http://dashboard.example:8080"
READS = ["/status", "/statistics", "/roi_signal", "/roi_background", "/edge_detection"]


@pytest.mark.parametrize("headers", [{"Origin": DASHBOARD}, {"Origin": "null"}, {}])
def test_every_read_allows_every_origin(legacy: Legacy, headers: dict[str, str]) -> None:
    legacy.client.set_roi_signal([0, 4, 0, 2])
    for path in READS:
        answer = requests.get(f"{legacy.url}{path}", headers=headers)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["Access-Control-Allow-Origin"] == "*", path
    answer = requests.get(f"{legacy.url}/roi_signal", headers=headers)
    assert answer.json()["roi_signal"] == [0, 4, 0, 2]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_preflight_of_a_read_is_answered(legacy: Legacy, method: str) -> None:
    # e.g. fetch(url, {headers: {"X-Requested-With": "XMLHttpRequest"}}) asks first
    for path in READS:
        preflight = requests.options(
            f"{legacy.url}{path}",
            headers={
                "Origin": DASHBOARD,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "x-requested-with,content-type,accept",
            },
        )
        assert preflight.status_code in (200, 204), (path, preflight.text)
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert method in preflight.headers["Access-Control-Allow-Methods"]
        allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
        for header in ("x-requested-with", "content-type", "accept"):
            assert header in allowed


def test_writes_from_other_origins_stay_refused(legacy: Legacy) -> None:
    client = legacy.client
    client.set_roi_signal([0, 4, 0, 2])
    preflight = requests.options(
        f"{legacy.url}/roi_signal",
        headers={"Origin": DASHBOARD, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 403
    assert "Access-Control-Allow-Origin" not in preflight.headers
    for path, body in (("/roi_signal", [1, 2, 3, 4]), ("/start", None)):
        answer = requests.post(f"{legacy.url}{path}", json=body, headers={"Origin": DASHBOARD})
        assert answer.status_code == 403 and "--allowed_origins" in answer.json()["status"]
    assert client.get_roi_signal() == [0, 4, 0, 2] and client.get_status() == "stopped"
    # scripts (no Origin) write as with 1.x
    assert client.start() == "processing"
