"""Value compression used by bsread: none, lz4 and bitshuffle_lz4 (pure, no I/O)."""

from __future__ import annotations

import struct
from typing import TypeAlias

import bitshuffle
import lz4.block
import numpy as np
import numpy.typing as npt

from ..errors import CodecUsageError, ProtocolError
from .bitshuffle_lz4 import BitshuffleLz4Value

Buffer: TypeAlias = bytes | bytearray | memoryview
"""Anything that exposes bytes: a received frame's buffer or plain bytes."""

__all__ = ["COMPRESSIONS", "Buffer", "compress", "compressed_size", "decompress"]

COMPRESSIONS = frozenset({"none", "lz4", "bitshuffle_lz4"})

# psi-bsread aims at compression blocks of about 8 KiB, a multiple of 8 elements.
_TARGET_BLOCK_BYTES = 8192


def _block_elements(itemsize: int) -> int:
    return max(128, (_TARGET_BLOCK_BYTES // itemsize) // 8 * 8)


def compressed_size(raw: Buffer, compression: str, big_endian: bool) -> int:
    """The uncompressed size in bytes that a compressed value declares in its header."""
    view = memoryview(raw)
    if compression == "lz4":
        if view.nbytes < 4:
            raise ProtocolError(
                "corrupt_compressed_data", "lz4 value shorter than its 4-byte header"
            )
        return int(struct.unpack(">I" if big_endian else "<I", view[:4])[0])
    if compression == "bitshuffle_lz4":
        if view.nbytes < 12:
            raise ProtocolError(
                "corrupt_compressed_data", "bitshuffle_lz4 value shorter than its 12-byte header"
            )
        return int(struct.unpack(">q", view[:8])[0])
    return view.nbytes


# LZ4 cannot expand data more than about 255 times; a larger claim is a corrupt header.
_MAX_LZ4_RATIO = 256


def decompress(
    raw: Buffer,
    compression: str,
    dtype: np.dtype[np.generic],
    big_endian: bool | None = None,
    opened: BitshuffleLz4Value | None = None,
) -> npt.NDArray[np.generic]:
    """Decode one value into a flat array of ``dtype`` (a view on ``raw`` when uncompressed).

    ``big_endian`` is the channel's encoding (it sets the byte order of the lz4 size header even
    for one-byte types); by default it is taken from ``dtype``. ``opened`` is ``raw`` already
    opened as a bitshuffle_lz4 value (e.g. by a :class:`LazyImage`), whose block chain is then
    not walked again.
    """
    view = memoryview(raw).cast("B")
    if big_endian is None:
        big_endian = dtype.byteorder == ">"
    if compression == "none":
        if view.nbytes % dtype.itemsize:
            raise ProtocolError(
                "value_size_mismatch",
                f"{view.nbytes} bytes is not a whole number of {dtype.name} values",
            )
        return np.frombuffer(view, dtype=dtype)
    size = compressed_size(view, compression, big_endian)
    if size < 0 or size > _MAX_LZ4_RATIO * view.nbytes + 64:
        raise ProtocolError(
            "corrupt_compressed_data",
            f"declared size {size} is impossible for {view.nbytes} compressed bytes",
        )
    if size % dtype.itemsize:
        raise ProtocolError(
            "corrupt_compressed_data",
            f"declared size {size} is not a whole number of {dtype.name} values",
        )
    try:
        if compression == "lz4":
            data = lz4.block.decompress(view[4:], uncompressed_size=size)
            if len(data) != size:
                raise ProtocolError(
                    "corrupt_compressed_data", "lz4 value decompressed to the wrong size"
                )
            return np.frombuffer(data, dtype=dtype)
        if compression == "bitshuffle_lz4":
            value = BitshuffleLz4Value(view, size, dtype) if opened is None else opened
            return value.all()
    except ProtocolError:
        raise
    except Exception as exc:  # the C decoders raise assorted types on corrupt input
        raise ProtocolError(
            "corrupt_compressed_data", f"{compression} data is corrupt: {exc}"
        ) from exc
    raise ProtocolError("unknown_compression", f"unknown compression {compression!r}")


def compress(array: npt.NDArray[np.generic], compression: str) -> bytes:
    """Encode ``array`` (C order, its own dtype and byte order) as a bsread value."""
    data = np.ascontiguousarray(array)
    if compression == "none":
        return data.tobytes()
    if compression == "lz4":
        big = data.dtype.byteorder == ">"
        header = struct.pack(">I" if big else "<I", data.nbytes)
        body: bytes = lz4.block.compress(data.tobytes(), store_size=False)
        return header + body
    if compression == "bitshuffle_lz4":
        block = _block_elements(data.dtype.itemsize)
        shuffled = bitshuffle.compress_lz4(data.reshape(-1), block)
        header = struct.pack(">qi", data.nbytes, block * data.dtype.itemsize)
        return header + bytes(shuffled.tobytes())
    raise CodecUsageError(
        "unknown_compression",
        f"unknown compression {compression!r}; use one of {sorted(COMPRESSIONS)}",
    )
