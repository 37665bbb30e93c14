"""Fixtures of the compatibility suite: the service as users of psen_processing 1.x meet it.

A psi-bsread sender plays the camera (the service connects to it, as 1.x did), the output is
read with psi-bsread, and the REST API is driven with :class:`OriginalStyleClient`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from bsread import PULL, Sender
from bsread import Source as BsreadSource

from ..conftest import IMAGE, Running, bsread_receive, free_port
from .original_client import OriginalStyleClient


def close_bsread(disconnect: Callable[[], None], stream: Any) -> None:
    """psi-bsread's disconnect can give up before closing its socket; close it for it."""
    disconnect()
    if not stream.socket.closed:
        stream.socket.close(linger=0)


@dataclass
class Legacy:
    """A running service (REST on loopback, not started), its camera and its 1.x-style client."""

    running: Running
    client: OriginalStyleClient
    camera: Sender
    receivers: list[BsreadSource] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.running.url

    def send(self, pulse_id: int, image: npt.NDArray[Any], **channels: Any) -> None:
        self.camera.send(data={IMAGE: image, **channels}, pulse_id=pulse_id)

    def receiver(self) -> BsreadSource:
        """A psi-bsread PULL receiver of the output stream, closed when the test ends."""
        receiver = BsreadSource(
            host="127.0.0.1", port=self.running.output_port, mode=PULL, receive_timeout=100
        )
        receiver.connect()
        self.receivers.append(receiver)
        return receiver


def receive(receiver: BsreadSource, timeout_s: float = 10.0) -> Any:
    """The next output message as psi-bsread decodes it: ``.pulse_id``, ``.data[name].value``."""
    return bsread_receive(receiver, timeout_s)


def ones(height: int = 64, width: int = 128) -> npt.NDArray[np.uint16]:
    """The image of the 1.x tests: uint16 ones."""
    return np.ones((height, width), dtype=np.uint16)


@pytest.fixture
def legacy(make_service: Callable[..., Running]) -> Iterator[Legacy]:
    port = free_port()
    camera = Sender(port=port, address="tcp://127.0.0.1", send_timeout=10000)
    camera.open()
    running = make_service(f"tcp://127.0.0.1:{port}")
    setup = Legacy(running, OriginalStyleClient(running.url + "/"), camera)
    try:
        yield setup
    finally:
        for receiver in setup.receivers:
            close_bsread(receiver.disconnect, receiver.stream)
        close_bsread(camera.close, camera.stream)
