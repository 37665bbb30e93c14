"""The package's client raises :class:`ApiError` for an error answer: a ``ValueError`` (as 1.x's
client raised) whose ``str()`` is the server's message, carrying the HTTP status and the
message apart, against the real server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from psen_processing import ApiError, PsenError, PsenProcessingClient

from ..conftest import Running


def test_an_error_answer_is_an_api_error_with_status_and_message(
    make_service: Callable[..., Running],
) -> None:
    running = make_service("tcp://127.0.0.1:9")  # never started: no camera needed
    client = running.client
    with pytest.raises(ApiError) as caught:
        client.set_roi_signal([-1, -1, -1, -1])
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, PsenError)
    answer = requests.post(f"{running.url}/roi_signal", json=[-1, -1, -1, -1], timeout=10)
    assert error.status == answer.status_code == 400
    assert error.message == str(error) == answer.json()["status"]
    assert "ROI offsets" in error.message

    unknown = PsenProcessingClient(running.url + "/no_such_prefix", timeout=10)
    with pytest.raises(ValueError, match="no endpoint") as missing:  # as a 1.x script catches it
        unknown.get_status()
    assert isinstance(missing.value, ApiError) and missing.value.status == 404
