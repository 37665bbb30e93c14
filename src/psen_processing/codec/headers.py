"""bsread main and data headers as value objects, parsed from bytes (pure, no I/O)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import lz4.block
import numpy as np

from ..errors import ProtocolError
from .compression import COMPRESSIONS, Buffer, decompress

__all__ = [
    "DTYPES",
    "ChannelSpec",
    "DataHeader",
    "MainHeader",
    "parse_channel",
    "parse_data_header",
    "parse_main_header",
]

DTYPES: dict[str, str] = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "int64": "i8",
    "uint64": "u8",
    "float32": "f4",
    "float64": "f8",
    "bool": "?",
    "string": "u1",
}


@dataclass(frozen=True, slots=True)
class MainHeader:
    pulse_id: int
    hash: str
    global_timestamp: dict[str, Any] | None
    """As received (``sec`` or ``epoch``, and ``ns``); forwarded unchanged."""
    sec: int
    ns: int
    dh_compression: str | None


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    name: str
    type: str
    shape: tuple[int, ...]
    """bsread order: fastest dimension first (an image is ``(width, height)``)."""
    big_endian: bool
    compression: str
    raw: dict[str, Any]
    """The channel's entry as received, re-emitted verbatim in output data headers."""
    dtype: np.dtype[np.generic] = field(init=False, repr=False, compare=False)
    expected_nbytes: int | None = field(init=False, repr=False, compare=False)
    """Bytes a value of this channel holds once uncompressed, or None for strings."""

    def __post_init__(self) -> None:
        # derived once per data header, not per frame
        dtype = np.dtype((">" if self.big_endian else "<") + DTYPES[self.type])
        object.__setattr__(self, "dtype", dtype)
        nbytes = None if self.type == "string" else math.prod(self.shape) * dtype.itemsize
        object.__setattr__(self, "expected_nbytes", nbytes)


@dataclass(frozen=True, slots=True)
class DataHeader:
    channels: tuple[ChannelSpec, ...]
    raw: dict[str, Any]
    positions: dict[str, int] = field(init=False, repr=False, compare=False)
    """Channel name to its index, built once per header (streams can carry hundreds)."""
    part_lengths: tuple[int, ...] = field(init=False, repr=False, compare=False)
    """The byte length of each part after the headers when every channel carries a value and a
    timestamp; -1 where it varies (compressed and string values, see ``varying_parts``)."""
    varying_parts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    """Positions in ``part_lengths`` of the values whose length varies."""
    compressed: tuple[int, ...] = field(init=False, repr=False, compare=False)
    """Indices of the channels whose values are compressed."""

    def __post_init__(self) -> None:
        positions = {channel.name: i for i, channel in enumerate(self.channels)}
        object.__setattr__(self, "positions", positions)
        lengths: list[int] = []
        for channel in self.channels:
            nbytes = channel.expected_nbytes
            lengths += [nbytes if nbytes is not None and channel.compression == "none" else -1, 16]
        object.__setattr__(self, "part_lengths", tuple(lengths))
        varying = tuple(i for i, n in enumerate(lengths) if n < 0)
        object.__setattr__(self, "varying_parts", varying)
        compressed = tuple(i for i, c in enumerate(self.channels) if c.compression != "none")
        object.__setattr__(self, "compressed", compressed)

    def index(self, name: str) -> int | None:
        return self.positions.get(name)


# typeshed does not know the attribute the decoder sets up
_scan_value: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
"""The JSON decoder's compiled scanner: one value from a position in a str (read-only use)."""


def _json(raw: Buffer, reason: str, what: str) -> Any:
    # Headers are UTF-8 JSON objects: the compiled scanner reads one without the Python layers
    # of json.loads (a main header comes with every frame). Anything else, or any doubt, takes
    # json.loads, which also finds the encoding of other Unicode forms and words the error.
    try:
        text = str(raw, "utf-8")
        value, end = _scan_value(text, 0)
        if end == len(text) or not text[end:].strip():
            return value
    except (UnicodeDecodeError, StopIteration, ValueError):
        pass
    try:
        return json.loads(bytes(raw))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(reason, f"{what} is not valid JSON: {exc}") from exc


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_main_header(raw: Buffer) -> MainHeader:
    header = _json(raw, "bad_main_header", "main header")
    if not isinstance(header, dict):
        raise ProtocolError("bad_main_header", "main header is not a JSON object")
    pulse_id = header.get("pulse_id")
    if isinstance(pulse_id, bool) or not isinstance(pulse_id, int):
        raise ProtocolError(
            "missing_pulse_id", f"main header has no integer pulse_id: {pulse_id!r}"
        )
    hash_ = header.get("hash")
    if not isinstance(hash_, str):
        raise ProtocolError("bad_main_header", "main header has no data-header hash")
    stamp = header.get("global_timestamp")
    sec = ns = 0
    if stamp is not None:
        if not isinstance(stamp, dict):
            raise ProtocolError("bad_main_header", "global_timestamp is not an object")
        sec_value = stamp.get("sec", stamp.get("epoch"))
        ns_value = stamp.get("ns", 0)
        if not _is_int(sec_value) or not _is_int(ns_value):
            raise ProtocolError(
                "bad_main_header", "global_timestamp needs integer 'sec' (or 'epoch') and 'ns'"
            )
        sec, ns = sec_value, ns_value
    dh_compression = header.get("dh_compression")
    if dh_compression is not None and dh_compression not in COMPRESSIONS:
        raise ProtocolError("unknown_compression", f"unknown dh_compression {dh_compression!r}")
    return MainHeader(pulse_id, hash_, stamp, sec, ns, dh_compression)


def parse_channel(entry: object) -> ChannelSpec:
    """One channel entry of a data header (a decoded JSON object)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ProtocolError("bad_data_header", f"channel entry without a name: {entry!r}")
    name = entry["name"]
    type_ = str(entry.get("type", "float64")).lower()
    if type_ not in DTYPES:
        raise ProtocolError("unknown_type", f"channel {name!r} has unknown type {type_!r}")
    shape = entry.get("shape", [1])
    if not isinstance(shape, list) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise ProtocolError("bad_data_header", f"channel {name!r} has invalid shape {shape!r}")
    encoding = entry.get("encoding", "little")
    if encoding not in ("little", "big"):
        raise ProtocolError(
            "bad_data_header", f"channel {name!r} has unknown encoding {encoding!r}"
        )
    compression = entry.get("compression") or "none"
    if compression not in COMPRESSIONS:
        raise ProtocolError(
            "unknown_compression", f"channel {name!r} has unknown compression {compression!r}"
        )
    return ChannelSpec(name, type_, tuple(shape), encoding == "big", compression, entry)


def parse_data_header(raw: Buffer, dh_compression: str | None) -> DataHeader:
    if dh_compression in ("lz4", "bitshuffle_lz4"):
        try:
            raw = decompress(raw, dh_compression, np.dtype("u1")).tobytes()
        except ProtocolError as exc:
            raise ProtocolError("bad_data_header", f"data header: {exc}") from exc
        except lz4.block.LZ4BlockError as exc:  # pragma: no cover - decompress wraps these
            raise ProtocolError("bad_data_header", f"data header: {exc}") from exc
    header = _json(raw, "bad_data_header", "data header")
    if not isinstance(header, dict) or not isinstance(header.get("channels"), list):
        raise ProtocolError("bad_data_header", "data header has no 'channels' list")
    channels = tuple(parse_channel(entry) for entry in header["channels"])
    parsed = DataHeader(channels, header)
    if len(parsed.positions) != len(channels):
        raise ProtocolError("bad_data_header", "data header names a channel twice")
    return parsed
