"""The API documents itself: the OpenAPI document against the real answers, and the docs pages
(Swagger UI at /docs, ReDoc at /redoc) served from the package's own files, on the real server
and in real Chromium with every request elsewhere blocked."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import numpy as np
import pytest
import requests
from fastapi.routing import APIRoute

from psen_processing.api.app import MAX_BODY_BYTES, build_app
from psen_processing.api.guards import HttpGuards
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Running, Source, wait_until
from .conftest import check_documented

JSON = {"Content-Type": "application/json"}

# What each operation can answer besides 200, from the README's REST interface and Security
# sections: every GET a Host not allowed (400) or a body over the limit (413); every POST also
# a bad body (400), a missing token (401), another origin (403), a body not declared JSON (415).
READS = {400, 413}
WRITES = {400, 401, 403, 413, 415}
EXPECTED = {
    ("post", "/start"): WRITES | {503},
    ("post", "/stop"): WRITES | {503},
    ("get", "/status"): READS,
    ("get", "/health"): READS | {503},
    ("get", "/statistics"): READS,
    ("get", "/roi_signal"): READS,
    ("post", "/roi_signal"): WRITES | {500},
    ("get", "/roi_background"): READS,
    ("post", "/roi_background"): WRITES | {500},
    ("get", "/edge_detection"): READS,
    ("post", "/edge_detection"): WRITES | {500},
    ("get", "/live"): READS,
    ("get", "/live/image.png"): READS | {404},
    ("get", "/live/channels"): READS,
    ("get", "/live/correlation_channel"): READS,
    ("post", "/live/correlation_channel"): WRITES,
    ("get", "/metrics"): READS,
    ("get", "/calibration"): READS,
    ("post", "/calibration/start"): WRITES | {409},
    ("post", "/calibration/stop"): WRITES | {409},
    ("post", "/calibration/apply"): WRITES | {409, 500},
    ("post", "/calibration/restore"): WRITES | {409, 500},
    ("get", "/calibration/live"): READS,
}
MEDIA = {"/metrics": "text/plain", "/live/image.png": "image/png"}


def test_every_operation_is_described_with_its_answers(running: Running) -> None:
    document = requests.get(f"{running.url}/openapi.json", timeout=10).json()
    operations = {
        (method, path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) == set(EXPECTED)
    assert document["info"]["description"]
    for key, operation in operations.items():
        assert operation.get("summary") and operation.get("description"), key
        assert set(operation["responses"]) == {"200", *map(str, EXPECTED[key])}, key
        for code, response in operation["responses"].items():
            assert response.get("description"), (key, code)
            media = MEDIA.get(key[1], "application/json") if code == "200" else "application/json"
            schema = response["content"][media]["schema"]
            assert schema, (key, code)
            if code != "200" and key != ("get", "/health"):
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (key, code)
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["state", "status"]
    assert envelope["additionalProperties"] is False


def test_every_route_of_the_app_is_in_the_document(running: Running) -> None:
    """A route added later without documentation would not be listed."""
    app = build_app(running.service)
    routes = {
        (method.lower(), route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in route.methods
    }
    assert routes == set(EXPECTED)


class _Probe:
    """Real requests against the server; each answer checked against the documented schema."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.seen: set[tuple[str, str, int]] = set()

    def check(self, method: str, path: str, response: requests.Response) -> None:
        self.seen.add((method, path, response.status_code))
        check_documented(self.document, method, path, response)


@pytest.fixture
def probe(running: Running) -> _Probe:
    return _Probe(requests.get(f"{running.url}/openapi.json", timeout=10).json())


def _taken_port() -> tuple[socket.socket, int]:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder, int(holder.getsockname()[1])


def test_real_answers_match_their_documented_schemas(
    running: Running,
    probe: _Probe,
    source: Source,
    make_service: Callable[..., Running],
    tmp_path: Path,
) -> None:
    url = running.url
    get = lambda path, **kw: probe.check("get", path, requests.get(url + path, timeout=10, **kw))  # noqa: E731
    post = lambda path, **kw: probe.check(  # noqa: E731
        "post", path, requests.post(url + path, timeout=10, **kw)
    )
    get("/live/image.png")  # 404: no image yet
    for path in ("/status", "/statistics", "/roi_signal", "/roi_background", "/edge_detection"):
        get(path)
    get("/health")  # 200: stopped on purpose
    get("/live")
    get("/metrics")
    get("/status", data=b"x" * (MAX_BODY_BYTES + 1))  # 413
    post("/roi_signal", json=[0, 5, 0, 2])
    post("/roi_background", json=[])
    post("/roi_signal", json=[0, -5, 0, 2])  # 400
    post("/roi_signal", data=b"[0, 5, 0, 2]", headers={"Content-Type": "text/plain"})  # 415
    post("/roi_signal", json=[0] * 30000)  # 413
    post("/roi_signal", json=[0, 5, 0, 2], headers={"Origin": "http://evil.example"})  # 403
    post("/edge_detection", json={"enabled": True, "calibration": [0.0, 10.0]})
    post("/edge_detection", json={"filter_length": -1})  # 400
    post("/start")
    source.send(encode_message(2, [(IMAGE, np.ones((2, 5), dtype=np.uint16))]))
    wait_until(lambda: requests.get(f"{url}/live/image.png", timeout=5).ok, 10, "a thumbnail")
    get("/live/image.png")  # 200
    get("/live")  # with profiles
    get("/live/channels")
    get("/live/correlation_channel")
    post("/live/correlation_channel", json="NOT:IN-THE-STREAM")  # 400
    post("/live/correlation_channel", json=None)
    get("/calibration")
    get("/calibration/live")
    post("/calibration/stop")  # 409: no run
    post("/calibration/apply")  # 409: no fit
    post("/calibration/start", json={"delay_channel": "NOT:IN-THE-STREAM", "unit": "ps"})  # 400
    get("/statistics")  # with 1.x's keys
    post("/stop")

    # 401: a service with an API token
    guarded = make_service(source.address, settings_path=tmp_path / "token.json", api_token="s3")
    probe.check("post", "/start", requests.post(f"{guarded.url}/start", timeout=10))
    # 400: a Host the service does not answer to
    hosts = make_service(
        source.address,
        settings_path=tmp_path / "hosts.json",
        guards=HttpGuards(allowed_hosts=("psen.example",)),
    )
    probe.check("get", "/status", requests.get(f"{hosts.url}/status", timeout=10))
    # 503: the output port is taken, the streams cannot be opened
    holder, port = _taken_port()
    with holder:
        busy = make_service(source.address, settings_path=tmp_path / "busy.json", output_port=port)
        probe.check("post", "/start", requests.post(f"{busy.url}/start", timeout=10))
    # 500: the settings cannot be saved (their directory is a file)
    (tmp_path / "file").write_text("")
    broken = make_service(source.address, settings_path=tmp_path / "file" / "settings.json")
    probe.check(
        "post", "/roi_signal", requests.post(f"{broken.url}/roi_signal", json=[], timeout=10)
    )
    # 503 from /health: processing, but no input arrives
    starved = make_service(
        "tcp://127.0.0.1:9",
        settings_path=tmp_path / "starved.json",
        service_options={"health_timeout_s": 0.5},
    )
    starved.client.start()
    wait_until(
        lambda: requests.get(f"{starved.url}/health", timeout=5).status_code == 503, 10, "503"
    )
    probe.check("get", "/health", requests.get(f"{starved.url}/health", timeout=10))

    codes = {(method, path, code) for method, path, code in probe.seen}
    for wanted in [
        ("get", "/live/image.png", 404), ("get", "/live/image.png", 200),
        ("get", "/status", 413), ("get", "/status", 400),
        ("post", "/roi_signal", 400), ("post", "/roi_signal", 415), ("post", "/roi_signal", 413),
        ("post", "/roi_signal", 403), ("post", "/roi_signal", 500), ("post", "/start", 401),
        ("post", "/start", 503), ("get", "/health", 503), ("get", "/health", 200),
        ("get", "/live/channels", 200), ("post", "/live/correlation_channel", 400),
        ("post", "/live/correlation_channel", 200),
        ("get", "/calibration", 200), ("post", "/calibration/stop", 409),
        ("post", "/calibration/apply", 409), ("post", "/calibration/start", 400),
    ]:  # fmt: skip
        assert wanted in codes, f"the probe did not produce {wanted}"


class _Assets(HTMLParser):
    """The URLs a page loads: scripts, style sheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for attribute in ("src", "href"):
            if tag in ("script", "link", "img", "iframe") and values.get(attribute):
                self.urls.append(str(values[attribute]))


CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}


@pytest.mark.parametrize("page_path", ["/docs", "/redoc"])
def test_docs_pages_load_their_files_from_the_service(running: Running, page_path: str) -> None:
    answer = requests.get(f"{running.url}{page_path}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["x-frame-options"] == "DENY"  # the security headers as everywhere
    parser = _Assets()
    parser.feed(answer.text)
    assert len(parser.urls) >= 2, parser.urls  # a script and a style sheet or an icon
    assert "openapi.json" in answer.text
    origin = urlsplit(running.url)
    assert "//" not in answer.text.replace("http://www.w3.org", ""), "an absolute URL"
    for url in parser.urls:
        address = urlsplit(urljoin(f"{running.url}{page_path}", url))
        assert (address.scheme, address.netloc) == (origin.scheme, origin.netloc), url
        served = requests.get(address.geturl(), timeout=10)
        assert served.status_code == 200, url
        suffix = Path(address.path).suffix
        media = served.headers["content-type"].split(";")[0]
        assert media in CONTENT_TYPES[suffix], (url, media)
        assert served.headers["x-content-type-options"] == "nosniff"
        assert len(served.content) > 1000, url


def test_docs_assets_answer_errors_as_the_api_does(running: Running) -> None:
    missing = requests.get(f"{running.url}/docs/assets/nothing.js", timeout=10)
    assert missing.status_code == 404
    assert missing.json()["state"] == "error"
    escape = requests.get(f"{running.url}/docs/assets/..%2f..%2f__init__.py", timeout=10)
    assert escape.status_code == 404
    write = requests.post(f"{running.url}/docs", json={}, timeout=10)
    assert write.status_code == 405 and write.json()["state"] == "error"


@dataclass
class _Traffic:
    """What a page asked of other sites (each request aborted), and its console's errors (a
    script, style or image the page's policy refused shows there, and was not fetched)."""

    elsewhere: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def _blocking_elsewhere(page: Any, origin: str) -> _Traffic:
    """Abort every request the page makes to anything but ``origin``, and record it."""
    traffic = _Traffic()

    def console(message: Any) -> None:
        if message.type == "error":
            traffic.console_errors.append(message.text)

    def route(r: Any) -> None:
        if r.request.url.startswith(origin):
            r.continue_()
        else:
            traffic.elsewhere.append(r.request.url)
            r.abort()

    page.on("console", console)
    page.route("**/*", route)
    return traffic


def test_swagger_ui_renders_every_operation_offline(page: Any, running: Running) -> None:
    traffic = _blocking_elsewhere(page, running.url)
    page.goto(f"{running.url}/docs")
    page.wait_for_selector(".opblock")
    page.wait_for_function(f"document.querySelectorAll('.opblock').length == {len(EXPECTED)}")
    shown = page.eval_on_selector_all(
        ".opblock",
        """blocks => blocks.map(b => [
            b.querySelector('.opblock-summary-method').textContent.toLowerCase(),
            b.querySelector('.opblock-summary-path').getAttribute('data-path')])""",
    )
    assert {(method, path) for method, path in shown} == set(EXPECTED)
    assert page.text_content(".info .title").startswith("psen_processing")
    # an operation opens with its description and its answers, the error envelope among them
    operation = page.locator(".opblock-post", has=page.locator('[data-path="/roi_signal"]'))
    operation.locator(".opblock-summary").click()
    operation.locator(".responses-table").first.wait_for()
    text = operation.text_content()
    assert "saved to the settings file" in text and "415" in text and "500" in text
    assert traffic == _Traffic(), "the page asked other sites for something or had errors"


def test_redoc_renders_the_reference_offline(page: Any, running: Running) -> None:
    traffic = _blocking_elsewhere(page, running.url)
    page.goto(f"{running.url}/redoc")
    page.wait_for_selector("text=Set the signal ROI")
    page.wait_for_selector("text=Prometheus metrics")
    # the answers of an operation, with the error descriptions
    page.wait_for_selector("text=The request body is over 64 KiB.")
    assert traffic.elsewhere == [], f"the page asked other sites for {traffic.elsewhere}"
    # ReDoc's footer shows Redocly's logo from their site: the page's policy refuses it before
    # any request (ReDoc then leaves it out); nothing else may fail
    refused = [
        text
        for text in traffic.console_errors
        if 'violates the following Content Security Policy directive: "img-src' in text
    ]
    assert traffic.console_errors == refused, traffic.console_errors


def test_swagger_ui_writes_with_the_token_it_is_given(
    page: Any, make_service: Callable[..., Running], source: Source
) -> None:
    """The docs page is the service's own origin: with the token (its Authorize button) its
    'Try it out' writes, without it the answer is 401 as for anyone."""
    running = make_service(source.address, api_token="s3cret")
    traffic = _blocking_elsewhere(page, running.url)
    page.goto(f"{running.url}/docs")
    operation = page.locator(".opblock-post", has=page.locator('[data-path="/start"]'))
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()

    def execute() -> str:
        operation.locator("button.execute").click()
        status = operation.locator(".live-responses-table .response .response-col_status")
        status.first.wait_for()
        text = status.first.text_content().strip()
        operation.locator("button.btn-clear").click()
        return text

    assert execute().startswith("401")
    assert running.service.status == "stopped"
    page.click(".auth-wrapper button.authorize")
    page.fill(".modal-ux input", "s3cret")
    page.click(".modal-ux button.authorize")
    page.click(".modal-ux button.btn-done")
    assert execute().startswith("200")
    assert running.service.status == "processing"
    assert traffic.elsewhere == [], f"the page asked other sites for {traffic.elsewhere}"
    # the browser reports the 401 it was answered, and nothing else
    assert [text for text in traffic.console_errors if "401" not in text] == []
