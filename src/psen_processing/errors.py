"""The exception tree of psen_processing: every error the package raises derives from PsenError.

Each class is drawn under its first base; other bases follow its name in brackets. The ones
that are also a ``ValueError`` are caught as such by callers and by 1.x scripts::

    PsenError
        ProtocolError                   a received bsread message cannot be decoded (``reason``)
            CodecUsageError (ValueError)    the codec asked for what a value does not allow
        InvalidRoi (ValueError)         a ROI against the rules
        InvalidEdgeSettings (ValueError)    edge-detection settings that cannot be used
        InvalidData (ValueError)        arrays of a shape or type that cannot be processed
        InvalidSpectrumModel (ValueError)   the simulated camera's spectrum model
        InvalidOption (ValueError)      a setting of the service or a helper out of bounds
        InvalidRequest (ValueError)     a REST request that cannot be understood (HTTP 400)
            RequestTooLarge             a REST request body over the limit (HTTP 413)
        ApiError (ValueError)           the client got an error answer (``status``, ``message``)
        SettingsFileError               the settings file cannot be read or written
        ServiceError                    the service cannot do what was asked
        CalibrationError                a calibration request the run's state refuses (HTTP 409)
            CalibrationFitError         the points of a delay scan cannot be fitted

``tests/unit/test_error_tree.py`` checks that this drawing is the tree, that no other module
defines an exception class, and that every ``raise`` in the package raises one of these (or is
caught inside the package).
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "CalibrationError",
    "CalibrationFitError",
    "CodecUsageError",
    "InvalidData",
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


class ProtocolError(PsenError):
    """A bsread message that cannot be decoded.

    ``reason`` is a short, stable key (used as a statistics counter name); the message says what
    exactly was wrong.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class CodecUsageError(ProtocolError, ValueError):
    """The codec was asked for something the value at hand does not allow: compressing with an
    unknown compression (``unknown_compression``), viewing a channel that is not 2-D as an
    image (``image_not_2d``), picking a block that is not a full one (``not_a_full_block``)."""


class InvalidRoi(ValueError, PsenError):
    """A ROI does not follow the rules (4 integers, offsets >= 0, sizes > 0, inside the image)."""


class InvalidEdgeSettings(ValueError, PsenError):
    """Edge-detection settings that cannot be used."""


class InvalidData(ValueError, PsenError):
    """Arrays of a shape or type that cannot be processed: a profile that is not 1-D, signal and
    reference profiles of different lengths, an image to show that is not 2-D uint8."""


class InvalidSpectrumModel(ValueError, PsenError):
    """Parameters of the synthetic spectrum model (simulated camera) that cannot be used."""


class InvalidOption(ValueError, PsenError):
    """A setting of the service itself (a command-line option), of the simulated camera or of a
    helper (log limiter, rate watch) out of its bounds or malformed."""


class InvalidRequest(ValueError, PsenError):
    """A REST request whose body or parameters cannot be understood."""


class RequestTooLarge(InvalidRequest):
    """A REST request body over the size limit (HTTP 413)."""


class ApiError(ValueError, PsenError):
    """What :class:`~psen_processing.PsenProcessingClient` raises for an error answer.

    ``status`` is the HTTP status code (200 from 1.x servers, which answered errors so),
    ``message`` the server's message (for an answer that is not JSON: what came instead);
    ``str()`` of it is that message, as of 1.x's ``ValueError``.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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
