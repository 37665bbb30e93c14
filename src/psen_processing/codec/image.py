"""A 2-D image channel of a received message, decoded only where it is read."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..errors import CodecUsageError, ProtocolError
from .bitshuffle_lz4 import BitshuffleLz4Value
from .compression import Buffer, compressed_size, decompress
from .headers import ChannelSpec

__all__ = ["LazyImage"]


class LazyImage:
    """An image of numpy shape ``(height, width)`` that decodes only the rows asked for.

    Uncompressed rows are views on the received buffer; bitshuffle_lz4 rows cost only the
    compression blocks they lie in; lz4 (one block) is decoded whole, once.
    """

    def __init__(self, spec: ChannelSpec, raw: Buffer) -> None:
        if len(spec.shape) != 2:
            raise CodecUsageError("image_not_2d", f"channel {spec.name!r} is not 2-D")
        self.width, self.height = spec.shape
        self.dtype = spec.dtype
        self.type_name = spec.type
        """The bsread type, which is also numpy's name for the dtype (e.g. ``uint16``)."""
        self._spec = spec
        self._raw = memoryview(raw).cast("B")
        self._whole: npt.NDArray[np.generic] | None = None
        self._blocks: BitshuffleLz4Value | None = None
        expected = self.width * self.height * self.dtype.itemsize
        size = compressed_size(self._raw, spec.compression, spec.big_endian)
        if size != expected:
            raise ProtocolError(
                "value_size_mismatch",
                f"image {spec.name!r} holds {size} bytes, its shape {list(spec.shape)} and type "
                f"{spec.type} need {expected}",
            )
        if spec.compression == "bitshuffle_lz4":
            self._blocks = BitshuffleLz4Value(self._raw, size, self.dtype)
            self._blocks.check_structure()  # only the blocks under the ROIs are decoded

    @property
    def shape(self) -> tuple[int, int]:
        return self.height, self.width

    def whole(self) -> npt.NDArray[np.generic]:
        if self._whole is None:
            spec = self._spec
            flat = decompress(
                self._raw, spec.compression, self.dtype, spec.big_endian, self._blocks
            )
            self._whole = flat.reshape(self.height, self.width)
        return self._whole

    def picked_rows(self, rows: Sequence[int]) -> npt.NDArray[np.generic]:
        """Rows ``rows`` (ascending indices) as an array of shape ``(len(rows), width)``,
        decoding each compression block they lie in once (a thumbnail picks every n-th row)."""
        blocks = self._blocks
        if blocks is None or self._whole is not None:
            return self.whole()[list(rows)]
        width, block = self.width, blocks.block
        out = np.empty((len(rows), width), dtype=self.dtype)
        spans = [(r * width // block, ((r + 1) * width - 1) // block) for r in rows]
        needed = sorted({i for first, last in spans for i in range(first, last + 1)})
        full = [i for i in needed if i < blocks.full_block_count]
        decoded = blocks.full_blocks(full).reshape(-1)
        where = {index: k * block for k, index in enumerate(full)}
        for k, (row, (first, last)) in enumerate(zip(rows, spans, strict=True)):
            if last < blocks.full_block_count:  # its blocks lie next to each other in `decoded`
                start = where[first] + row * width - first * block
                out[k] = decoded[start : start + width]
            else:
                out[k] = self.rows(row, row + 1)[0]
        return out

    def rows(self, start: int, stop: int) -> npt.NDArray[np.generic]:
        """Rows ``[start, stop)`` as an array of shape ``(stop - start, width)``."""
        if self._blocks is None or self._whole is not None:
            return self.whole()[start:stop]
        flat = self._blocks.elements(start * self.width, stop * self.width)
        return flat.reshape(-1, self.width)
