"""systemd's notification protocol (``sd_notify``), without a dependency.

A ``Type=notify`` service sends datagrams of ``KEY=VALUE`` lines to the AF_UNIX socket named by
``$NOTIFY_SOCKET`` (a path, or ``@name`` for an abstract socket): ``READY=1`` once it serves,
``STATUS=...`` for ``systemctl status``, ``WATCHDOG=1`` at least every ``$WATCHDOG_USEC``
microseconds when the unit has ``WatchdogSec=`` (for this process only, if ``$WATCHDOG_PID``
names it), ``STOPPING=1`` when it shuts down. Without ``$NOTIFY_SOCKET`` nothing is sent.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping

__all__ = ["SystemdNotifier"]

log = logging.getLogger(__name__)


class SystemdNotifier:
    """Sends notifications to ``address`` (None: does nothing); thread-safe, never raises.

    :meth:`watchdog` sends ``WATCHDOG=1`` at most every ``watchdog_interval_s`` (half the
    watchdog timeout), however often it is called.
    """

    def __init__(self, address: str | None, watchdog_interval_s: float | None = None) -> None:
        self.address = address
        self.watchdog_interval_s = watchdog_interval_s if address is not None else None
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._next_watchdog = 0.0
        self._warned = False

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> SystemdNotifier:
        """From ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` as systemd sets them."""
        address = environ.get("NOTIFY_SOCKET") or None
        if address is not None and not address.startswith(("/", "@")):
            log.warning("NOTIFY_SOCKET=%s is not a unix socket path: not notifying", address)
            address = None
        interval = None
        usec = environ.get("WATCHDOG_USEC", "")
        pid = environ.get("WATCHDOG_PID", "")
        if usec and (not pid or pid == str(os.getpid())):
            if usec.isdigit() and int(usec) > 0:
                interval = int(usec) / 2e6
                if interval < 0.5:
                    log.warning("the watchdog timeout %s us is very short", usec)
            else:
                log.warning("WATCHDOG_USEC=%r is not a positive integer: no watchdog", usec)
        return cls(address, interval)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *lines: str) -> bool:
        """Send ``lines`` (``KEY=VALUE``; a value's line breaks become spaces) as one datagram;
        False if nothing was sent (no socket configured, or it failed: logged once)."""
        if self.address is None:
            return False
        text = "\n".join(" ".join(line.splitlines()) for line in lines)
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with self._lock:
                if self._socket is None:
                    self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._socket.setblocking(False)  # never hold up the processing loop
                self._socket.sendto(text.encode("utf-8", "replace"), target)
        except OSError as exc:
            if not self._warned:
                self._warned = True
                log.warning("cannot notify systemd at %s: %s", self.address, exc)
            return False
        return True

    def ready(self, status: str) -> None:
        self.notify("READY=1", f"STATUS={status}")

    def status(self, status: str) -> None:
        self.notify(f"STATUS={status}")

    def stopping(self, status: str = "stopping") -> None:
        self.notify("STOPPING=1", f"STATUS={status}")

    def watchdog(self) -> None:
        """``WATCHDOG=1``, unless sent less than ``watchdog_interval_s`` ago."""
        interval = self.watchdog_interval_s
        if interval is None:
            return
        now = time.monotonic()
        if now < self._next_watchdog:
            return
        self._next_watchdog = now + interval
        self.notify("WATCHDOG=1")

    def close(self) -> None:
        with self._lock:
            if self._socket is not None:
                self._socket.close()
                self._socket = None
