"""What the benchmarks share, once: ports, child processes, the real service command started
and polled until it processes, REST calls, and the CPU time and memory of a process (Linux
``/proc``).

Benchmarks are scripts run from this folder (or with it on ``sys.path``); they import this as
``_harness``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "CLK_TCK",
    "Rest",
    "ServiceRun",
    "cpu_seconds",
    "cpu_ticks",
    "die_with_parent",
    "free_port",
    "rss_kb",
    "service_command",
    "status_of",
    "wait_until",
]

CLK_TCK = os.sysconf("SC_CLK_TCK")
"""Clock ticks per second, the unit of :func:`cpu_ticks`."""


# --- ports and processes ------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for a process that must be told its
    port before it binds it; it races with other processes, which is fine for a benchmark)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def die_with_parent() -> None:
    """Have the kernel SIGTERM this process when its parent dies (Linux; else nothing)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def wait_until(
    predicate: Callable[[], object],
    timeout: float,
    what: str,
    *,
    interval: float = 0.05,
    process: subprocess.Popen[bytes] | None = None,
) -> None:
    """Poll ``predicate`` until it is true; RuntimeError after ``timeout`` seconds, or at once
    if ``process`` has exited meanwhile."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process exited ({process.returncode})")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:g} s")
        time.sleep(interval)


# --- CPU time and memory ------------------------------------------------------------------


def cpu_ticks(*pids: int) -> int:
    """utime + stime of processes, in clock ticks (:data:`CLK_TCK` per second)."""
    ticks = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks


def cpu_seconds(*pids: int) -> float:
    """utime + stime of processes, in seconds."""
    return cpu_ticks(*pids) / CLK_TCK


def rss_kb(pid: int) -> int:
    """The resident memory of a process, KiB (-1 if not reported)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


# --- REST ---------------------------------------------------------------------------------


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw[:200].decode("utf-8", "replace")


def status_of(answer: Any) -> str | None:
    """The ``status`` of an answer's envelope (None if it is not one)."""
    return answer.get("status") if isinstance(answer, dict) else None


class Rest:
    """Plain HTTP calls to the service's REST API on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def call(
        self,
        method: str,
        endpoint: str,
        body: bytes | None = None,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        timeout: float = 5.0,
    ) -> tuple[int, Any]:
        """(HTTP status, decoded answer); a transport failure or timeout is status 0, never
        raised."""
        request = urllib.request.Request(self.base + endpoint, data=body, method=method)
        request.add_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, _json(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())
        except (OSError, ValueError):  # refused, reset, timed out
            return 0, None

    def get(self, endpoint: str, timeout: float = 5.0) -> dict[str, Any]:
        """The JSON answer of ``GET endpoint``; raises unless it is a 200 JSON object."""
        code, answer = self.call("GET", endpoint, timeout=timeout)
        if code != 200 or not isinstance(answer, dict):
            raise RuntimeError(f"GET {endpoint} answered {code}: {answer!r}")
        return answer

    def post(self, endpoint: str, body: object = None, timeout: float = 5.0) -> dict[str, Any]:
        """The JSON answer of ``POST endpoint`` with ``body`` as JSON; raises unless 200."""
        data = None if body is None else json.dumps(body).encode()
        code, answer = self.call("POST", endpoint, data, timeout=timeout)
        if code != 200 or not isinstance(answer, dict):
            raise RuntimeError(f"POST {endpoint} answered {code}: {answer!r}")
        return answer

    def timed(self, endpoint: str, timeout: float) -> tuple[float, int, Any]:
        """(ms, status, answer) of a GET."""
        asked = time.monotonic()
        code, answer = self.call("GET", endpoint, timeout=timeout)
        return (time.monotonic() - asked) * 1000.0, code, answer


# --- the service --------------------------------------------------------------------------


def service_command() -> list[str]:
    """The ``psen_processing`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("psen_processing")
    if script.exists():
        return [str(script)]
    found = shutil.which("psen_processing")
    return [found] if found else [sys.executable, "-m", "psen_processing.cli"]


class ServiceRun:
    """The real ``psen_processing`` command on loopback: input from ``source_port``, output on
    ``output_port``, REST on a port of its own, started processing (``--auto_start``), its
    output written to ``log_path``."""

    def __init__(
        self,
        source_port: int,
        output_port: int,
        settings: Path,
        log_path: Path,
        *,
        prefix: str,
        extra: Sequence[str] = (),
        log_level: str = "WARNING",
        preexec_fn: Callable[[], None] | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        self.rest_port = free_port()
        self.output_port = output_port
        self.rest = Rest(self.rest_port)
        self.log_path = log_path
        self.command = [
            *(command or [sys.executable, "-m", "psen_processing.cli"]),
            f"tcp://127.0.0.1:{source_port}", prefix,
            "-o", str(output_port), "-r", str(self.rest_port),
            "--rest_api_interface", "127.0.0.1", "--output_stream_interface", "127.0.0.1",
            "--auto_start", "--settings_file", str(settings), "--log_level", log_level, *extra,
        ]  # fmt: skip
        self._preexec_fn = preexec_fn
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def start(self, timeout: float = 60.0) -> None:
        """Start the command and poll its REST API until it says ``processing``."""
        with self.log_path.open("ab") as log:
            # the caller runs no threads of its own yet when it asks for a preexec_fn
            self.process = subprocess.Popen(
                self.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self._preexec_fn,  # noqa: PLW1509
            )
        try:
            wait_until(
                lambda: status_of(self.rest.call("GET", "/status", timeout=2.0)[1]) == "processing",
                timeout,
                "the service to start processing",
                process=self.process,
            )
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n{self.log_tail()}") from None

    def log_tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it has not ended within ``timeout`` seconds."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
