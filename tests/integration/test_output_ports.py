"""Output ports given as 0: the system chooses them, the service reports and keeps them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import zmq

from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, PREFIX, Running, ServiceProcess, Source, wait_until


def _frame(pulse_id: int) -> list[bytes]:
    return encode_message(pulse_id, [(IMAGE, np.ones((4, 4), dtype=np.int32))])


def test_restart_of_processing_keeps_the_port_the_system_chose(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    """A consumer connected to the port chosen at the first start gets the frames of every
    later start: the service binds the same port again."""
    assert running.service.output_port is None  # port 0: not chosen before the first start
    assert running.client.start() == "processing"
    port = running.output_port
    assert port != 0
    assert running.client.get_statistics()["output"]["port"] == port
    sink = running.sink(zmq_context)
    for pulse_id in range(3):
        if pulse_id:
            assert running.client.start() == "processing"
        assert running.output_port == port
        source.send(_frame(pulse_id))
        assert sink.receive().pulse_id == pulse_id
        assert running.client.stop() == "stopped"
    assert running.client.get_statistics()["output"]["port"] == port


def test_two_services_given_port_0_at_once_get_different_ports_and_both_deliver(
    make_service: Callable[..., Running], zmq_context: zmq.Context[Any], tmp_path: Path
) -> None:
    sources, services = [], []
    for n in range(2):
        sock = zmq_context.socket(zmq.PUSH)
        sock.setsockopt(zmq.LINGER, 0)
        address = f"tcp://127.0.0.1:{sock.bind_to_random_port('tcp://127.0.0.1')}"
        sources.append(Source(sock, address))
        services.append(make_service(address, settings_path=tmp_path / f"{n}.json"))
        services[-1].sockets.append(sock)  # closed when the test ends
    for service in services:
        service.client.start()
    ports = {service.output_port for service in services}
    assert len(ports) == 2 and 0 not in ports
    for n, (source, service) in enumerate(zip(sources, services, strict=True)):
        sink = service.sink(zmq_context)
        source.send(_frame(100 + n))
        assert sink.receive().pulse_id == 100 + n


def test_image_output_port_0_is_chosen_reported_and_kept(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, image_output_port=0)
    running.client.start()
    image_port = running.service.image_output_port
    assert image_port is not None and image_port not in (0, running.output_port)
    running.client.stop()
    running.client.start()
    assert running.service.image_output_port == image_port
    viewer = zmq_context.socket(zmq.SUB)
    viewer.setsockopt(zmq.LINGER, 0)
    viewer.setsockopt(zmq.SUBSCRIBE, b"")
    running.sockets.append(viewer)
    viewer.connect(f"tcp://127.0.0.1:{image_port}")
    sink = running.sink(zmq_context)

    def an_image_arrives() -> bool:  # SUB drops until its subscription is in place: resend
        source.send(_frame(7))
        sink.receive()
        return bool(viewer.poll(50, zmq.POLLIN))

    wait_until(an_image_arrives, what="an image at the image output")


def test_the_command_prints_the_ports_it_got_for_r_0_o_0_and_i_0(
    tmp_path: Path, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    argv = [
        *(sys.executable, "-m", "psen_processing.cli", source.address, PREFIX),
        *("-r", "0", "-o", "0", "-i", "0", "--rest_api_interface", "127.0.0.1"),
        *("--output_stream_interface", "127.0.0.1", "--auto_start"),
        *("--settings_file", str(tmp_path / "s.json"), "--duration", "60"),
    ]
    process = ServiceProcess(argv)
    try:
        rest, output = process.ports()
        assert 0 not in (rest, output) and rest != output
        images = int(process.line(r", images tcp://127\.0\.0\.1:(\d+)")[1])
        assert images not in (0, output)
        sink = zmq_context.socket(zmq.PULL)
        sink.setsockopt(zmq.LINGER, 0)
        try:
            sink.connect(f"tcp://127.0.0.1:{output}")
            source.send(_frame(5))
            assert sink.poll(10000), "no output at the port the command printed"
            assert sink.recv_multipart()[0]
        finally:
            sink.close()
    finally:
        process.process.terminate()
        assert process.finish() == 0, process.output
