"""The live page in a real browser: headless Chromium (Debian's package) driven by Playwright,
against a running service fed by the simulated camera.

Skipped when Chromium is not installed, unless ``PSEN_REQUIRE_BROWSER=1`` (as CI sets it): then
a missing browser fails the test.
"""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import zmq

from psen_processing.api.guards import HttpGuards
from psen_processing.sim.camera import CameraConfig, CameraSender, SimulatedCamera

from ..conftest import Running, Sink, Source
from .conftest import HEIGHT, PREFIX, WIDTH


def _parameters(sink: Sink, wanted: list[int]) -> tuple[dict[str, Any], Any]:
    """Read the output stream until a frame was processed with the signal ROI ``wanted``."""
    for _ in range(2000):
        message = sink.receive()
        parameters = json.loads(str(message.value(f"{PREFIX}:FPICTURE.processing_parameters")))
        if parameters["roi_signal"] == wanted:
            return parameters, message.array(f"{PREFIX}:FPICTURE.roi_signal_x_profile")
    pytest.fail(f"no output frame with roi_signal {wanted}")


def test_live_page_updates_and_sets_a_roi(
    page: Any, camera_service: Running, zmq_context: zmq.Context[Any]
) -> None:
    running = camera_service
    sink = running.sink(zmq_context)  # a real consumer of the output stream
    page.goto(f"{running.url}/")
    page.wait_for_function("Number(document.getElementById('pulse-id').textContent) > 0")
    first_pulse = int(page.text_content("#pulse-id"))
    assert page.text_content("#status") == "processing"
    assert page.text_content("#prefix") == PREFIX
    # the plots are redrawn as frames arrive: the pulse shown and the canvas pixels change
    profiles = page.evaluate("document.getElementById('profiles').toDataURL()")
    page.wait_for_function(
        "first => Number(document.getElementById('pulse-id').textContent) > first", arg=first_pulse
    )
    page.wait_for_function(
        "before => document.getElementById('profiles').toDataURL() !== before", arg=profiles
    )
    page.wait_for_function("Number(document.getElementById('history-count').textContent) > 3")
    page.wait_for_function("Number(document.getElementById('edge-position').textContent) > 0")
    # the shares of X-ray shots with an edge found and with a confident one (the default
    # matched filter is never confident)
    page.wait_for_function("document.getElementById('edge-ratio').textContent.endsWith(' %')")
    assert page.text_content("#edge-confident") == "0.0 %"
    page.wait_for_function("Number(document.getElementById('image-pulse').textContent) > 0")
    drawn = page.evaluate(
        """() => {
            const c = document.getElementById('image');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let red = 0, bright = 0;
            for (let i = 0; i < d.length; i += 4) {
                if (d[i] > 200 && d[i + 1] < 80 && d[i + 2] < 80) red++;
                if (d[i] > 100 && d[i + 1] > 100 && d[i + 2] > 100) bright++;
            }
            return {red, bright, width: c.width, height: c.height};
        }"""
    )
    assert drawn["width"] > 0 and drawn["height"] == round(drawn["width"] * HEIGHT / WIDTH)
    assert drawn["red"] > 100, drawn  # the signal ROI's outline
    assert drawn["bright"] > 100, drawn  # the spectrum's band

    # set the signal ROI through the form; the output stream then carries it
    form = page.locator("#form-roi_signal")
    for name, value in zip(
        ("offset_x", "size_x", "offset_y", "size_y"), (10, 300, 20, 16), strict=True
    ):
        form.locator(f"input[name={name}]").fill(str(value))
    form.locator("button[type=submit]").click()
    page.wait_for_function(
        "document.querySelector('#form-roi_signal .ok')?.textContent === 'set to [10,300,20,16]'"
    )
    parameters, profile = _parameters(sink, [10, 300, 20, 16])
    assert parameters["roi_background"] == [0, WIDTH, 0, 8]
    assert profile is not None and profile.shape == (300,)
    assert running.client.get_roi_signal() == [10, 300, 20, 16]
    page.wait_for_function("document.getElementById('current-roi_signal').textContent"
                           " === 'now [10,300,20,16]'")  # fmt: skip

    # an invalid ROI: the server's message is shown and nothing changes
    form.locator("input[name=size_x]").fill("600")
    form.locator("button[type=submit]").click()
    error = form.locator(".error")
    error.wait_for()
    page.wait_for_function("document.querySelector('#form-roi_signal .error').textContent !== ''")
    expected = requests.post(f"{running.url}/roi_signal", json=[10, 600, 20, 16], timeout=5)
    assert expected.status_code == 400
    assert error.text_content() == expected.json()["status"]
    assert "must not exceed the image size" in error.text_content()
    assert running.client.get_roi_signal() == [10, 300, 20, 16]


def test_edge_settings_form_shows_errors_and_applies(page: Any, camera_service: Running) -> None:
    running = camera_service
    page.goto(f"{running.url}/")
    form = page.locator("#form-edge")
    page.wait_for_function(
        "document.querySelector('#form-edge textarea').value.includes('filter_length')"
    )
    textarea = form.locator("textarea")
    textarea.fill('{"fit_fraction": 2}')
    form.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#form-edge .error').textContent !== ''")
    assert "fit_fraction" in form.locator(".error").text_content()
    textarea.fill('{"min_amplitude": 0.05}')
    form.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#form-edge .ok')?.textContent === 'applied'")
    assert running.client.get_edge_detection()["min_amplitude"] == 0.05
    assert '"min_amplitude": 0.05' in textarea.input_value()


def test_writes_from_the_page_need_the_token_when_one_is_set(
    page: Any, make_service: Callable[..., Running], zmq_context: zmq.Context[Any]
) -> None:
    camera = SimulatedCamera(CameraConfig(prefix=PREFIX, width=WIDTH, height=HEIGHT, rate_hz=50))
    sender = CameraSender(camera, "tcp://127.0.0.1:0")
    sender.start()
    try:
        running = make_service(
            f"tcp://127.0.0.1:{sender.port}", prefix=PREFIX, api_token="s3cret-token"
        )
        running.client.set_roi_signal([0, WIDTH, 24, 16])
        running.client.start()  # binds the output: port 0, the system's choice
        sink = running.sink(zmq_context)  # block mode: frames go out only with a consumer
        page.goto(f"{running.url}/")
        page.wait_for_function("Number(document.getElementById('pulse-id').textContent) > 0")
        form = page.locator("#form-roi_signal")
        form.locator("input[name=size_x]").fill("200")
        form.locator("button[type=submit]").click()
        # without the token the page shows the server's 401 message and nothing changes
        page.wait_for_function(
            "document.querySelector('#form-roi_signal .error').textContent.includes('token')"
        )
        assert running.client.get_roi_signal() == [0, WIDTH, 24, 16]
        page.fill("#api-token", "s3cret-token")
        page.dispatch_event("#api-token", "change")
        form.locator("button[type=submit]").click()
        page.wait_for_function(
            "document.querySelector('#form-roi_signal .ok')?.textContent === 'set to [0,200,24,16]'"
        )
        assert running.client.get_roi_signal() == [0, 200, 24, 16]
        _parameters(sink, [0, 200, 24, 16])
        # the token stays in this tab only: a reload keeps it, the address never holds it
        page.reload()
        assert page.input_value("#api-token") == "s3cret-token"
        assert "s3cret" not in page.url
    finally:
        sender.stop()


# --- pages of another origin -----------------------------------------------------------------

OTHER_HOST = "127.0.0.2"  # another origin (and site) than the service's 127.0.0.1, same machine


@dataclass
class OtherOrigin:
    """A web server of another origin, serving ``page.html`` with an iframe to post into."""

    origin: str

    @property
    def page(self) -> str:
        return f"{self.origin}/page.html"


@pytest.fixture
def other_origin(tmp_path: Path) -> Iterator[OtherOrigin]:
    site = tmp_path / "other_site"
    site.mkdir()
    (site / "page.html").write_text(
        "<!doctype html><title>another site</title><iframe name=sink></iframe>", encoding="utf-8"
    )
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer((OTHER_HOST, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield OtherOrigin(f"http://{OTHER_HOST}:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


_FETCH = """async ([url, options]) => {
    try {
        const response = await fetch(url, options);
        return options.mode === "no-cors" ? "sent" : await response.text();
    } catch (error) {
        return "blocked: " + error;
    }
}"""

_FORM = """([url, enctype, fields]) => {
    const frame = document.createElement("iframe");  // a new one each time: a frame the service
    frame.name = "post-" + document.forms.length;    // refused to be shown in stays blank
    document.body.appendChild(frame);
    const form = document.createElement("form");
    form.method = "POST"; form.action = url; form.enctype = enctype; form.target = frame.name;
    for (const [name, value] of fields) {
        const input = document.createElement("input");
        input.type = "hidden"; input.name = name; input.value = value;
        form.appendChild(input);
    }
    document.body.appendChild(form);
    form.submit();
}"""


_FRAME = """url => new Promise(loaded => {
    const frame = document.createElement("iframe");
    frame.name = "live";
    frame.onload = () => loaded();
    frame.src = url;
    document.body.appendChild(frame);
})"""


def _answered(page: Any, url: str, script: str, argument: object) -> int:
    """Run ``script`` in the page and return the status of the service's answer to its POST."""
    with page.expect_response(
        lambda r: r.url == url and r.request.method == "POST", timeout=10000
    ) as answer:
        page.evaluate(script, argument)
    return int(answer.value.status)


def test_a_page_of_another_origin_can_neither_stop_nor_reconfigure_the_service(
    page: Any, camera_service: Running, other_origin: OtherOrigin
) -> None:
    running = camera_service
    before = running.settings_path.read_text()
    page.goto(other_origin.page)
    stop, roi = f"{running.url}/stop", f"{running.url}/roi_signal"
    simple = [  # requests a page may send anywhere without asking (no CORS preflight)
        (stop, {"method": "POST", "mode": "no-cors", "body": "{}",
                "headers": {"Content-Type": "text/plain"}}),
        (roi, {"method": "POST", "mode": "no-cors", "body": "[1, 2, 3, 4]",
               "headers": {"Content-Type": "text/plain"}}),
        (stop, {"method": "POST", "mode": "no-cors"}),
    ]  # fmt: skip
    for url, options in simple:
        status = _answered(page, url, _FETCH, [url, options])
        assert status == 403, (url, options)
    # a Blob without a type: a body with no Content-Type at all
    blob = "url => fetch(url, {method: 'POST', mode: 'no-cors', body: new Blob(['[1,2,3,4]'])})"
    assert _answered(page, roi, blob, roi) == 403
    forms = [
        (stop, "application/x-www-form-urlencoded", [["x", "1"]]),
        (roi, "text/plain", [["[1,2,3,", "4]"]]),
        (roi, "multipart/form-data", [["roi", "[1,2,3,4]"]]),
    ]
    for url, enctype, fields in forms:
        status = _answered(page, url, _FORM, [url, enctype, fields])
        assert status == 403, (url, enctype)
    # JSON needs a CORS preflight, which the service refuses: the request itself is never sent
    for url, body in ((stop, "null"), (roi, "[1, 2, 3, 4]")):
        options = {"method": "POST", "body": body, "headers": {"Content-Type": "application/json"}}
        result = page.evaluate(_FETCH, [url, options])
        assert result.startswith("blocked: TypeError"), result
    assert running.client.get_status() == "processing"
    assert running.client.get_roi_signal() == [0, WIDTH, 24, 16]
    assert running.settings_path.read_text() == before
    # nor can it show the live page in a frame (to trick a click into it)
    page.evaluate(_FRAME, f"{running.url}/")
    # the frame as Playwright knows it, asked for (page.frame() only looks at what Playwright
    # has heard so far, which can lag behind the page's load event: a name and URL still empty)
    framed = page.wait_for_selector('iframe[name="live"]', state="attached").content_frame()
    assert framed is not None
    framed.wait_for_load_state()
    assert framed.url.startswith("chrome-error://"), framed.url  # Chromium's "refused" page
    assert framed.query_selector("#pulse-id") is None
    assert running.client.get_status() == "processing"


def test_a_dashboard_of_another_origin_reads_the_service(
    page: Any, camera_service: Running, other_origin: OtherOrigin
) -> None:
    """Reads are open to every origin, as in 1.x (issue 16): a plain fetch, and one with a
    header that makes Chromium ask first (a preflight), both get the JSON."""
    running = camera_service
    page.goto(other_origin.page)
    status = json.loads(page.evaluate(_FETCH, [f"{running.url}/status", {"method": "GET"}]))
    assert status == {"state": "ok", "status": "processing"}
    options = {"method": "GET", "headers": {"X-Requested-With": "XMLHttpRequest",
                                            "Content-Type": "application/json"}}  # fmt: skip
    answer = page.evaluate(_FETCH, [f"{running.url}/statistics", options])
    statistics = json.loads(answer)["statistics"]
    assert statistics["n_processed_images"] >= 0 and statistics["frames_received"] >= 0
    roi = json.loads(page.evaluate(_FETCH, [f"{running.url}/roi_signal", {}]))
    assert roi["roi_signal"] == [0, WIDTH, 24, 16]


def test_a_page_of_an_allowed_origin_calls_the_api_with_json(
    page: Any,
    make_service: Callable[..., Running],
    source: Source,
    other_origin: OtherOrigin,
) -> None:
    running = make_service(
        source.address, guards=HttpGuards(allowed_origins=(other_origin.origin,))
    )
    page.goto(other_origin.page)
    roi = f"{running.url}/roi_signal"
    options = {"method": "POST", "body": "[0, 8, 0, 4]",
               "headers": {"Content-Type": "application/json"}}  # fmt: skip
    answer = json.loads(page.evaluate(_FETCH, [roi, options]))
    assert answer["state"] == "ok" and answer["roi_signal"] == [0, 8, 0, 4]
    status = json.loads(page.evaluate(_FETCH, [f"{running.url}/status", {"method": "GET"}]))
    assert status["status"] == "stopped"
    # still JSON only: a text/plain write from the allowed origin is refused, and readable
    options = {"method": "POST", "body": "[0, 1, 0, 1]",
               "headers": {"Content-Type": "text/plain"}}  # fmt: skip
    refused = json.loads(page.evaluate(_FETCH, [roi, options]))
    assert refused["state"] == "error" and "application/json" in refused["status"]
    assert running.client.get_roi_signal() == [0, 8, 0, 4]


def test_the_page_shows_no_camera_and_no_consumer(
    page: Any, make_service: Callable[..., Running], tmp_path: Path
) -> None:
    """Issue 17: nothing at the input address, nothing reading the output: both shown, red."""
    address = "tcp://127.0.0.1:1"  # nothing listens on port 1
    running = make_service(address, prefix=PREFIX)
    running.client.start()
    page.goto(f"{running.url}/")
    page.wait_for_function("document.getElementById('input-state').textContent === 'not connected'")
    assert "bad" in page.get_attribute("#input-state", "class")
    assert f"nothing answers at {address}" in page.text_content("#input-detail")
    assert "--input_mode sub" in page.text_content("#input-detail")
    assert page.text_content("#output-state") == "no consumer"
    assert "0 consumer(s)" in page.text_content("#output-detail")
    assert page.text_content("#status") == "processing: input not connected"  # not green
    assert page.get_attribute("#status", "class") == "badge stalled"
    page.screenshot(path=str(tmp_path / "no_camera.png"))


def test_the_page_shows_a_working_stream_in_green(
    page: Any, camera_service: Running, zmq_context: zmq.Context[Any], tmp_path: Path
) -> None:
    running = camera_service
    sink = running.sink(zmq_context)
    page.goto(f"{running.url}/")
    page.wait_for_function("document.getElementById('input-state').textContent === 'receiving'")
    page.wait_for_function("document.getElementById('output-state').textContent === 'sending'")
    for element in ("#input-state", "#output-state"):
        assert "good" in page.get_attribute(element, "class")
    assert "Hz in" in page.text_content("#input-detail")
    page.wait_for_function("document.getElementById('status').textContent === 'processing'")
    assert page.get_attribute("#status", "class") == "badge processing"
    page.screenshot(path=str(tmp_path / "receiving.png"))
    sink.receive()
