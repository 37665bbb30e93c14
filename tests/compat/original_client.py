"""A REST client written to the interface of psen_processing 1.x's client, as a test helper.

It talks to the service the way scripts written for 1.x do: ``requests`` with no timeout,
``start``/``stop`` as POSTs without a body, a ROI sent with ``json=roi`` (so ``None`` sends no
body and no Content-Type), every answer parsed with ``.json()`` whatever its HTTP status, and
``ValueError(status)`` raised when ``state`` is not ``"ok"``. It is deliberately independent of
:class:`psen_processing.PsenProcessingClient`: if the service drifts from what 1.x clients
expect, tests using this helper fail even when the package's own client was adapted.
"""

from __future__ import annotations

from typing import Any

import requests

__all__ = ["OriginalStyleClient"]


class OriginalStyleClient:
    """Every method of the 1.x client: same names, arguments and return values."""

    def __init__(self, address: str = "http://sf-daqsync-02:11000/") -> None:
        self._address = address
        self._base = address.rstrip("/")

    def get_address(self) -> str:
        return self._address

    @staticmethod
    def _checked(response: requests.Response) -> dict[str, Any]:
        answer: dict[str, Any] = response.json()  # whatever the HTTP status code
        if answer["state"] != "ok":
            raise ValueError(answer.get("status", "Unknown error occurred."))
        return answer

    def _get(self, endpoint: str) -> dict[str, Any]:
        return self._checked(requests.get(f"{self._base}/{endpoint}"))

    def _post(self, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        return self._checked(requests.post(f"{self._base}/{endpoint}", **kwargs))

    def start(self) -> str:
        return str(self._post("start")["status"])

    def stop(self) -> str:
        return str(self._post("stop")["status"])

    def get_status(self) -> str:
        return str(self._get("status")["status"])

    def get_statistics(self) -> dict[str, Any]:
        statistics: dict[str, Any] = self._get("statistics")["statistics"]
        return statistics

    def get_roi_signal(self) -> Any:
        return self._get("roi_signal")["roi_signal"]

    def set_roi_signal(self, roi: Any) -> Any:
        return self._post("roi_signal", json=roi)["roi_signal"]

    def get_roi_background(self) -> Any:
        return self._get("roi_background")["roi_background"]

    def set_roi_background(self, roi: Any) -> Any:
        return self._post("roi_background", json=roi)["roi_background"]
