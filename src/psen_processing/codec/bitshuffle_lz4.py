"""bitshuffle_lz4 values decoded block by block, so that part of an image costs part of the work.

The value is a 12-byte header (uncompressed size, int64 BE; block size in bytes, int32 BE), then
one LZ4 block per bitshuffle block, each prefixed by its compressed size (uint32 BE): ``count //
block`` full blocks, one shorter block of the leftover elements rounded down to a multiple of 8,
and the last ``count % 8`` elements stored raw. LZ4 is decoded with python-lz4's bounds-checked
decoder (bitshuffle's own decoder trusts its input and can crash the process); bitshuffle only
transposes the bits back.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import bitshuffle
import lz4.block
import numpy as np
import numpy.typing as npt

from ..errors import ProtocolError

__all__ = ["BitshuffleLz4Value"]

_UINT32_BE = struct.Struct(">I")


def _corrupt(message: str) -> ProtocolError:
    return ProtocolError("corrupt_compressed_data", f"bitshuffle_lz4 data: {message}")


class BitshuffleLz4Value:
    """One received bitshuffle_lz4 value; blocks are found and decoded only when needed."""

    def __init__(self, view: memoryview, size: int, dtype: np.dtype[np.generic]) -> None:
        item = dtype.itemsize
        block_bytes = int(struct.unpack_from(">i", view, 8)[0])
        if block_bytes <= 0 or block_bytes % item or (block_bytes // item) % 8:
            raise _corrupt(f"invalid block size {block_bytes}")
        self._view = view
        self.dtype = dtype
        self.count = size // item
        self.block = block_bytes // item
        leftover = self.count % self.block
        self._full_blocks = self.count // self.block
        self._short = leftover - leftover % 8
        self.n_blocks = self._full_blocks + (1 if self._short else 0)
        self._tail_start = self._full_blocks * self.block + self._short
        self._offsets = [12]
        """Where each found block's size prefix starts; one more than blocks found so far."""

    def check_structure(self) -> None:
        """Walk the whole block chain without decoding any block.

        Every block's declared compressed length must lead exactly to the next block and the
        last one to the raw tail, which must end exactly at the end of the value. This catches
        truncated, padded or garbled framing anywhere in the image at the cost of one 4-byte
        read per block; damage inside an LZ4 block's payload needs that block decoded (bsread
        carries no checksum). Afterwards every block's offset is known.
        """
        offsets, view = self._offsets, self._view
        position = offsets[-1]
        unpack = _UINT32_BE.unpack_from
        append = offsets.append
        try:
            for _ in range(self.n_blocks + 1 - len(offsets)):
                position += 4 + unpack(view, position)[0]
                append(position)
        except struct.error:
            del offsets[1:]
            raise _corrupt("the block chain ends early") from None
        tail = (self.count - self._tail_start) * self.dtype.itemsize
        if position + tail != view.nbytes:
            del offsets[1:]
            raise _corrupt(
                f"the block chain ends at byte {position} + {tail} raw, "
                f"the value has {view.nbytes} bytes"
            )

    def _block_length(self, index: int) -> int:
        return self.block if index < self._full_blocks else self._short

    def _offset(self, index: int) -> int:
        """Where block ``index`` starts (``n_blocks``: where the raw tail starts)."""
        offsets, view = self._offsets, self._view
        end = view.nbytes
        while len(offsets) <= index:
            position = offsets[-1]
            if position + 4 > end:
                raise _corrupt("it ends early")
            length = _UINT32_BE.unpack_from(view, position)[0]
            if position + 4 + length > end:
                raise _corrupt(f"block {len(offsets) - 1} runs past the end")
            offsets.append(position + 4 + length)
        return offsets[index]

    def _raw_block(self, index: int) -> bytes:
        start = self._offset(index)
        stop = self._offset(index + 1)
        expected = self._block_length(index) * self.dtype.itemsize
        try:
            data: bytes = lz4.block.decompress(
                self._view[start + 4 : stop], uncompressed_size=expected
            )
        except lz4.block.LZ4BlockError as exc:
            raise _corrupt(f"block {index}: {exc}") from exc
        if len(data) != expected:
            raise _corrupt(f"block {index} has {len(data)} bytes, expected {expected}")
        return data

    def _tail(self) -> bytes:
        start, end = self._offset(self.n_blocks), self._view.nbytes
        expected = (self.count - self._tail_start) * self.dtype.itemsize
        if end - start != expected:
            raise _corrupt(f"{end - start} trailing bytes, expected {expected}")
        return bytes(self._view[start:end])

    def elements(self, start: int, stop: int) -> npt.NDArray[np.generic]:
        """Elements ``[start, stop)`` of the flat array, decoding only the blocks they lie in."""
        start, stop = max(0, start), min(self.count, stop)
        if start >= stop:
            return np.empty(0, dtype=self.dtype)
        first = start // self.block
        last = min((stop - 1) // self.block, self.n_blocks - 1)
        base = first * self.block
        raw = self._raw_blocks(first, last) if first <= last else b""
        # every block but a short last one has the same length: one transpose call does them all
        shuffled = np.frombuffer(raw, dtype=self.dtype)
        decoded: npt.NDArray[np.generic] = bitshuffle.bitunshuffle(shuffled, self.block)
        if stop > self._tail_start:
            tail = np.frombuffer(self._tail(), dtype=self.dtype)
            decoded = np.concatenate([decoded, tail]) if decoded.size else tail
            if not raw:
                base = self._tail_start
        return decoded[start - base : stop - base]

    def _raw_blocks(self, first: int, last: int) -> bytes:
        """Blocks ``first`` to ``last`` LZ4-decoded and joined (still bit-shuffled).

        The common case, every block sound, costs one decoder call per block and one length
        check in all; a block that fails is then found and named by :meth:`_raw_block`.
        """
        self._offset(last + 1)  # every offset up to there is known and inside the value
        offsets, view, decode = self._offsets, self._view, lz4.block.decompress
        item = self.dtype.itemsize
        full_stop = min(last + 1, self._full_blocks)
        size = self.block * item
        expected = (full_stop - first) * size
        try:
            chunks = [
                decode(view[offsets[i] + 4 : offsets[i + 1]], uncompressed_size=size)
                for i in range(first, full_stop)
            ]
            if last >= self._full_blocks:  # the short block of the leftover elements
                short = self._short * item
                chunks.append(
                    decode(view[offsets[last] + 4 : offsets[last + 1]], uncompressed_size=short)
                )
                expected += short
        except lz4.block.LZ4BlockError:
            chunks = []
        data = b"".join(chunks)
        if len(data) != expected:  # a block failed or came out short: name it
            for index in range(first, last + 1):
                self._raw_block(index)
            raise _corrupt(f"blocks {first} to {last} decode to {len(data)} bytes, not {expected}")
        return data

    def full_blocks(self, indices: Sequence[int]) -> npt.NDArray[np.generic]:
        """Full blocks ``indices`` (ascending, each below ``full_block_count``) decoded, as an
        array of shape ``(len(indices), block)``: many scattered blocks for one decoder pass."""
        if not indices:
            return np.empty((0, self.block), dtype=self.dtype)
        if indices[-1] >= self._full_blocks:
            raise ValueError(f"block {indices[-1]} is not a full block")
        self._offset(indices[-1] + 1)
        offsets, view, decode = self._offsets, self._view, lz4.block.decompress
        size = self.block * self.dtype.itemsize
        try:
            chunks = [
                decode(view[offsets[i] + 4 : offsets[i + 1]], uncompressed_size=size)
                for i in indices
            ]
        except lz4.block.LZ4BlockError:
            chunks = []
        data = b"".join(chunks)
        if len(data) != size * len(indices):  # name the block that failed
            for index in indices:
                self._raw_block(index)
            raise _corrupt(f"blocks {indices[0]} to {indices[-1]} do not decode")
        shuffled = np.frombuffer(data, dtype=self.dtype)
        decoded: npt.NDArray[np.generic] = bitshuffle.bitunshuffle(shuffled, self.block)
        return decoded.reshape(len(indices), self.block)

    @property
    def full_block_count(self) -> int:
        """Blocks of ``block`` elements; a shorter block and a raw tail may follow."""
        return self._full_blocks

    def all(self) -> npt.NDArray[np.generic]:
        """The whole array, checking that the data ends exactly where it should."""
        chunks = [self._raw_block(index) for index in range(self.n_blocks)]
        chunks.append(self._tail())
        shuffled = np.frombuffer(b"".join(chunks), dtype=self.dtype)
        out: npt.NDArray[np.generic] = bitshuffle.bitunshuffle(shuffled, self.block)
        return out
