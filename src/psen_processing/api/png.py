"""A minimal PNG encoder for 8-bit grayscale images (pure: array in, bytes out)."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

from ..errors import InvalidData

__all__ = ["encode_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(image: npt.NDArray[np.uint8], level: int = 1) -> bytes:
    """PNG bytes of a 2-D uint8 array (grayscale, 8 bits, no filtering, zlib ``level``)."""
    if image.ndim != 2 or image.dtype != np.uint8:
        raise InvalidData(f"need a 2-D uint8 image, not {image.ndim}-D {image.dtype}")
    height, width = image.shape
    if height == 0 or width == 0:
        raise InvalidData("an image needs at least one pixel")
    rows = np.zeros((height, width + 1), dtype=np.uint8)  # each row starts with filter type 0
    rows[:, 1:] = image
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"".join(
        (
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )
