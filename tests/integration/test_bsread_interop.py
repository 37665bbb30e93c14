"""psi-bsread (PSI's own implementation) as an independent peer on both sides of the service."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from bsread import PULL, Sender, Source
from bsread.data.compression import BitshuffleLZ4

from ..conftest import IMAGE, Running, bsread_receive, free_port

ROI_SIGNAL = [10, 300, 20, 40]
ROI_BACKGROUND = [0, 200, 0, 10]


def _close(disconnect: Callable[[], None], stream: Any) -> None:
    """psi-bsread's disconnect can give up before closing its socket; close it for it."""
    disconnect()
    if not stream.socket.closed:
        stream.socket.close(linger=0)


def _frames(n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    return [
        {
            IMAGE: rng.integers(0, 4000, size=(120, 400), dtype=np.uint16),
            "TEST-CAM:INTENSITY": float(rng.normal()),
            "TEST-CAM:COUNTER": int(rng.integers(0, 1 << 40)),
            "TEST-CAM:WAVEFORM": rng.normal(size=64).astype(np.float32),
            "TEST-CAM:DESCRIPTION": f"shot number {i}",
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("compression", [None, "bitshuffle_lz4"])
@pytest.mark.parametrize("header_compression", [None, "bitshuffle_lz4"])
def test_psi_bsread_sender_to_psi_bsread_receiver(
    make_service: Callable[..., Running], compression: str | None, header_compression: str | None
) -> None:
    port = free_port()
    sender = Sender(
        port=port,
        address="tcp://127.0.0.1",
        data_compression=compression,
        data_header_compression=header_compression,
        send_timeout=10000,  # blocks until the service is connected, fails after 10 s
    )
    sender.open()
    run = make_service(f"tcp://127.0.0.1:{port}")
    run.client.set_roi_signal(ROI_SIGNAL)
    run.client.set_roi_background(ROI_BACKGROUND)
    assert run.client.start() == "processing"
    receiver = Source(host="127.0.0.1", port=run.output_port, mode=PULL, receive_timeout=200)
    receiver.connect()
    try:
        frames = _frames(6, np.random.default_rng(7))
        received = []
        for pulse_id, frame in enumerate(frames, start=1000):
            sender.send(data=frame, pulse_id=pulse_id, timestamp=(1_700_000_000, pulse_id))
            received.append(bsread_receive(receiver))
        for pulse_id, (frame, message) in enumerate(zip(frames, received, strict=True), start=1000):
            assert message.pulse_id == pulse_id
            assert message.global_timestamp == 1_700_000_000
            assert message.global_timestamp_offset == pulse_id
            data = message.data
            np.testing.assert_array_equal(data[IMAGE].value, frame[IMAGE])
            assert data["TEST-CAM:INTENSITY"].value == frame["TEST-CAM:INTENSITY"]
            assert data["TEST-CAM:COUNTER"].value == frame["TEST-CAM:COUNTER"]
            waveform = data["TEST-CAM:WAVEFORM"].value
            np.testing.assert_array_equal(waveform, frame["TEST-CAM:WAVEFORM"])
            assert data["TEST-CAM:DESCRIPTION"].value == frame["TEST-CAM:DESCRIPTION"]
            ox, sx, oy, sy = ROI_SIGNAL
            expected_signal = frame[IMAGE][oy : oy + sy, ox : ox + sx].sum(axis=0)
            signal = data[f"{IMAGE}.roi_signal_x_profile"].value
            np.testing.assert_array_equal(signal, expected_signal)
            ox, sx, oy, sy = ROI_BACKGROUND
            expected_background = frame[IMAGE][oy : oy + sy, ox : ox + sx].sum(axis=0)
            np.testing.assert_array_equal(
                data[f"{IMAGE}.roi_background_x_profile"].value, expected_background
            )
            assert json.loads(data[f"{IMAGE}.processing_parameters"].value) == {
                "roi_signal": ROI_SIGNAL,
                "roi_background": ROI_BACKGROUND,
            }
    finally:
        _close(receiver.disconnect, receiver.stream)
        _close(sender.close, sender.stream)


def test_output_values_arrive_as_the_bytes_that_came_in(
    make_service: Callable[..., Running], zmq_context: Any
) -> None:
    """Pass-through channels are forwarded byte for byte (no decode and re-encode)."""
    port = free_port()
    sender = Sender(
        port=port, address="tcp://127.0.0.1", data_compression="bitshuffle_lz4", send_timeout=10000
    )
    sender.open()
    run = make_service(f"tcp://127.0.0.1:{port}")
    run.client.set_roi_signal([0, 16, 0, 4])
    run.client.start()
    sink = run.sink(zmq_context)
    try:
        image = np.arange(32 * 8, dtype=">u2").reshape(8, 32)  # big endian on purpose
        sender.send(data={IMAGE: image, "TEST-CAM:X": 2.5}, pulse_id=5)
        frames = sink.socket.recv_multipart() if sink.socket.poll(10000) else pytest.fail("none")
        message = sink.decoder.decode(frames)
        header = json.loads(frames[1])
        names = [c["name"] for c in header["channels"]]
        assert names[:2] == [IMAGE, "TEST-CAM:X"]
        assert bytes(message.raw_value(IMAGE) or b"") == BitshuffleLZ4.pack_data(image, ">u2")
        np.testing.assert_array_equal(
            message.array(f"{IMAGE}.roi_signal_x_profile"), image[0:4, 0:16].sum(axis=0)
        )
    finally:
        _close(sender.close, sender.stream)


def test_psi_bsread_reads_the_simulated_camera_command() -> None:
    """The simulated camera speaks bsread as psi-bsread understands it."""
    port = free_port()
    command = [sys.executable, "-c", "from psen_processing.sim.camera import main; main()"]
    camera = subprocess.Popen(
        [
            *(*command, "--port", str(port), "--interface", "127.0.0.1", "--rate", "50"),
            *("--width", "256", "--height", "32", "--compression", "bitshuffle_lz4"),
            *("--count", "400"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    receiver = Source(host="127.0.0.1", port=port, mode=PULL, receive_timeout=200)
    receiver.connect()
    try:
        messages = [bsread_receive(receiver, 20) for _ in range(4)]
    finally:
        _close(receiver.disconnect, receiver.stream)
        camera.kill()
        camera.communicate(timeout=30)
    pulse_ids = [m.pulse_id for m in messages]
    assert pulse_ids == list(range(pulse_ids[0], pulse_ids[0] + 4))
    for message in messages:
        picture = message.data["SIM-PSEN:FPICTURE"].value
        assert picture.shape == (32, 256) and picture.dtype == np.uint16
        truth = message.data["SIM-PSEN:EDGE_TRUTH_PX"].value
        xray = message.pulse_id % 2 == 0
        assert np.isnan(truth) != xray
        assert (message.data["SIM-PSEN:XRAY_INTENSITY"].value > 0.3) == xray
