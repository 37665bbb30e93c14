"""bitshuffle_lz4 values decoded block by block, so that part of an image costs part of the work.

The value is a 12-byte header (uncompressed size, int64 BE; block size in bytes, int32 BE), then
one LZ4 block per bitshuffle block, each prefixed by its compressed size (uint32 BE): ``count //
block`` full blocks, one shorter block of the leftover elements rounded down to a multiple of 8,
and the last ``count % 8`` elements stored raw.

A run of neighbouring blocks is decoded by one call of bitshuffle's compiled decoder, which
decodes LZ4 with the bounds-checked ``LZ4_decompress_safe`` but trusts each block's size
prefix: so it is only ever given a byte range whose block chain has been walked and found to
lie inside the value (a ``tests/unit`` test puts a lying block before an unmapped page to prove
that the installed decoder reads no further than a block says). When a run fails, python-lz4
decodes its blocks one by one to name the broken block.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import bitshuffle
import lz4.block
import numpy as np
import numpy.typing as npt

from ..errors import CodecUsageError, ProtocolError

__all__ = ["BitshuffleLz4Value"]

_UINT32_BE = struct.Struct(">I")
_MAX_RUN_BYTES = 2**31 - 1
"""bitshuffle's Python binding counts elements in a C int."""
_MAX_PICKED_RUN = 16
"""Blocks per decoder call when picking rows for a viewer (in a web server thread): the call
holds the GIL, so the processing thread waits at most about 0.1 ms for it."""


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
        self._tail_bytes()

    def _block_length(self, index: int) -> int:
        return self.block if index < self._full_blocks else self._short

    def _offset(self, index: int) -> int:
        """Where block ``index`` starts (``n_blocks``: where the raw tail starts), walking the
        chain on from the last block found; the one walk of the chain, which
        :meth:`check_structure` and decoding share.

        Every block before it is then known to lie inside the value: positions only grow, so
        the size prefixes read lie inside (or the read fails) and the last end found bounds
        all the ends before it.
        """
        offsets = self._offsets
        if index < len(offsets):
            return offsets[index]
        view, known = self._view, len(offsets)
        position = offsets[-1]
        unpack = _UINT32_BE.unpack_from
        append = offsets.append
        try:
            for _ in range(index + 1 - known):
                position += 4 + unpack(view, position)[0]
                append(position)
        except struct.error:
            position = offsets[-1]
        if position <= view.nbytes and len(offsets) > index:
            return position
        del offsets[known:]  # only blocks found inside the value stay known
        raise _corrupt(self._walk_problem(known, view.nbytes))

    def _walk_problem(self, known: int, end: int) -> str:
        """What ends the chain early, walking again from block ``known - 1`` (a broken value
        only: the usual walk pays for no bookkeeping)."""
        position = self._offsets[-1]
        block = known - 1
        while True:
            if position + 4 > end:
                return f"the block chain ends early (block {block}'s size at byte {position})"
            length = _UINT32_BE.unpack_from(self._view, position)[0]
            if position + 4 + length > end:
                return f"block {block} runs past the end of the value ({end} bytes)"
            position += 4 + length
            block += 1

    def _raw_block(self, index: int) -> bytes:
        """Block ``index`` LZ4-decoded alone (still bit-shuffled), or the error naming it."""
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

    def _tail_bytes(self) -> int:
        """The raw tail's length, once it is known to end exactly at the end of the value."""
        start, end = self._offset(self.n_blocks), self._view.nbytes
        expected = (self.count - self._tail_start) * self.dtype.itemsize
        if end - start != expected:
            raise _corrupt(
                f"the block chain ends at byte {start} + {expected} raw, the value has {end} bytes"
            )
        return expected

    def _run_length(self, first: int, last: int) -> int:
        """Elements in blocks ``first`` to ``last`` (none when ``last`` < ``first``)."""
        if last < first:
            return 0
        if last < self._full_blocks:
            return (last - first + 1) * self.block
        return (last - first) * self.block + self._short  # ``last`` is the short block

    def _run(self, first: int, last: int, tail: bool) -> npt.NDArray[np.generic]:
        """Blocks ``first`` to ``last`` (none when ``last`` < ``first``) decoded, followed by
        the raw tail if ``tail`` (then ``last`` must be the final block)."""
        start = self._offset(first)
        stop = self._offset(last + 1)  # every block of the run lies inside the value
        count = self._run_length(first, last)
        if tail:
            stop += self._tail_bytes()
            count += self.count - self._tail_start
        if count == 0:
            return np.empty(0, dtype=self.dtype)
        if last < first:
            # the raw tail alone (e.g. a scalar): bitshuffle leaves fewer than 8 elements as
            # they are, so there is nothing to decode and no decoder call to pay for
            raw: npt.NDArray[np.generic] = np.frombuffer(
                self._view, dtype=self.dtype, count=count, offset=start
            )
            return raw
        if max(stop - start, count * self.dtype.itemsize) > _MAX_RUN_BYTES:
            return self._run_block_by_block(first, last, tail)
        data = np.frombuffer(self._view, dtype=np.uint8, count=stop - start, offset=start)
        try:
            decoded: npt.NDArray[np.generic] = bitshuffle.decompress_lz4(
                data, (count,), self.dtype, self.block
            )
        except (RuntimeError, ValueError):
            self._run_block_by_block(first, last, tail)  # names the broken block
            raise _corrupt(f"blocks {first} to {last} do not decode") from None
        return decoded

    def _run_block_by_block(self, first: int, last: int, tail: bool) -> npt.NDArray[np.generic]:
        """What :meth:`_run` gives, one python-lz4 call per block: names a broken block."""
        chunks = [self._raw_block(index) for index in range(first, last + 1)]
        if tail:
            start = self._offset(self.n_blocks)
            chunks.append(bytes(self._view[start : start + self._tail_bytes()]))
        shuffled = np.frombuffer(b"".join(chunks), dtype=self.dtype)
        # bitshuffle leaves a trailing part shorter than 8 elements as it is
        decoded: npt.NDArray[np.generic] = bitshuffle.bitunshuffle(shuffled, self.block)
        return decoded

    def elements(self, start: int, stop: int) -> npt.NDArray[np.generic]:
        """Elements ``[start, stop)`` of the flat array, decoding only the blocks they lie in."""
        start, stop = max(0, start), min(self.count, stop)
        if start >= stop:
            return np.empty(0, dtype=self.dtype)
        first = min(start // self.block, self.n_blocks)
        if stop > self._tail_start:  # the raw tail is read too
            decoded = self._run(first, self.n_blocks - 1, tail=True)
        else:
            decoded = self._run(first, (stop - 1) // self.block, tail=False)
        base = first * self.block
        return decoded[start - base : stop - base]

    def full_blocks(self, indices: Sequence[int]) -> npt.NDArray[np.generic]:
        """Full blocks ``indices`` (ascending, each below ``full_block_count``) decoded, as an
        array of shape ``(len(indices), block)``: one decoder call per run of neighbours."""
        if indices and indices[-1] >= self._full_blocks:
            raise CodecUsageError("not_a_full_block", f"block {indices[-1]} is not a full block")
        out = np.empty((len(indices), self.block), dtype=self.dtype)
        begin = 0
        for end in range(1, len(indices) + 1):
            if (
                end == len(indices)
                or indices[end] != indices[end - 1] + 1
                or end - begin == _MAX_PICKED_RUN
            ):
                run = self._run(indices[begin], indices[end - 1], tail=False)
                out[begin:end] = run.reshape(end - begin, self.block)
                begin = end
        return out

    @property
    def full_block_count(self) -> int:
        """Blocks of ``block`` elements; a shorter block and a raw tail may follow."""
        return self._full_blocks

    def all(self) -> npt.NDArray[np.generic]:
        """The whole array, checking that the data ends exactly where it should."""
        return self._run(0, self.n_blocks - 1, tail=True)
