"""Offering a message to a PUSH peer (``sim.offer``): whole or not at all, and never a wait for a
peer that has left, on real sockets over loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import zmq

from psen_processing.sim.offer import offer, send_now

from ..conftest import wait_until

PARTS = [b"header", b"x" * 5000, b"last"]


@pytest.fixture
def sockets(zmq_context: zmq.Context[Any]) -> Iterator[tuple[zmq.Socket[Any], zmq.Socket[Any]]]:
    """A bound PUSH socket and a PULL peer connected to it."""
    push = zmq_context.socket(zmq.PUSH)
    pull = zmq_context.socket(zmq.PULL)
    for sock in (push, pull):
        sock.setsockopt(zmq.LINGER, 0)
    port = push.bind_to_random_port("tcp://127.0.0.1")
    pull.connect(f"tcp://127.0.0.1:{port}")
    yield push, pull
    push.close()
    pull.close()


def test_a_taken_message_arrives_whole(
    sockets: tuple[zmq.Socket[Any], zmq.Socket[Any]],
) -> None:
    push, pull = sockets
    assert offer(push, PARTS, 5000)
    assert offer(push, [memoryview(p) for p in PARTS], 5000, copy=False)
    assert pull.poll(5000)
    assert pull.recv_multipart() == PARTS
    assert pull.recv_multipart() == PARTS


def test_no_peer_means_not_sent_without_waiting(
    sockets: tuple[zmq.Socket[Any], zmq.Socket[Any]],
) -> None:
    push, pull = sockets
    pull.close()
    wait_until(lambda: not push.poll(0, zmq.POLLOUT), what="the peer to be gone")
    assert not offer(push, PARTS, 0)
    assert not send_now(push, PARTS)


def test_a_peer_gone_after_the_poll_does_not_make_the_send_wait(
    sockets: tuple[zmq.Socket[Any], zmq.Socket[Any]],
) -> None:
    """The race that hung a test for ever in CI: the poll saw room, then the service stopped for
    good before the send. The send step alone, after the peer has left, must return."""
    push, pull = sockets
    wait_until(lambda: push.poll(0, zmq.POLLOUT), what="the peer to connect")
    pull.close()
    wait_until(lambda: not push.poll(0, zmq.POLLOUT), what="the peer to be gone")
    result: list[bool] = []
    sender = threading.Thread(target=lambda: result.append(send_now(push, PARTS)), daemon=True)
    sender.start()
    sender.join(5)
    assert not sender.is_alive(), "the send waits for a peer that has left"
    assert result == [False]
