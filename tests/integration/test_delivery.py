"""Delivery faults of issue 14: consumers that come and go, stop and start, frames in flight.

Processing never stops because of the network, and every frame received is counted once:
``frames_received == frames_sent + frames_dropped_output + frames_skipped +
frames_discarded_at_stop``.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import requests
import zmq

from psen_processing.codec import Decoder
from psen_processing.errors import ProtocolError
from psen_processing.sim.messages import encode_message
from psen_processing.sim.offer import offer

from ..conftest import IMAGE, Running, Source, free_port, wait_until


def _accounted(statistics: dict[str, Any]) -> int:
    return int(
        statistics["frames_sent"]
        + statistics["frames_dropped_output"]
        + statistics["frames_skipped"]
        + statistics.get("frames_discarded_at_stop", 0)
    )


def _many_channels(pulse_id: int, channels: int) -> list[bytes]:
    image = np.zeros((8, 8), dtype=np.uint16)
    values: list[tuple[str, object]] = [(IMAGE, image)]
    values += [(f"CH{i:04d}", float(i)) for i in range(channels)]
    return encode_message(pulse_id, values)


class Feeder(threading.Thread):
    """Sends the same frame, with new pulse ids, as fast as the service takes it."""

    def __init__(self, source: Source, parts: list[bytes]) -> None:
        super().__init__(name="feeder", daemon=True)
        self.source, self.parts = source, parts
        self.stop = threading.Event()
        self.sent = 0

    def run(self) -> None:
        sock = self.source.socket
        while not self.stop.is_set():
            if offer(sock, self.parts, 50, copy=False):
                self.sent += 1


class Reconnector(threading.Thread):
    """A consumer that drops its connection and connects again every few tens of ms, reading
    (and so taking messages) in between."""

    def __init__(self, context: zmq.Context[Any], address: str, seed: int) -> None:
        super().__init__(name="reconnector", daemon=True)
        self.context, self.address = context, address
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.reconnects = 0
        self.torn = 0
        """Messages that came out incomplete or mixed with another's parts."""

    def run(self) -> None:
        decoder = Decoder()
        while not self.stop.is_set():
            sock = self.context.socket(zmq.PULL)
            sock.setsockopt(zmq.LINGER, 0)
            sock.setsockopt(zmq.RCVHWM, 4)
            sock.connect(self.address)
            until = time.monotonic() + self.rng.uniform(0.01, 0.08)
            while time.monotonic() < until:
                if sock.poll(5):
                    try:
                        decoder.decode(sock.recv_multipart())
                    except ProtocolError:
                        self.torn += 1
            sock.close(linger=0)
            self.reconnects += 1


@pytest.mark.parametrize("mode", ["block", "drop"])
def test_consumers_disconnecting_mid_message_never_stop_processing(
    make_service: Callable[..., Running],
    source: Source,
    zmq_context: zmq.Context[Any],
    mode: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    run = make_service(source.address, output_mode=mode)
    run.client.set_roi_signal([0, 8, 0, 8])
    run.client.start()
    feeder = Feeder(source, _many_channels(1, 1500))
    storm = Reconnector(zmq_context, f"tcp://127.0.0.1:{run.output_port}", seed=14)
    feeder.start()
    storm.start()
    try:
        # at least 6 s of storm, longer on a loaded machine until enough frames went through it
        least, deadline = time.monotonic() + 6.0, time.monotonic() + 40.0
        while time.monotonic() < deadline and run.client.get_status() == "processing":
            statistics = run.client.get_statistics()
            if (
                time.monotonic() > least
                and storm.reconnects > 20
                and statistics["frames_received"] > 100
                and statistics["output_messages_interrupted"] > 0  # the storm did tear some
            ):
                break
            time.sleep(0.1)
    finally:
        storm.stop.set()
        storm.join(5)
    try:
        assert "processing loop failed" not in caplog.text
        assert run.client.get_status() == "processing", run.client.get_statistics()["last_error"]
        # after the storm a steady consumer gets frames again
        sink = run.sink(zmq_context)
        assert sink.receive().pulse_id == 1
    finally:
        feeder.stop.set()
        feeder.join(5)
    received = run.client.get_statistics()["frames_received"]
    assert received > 100 and storm.reconnects > 20
    assert storm.torn == 0, "a message went out in part"
    statistics = run.client.get_statistics()
    assert statistics["output_messages_interrupted"] > 0, "no connection ended within a message"
    # a frame is counted as it is received: the one in hand, if any, is not yet accounted for
    assert 0 <= statistics["frames_received"] - _accounted(statistics) <= 1, statistics


def _slow_frames(count: int, channels: int = 120_000) -> list[list[bytes]]:
    """Frames whose data headers are all new to the service. NB: at 120,000 channels the data
    header (9 MB) is over the service's 4 MiB limit, so each is skipped at once, not parsed for
    a second as first meant; frames slow for real (a header under the limit) hold the
    interpreter lock while parsed, so the REST answers wait for them too and both tests that
    use these frames lose their meaning (to be redone with frames whose processing releases the
    lock). Under a heavy load these tests fail on timing."""
    parts = _many_channels(0, channels)
    frames = []
    for k in range(count):
        header = parts[1].replace(b'"CH0000"', f'"CX{k:04d}"'.encode(), 1)
        main = json.loads(parts[0])
        main.update(pulse_id=k, hash=hashlib.md5(header).hexdigest())
        frames.append([json.dumps(main).encode(), header, *parts[2:]])
    return frames


def _timed(action: Callable[[], object]) -> float:
    started = time.monotonic()
    action()
    return time.monotonic() - started


@pytest.mark.slow
def test_stop_is_prompt_during_a_slow_frame_and_start_right_after_works(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    run = make_service(source.address, output_mode="drop")
    run.client.start()
    slow = _slow_frames(3)
    for parts in slow:
        source.send(parts)
    wait_until(lambda: run.client.get_statistics()["frames_received"] >= 1, 30)
    assert _timed(run.client.stop) < 1.0, "/stop waited for the frame being processed"
    assert run.client.get_status() == "stopped"

    def all_counted() -> bool:  # every frame received is accounted for, whatever the timing
        statistics = run.client.get_statistics()
        return statistics["frames_received"] == _accounted(statistics) >= 1

    wait_until(all_counted, 30, "the frames in hand at the stop counted")

    run.client.start()  # again, and now start at once after the stop
    for parts in _slow_frames(2):
        source.send(parts)
    wait_until(lambda: run.client.get_statistics()["frames_received"] >= 1, 30)
    run.client.stop()
    run.client.start()
    assert run.client.get_status() == "processing"
    sink = run.sink(zmq_context)
    wait_until(lambda: run.client.get_statistics()["output_consumers"] == 1)
    source.send(_many_channels(7, 3))
    assert sink.receive().pulse_id == 7


def test_output_consumers_are_shown_and_a_second_one_is_warned_about(
    running: Running, zmq_context: zmq.Context[Any], caplog: pytest.LogCaptureFixture
) -> None:
    running.client.start()
    consumers = lambda: running.client.get_statistics()["output_consumers"]  # noqa: E731
    assert consumers() == 0
    first = running.sink(zmq_context)
    wait_until(lambda: consumers() == 1, what="one consumer counted")
    assert "consumers connected to the output stream" not in caplog.text
    second = running.sink(zmq_context)
    wait_until(lambda: consumers() == 2, what="two consumers counted")
    wait_until(lambda: "2 consumers connected to the output stream" in caplog.text)
    second.socket.close(linger=0)
    wait_until(lambda: consumers() == 1, what="back to one consumer")
    first.socket.close(linger=0)
    wait_until(lambda: consumers() == 0, what="no consumer")
    warnings = [r for r in caplog.records if "consumers connected" in r.getMessage()]
    assert len(warnings) == 2, "one warning per change to a count other than 1"


def test_frames_in_hand_at_stop_are_counted(running: Running, source: Source) -> None:
    running.client.start()  # block mode and no consumer: frames pile up in the service
    image = np.zeros((64, 64), dtype=np.uint16)
    taken = 0
    while offer(source.socket, encode_message(taken, [(IMAGE, image)]), 300):
        taken += 1
    running.client.stop()
    wait_until(lambda: running.client.get_statistics()["frames_discarded_at_stop"] > 1)
    statistics = running.client.get_statistics()
    assert statistics["frames_received"] == _accounted(statistics) <= taken
    metrics = requests.get(f"{running.url}/metrics", timeout=5).text
    discarded = statistics["frames_discarded_at_stop"]
    assert f'psen_frames_discarded_at_stop_total{{prefix="TEST-CAM"}} {discarded:.1f}' in metrics


def test_start_while_the_stopped_run_still_holds_the_port_answers_503_saying_so(
    make_service: Callable[..., Running], source: Source
) -> None:
    run = make_service(source.address, output_mode="drop", restart_wait_s=0.05)
    run.client.start()
    for parts in _slow_frames(2):
        source.send(parts)
    wait_until(lambda: run.client.get_statistics()["frames_received"] >= 1, 30)
    run.client.stop()
    reply = requests.post(f"{run.url}/start", timeout=10)
    # Whether the stopped run is still on a frame is timing (see _slow_frames): either answer
    # must be right; a 503 says why and leaves the service stopped, until a start succeeds.
    if reply.status_code == 503:
        assert "still finishing a frame" in reply.json()["status"]
        assert run.client.get_status() == "stopped"
        wait_until(lambda: requests.post(f"{run.url}/start", timeout=10).ok, 30)
    else:
        assert reply.status_code == 200, reply.text
    assert run.client.get_status() == "processing"


BURST = """
import sys
import numpy as np
from bsread import Sender

image = np.random.default_rng(0).integers(0, 1000, (1024, 1024)).astype(np.uint16)
sender = Sender(port=int(sys.argv[1]), address="tcp://127.0.0.1", send_timeout=10000)
sender.open()
for pulse_id in range(5):
    sender.send(data={sys.argv[2]: image}, pulse_id=pulse_id)
sender.stream.socket.close()  # with the 1 s linger mflow gave it
sender.stream.context.term()
"""


def test_a_sender_sending_a_burst_and_exiting_at_once_loses_nothing(
    make_service: Callable[..., Running],
) -> None:
    """What reaches us once a sender exits is decided by its own socket: closed with a linger,
    its queue is delivered and the service takes the burst whole (its input queue holds 32
    frames). psi-bsread's ``Sender.close`` first calls ``disconnect`` on its bound address,
    which ends the connections accepted there and discards what they still queue (2-4 of 5
    frames of 2 MB arrive, at the service and at a plain PULL socket alike), so this sender
    closes its socket directly."""
    for _ in range(3):
        port = free_port()
        run = make_service(f"tcp://127.0.0.1:{port}", output_mode="drop")
        run.client.start()
        subprocess.run([sys.executable, "-c", BURST, str(port), IMAGE], check=True, timeout=60)
        wait_until(lambda: run.client.get_statistics()["frames_received"] >= 5, 10)  # noqa: B023
        statistics = run.client.get_statistics()
        assert statistics["frames_received"] == 5 == statistics["frames_dropped_output"]
        run.client.stop()
