"""The optional image output stream: viewers get the image alone and never slow the data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import zmq
from bsread import SUB
from bsread import Source as BsreadSource

from psen_processing.codec import Decoder
from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Running, Sink, Source, wait_until


def _image_port(running: Running) -> int:
    port = running.service.image_output_port
    assert port is not None, "the image output port is chosen at the first start"
    return port


def _viewer(context: zmq.Context[Any], port: int, hwm: int = 1000) -> zmq.Socket[Any]:
    sock = context.socket(zmq.SUB)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.RCVHWM, hwm)
    sock.setsockopt(zmq.SUBSCRIBE, b"")
    sock.connect(f"tcp://127.0.0.1:{port}")
    return sock


def _subscribed(source: Source, sink: Sink, viewer: zmq.Socket[Any], first_pulse: int) -> int:
    """Send frames until the viewer gets one (a SUB socket joins a moment after connecting);
    returns the next free pulse id. The output is read along the way."""
    pulse_id = first_pulse
    while True:
        source.send(encode_message(pulse_id, [(IMAGE, np.zeros((2, 3), np.uint16))]))
        sink.receive()
        pulse_id += 1
        if viewer.poll(50):
            while viewer.poll(50):
                viewer.recv_multipart()
            return pulse_id
        assert pulse_id < first_pulse + 200, "the viewer never received an image"


def test_viewers_receive_the_image_alone(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, image_output_port=0)
    running.client.set_roi_signal([0, 3, 0, 1])
    running.client.start()
    port = _image_port(running)  # the one the system chose
    viewer = _viewer(zmq_context, port)
    sink = running.sink(zmq_context)
    try:
        pulse_id = _subscribed(source, sink, viewer, 1)
        image = np.arange(40 * 50, dtype=np.uint16).reshape(40, 50)
        source.send(
            encode_message(
                pulse_id,
                [("TEST-CAM:OTHER", 3.5), (IMAGE, image)],
                compression="bitshuffle_lz4",
            )
        )
        sink.receive()
        assert viewer.poll(10000)
        message = Decoder().decode(viewer.recv_multipart())
        assert message.pulse_id == pulse_id
        assert [c.name for c in message.data_header.channels] == [IMAGE]
        assert message.data_header.channels[0].compression == "bitshuffle_lz4"  # as received
        np.testing.assert_array_equal(message.array(IMAGE), image)
        published = running.client.get_statistics()["image_output"]["frames_published"]
        assert published == pulse_id
    finally:
        viewer.close(linger=0)


def test_psi_bsread_reads_the_image_stream(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, image_output_port=0)
    running.client.start()
    port = _image_port(running)  # the one the system chose
    image = (np.arange(16 * 24) % 251).astype(np.uint16).reshape(16, 24)
    receiver = BsreadSource(host="127.0.0.1", port=port, mode=SUB, receive_timeout=100)
    receiver.connect()
    sink = running.sink(zmq_context)
    received = None
    try:
        for pulse_id in range(1, 100):  # until the subscription has reached the service
            source.send(encode_message(pulse_id, [(IMAGE, image)]))
            sink.receive()
            received = receiver.receive()
            if received is not None:
                break
    finally:
        receiver.disconnect()
        if not receiver.stream.socket.closed:
            receiver.stream.socket.close(linger=0)
    assert received is not None, "psi-bsread received no image"
    assert list(received.data.data) == [IMAGE]
    np.testing.assert_array_equal(np.asarray(received.data.data[IMAGE].value), image)


def test_a_stalled_viewer_never_slows_the_data_stream(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running = make_service(source.address, image_output_port=0, output_mode="block")
    running.client.set_roi_signal([0, 100, 0, 4])
    running.client.start()
    port = _image_port(running)  # the one the system chose
    stalled = _viewer(zmq_context, port, hwm=1)
    sink = running.sink(zmq_context)
    try:
        first = _subscribed(source, sink, stalled, 1)  # then it never reads again
        image = np.ones((256, 1024), dtype=np.uint16)  # 512 KiB: queues fill quickly
        count = 300
        for pulse_id in range(first, first + count):
            source.send(encode_message(pulse_id, [(IMAGE, image)]))
            message = sink.receive()
            assert message.pulse_id == pulse_id  # every frame, in order, none lost
        statistics = running.client.get_statistics()
        assert statistics["frames_dropped_output"] == 0
        assert statistics["frames_skipped"] == 0
        assert statistics["image_output"]["frames_published"] == first - 1 + count
        # the viewer really was stalled: ZeroMQ dropped most images for it
        seen = 0
        while stalled.poll(200):
            stalled.recv_multipart()
            seen += 1
        assert seen < count // 2
    finally:
        stalled.close(linger=0)


def test_the_push_image_stream_of_1_2_never_waits_and_counts_what_nobody_took(
    make_service: Callable[..., Running], source: Source, zmq_context: zmq.Context[Any]
) -> None:
    """-i/--image_output_stream_port: PUSH, for PULL consumers (psi-bsread's default mode)."""
    running = make_service(source.address, image_output_port=0, image_output_mode="push")
    running.client.set_roi_signal([0, 3, 0, 1])
    running.client.start()
    port = _image_port(running)  # the one the system chose
    sink = running.sink(zmq_context)
    image = np.arange(2 * 3, dtype=np.uint16).reshape(2, 3)
    for pulse_id in range(1, 6):  # no consumer yet: the data stream goes on, images are dropped
        source.send(encode_message(pulse_id, [(IMAGE, image)]))
        assert sink.receive().pulse_id == pulse_id
    wait_until(lambda: running.client.get_statistics()["image_output"]["frames_not_sent"] == 5)
    assert running.client.get_statistics()["image_output"] == {
        "frames_published": 0,
        "frames_not_sent": 5,
    }
    consumer = zmq_context.socket(zmq.PULL)
    consumer.setsockopt(zmq.LINGER, 0)
    consumer.connect(f"tcp://127.0.0.1:{port}")
    try:
        for pulse_id in range(6, 200):  # until the consumer's connection is up
            source.send(encode_message(pulse_id, [(IMAGE, image)]))
            sink.receive()
            if consumer.poll(50):
                break
        message = Decoder().decode(consumer.recv_multipart())
        assert [c.name for c in message.data_header.channels] == [IMAGE]
        np.testing.assert_array_equal(message.array(IMAGE), image)
        published = running.client.get_statistics()["image_output"]["frames_published"]
        assert published >= 1
    finally:
        consumer.close(linger=0)
