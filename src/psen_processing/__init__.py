"""psen_processing: bsread stream processing for PSEN (photon spectral encoder) timing cameras.

The public surface: :class:`PsenProcessingClient` for the REST API, and the exception tree.
"""

from .client import PsenProcessingClient
from .errors import (
    ApiError,
    CalibrationError,
    CalibrationFitError,
    CodecUsageError,
    InvalidData,
    InvalidEdgeSettings,
    InvalidOption,
    InvalidRequest,
    InvalidRoi,
    InvalidSpectrumModel,
    ProtocolError,
    PsenError,
    RequestTooLarge,
    ServiceError,
    SettingsFileError,
)

__version__ = "2.1.0"

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
    "PsenProcessingClient",
    "RequestTooLarge",
    "ServiceError",
    "SettingsFileError",
    "__version__",
]
