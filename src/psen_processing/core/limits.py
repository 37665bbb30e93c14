"""The bounds of the settings, and how values are shown in messages (pure).

One place for the numbers the README documents; the settings models' fields use them (see
:mod:`.settings`): settings outside them are refused when set over REST and when the settings
file is loaded.
"""

from __future__ import annotations

__all__ = [
    "MAX_CALIBRATION_COEFFICIENTS",
    "MAX_CALIBRATION_MAGNITUDE",
    "MAX_CHANNEL_NAME",
    "MAX_MIN_AMPLITUDE",
    "MAX_PERIOD",
    "MAX_REFERENCE_LENGTH",
    "MAX_ROI_OFFSET",
    "MAX_ROI_SIZE",
    "shown",
]

MAX_REFERENCE_LENGTH = 1000
"""Reference shots averaged at most: 20 s of references at 100 Hz with every other shot one; the
average holds ``reference_length x ROI width x 8`` bytes (20 MB for 1000 x 2560 px)."""
MAX_CALIBRATION_COEFFICIENTS = 8
"""A polynomial of degree 7 at most."""
MAX_CALIBRATION_MAGNITUDE = 1e12
"""Each coefficient's absolute value at most (fs; 1e12 fs is one second)."""
MAX_PERIOD = 1_000_000
"""The pulse-id period of the X-ray/reference pattern at most."""
MAX_CHANNEL_NAME = 256
"""Characters of a channel name at most."""
MAX_PORT = 65535
"""The highest TCP port number (0 to bind: the system chooses)."""
MAX_MIN_AMPLITUDE = 100.0
"""``min_amplitude`` at most (amplitudes are relative depths, about 0.01 to 1)."""
MAX_ROI_OFFSET = 65535
MAX_ROI_SIZE = 65536
"""A ROI lies in an image of at most 65536 x 65536 pixels."""

_SHOWN = 60


def shown(value: object) -> str:
    """``repr(value)`` for a message, shortened: a value of any size or depth can be shown."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    try:
        text = repr(value)
    except (ValueError, RecursionError, MemoryError):
        return f"a {type(value).__name__}"
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 5]}...{text[-2:]}"
