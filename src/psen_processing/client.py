"""PsenProcessingClient: the seed README's Python client for the REST API."""

from __future__ import annotations

import json
import os
from typing import Any

import requests

from .errors import ApiError

__all__ = ["TOKEN_ENVIRONMENT_VARIABLE", "PsenProcessingClient"]

TOKEN_ENVIRONMENT_VARIABLE = "PSEN_PROCESSING_API_TOKEN"


class PsenProcessingClient:
    """Talks to a running psen_processing service.

    Every method raises :class:`~psen_processing.errors.ApiError` (a ``ValueError``) with the
    HTTP status and the server's message when the server answers with an error, and
    ``requests`` exceptions when it cannot be reached within ``timeout`` seconds.
    """

    def __init__(
        self,
        address: str = "http://sf-daqsync-02:11000/",
        timeout: float = 10.0,
        token: str | None = None,
    ) -> None:
        """
        :param address: Address of the PSEN Processing service, e.g. http://localhost:11000
        :param timeout: Seconds to wait for any one request.
        :param token: API token of a service that requires one for changes; by default the
            environment variable PSEN_PROCESSING_API_TOKEN, if set.
        """
        self._given = address
        self.address = address.rstrip("/") + "/"
        """The service's address with one trailing slash, to which endpoints are appended."""
        self.timeout = timeout
        if token is None:
            token = os.environ.get(TOKEN_ENVIRONMENT_VARIABLE) or None
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get_address(self) -> str:
        """Return the REST api endpoint address, as given (as 1.x's client did)."""
        return self._given

    def _request(
        self, method: str, endpoint: str, body: Any = None, send_body: bool = False
    ) -> Any:
        kwargs: dict[str, Any] = {"timeout": self.timeout, "headers": dict(self._headers)}
        if send_body:
            kwargs["data"] = _dump(body)
            kwargs["headers"]["Content-Type"] = "application/json"
        response = requests.request(method, self.address + endpoint, **kwargs)
        try:
            data = response.json()
        except ValueError as exc:
            raise ApiError(
                response.status_code,
                f"{method} {self.address + endpoint} answered {response.status_code} without JSON: "
                f"{response.text[:200]!r}",
            ) from exc
        if not isinstance(data, dict) or data.get("state") != "ok":
            message = data.get("status") if isinstance(data, dict) else data
            raise ApiError(response.status_code, str(message))
        return data

    def get_status(self) -> str:
        """Get the status of the processing. :return: Server status."""
        return str(self._request("GET", "status")["status"])

    def get_statistics(self) -> dict[str, Any]:
        """Get the statistics of the processing. :return: Server statistics."""
        statistics: dict[str, Any] = self._request("GET", "statistics")["statistics"]
        return statistics

    def start(self) -> str:
        """Start the processing. :return: Server status."""
        return str(self._request("POST", "start")["status"])

    def stop(self) -> str:
        """Stop the processing. :return: Server status."""
        return str(self._request("POST", "stop")["status"])

    def get_roi_background(self) -> list[int]:
        """Get the ROI for the background. :return: Background ROI as a list."""
        return _roi(self._request("GET", "roi_background")["roi_background"])

    def set_roi_background(self, roi: list[int] | None) -> list[int]:
        """Set the ROI for the background.

        :param roi: List of 4 elements: [offset_x, size_x, offset_y, size_y] or [] or None.
        :return: Background ROI as a list ([] when it is off).
        """
        data = self._request("POST", "roi_background", roi, send_body=True)
        return _roi(data["roi_background"])

    def get_roi_signal(self) -> list[int]:
        """Get the ROI for the signal. :return: Signal ROI as a list."""
        return _roi(self._request("GET", "roi_signal")["roi_signal"])

    def set_roi_signal(self, roi: list[int] | None) -> list[int]:
        """Set the ROI for the signal.

        :param roi: List of 4 elements: [offset_x, size_x, offset_y, size_y] or [] or None.
        :return: Signal ROI as a list ([] when it is off).
        """
        return _roi(self._request("POST", "roi_signal", roi, send_body=True)["roi_signal"])

    def get_edge_detection(self) -> dict[str, Any]:
        """Get the edge detection settings. :return: The settings as a dict."""
        edge: dict[str, Any] = self._request("GET", "edge_detection")["edge_detection"]
        return edge

    def set_edge_detection(self, params: dict[str, Any]) -> dict[str, Any]:
        """Change edge detection settings; keys not given keep their values.

        :param params: e.g. {"enabled": True, "reference": {"mode": "pulse_id", "period": 2,
            "signal_offset": 0}, "calibration": [c0, c1], "direction": "falling"}.
        :return: All edge detection settings after the change.
        """
        data = self._request("POST", "edge_detection", params, send_body=True)
        edge: dict[str, Any] = data["edge_detection"]
        return edge

    def get_calibration(self) -> dict[str, Any]:
        """The calibration run, its fit and the applied calibration (``GET /calibration``)."""
        calibration: dict[str, Any] = self._request("GET", "calibration")["calibration"]
        return calibration

    def start_calibration(
        self,
        delay_channel: str,
        unit: str = "fs",
        order: int = 2,
        expected_range: list[float] | None = None,
        max_points: int | None = None,
    ) -> dict[str, Any]:
        """Start a calibration run (a delay scan).

        :param delay_channel: The input channel that carries the delay (e.g. a stage readback).
        :param unit: Its unit: fs, ps, ns, us or s.
        :param order: Polynomial order of the fit, 1 to 3.
        :param expected_range: [low, high] in ``unit``: delays outside are counted, not used.
        :param max_points: Points kept at most (10 to 200000, default 20000).
        :return: The calibration state (as get_calibration).
        """
        body: dict[str, Any] = {"delay_channel": delay_channel, "unit": unit, "order": order}
        if expected_range is not None:
            body["expected_range"] = expected_range
        if max_points is not None:
            body["max_points"] = max_points
        data = self._request("POST", "calibration/start", body, send_body=True)
        calibration: dict[str, Any] = data["calibration"]
        return calibration

    def stop_calibration(self) -> dict[str, Any]:
        """Stop the calibration run; its points and fit stay. :return: The calibration state."""
        calibration: dict[str, Any] = self._request("POST", "calibration/stop")["calibration"]
        return calibration

    def apply_calibration(self) -> dict[str, Any]:
        """Make the run's fit the edge calibration. :return: The applied fit's provenance."""
        applied: dict[str, Any] = self._request("POST", "calibration/apply")["applied"]
        return applied

    def restore_calibration(self) -> dict[str, Any]:
        """Put the calibration before the last apply back. :return: The calibration state."""
        calibration: dict[str, Any] = self._request("POST", "calibration/restore")["calibration"]
        return calibration


def _roi(value: Any) -> list[int]:
    """A ROI as answered: ``[]`` when it is off (also from servers that answered ``null``)."""
    return [] if value is None else list(value)


def _dump(value: Any) -> bytes:
    def default(obj: Any) -> Any:  # numpy integers and arrays, as scientists pass them
        if hasattr(obj, "tolist"):
            return obj.tolist()
        raise TypeError(f"{type(obj).__name__} cannot be sent as JSON")

    return json.dumps(value, default=default).encode("utf-8")
