"""The exception tree of psen_processing: every error the package raises derives from PsenError."""

from __future__ import annotations

__all__ = [
    "CalibrationError",
    "CalibrationFitError",
    "InvalidEdgeSettings",
    "InvalidOption",
    "InvalidRequest",
    "InvalidRoi",
    "InvalidSpectrumModel",
    "ProtocolError",
    "PsenError",
    "RequestTooLarge",
    "ServiceError",
    "SettingsFileError",
]


class PsenError(Exception):
    """Root of all psen_processing errors."""


class InvalidRoi(ValueError, PsenError):
    """A ROI does not follow the rules (4 integers, offsets >= 0, sizes > 0, inside the image)."""


class InvalidEdgeSettings(ValueError, PsenError):
    """Edge-detection settings that cannot be used."""


class InvalidSpectrumModel(ValueError, PsenError):
    """Parameters of the synthetic spectrum model (simulated camera) that cannot be used."""


class InvalidOption(ValueError, PsenError):
    """A setting of the service itself (a command-line option) out of its bounds or malformed."""


class InvalidRequest(ValueError, PsenError):
    """A REST request whose body or parameters cannot be understood."""


class RequestTooLarge(InvalidRequest):
    """A REST request body over the size limit (HTTP 413)."""


class ProtocolError(PsenError):
    """A bsread message that cannot be decoded.

    ``reason`` is a short, stable key (used as a statistics counter name); the message says what
    exactly was wrong.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class SettingsFileError(PsenError):
    """The settings file cannot be read or written."""


class ServiceError(PsenError):
    """The service cannot do what was asked (e.g. the output port cannot be bound)."""


class CalibrationError(PsenError):
    """A calibration request that the state of the calibration run does not allow (HTTP 409):
    a start while a run is going on, an apply without a fit, a restore without a previous
    calibration."""


class CalibrationFitError(CalibrationError):
    """The points of a delay scan cannot be fitted (too few delay steps, no spread)."""
