"""Requests a web page on another origin can make change nothing (HTTP level; Chromium itself in
test_browser.py): JSON only for writes, foreign Origins refused, CORS only for listed origins,
the Host header guarded, and no page of the service can be framed."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from psen_processing.api.guards import HttpGuards
from psen_processing.cli import parse_args

from ..conftest import Running, ServiceProcess, Source, command_line, wait_for_rest

FOREIGN = "http://evil.example:8000"
WRITES: list[tuple[str, object]] = [
    ("/stop", None),
    ("/start", None),
    ("/roi_signal", [1, 2, 3, 4]),
    ("/roi_background", [1, 2, 3, 4]),
    ("/edge_detection", {"enabled": True}),
]


def _state(url: str) -> tuple[object, ...]:
    return tuple(
        requests.get(f"{url}/{name}", timeout=5).json()[name]
        for name in ("status", "roi_signal", "roi_background", "edge_detection")
    )


def _processing(make_service: Callable[..., Running], source: Source, **options: object) -> Running:
    run = make_service(source.address, **options)
    run.client.set_roi_signal([0, 4, 0, 4])
    run.client.start()
    return run


def _own_origin(run: Running) -> str:
    return run.url  # http://127.0.0.1:PORT, as a browser writes the page's origin


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        None,  # a body with no Content-Type (fetch with a Blob body)
        "application/jsonx",
    ],
)
def test_a_write_with_a_body_that_is_not_declared_json_is_refused_with_415(
    make_service: Callable[..., Running], source: Source, content_type: str | None
) -> None:
    run = _processing(make_service, source)
    before = _state(run.url)
    for path, body in WRITES:
        data = b"[1, 2, 3, 4]" if body is None else json.dumps(body)
        headers = {} if content_type is None else {"Content-Type": content_type}
        answer = requests.post(f"{run.url}{path}", data=data, headers=headers, timeout=5)
        assert answer.status_code == 415, (path, answer.text)
        message = answer.json()["status"]
        assert answer.json()["state"] == "error"
        assert "Content-Type: application/json" in message, message
    assert _state(run.url) == before == ("processing", [0, 4, 0, 4], [], before[3])


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"],
)
def test_a_bodiless_write_declaring_another_type_is_refused_with_415(
    make_service: Callable[..., Running], source: Source, content_type: str
) -> None:
    # an empty form posted from another site; some browsers send no Origin with it
    run = _processing(make_service, source)
    before = _state(run.url)
    for path in ("/stop", "/start", "/roi_signal"):
        answer = requests.post(
            f"{run.url}{path}", headers={"Content-Type": content_type}, timeout=5
        )
        assert answer.status_code == 415, (path, answer.text)
        assert "Content-Type: application/json" in answer.json()["status"]
    assert _state(run.url) == before


def test_json_writes_and_bodiless_calls_of_the_original_client_still_work(
    make_service: Callable[..., Running], source: Source
) -> None:
    run = make_service(source.address)
    # psen_processing 1.x: requests.post(url + "/start"), requests.post(url, json=roi)
    assert requests.post(f"{run.url}/start", timeout=5).json()["status"] == "processing"
    assert requests.post(f"{run.url}/roi_signal", json=[0, 4, 0, 4], timeout=5).ok
    assert requests.post(f"{run.url}/roi_background", json=None, timeout=5).ok
    headers = {"Content-Type": "application/json; charset=utf-8"}
    answer = requests.post(f"{run.url}/roi_background", data=b"[0,4,0,2]", headers=headers,
                           timeout=5)  # fmt: skip
    assert answer.json()["roi_background"] == [0, 4, 0, 2]
    assert requests.post(f"{run.url}/stop", timeout=5).json()["status"] == "stopped"
    assert run.client.start() == "processing"  # our client sends JSON


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": FOREIGN},
        {"Origin": "null"},  # sandboxed frames, file: pages, no-referrer redirects
        {"Origin": "http://127.0.0.1:1"},  # this host, another port: another origin
        {"Origin": FOREIGN, "Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
    ],
)
def test_a_write_from_a_foreign_origin_is_refused_with_403(
    make_service: Callable[..., Running], source: Source, headers: dict[str, str]
) -> None:
    run = _processing(make_service, source)
    before = _state(run.url)
    for path, body in WRITES:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            answer = requests.request(
                method, f"{run.url}{path}", json=body, headers=headers, timeout=5
            )
            assert answer.status_code == 403, (method, path, answer.text)
            assert "Access-Control-Allow-Origin" not in answer.headers
            message = answer.json()["status"]
            assert "--allowed_origins" in message, message
            if "Origin" in headers:
                assert headers["Origin"] in message
    assert _state(run.url) == before
    assert before[0] == "processing"


def test_a_write_from_the_service_own_page_is_accepted(
    make_service: Callable[..., Running], source: Source
) -> None:
    run = make_service(source.address)
    headers = {"Origin": _own_origin(run), "Sec-Fetch-Site": "same-origin"}
    answer = requests.post(f"{run.url}/roi_signal", json=[0, 4, 0, 4], headers=headers, timeout=5)
    assert answer.status_code == 200, answer.text
    assert run.client.get_roi_signal() == [0, 4, 0, 4]


def test_dns_rebinding_a_foreign_name_onto_the_service_cannot_write(
    make_service: Callable[..., Running], source: Source
) -> None:
    """evil.example resolves to the service: Origin and Host agree, but name a foreign host."""
    run = _processing(make_service, source)
    port = urlsplit(run.url).port
    headers = {"Host": f"evil.example:{port}", "Origin": f"http://evil.example:{port}"}
    answer = requests.post(f"{run.url}/stop", json=None, headers=headers, timeout=5)
    assert answer.status_code == 403, answer.text
    assert "--allowed_hosts" in answer.json()["status"]
    assert run.client.get_status() == "processing"
    # scripts that name the host any way they like, without Origin, are not affected
    answer = requests.get(f"{run.url}/status", headers={"Host": "sf-alias.example"}, timeout=5)
    assert answer.ok


def test_allowed_origins_get_cors_and_their_preflight_answered(
    make_service: Callable[..., Running], source: Source
) -> None:
    allowed = "http://console.example:8080"
    run = _processing(make_service, source, guards=HttpGuards(allowed_origins=(allowed,)))
    preflight = requests.options(
        f"{run.url}/roi_signal",
        headers={"Origin": allowed, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,authorization"},
        timeout=5,
    )  # fmt: skip
    assert preflight.status_code == 204, preflight.text
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    allowed_headers = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "content-type" in allowed_headers and "authorization" in allowed_headers
    assert "Origin" in preflight.headers["Vary"]
    answer = requests.post(
        f"{run.url}/roi_signal", json=[0, 8, 0, 4], headers={"Origin": allowed}, timeout=5
    )
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == allowed
    read = requests.get(f"{run.url}/status", headers={"Origin": allowed}, timeout=5)
    assert read.headers["Access-Control-Allow-Origin"] == allowed
    # other origins: reads open to all (as 1.x), a write's preflight refused, writes refused
    for origin in (FOREIGN, allowed + "0", allowed.replace("http:", "https:")):
        read = requests.get(f"{run.url}/status", headers={"Origin": origin}, timeout=5)
        assert read.ok and read.headers["Access-Control-Allow-Origin"] == "*"
        assert "Origin" in read.headers["Vary"]  # the answer differs for the allowed origin
        preflight = requests.options(
            f"{run.url}/roi_signal",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=5,
        )
        assert preflight.status_code == 403
        assert "Access-Control-Allow-Origin" not in preflight.headers
        answer = requests.post(f"{run.url}/stop", json=None, headers={"Origin": origin}, timeout=5)
        assert answer.status_code == 403
    assert run.client.get_status() == "processing"
    # a listed origin still needs JSON
    answer = requests.post(
        f"{run.url}/roi_signal",
        data=b"[0, 1, 0, 1]",
        headers={"Origin": allowed, "Content-Type": "text/plain"},
        timeout=5,
    )
    assert answer.status_code == 415
    assert run.client.get_roi_signal() == [0, 8, 0, 4]


def test_allowed_hosts_refuse_other_host_headers_with_400(
    make_service: Callable[..., Running], source: Source
) -> None:
    run = make_service(
        source.address, guards=HttpGuards(allowed_hosts=("127.0.0.1", "psen.example"))
    )
    assert requests.get(f"{run.url}/status", timeout=5).ok
    port = urlsplit(run.url).port
    for host in ("psen.example", f"psen.example:{port}", "PSEN.example"):
        assert requests.get(f"{run.url}/status", headers={"Host": host}, timeout=5).ok
    for host in ("evil.example", f"localhost:{port}", "psen.example.evil.example"):
        for method in ("GET", "POST"):
            answer = requests.request(
                method, f"{run.url}/roi_signal", headers={"Host": host}, timeout=5
            )
            assert answer.status_code == 400, (host, method)
            assert "--allowed_hosts" in answer.json()["status"]
    # a listed name may also be the page's origin (behind an alias, say)
    answer = requests.post(
        f"{run.url}/roi_signal",
        json=[0, 2, 0, 2],
        headers={"Host": "psen.example", "Origin": "http://psen.example"},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text


def test_the_token_is_still_required_and_checked_after_the_origin(
    make_service: Callable[..., Running], source: Source
) -> None:
    run = make_service(source.address, api_token="tok-123456")
    own = {"Origin": _own_origin(run)}
    answer = requests.post(f"{run.url}/roi_signal", json=[0, 1, 0, 1], headers=own, timeout=5)
    assert answer.status_code == 401
    foreign = {"Origin": FOREIGN, "Authorization": "Bearer tok-123456"}
    answer = requests.post(f"{run.url}/roi_signal", json=[0, 1, 0, 1], headers=foreign, timeout=5)
    assert answer.status_code == 403
    good = {**own, "Authorization": "Bearer tok-123456"}
    answer = requests.post(f"{run.url}/roi_signal", json=[0, 1, 0, 1], headers=good, timeout=5)
    assert answer.status_code == 200
    assert run.client.get_roi_signal() == [0, 1, 0, 1]


def test_no_answer_of_the_service_can_be_framed(running: Running) -> None:
    for method, path in [("GET", "/"), ("GET", "/status"), ("GET", "/nothing"),
                         ("GET", "/static/live.js"), ("POST", "/start")]:  # fmt: skip
        answer = requests.request(method, f"{running.url}{path}", timeout=5)
        assert answer.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers["X-Content-Type-Options"] == "nosniff", path


def test_command_line_origins_and_hosts(monkeypatch: pytest.MonkeyPatch) -> None:
    base = ["tcp://cam:9000", "CAM"]
    args = parse_args([*base])
    assert args.allowed_origins == [] and args.allowed_hosts == []
    args = parse_args([*base, "--allowed_origins", "http://a.example:8080, https://B.example/",
                       "--allowed_origins", "http://[::1]:9000"])  # fmt: skip
    assert args.allowed_origins == [
        "http://a.example:8080",
        "https://b.example",
        "http://[::1]:9000",
    ]
    args = parse_args(
        [*base, "--allowed_hosts", "psen.example,127.0.0.1", "--allowed_hosts", "::1"]
    )
    assert args.allowed_hosts == ["psen.example", "127.0.0.1", "::1"]


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--allowed_origins", "*", "scheme://host"),
        ("--allowed_origins", "evil.example", "scheme://host"),
        ("--allowed_origins", "ftp://a.example", "http or https"),
        ("--allowed_origins", "http://a.example/path", "no path"),
        ("--allowed_hosts", "*", "host name or IP address"),
        ("--allowed_hosts", "a b", "host name or IP address"),
        ("--allowed_hosts", "http://a.example", "host name or IP address"),
    ],
)
def test_bad_origins_and_hosts_are_a_clear_error(
    option: str, value: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse_args(["tcp://cam:9000", "CAM", option, value])
    assert words in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM")
def test_the_command_applies_its_origin_and_host_options(tmp_path: Path, source: Source) -> None:
    allowed = "http://console.example:8080"
    service = ServiceProcess(
        command_line(
            source.address,
            0,
            tmp_path / "cam.json",
            "--allowed_origins",
            allowed,
            "--allowed_hosts",
            "127.0.0.1",
        ),
        env={**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")},
    )
    try:
        rest = service.rest_port()
        url = f"http://127.0.0.1:{rest}"
        wait_for_rest(rest)
        answer = requests.post(
            f"{url}/roi_signal", json=None, headers={"Origin": allowed}, timeout=5
        )
        assert answer.ok and answer.headers["Access-Control-Allow-Origin"] == allowed
        answer = requests.post(
            f"{url}/roi_signal", json=None, headers={"Origin": FOREIGN}, timeout=5
        )
        assert answer.status_code == 403
        answer = requests.get(f"{url}/status", headers={"Host": f"localhost:{rest}"}, timeout=5)
        assert answer.status_code == 400
    finally:
        service.process.send_signal(signal.SIGTERM)
        service.finish()
