"""bsread main and data headers as value objects, parsed from bytes (pure, no I/O)."""

from __future__ import annotations

import json
import math
import reprlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

import lz4.block
import numpy as np

from ..errors import ProtocolError
from .compression import COMPRESSIONS, Buffer, compressed_size, decompress

__all__ = [
    "DTYPES",
    "MAX_CHANNEL_VALUES",
    "MAX_DATA_HEADER_BYTES",
    "MAX_MAIN_HEADER_BYTES",
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
    text_bytes: int = field(default=0, repr=False, compare=False)
    """Bytes of its JSON text (decompressed): what holding it costs, roughly."""

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


MAX_MAIN_HEADER_BYTES = 64 * 1024
"""Default limit of a main header's size (bsread's are about 150 bytes)."""

MAX_DATA_HEADER_BYTES = 16 * 1024 * 1024
"""Default limit of a data header's size once decompressed (2000 channels take about 0.5 MB)."""

MAX_CHANNEL_VALUES = 2**40
"""The most values (the product of its shape) a channel may declare."""

_MAX_DIMENSIONS = 32
_UINT64 = 2**64
_INT64 = 2**63
_NS_PER_S = 1_000_000_000

_shown_repr = reprlib.Repr()
_shown_repr.maxstring = _shown_repr.maxother = 80
_shown_repr.maxlong = 40
_shown_repr.maxlevel = 3


def shown(value: object) -> str:
    """A short repr of a received value for an error message (long strings, big integers and
    deep nesting abbreviated)."""
    return _shown_repr.repr(value)


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON (bsread headers are strict JSON)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # e.g. 1e400: it would go out as Infinity
        raise ValueError(f"number {text[:40]} is too large for a float64")
    return value


_strict_decoder = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)

# typeshed does not know the attribute the decoder sets up
_scan_value: Callable[[str, int], tuple[Any, int]] = _strict_decoder.scan_once  # type: ignore[attr-defined]
"""The JSON decoder's compiled scanner: one value from a position in a str (read-only use)."""


def _json(raw: Buffer, reason: str, what: str) -> Any:
    # Headers are UTF-8 JSON objects: the compiled scanner reads one without the Python layers
    # of json.loads (a main header comes with every frame). Anything else, or any doubt, takes
    # json.loads, which also finds the encoding of other Unicode forms and words the error.
    # Neither accepts NaN or Infinity (not JSON: they would be forwarded into output headers).
    try:
        text = str(raw, "utf-8")
        value, end = _scan_value(text, 0)
        if end == len(text) or not text[end:].strip():
            return value
    except (UnicodeDecodeError, StopIteration, ValueError, RecursionError):
        pass
    try:
        return json.loads(bytes(raw), parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError as exc:
        raise ProtocolError(reason, f"{what} is nested too deeply") from exc
    except (UnicodeDecodeError, ValueError) as exc:  # ValueError: also integers over 4300 digits
        raise ProtocolError(reason, f"{what} is not valid JSON: {shown(str(exc))}") from exc


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_stamp(stamp: dict[str, Any]) -> tuple[int, int]:
    """``sec`` and ``ns`` of a global timestamp, which is forwarded as received: so every value
    in it must be a plain number or string (strict JSON, no nesting)."""
    sec, ns = stamp.get("sec", stamp.get("epoch")), stamp.get("ns", 0)
    if not _is_int(sec) or not _is_int(ns):
        raise ProtocolError(
            "bad_main_header",
            f"global_timestamp needs integer 'sec' (or 'epoch') and 'ns', not {shown(stamp)}",
        )
    if not 0 <= sec < _INT64 or not 0 <= ns < _NS_PER_S:
        raise ProtocolError(
            "bad_main_header",
            f"global_timestamp {shown(stamp)} is out of range: 'sec' must be 0 to 2**63-1, "
            "'ns' 0 to 999999999",
        )
    if len(stamp) > 2:
        for value in stamp.values():
            if not isinstance(value, int | float | str) or (
                _is_int(value) and not -_INT64 <= value < _UINT64
            ):
                raise ProtocolError(
                    "bad_main_header",
                    f"global_timestamp holds {shown(value)}: only numbers and strings belong",
                )
    return sec, ns


def parse_main_header(raw: Buffer) -> MainHeader:
    header = _json(raw, "bad_main_header", "main header")
    if not isinstance(header, dict):
        raise ProtocolError("bad_main_header", "main header is not a JSON object")
    pulse_id = header.get("pulse_id")
    if isinstance(pulse_id, bool) or not isinstance(pulse_id, int):
        raise ProtocolError(
            "missing_pulse_id", f"main header has no integer pulse_id: {shown(pulse_id)}"
        )
    if not 0 <= pulse_id < _UINT64:
        raise ProtocolError(
            "bad_main_header", f"pulse_id {shown(pulse_id)} is outside 0 to 2**64-1"
        )
    hash_ = header.get("hash")
    if not isinstance(hash_, str):
        raise ProtocolError("bad_main_header", "main header has no data-header hash")
    stamp = header.get("global_timestamp")
    sec = ns = 0
    if stamp is not None:
        if not isinstance(stamp, dict):
            raise ProtocolError("bad_main_header", "global_timestamp is not an object")
        sec, ns = _check_stamp(stamp)
    dh_compression = header.get("dh_compression")
    if dh_compression is not None and (
        not isinstance(dh_compression, str) or dh_compression not in COMPRESSIONS
    ):
        raise ProtocolError(
            "unknown_compression", f"unknown dh_compression {shown(dh_compression)}"
        )
    return MainHeader(pulse_id, hash_, stamp, sec, ns, dh_compression)


def parse_channel(entry: object) -> ChannelSpec:
    """One channel entry of a data header (a decoded JSON object)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ProtocolError("bad_data_header", f"channel entry without a name: {shown(entry)}")
    name = entry["name"]
    type_ = entry.get("type", "float64")
    type_ = type_.lower() if isinstance(type_, str) else type_
    if not isinstance(type_, str) or type_ not in DTYPES:
        raise ProtocolError(
            "unknown_type", f"channel {shown(name)} has unknown type {shown(type_)}"
        )
    shape = entry.get("shape", [1])
    if (
        not isinstance(shape, list)
        or len(shape) > _MAX_DIMENSIONS
        or not all(_is_int(n) and 0 <= n <= MAX_CHANNEL_VALUES for n in shape)
        or math.prod(shape) > MAX_CHANNEL_VALUES
    ):
        raise ProtocolError(
            "bad_data_header",
            f"channel {shown(name)} has invalid shape {shown(shape)} (at most "
            f"{_MAX_DIMENSIONS} sizes >= 0, {MAX_CHANNEL_VALUES} values in all)",
        )
    encoding = entry.get("encoding", "little")
    if encoding not in ("little", "big"):
        raise ProtocolError(
            "bad_data_header", f"channel {shown(name)} has unknown encoding {shown(encoding)}"
        )
    compression = entry.get("compression") or "none"
    if not isinstance(compression, str) or compression not in COMPRESSIONS:
        raise ProtocolError(
            "unknown_compression",
            f"channel {shown(name)} has unknown compression {shown(compression)}",
        )
    return ChannelSpec(name, type_, tuple(shape), encoding == "big", compression, entry)


def parse_data_header(
    raw: Buffer,
    dh_compression: str | None,
    max_bytes: int = MAX_DATA_HEADER_BYTES,
    part_count: int | None = None,
) -> DataHeader:
    """A data header; one over ``max_bytes`` (for a compressed one: the size it declares,
    checked before anything is decompressed) is refused as ``header_too_large``. Given the
    ``part_count`` of its message, a header that does not match it is refused as
    ``wrong_part_count`` before its channels are read."""
    if dh_compression in ("lz4", "bitshuffle_lz4"):
        try:
            size = compressed_size(raw, dh_compression, big_endian=False)
        except ProtocolError as exc:
            raise ProtocolError("bad_data_header", f"data header: {exc}") from exc
        if size > max_bytes:
            raise ProtocolError(
                "header_too_large",
                f"data header declares {size} bytes once decompressed, over the limit of "
                f"{max_bytes}",
            )
        try:
            raw = decompress(raw, dh_compression, np.dtype("u1")).tobytes()
        except ProtocolError as exc:
            raise ProtocolError("bad_data_header", f"data header: {exc}") from exc
        except lz4.block.LZ4BlockError as exc:  # pragma: no cover - decompress wraps these
            raise ProtocolError("bad_data_header", f"data header: {exc}") from exc
    elif len(raw) > max_bytes:
        raise ProtocolError(
            "header_too_large",
            f"data header has {len(raw)} bytes, over the limit of {max_bytes}",
        )
    header = _json(raw, "bad_data_header", "data header")
    if not isinstance(header, dict) or not isinstance(header.get("channels"), list):
        raise ProtocolError("bad_data_header", "data header has no 'channels' list")
    if part_count is not None and part_count != 2 + 2 * len(header["channels"]):
        raise ProtocolError(
            "wrong_part_count",
            f"message has {part_count} parts, its data header with "
            f"{len(header['channels'])} channels needs {2 + 2 * len(header['channels'])}",
        )
    channels = tuple(parse_channel(entry) for entry in header["channels"])
    parsed = DataHeader(channels, header, text_bytes=len(raw))
    if len(parsed.positions) != len(channels):
        raise ProtocolError("bad_data_header", "data header names a channel twice")
    return parsed
