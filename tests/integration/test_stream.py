"""The service between a real ZeroMQ source and consumer: what comes out for the settings
given. Faults (bad frames, images that change, a stuck output) are in ``test_faults.py``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import zmq

from psen_processing.sim.messages import encode_message

from ..conftest import IMAGE, Running, Source, wait_until

SIGNAL = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND = f"{IMAGE}.roi_background_x_profile"
PARAMETERS = f"{IMAGE}.processing_parameters"


def _image(rng: np.random.Generator, shape: tuple[int, int] = (60, 90)) -> np.ndarray[Any, Any]:
    return rng.integers(0, 60000, size=shape, dtype=np.uint16)


def _profile(image: np.ndarray[Any, Any], roi: list[int]) -> np.ndarray[Any, Any]:
    ox, sx, oy, sy = roi
    return image[oy : oy + sy, ox : ox + sx].astype(np.float64).sum(axis=0)


def test_roi_change_while_running_applies_from_the_next_frame(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    rng = np.random.default_rng(1)
    running.client.set_roi_signal([0, 10, 0, 10])
    running.client.start()
    sink = running.sink(zmq_context)
    first = _image(rng)
    source.send(encode_message(1, [(IMAGE, first)]))
    message = sink.receive()
    assert json.loads(str(message.value(PARAMETERS))) == {
        "roi_signal": [0, 10, 0, 10],
        "roi_background": [],
    }
    np.testing.assert_array_equal(message.array(SIGNAL), _profile(first, [0, 10, 0, 10]))
    assert message.channel(BACKGROUND) is None

    running.client.set_roi_signal([5, 50, 20, 30])
    running.client.set_roi_background([0, 90, 0, 5])
    for pulse_id in range(2, 6):
        image = _image(rng)
        source.send(encode_message(pulse_id, [(IMAGE, image)]))
        message = sink.receive()
        assert message.pulse_id == pulse_id
        assert json.loads(str(message.value(PARAMETERS))) == {
            "roi_signal": [5, 50, 20, 30],
            "roi_background": [0, 90, 0, 5],
        }
        np.testing.assert_array_equal(message.array(SIGNAL), _profile(image, [5, 50, 20, 30]))
        np.testing.assert_array_equal(message.array(BACKGROUND), _profile(image, [0, 90, 0, 5]))


def test_no_roi_means_no_profile_channels(
    running: Running, source: Source, zmq_context: zmq.Context[Any]
) -> None:
    running.client.set_roi_background([])
    running.client.start()
    sink = running.sink(zmq_context)
    source.send(encode_message(7, [(IMAGE, _image(np.random.default_rng(2))), ("OTHER", 3.0)]))
    message = sink.receive()
    names = [c.name for c in message.data_header.channels]
    assert names == [IMAGE, "OTHER", PARAMETERS]
    assert json.loads(str(message.value(PARAMETERS))) == {"roi_signal": [], "roi_background": []}
    assert message.value("OTHER") == 3.0


def test_settings_survive_a_restart(make_service: Callable[..., Running], source: Source) -> None:
    first = make_service(source.address)
    first.client.set_roi_signal([1, 2, 3, 4])
    first.client.set_roi_background([])
    first.service.close()
    second = make_service(source.address, settings_path=first.settings_path)
    assert second.client.get_roi_signal() == [1, 2, 3, 4]
    assert second.client.get_roi_background() == []


def test_sub_input_mode(
    make_service: Callable[..., Running], zmq_context: zmq.Context[Any]
) -> None:
    publisher = zmq_context.socket(zmq.PUB)
    publisher.setsockopt(zmq.LINGER, 0)
    port = publisher.bind_to_random_port("tcp://127.0.0.1")
    run = make_service(f"tcp://127.0.0.1:{port}", input_mode="sub")
    run.sockets.append(publisher)
    run.client.set_roi_signal([0, 3, 0, 3])
    run.client.start()
    sink = run.sink(zmq_context)
    received: list[Any] = []

    def one_arrives() -> bool:  # PUB drops until the subscription is in place: resend
        publisher.send_multipart(encode_message(9, [(IMAGE, np.ones((3, 3), dtype=np.float32))]))
        if sink.socket.poll(50):
            received.append(sink.decoder.decode(sink.socket.recv_multipart()))
        return bool(received)

    wait_until(one_arrives, 10, "a frame through the SUB input")
    np.testing.assert_array_equal(received[0].array(SIGNAL), np.full(3, 3.0))
