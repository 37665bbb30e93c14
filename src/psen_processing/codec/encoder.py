"""Building bsread messages (pure, no I/O).

:class:`OutputEncoder` re-emits a received message with extra channels added (before the
received channels with large values, which go last): the received value and timestamp parts
are passed through as the very objects that came in, and the output data header is rebuilt
only when the input header or the set of extra channels changes.
:func:`channel_entry` describes a value as a data-header entry; complete messages built from
values, for the simulated camera and the tests, are built by :mod:`psen_processing.sim.messages`.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .headers import DTYPES, ChannelSpec
from .lru import LruCache
from .message import Message

__all__ = [
    "ExtraChannels",
    "OutputEncoder",
    "channel_entry",
    "main_header",
    "output_data_header",
    "timestamp_bytes",
]

P = TypeVar("P")

_TYPE_NAMES = {
    f"{np.dtype(code).kind}{np.dtype(code).itemsize}": name
    for name, code in DTYPES.items()
    if name != "string"
}
"""The bsread type of a numpy dtype's kind and size (``u2``: ``uint16``): :data:`DTYPES` read
backwards, strings apart (they travel as bytes)."""


def channel_entry(name: str, value: object, compression: str = "none") -> dict[str, Any]:
    """The data-header entry for ``value`` (str, bool, int, float or numpy array)."""
    entry: dict[str, Any]
    if isinstance(value, str):
        entry = {"name": name, "type": "string", "shape": [1], "encoding": "little"}
    else:
        array = np.asarray(value)
        entry = {
            "name": name,
            "type": _TYPE_NAMES[f"{array.dtype.kind}{array.dtype.itemsize}"],
            "shape": list(array.shape[::-1]) or [1],
            "encoding": "big" if array.dtype.byteorder == ">" else "little",
        }
    if compression != "none":
        entry["compression"] = compression
    return entry


def main_header(pulse_id: int, quoted_hash: str, stamp: dict[str, Any] | None) -> bytes:
    """A main header, byte for byte as ``json.dumps`` writes it (``quoted_hash``: the hash as a
    JSON string). The usual global timestamp ``{"sec": int, "ns": int}`` is written without the
    JSON encoder's Python layers, which cost more than the rest of the header."""
    text = f'{{"htype": "bsr_m-1.1", "pulse_id": {pulse_id}, "hash": {quoted_hash}'
    if stamp is None:
        return f"{text}}}".encode()
    sec, ns = stamp.get("sec"), stamp.get("ns")
    if len(stamp) == 2 and type(sec) is int and type(ns) is int and next(iter(stamp)) == "sec":
        return f'{text}, "global_timestamp": {{"sec": {sec}, "ns": {ns}}}}}'.encode()
    return f'{text}, "global_timestamp": {json.dumps(stamp)}}}'.encode()


def output_data_header(message: Message, entries: Sequence[dict[str, Any]]) -> tuple[bytes, str]:
    """A data header with the received one's keys but ``entries`` as its channels: its bytes
    and their md5 hash, as a main header names it."""
    header = {
        **{k: v for k, v in message.data_header.raw.items() if k != "channels"},
        "htype": "bsr_d-1.1",
        "channels": list(entries),
    }
    header_bytes = json.dumps(header).encode("utf-8")
    return header_bytes, hashlib.md5(header_bytes).hexdigest()


def timestamp_bytes(sec: int, ns: int, big_endian: bool = False) -> bytes:
    return struct.pack(">qq" if big_endian else "<qq", sec, ns)


@dataclass(frozen=True, slots=True)
class ExtraChannels:
    """The channels a service appends to each message, in order: their header entries.

    Build one per set of channels and reuse it for every frame that carries that set; the values
    then come per frame (:meth:`OutputEncoder.encode_values`).
    """

    entries: tuple[dict[str, Any], ...] = field(hash=False)
    key: str = ""
    """Identifies the entries for the output-header cache (derived from them by default)."""

    def __post_init__(self) -> None:
        if not self.key:
            key = "\n".join(json.dumps(entry, sort_keys=True) for entry in self.entries)
            object.__setattr__(self, "key", key)


LARGE_VALUE_BYTES = 64 * 1024
"""A received channel whose value holds at least this many bytes (uncompressed, as its data
header declares) goes out after all the others, the added channels included. libzmq (4.3.5)
never frees the parts of a message already queued to a consumer whose connection ends before
the message's last part. With the large values last, most such torn messages leave only small
parts behind; a connection that ends just after a large value (before its timestamp part, or
before the next large value) still leaves that value. String channels declare no size and are
never counted as large. The worker counts torn messages (``output_messages_interrupted``)."""


@dataclass(frozen=True, slots=True)
class _OutputLayout:
    header: Any
    """The data header part: its bytes, or what ``header_part`` made of them."""
    header_hash: str
    before: tuple[slice, ...]
    """Runs of received parts (value and timestamp of each channel) that go out before the added
    channels: every channel but the large ones (:data:`LARGE_VALUE_BYTES`) and those the service
    replaces."""
    after: tuple[slice, ...]
    """Runs of received parts that go out after the added channels: the large ones."""
    quoted_hash: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "quoted_hash", json.dumps(self.header_hash))


def _runs(channels: Sequence[int]) -> tuple[slice, ...]:
    """The received parts of ``channels`` (ascending indices) as slices of adjacent parts."""
    runs: list[slice] = []
    start = end = -1
    for i in channels:
        if i != end:
            if start >= 0:
                runs.append(slice(2 + 2 * start, 2 + 2 * end))
            start = i
        end = i + 1
    if start >= 0:
        runs.append(slice(2 + 2 * start, 2 + 2 * end))
    return tuple(runs)


def _is_large(spec: ChannelSpec) -> bool:
    return spec.expected_nbytes is not None and spec.expected_nbytes >= LARGE_VALUE_BYTES


class OutputEncoder:
    """Appends extra channels to received messages, caching the output data headers.

    ``header_part`` turns a data header's bytes, once per header, into the part that is sent
    (e.g. a ZeroMQ frame that every message then shares instead of copying the bytes).
    """

    def __init__(
        self, cache_size: int = 8, header_part: Callable[[bytes], Any] | None = None
    ) -> None:
        self._layouts: LruCache[tuple[str, str], _OutputLayout] = LruCache(cache_size)
        self._header_part = header_part
        self.headers_built = 0

    def _new_layout(self, message: Message, extras: ExtraChannels) -> _OutputLayout:
        replaced = {entry["name"] for entry in extras.entries}
        channels = message.data_header.channels
        keep = [i for i, spec in enumerate(channels) if spec.name not in replaced]
        small = [i for i in keep if not _is_large(channels[i])]
        large = [i for i in keep if _is_large(channels[i])]
        header_bytes, header_hash = output_data_header(
            message,
            [channels[i].raw for i in small]
            + list(extras.entries)
            + [channels[i].raw for i in large],
        )
        header = header_bytes if self._header_part is None else self._header_part(header_bytes)
        layout = _OutputLayout(header, header_hash, _runs(small), _runs(large))
        self._layouts.put((message.main.hash, extras.key), layout)
        self.headers_built += 1
        return layout

    def encode_values(
        self,
        message: Message,
        extras: ExtraChannels,
        values: Sequence[bytes | npt.NDArray[np.generic]],
        passthrough: Sequence[P] | None = None,
    ) -> list[P | bytes | npt.NDArray[np.generic]]:
        """The output parts: new headers, the received channel parts, the extra channels (their
        entries in ``extras``, their values, encoded bytes or arrays in the entries' type, in
        ``values``), and last the received channels with large values
        (:data:`LARGE_VALUE_BYTES`). The entries are reused from frame to frame.

        ``passthrough`` are the received parts as the I/O layer holds them (e.g. zmq frames), in
        the same order as ``message.parts``; by default ``message.parts`` themselves.
        """
        source: Sequence[Any] = message.parts if passthrough is None else passthrough
        try:
            layout = self._layouts[message.main.hash, extras.key]
        except KeyError:
            layout = self._new_layout(message, extras)
        head = message.main
        out: list[Any] = [
            main_header(head.pulse_id, layout.quoted_hash, head.global_timestamp),
            layout.header,
        ]
        for run in layout.before:
            out += source[run]
        if values:
            stamp = timestamp_bytes(head.sec, head.ns)
            for value in values:
                out.append(value)
                out.append(stamp)
        for run in layout.after:
            out += source[run]
        return out
