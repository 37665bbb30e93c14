"""Property-based fuzzing of the REST API from its own OpenAPI description, on the real server.

schemathesis generates requests for every operation (valid and invalid bodies); each answer must
be below 500, every non-2xx answer a 4xx with the JSON error envelope, and a rejected request
must leave the ROIs, the edge settings and the status as they were.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from psen_processing.api.app import MAX_BODY_BYTES

from ..conftest import Running
from .conftest import check_documented

FUZZ_EXAMPLES = 80
NOT_JSON = {"/metrics": "text/plain", "/live/image.png": "image/png"}
"""Operations that answer in another media type than the JSON envelope when they succeed."""


def _state(session: requests.Session, url: str) -> tuple[object, ...]:
    return tuple(
        session.get(f"{url}/{name}", timeout=5).json()[name]
        for name in ("status", "roi_signal", "roi_background", "edge_detection")
    )


def _check(case: Any, http: requests.Session, url: str, document: dict[str, Any]) -> None:
    before = _state(http, url)
    response = case.call(session=http, timeout=10)
    status = response.status_code
    described = f"{case.method} {case.formatted_path} {case.body!r}"
    check_documented(document, case.method, case.path, response)  # as the API says it answers
    if case.path == "/health" and status == 503:  # not healthy (e.g. no input frames): it says why
        assert response.json()["health"] == "failing", described
        return
    assert status < 500, f"{described}: {status} {response.text}"
    if 200 <= status < 300:
        media = response.headers.get("content-type", [""])[0].split(";")[0]
        if case.path in NOT_JSON:
            assert media == NOT_JSON[case.path], f"{described}: {media}"
        else:
            assert media == "application/json" and response.json()["state"] == "ok", described
        return
    assert 400 <= status < 500, described
    body = response.json()
    assert set(body) == {"state", "status"} and body["state"] == "error", described
    assert isinstance(body["status"], str) and body["status"], described
    assert _state(http, url) == before, f"a rejected request changed the state: {described}"


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_never_fail_the_server_and_rejections_change_nothing(
    running: Running, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_url(f"{running.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    labels = {operation.label for operation in operations}
    assert {"POST /roi_signal", "POST /edge_detection", "GET /statistics"} <= labels
    unsatisfiable: list[str] = []
    document = requests.get(f"{running.url}/openapi.json", timeout=10).json()
    with requests.Session() as http:
        for operation in operations:

            @given(case=operation.as_strategy(mode))
            @settings(max_examples=FUZZ_EXAMPLES, deadline=None,
                      suppress_health_check=list(HealthCheck), database=None)  # fmt: skip
            def fuzz(case: Any) -> None:
                _check(case, http, running.url, document)

            try:
                fuzz()
            except Unsatisfiable:  # negative mode: an operation with nothing to get wrong
                unsatisfiable.append(operation.label)
    assert not [label for label in unsatisfiable if label.startswith("POST /roi")]
    assert "POST /edge_detection" not in unsatisfiable


def test_the_request_bodies_are_described_for_fuzzing(running: Running) -> None:
    spec = requests.get(f"{running.url}/openapi.json", timeout=5).json()
    for path in ("/roi_signal", "/roi_background", "/edge_detection"):
        body = spec["paths"][path]["post"]["requestBody"]
        assert body["content"]["application/json"]["schema"], path


def _raw(running: Running, request: bytes, *, half_close: bool = False) -> bytes:
    """Send bytes on a plain TCP connection; whatever comes back before it closes."""
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(request)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        data = b""
        try:
            while chunk := conn.recv(65536):
                data += chunk
                head, found, body = data.partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                          if line.startswith(b"content-length:")]  # fmt: skip
                if found and length and len(body) >= length[0]:
                    break  # one whole answer
        except TimeoutError:
            pass
        return data


def _post(path: str, body: bytes, length: int | None = None, chunked: bool = False) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    if chunked:
        head += "Transfer-Encoding: chunked\r\n\r\n"
        data = b"".join(
            f"{len(body[i : i + 4096]):x}\r\n".encode() + body[i : i + 4096] + b"\r\n"
            for i in range(0, len(body), 4096)
        )
        return head.encode() + data + b"0\r\n\r\n"
    head += f"Content-Length: {len(body) if length is None else length}\r\n\r\n"
    return head.encode() + body


@pytest.mark.parametrize("chunked", [False, True])
def test_oversized_bodies_are_refused_with_413(running: Running, chunked: bool) -> None:
    running.client.set_roi_signal([0, 1, 0, 1])
    body = b"[" + b" " * (MAX_BODY_BYTES + 10) + b"1, 2, 3, 4]"
    answer = _raw(running, _post("/roi_signal", body, chunked=chunked))
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"state":"error"' in answer and b"too large" in answer
    assert running.client.get_roi_signal() == [0, 1, 0, 1]


def test_a_body_just_under_the_limit_is_read(running: Running) -> None:
    body = b"[0, 1, 0, 2" + b" " * (MAX_BODY_BYTES - 20) + b"]"
    assert len(body) <= MAX_BODY_BYTES
    assert running.client.set_roi_signal([0, 1, 0, 1]) == [0, 1, 0, 1]
    headers = {"Content-Type": "application/json"}
    answer = requests.post(f"{running.url}/roi_signal", data=body, headers=headers, timeout=5)
    assert answer.status_code == 200 and answer.json()["roi_signal"] == [0, 1, 0, 2]


@pytest.mark.parametrize(
    "case",
    ["declares_more_than_sent", "declares_less_than_sent", "declares_over_limit", "not_a_number"],
)
def test_a_content_length_that_lies_is_refused_and_changes_nothing(
    running: Running, case: str
) -> None:
    running.client.set_roi_signal([0, 1, 0, 1])
    errors = _ErrorLog()
    logging.getLogger("uvicorn.error").addHandler(errors)
    try:
        _lie(running, case)
        assert running.client.get_roi_signal() == [0, 1, 0, 1]
        assert running.client.get_status() == "stopped"  # and it still answers
    finally:
        logging.getLogger("uvicorn.error").removeHandler(errors)
    assert errors.records == [], "the app must handle it, not the server's last resort"


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


def _lie(running: Running, case: str) -> None:
    good = b"[5, 5, 5, 5]"
    if case == "declares_more_than_sent":  # the client then stops sending
        answer = _raw(running, _post("/roi_signal", good, length=500), half_close=True)
    elif case == "declares_less_than_sent":  # the rest would be read as the next request
        answer = _raw(running, _post("/roi_signal", good + b"[6, 6, 6, 6]", length=5))
    elif case == "declares_over_limit":
        answer = _raw(running, _post("/roi_signal", good, length=MAX_BODY_BYTES + 1))
        assert answer.startswith(b"HTTP/1.1 413")
    else:
        answer = _raw(running, _post("/roi_signal", good, length=None).replace(
            b"Content-Length: 12", b"Content-Length: 1e3"))  # fmt: skip
    if answer:
        assert answer.split(b" ", 2)[1].startswith(b"4"), answer[:200]
