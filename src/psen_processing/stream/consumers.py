"""How many consumers are connected to the output stream, from the socket's own events."""

from __future__ import annotations

import logging
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from .statistics import Statistics

__all__ = ["ConsumerCount"]

log = logging.getLogger(__name__)

_EVENTS = zmq.EVENT_ACCEPTED | zmq.EVENT_DISCONNECTED


class ConsumerCount:
    """Follows the connections accepted and lost by a bound socket (its ZeroMQ monitor).

    Owned by the thread that owns the socket; ``update`` reads the events queued since the last
    call, puts the count in the statistics and warns once per change to anything but one
    consumer: a second consumer on a PUSH output takes every other frame.
    """

    def __init__(self, socket: zmq.Socket[Any], statistics: Statistics) -> None:
        self._socket = socket
        self._monitor = socket.get_monitor_socket(_EVENTS)
        self._stats = statistics
        self._count = 0
        statistics.output_consumers(0)

    def update(self) -> int:
        count = self._count
        monitor = self._monitor
        while monitor.poll(0):
            event = recv_monitor_message(monitor)["event"]
            if event == zmq.EVENT_ACCEPTED:
                count += 1
            elif event == zmq.EVENT_DISCONNECTED:
                count = max(count - 1, 0)
        if count != self._count:
            self._count = count
            self._stats.output_consumers(count)
            if count != 1:
                log.warning(
                    "%d consumers connected to the output stream: %s",
                    count,
                    "frames are sent to nobody (block mode waits, drop mode drops)"
                    if count == 0
                    else "PUSH shares the frames among them, each gets only some",
                )
        return count

    def close(self) -> None:
        """Stop following; with the socket closed, no consumer is connected."""
        self._stats.output_consumers(0)
        self._socket.disable_monitor()
        self._monitor.close(linger=0)
