"""Decoding of received bsread messages into a lazy view (pure, no I/O).

A :class:`Decoder` keeps the data headers it has seen, keyed by their hash, and turns the parts of
one multipart message into a :class:`Message`. Nothing but the headers is decoded up front:
a channel's value is decompressed only when :meth:`Message.array` or :meth:`Message.value` asks
for it, so pass-through channels are never touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import ProtocolError
from .compression import Buffer, compressed_size, decompress
from .headers import (
    MAX_DATA_HEADER_BYTES,
    MAX_MAIN_HEADER_BYTES,
    ChannelSpec,
    DataHeader,
    MainHeader,
    parse_data_header,
    parse_main_header,
)
from .image import LazyImage
from .lru import LruCache

__all__ = ["Decoder", "Message"]


@dataclass(frozen=True, slots=True)
class Message:
    """One received pulse: its headers and the parts as they came in."""

    main: MainHeader
    data_header: DataHeader
    parts: Sequence[Buffer]

    @property
    def pulse_id(self) -> int:
        return self.main.pulse_id

    def channel(self, name: str) -> ChannelSpec | None:
        index = self.data_header.index(name)
        return None if index is None else self.data_header.channels[index]

    def raw_value(self, name: str) -> Buffer | None:
        index = self.data_header.index(name)
        return None if index is None else self.parts[2 + 2 * index]

    def array(self, name: str) -> npt.NDArray[np.generic] | None:
        """The channel's value as an array in numpy order (slowest dimension first).

        None if the channel is absent or carries no value in this message. Raises
        :class:`ProtocolError` if the value cannot be decoded.
        """
        index = self.data_header.index(name)
        if index is None:
            return None
        spec = self.data_header.channels[index]
        raw = self.parts[2 + 2 * index]
        if memoryview(raw).nbytes == 0:
            return None
        flat = decompress(raw, spec.compression, spec.dtype, spec.big_endian)
        if spec.type == "string" or spec.shape in ((), (1,)):
            return flat
        expected = int(np.prod(spec.shape))
        if flat.size != expected:
            raise ProtocolError(
                "value_size_mismatch",
                f"channel {name!r} holds {flat.size} values, its shape {list(spec.shape)} "
                f"says {expected}",
            )
        return flat.reshape(spec.shape[::-1])

    def image(self, name: str) -> LazyImage | None:
        """A 2-D channel as a :class:`LazyImage` (nothing decoded yet); None if absent or empty.

        Raises :class:`ProtocolError` if its size does not match its shape and type.
        """
        index = self.data_header.index(name)
        if index is None:
            return None
        raw = self.parts[2 + 2 * index]
        if memoryview(raw).nbytes == 0:
            return None
        return LazyImage(self.data_header.channels[index], raw)

    def value(self, name: str) -> object:
        """A convenience decode: str for strings, a Python scalar for one value, else an array."""
        spec = self.channel(name)
        array = self.array(name)
        if spec is None or array is None:
            return None
        if spec.type == "string":
            return array.tobytes().decode("utf-8", errors="replace")
        if array.size == 1 and spec.shape in ((), (1,)):
            return array.reshape(()).item()
        return array


def _check_value_size(spec: ChannelSpec, raw: Buffer) -> None:
    nbytes = memoryview(raw).nbytes
    expected = spec.expected_nbytes
    if nbytes == 0 or expected is None:
        return
    size = compressed_size(raw, spec.compression, spec.big_endian)
    if size != expected:
        raise ProtocolError(
            "value_size_mismatch",
            f"channel {spec.name!r} value has {size} bytes, its type {spec.type} and shape "
            f"{list(spec.shape)} need {expected}",
        )


class Decoder:
    """Turns the parts of received multipart messages into :class:`Message` views.

    ``validate_sizes`` checks, without decompressing anything, that every value is exactly as
    long as its type and shape say (for compressed values, the size their header declares).

    Memory is bounded by bytes: a main header over ``max_main_header_bytes``, a data header over
    ``max_data_header_bytes`` as received or (compressed) declaring more than
    ``max_decompressed_header_bytes`` is refused as ``header_too_large`` before it is parsed.
    Parsed data headers are cached by hash, at most ``cache_size`` of them and
    ``cache_bytes`` of their bytes (decompressed, as held); only a header that the message's
    part count matches is cached.
    """

    def __init__(
        self,
        *,
        cache_size: int = 8,
        cache_bytes: int = 16 * 1024 * 1024,
        validate_sizes: bool = True,
        max_main_header_bytes: int = MAX_MAIN_HEADER_BYTES,
        max_data_header_bytes: int = 4 * 1024 * 1024,
        max_decompressed_header_bytes: int = MAX_DATA_HEADER_BYTES,
    ) -> None:
        self._headers: LruCache[str, DataHeader] = LruCache(cache_size, cache_bytes)
        self._validate_sizes = validate_sizes
        self._max_main = max_main_header_bytes
        self._max_data = max_data_header_bytes
        self._max_decompressed = max_decompressed_header_bytes

    def _parse_data_header(self, main: MainHeader, raw: Buffer, part_count: int) -> DataHeader:
        size = len(raw)
        if size > self._max_data:
            raise ProtocolError(
                "header_too_large",
                f"data header has {size} bytes, over the limit of {self._max_data}",
            )
        return parse_data_header(raw, main.dh_compression, self._max_decompressed, part_count)

    def decode(self, parts: Sequence[Buffer]) -> Message:
        if len(parts) < 2:
            raise ProtocolError(
                "wrong_part_count", f"message has {len(parts)} parts, need at least 2"
            )
        if len(parts[0]) > self._max_main:
            raise ProtocolError(
                "header_too_large",
                f"main header has {len(parts[0])} bytes, over the limit of {self._max_main}",
            )
        main = parse_main_header(parts[0])
        try:
            header: DataHeader | None = self._headers[main.hash]
        except KeyError:
            header = None
        cached = header is not None
        if header is None:
            header = self._parse_data_header(main, parts[1], len(parts))
        expected = 2 + 2 * len(header.channels)
        if len(parts) != expected:
            raise ProtocolError(
                "wrong_part_count",
                f"message has {len(parts)} parts, its data header with "
                f"{len(header.channels)} channels needs {expected}",
            )
        if not cached:  # cached only once the message's part count matches it
            # what it holds once read: a compressed header costs its decompressed size
            self._headers.put(main.hash, header, max(len(parts[1]), header.text_bytes))
        if self._validate_sizes:
            # The usual message, every value and timestamp present at its full size, passes one
            # comparison of all lengths; anything else is checked part by part.
            lengths = list(map(len, parts[2:]))
            for i in header.varying_parts:
                lengths[i] = -1
            if tuple(lengths) == header.part_lengths:
                for i in header.compressed:
                    _check_value_size(header.channels[i], parts[2 + 2 * i])
                return Message(main, header, parts)
        self._check_parts(header, parts)
        return Message(main, header, parts)

    def _check_parts(self, header: DataHeader, parts: Sequence[Buffer]) -> None:
        for i, spec in enumerate(header.channels):
            stamp = len(parts[3 + 2 * i])
            if stamp != 16 and stamp != 0:  # noqa: PLR1714 - the plain comparison is faster
                raise ProtocolError(
                    "bad_timestamp", f"channel {spec.name!r} timestamp has {stamp} bytes, not 16"
                )
            if self._validate_sizes and spec.expected_nbytes is not None:
                value = parts[2 + 2 * i]
                if spec.compression != "none" or len(value) != spec.expected_nbytes:
                    _check_value_size(spec, value)
