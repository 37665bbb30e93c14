"""Forwarding one received channel alone, e.g. the image for viewers (pure, no I/O)."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, TypeVar

from .encoder import main_header, output_data_header
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
        self._layouts: OrderedDict[str, tuple[int, bytes, str] | None] = OrderedDict()
        self._cache_size = cache_size

    def _layout(self, message: Message) -> tuple[int, bytes, str] | None:
        key = message.main.hash
        if key in self._layouts:
            self._layouts.move_to_end(key)
            return self._layouts[key]
        index = message.data_header.index(self.name)
        layout = None
        if index is not None:
            header_bytes, header_hash = output_data_header(
                message, [message.data_header.channels[index].raw]
            )
            layout = (index, header_bytes, json.dumps(header_hash))
        self._layouts[key] = layout
        while len(self._layouts) > self._cache_size:
            self._layouts.popitem(last=False)
        return layout

    def encode(self, message: Message, passthrough: Sequence[P] | None = None) -> list[Any] | None:
        """The message's parts, or None if the channel is not in ``message``.

        ``passthrough`` are the received parts as the I/O layer holds them (e.g. zmq frames),
        in the order of ``message.parts``; by default ``message.parts`` themselves.
        """
        layout = self._layout(message)
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
