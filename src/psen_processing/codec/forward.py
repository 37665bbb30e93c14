"""Forwarding one received channel alone, e.g. the image for viewers (pure, no I/O)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from .encoder import main_header, output_data_header
from .lru import LruCache
from .message import Message

__all__ = ["ChannelForwarder"]

P = TypeVar("P")


class ChannelForwarder:
    """Builds a bsread message that carries one channel of a received message and nothing else.

    The channel's value and timestamp parts are passed on as the very objects that came in
    (zero-copy); the data header is built once per input data header.
    """

    def __init__(self, name: str, cache_size: int = 8) -> None:
        self.name = name
        self._layouts: LruCache[str, tuple[int, bytes, str] | None] = LruCache(cache_size)

    def _new_layout(self, message: Message) -> tuple[int, bytes, str] | None:
        index = message.data_header.index(self.name)
        layout = None
        if index is not None:
            header_bytes, header_hash = output_data_header(
                message, [message.data_header.channels[index].raw]
            )
            layout = (index, header_bytes, json.dumps(header_hash))
        self._layouts.put(message.main.hash, layout)
        return layout

    def encode(self, message: Message, passthrough: Sequence[P] | None = None) -> list[Any] | None:
        """The message's parts, or None if the channel is not in ``message``.

        ``passthrough`` are the received parts as the I/O layer holds them (e.g. zmq frames),
        in the order of ``message.parts``; by default ``message.parts`` themselves.
        """
        try:
            layout = self._layouts[message.main.hash]
        except KeyError:
            layout = self._new_layout(message)
        if layout is None:
            return None
        index, header_bytes, quoted_hash = layout
        source: Sequence[Any] = message.parts if passthrough is None else passthrough
        head = message.main
        return [
            main_header(head.pulse_id, quoted_hash, head.global_timestamp),
            header_bytes,
            source[2 + 2 * index],
            source[3 + 2 * index],
        ]
