"""Whether a sender is connected to the input stream, from the input socket's own events; and
what the operator should check when the input is not receiving."""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Any

import zmq
from zmq.utils.monitor import recv_monitor_message

from .statistics import Statistics

__all__ = ["InputWatch", "input_hint"]

log = logging.getLogger(__name__)

_EVENTS = (
    zmq.EVENT_CONNECTED
    | zmq.EVENT_DISCONNECTED
    | zmq.EVENT_CLOSED
    | zmq.EVENT_HANDSHAKE_SUCCEEDED
    | zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL
    | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
)
_HANDSHAKE_FAILED = zmq.EVENT_HANDSHAKE_FAILED_PROTOCOL | zmq.EVENT_HANDSHAKE_FAILED_NO_DETAIL
RETRY_AFTER_HANDSHAKE_S = 1.0
"""After a failed handshake libzmq does not connect again by itself (libzmq 4.3: the
connection is given up): the input is connected anew this often until a sender of the right
socket type answers (a camera switched from PUB to PUSH at the same address, say)."""


def input_hint(
    state: str,
    input_stream: str,
    input_mode: str,
    prefix: str,
    *,
    missing_image: str | None = None,
    seconds_since_last_frame: float | None = None,
) -> str | None:
    """What the input's ``state`` means and what to check; None while it is receiving."""
    other = "pull" if input_mode == "sub" else "sub"
    if state == "not_connected":
        return (
            f"no camera: nothing answers at {input_stream}; check the address (host and port "
            f"of the camera's stream), the input mode (--input_mode {input_mode}: "
            f"--input_mode {other} if the camera {'pushes' if other == 'pull' else 'publishes'})"
            f" and the prefix ({prefix})"
        )
    if state == "wrong_socket_type":
        return (
            f"the sender at {input_stream} answers but speaks another socket type (the ZeroMQ "
            f"handshake fails): try --input_mode {other}"
        )
    if state == "connected":
        waited = (
            "no frame yet"
            if seconds_since_last_frame is None
            else f"no frame for {seconds_since_last_frame:.0f} s"
        )
        return (
            f"connected to {input_stream} but {waited}: is the camera acquiring? check the "
            f"input mode (--input_mode {input_mode}) and the prefix ({prefix})"
        )
    if state == "wrong_prefix":
        return f"frames arrive but not for prefix {prefix}: {missing_image}"
    return None


class InputWatch:
    """Follows the input socket's connection events (its ZeroMQ monitor).

    Owned by the thread that owns the socket; ``update`` reads the events queued since the last
    call and puts the link in the statistics; the input's state (the link, or receiving) is
    logged once per change, with what to check. After a failed handshake it connects the
    socket anew every :data:`RETRY_AFTER_HANDSHAKE_S` (libzmq would not).
    """

    def __init__(
        self,
        socket: zmq.Socket[Any],
        statistics: Statistics,
        describe: tuple[str, str, str],
    ) -> None:
        """``describe``: the input address, mode and prefix, for the hints."""
        self._socket = socket
        self._monitor = socket.get_monitor_socket(_EVENTS)
        self._stats = statistics
        self._describe = describe
        self._link = "not_connected"
        self._handshaking = False
        self._attempted = False
        """An event came: a connection was tried (no "not connected" is logged before)."""
        self._logged: str | None = None
        self._retry_at: float | None = None
        """When to connect anew after a failed handshake (``time.monotonic``)."""
        statistics.input_link(self._link)

    def update(self) -> str:
        link, monitor = self._link, self._monitor
        while monitor.poll(0):
            event = recv_monitor_message(monitor)["event"]
            self._attempted = True
            if event == zmq.EVENT_CONNECTED:
                self._handshaking = True
            elif event == zmq.EVENT_HANDSHAKE_SUCCEEDED:
                link, self._handshaking = "connected", False
            elif event & _HANDSHAKE_FAILED or (
                event == zmq.EVENT_DISCONNECTED and self._handshaking
            ):
                link, self._handshaking = "wrong_socket_type", False
            elif event in (zmq.EVENT_DISCONNECTED, zmq.EVENT_CLOSED):
                link, self._handshaking = "not_connected", False
        if link != self._link:
            self._link = link
            self._stats.input_link(link)
        self._retry_if_refused(link)
        self._log_change()
        return link

    def _retry_if_refused(self, link: str) -> None:
        if link != "wrong_socket_type":
            self._retry_at = None
            return
        now = time.monotonic()
        if self._retry_at is None:
            self._retry_at = now + RETRY_AFTER_HANDSHAKE_S
        elif now >= self._retry_at:
            self._retry_at = now + RETRY_AFTER_HANDSHAKE_S
            address = self._describe[0]
            with contextlib.suppress(zmq.ZMQError):  # no longer connected: nothing to undo
                self._socket.disconnect(address)
            self._socket.connect(address)

    def _log_change(self) -> None:
        state = self._stats.input_state()
        key = str(state["state"])
        if key == self._logged or (key == "not_connected" and not self._attempted):
            return
        self._logged = key
        address, mode, prefix = self._describe
        missing = state["missing_image"]
        age = state["seconds_since_last_frame"]
        hint = input_hint(
            key,
            address,
            mode,
            prefix,
            missing_image=missing if isinstance(missing, str) else None,
            seconds_since_last_frame=age if isinstance(age, float | int) else None,
        )
        if hint is None:
            log.info("input: receiving from %s", address)
        elif key == "connected" and age is None:  # the usual start: frames follow at once
            log.info("input: %s", hint)
        else:
            log.warning("input: %s", hint)

    def close(self) -> None:
        """Stop following; with the socket closed, nothing is connected."""
        self._stats.input_link("stopped")
        self._socket.disable_monitor()
        self._monitor.close(linger=0)
