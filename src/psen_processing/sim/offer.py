"""Offering a multipart message to a PUSH peer without ever waiting for one that has left.

Polling for room and then sending with a blocking call races with the peer: if it disconnects
between the two, the blocking send waits for a peer that may never come back (a service that
stopped, a consumer gone for good). Here every part is sent without blocking, so the message goes
out whole or not at all and the call returns within the poll's timeout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import zmq

__all__ = ["offer", "send_now"]

_MORE = int(zmq.SNDMORE) | int(zmq.NOBLOCK)
_LAST = int(zmq.NOBLOCK)


def send_now(socket: zmq.Socket[Any], parts: Sequence[Any], *, copy: bool = True) -> bool:
    """Send ``parts`` as one message if a peer takes it now; never waits.

    False if no peer takes the first part (nothing is sent) or the peer left mid-message (the rest
    goes to libzmq, which drops it up to the message's last part, so no partial message remains).
    """
    last = len(parts) - 1
    whole = True
    for i, part in enumerate(parts):
        try:
            socket.send(part, _MORE if i < last else _LAST, copy=copy)
        except zmq.Again:
            if i == 0:
                return False
            whole = False
    return whole


def offer(
    socket: zmq.Socket[Any], parts: Sequence[Any], timeout_ms: int, *, copy: bool = True
) -> bool:
    """Send ``parts`` if a peer has room within ``timeout_ms``; True if it went out whole."""
    return bool(socket.poll(timeout_ms, zmq.POLLOUT)) and send_now(socket, parts, copy=copy)
