"""Review of f7d7cec through the real stream: the new edge channels as psi-bsread reads them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from bsread import PULL
from bsread import Source as BsreadSource

from psen_processing.core.learned_edge import is_confident
from psen_processing.sim.messages import encode_message
from psen_processing.sim.spectrum import SpectrumModel, image

from ..conftest import IMAGE, Running, Source, bsread_receive

WIDTH, HEIGHT = 512, 48
MODEL = SpectrumModel(
    width=WIDTH, envelope_centre=256, envelope_fwhm=300, band_sigma=4, edge_depth=0.2
)
EDGE_ORDER = (
    "edge_position",
    "edge_amplitude",
    "edge_z",
    "edge_runner_up_ratio",
    "edge_width",
    "edge_fwhm",
    "arrival_time",
    "is_reference",
    "edge_localisation",
    "edge_confident",
)


def test_psi_bsread_reads_edge_confident_and_edge_localisation(
    running: Running, source: Source
) -> None:
    """Passes (kept as a pin; no interop test covered the edge channels). The learned method
    falls back to the matched filter until its first model (``edge_z`` NaN): there and on
    reference shots ``edge_confident`` is False and ``edge_localisation`` NaN; afterwards
    ``edge_confident`` is the rule of the other channels. psi-bsread decodes the bool channel
    as ``numpy.bool_`` (not Python's ``bool``: ``value is True`` is False for a consumer), in
    the header after ``is_reference``, the older edge channels in their order."""
    running.client.set_roi_signal([0, WIDTH, 16, 16])
    running.client.set_roi_background([0, WIDTH, 0, 8])
    running.client.set_edge_detection({"enabled": True, "method": "learned", "reference_length": 8})
    assert running.client.start() == "processing"
    receiver = BsreadSource(
        host="127.0.0.1", port=running.output_port, mode=PULL, receive_timeout=200
    )
    receiver.connect()
    rng = np.random.default_rng(4)
    confident: list[bool] = []
    fallback = 0
    try:
        for pulse_id in range(1, 41):  # odd pulses are references
            xray = pulse_id % 2 == 0
            frame = image(MODEL, rng, HEIGHT, float(rng.uniform(200, 310)) if xray else None)
            source.send(encode_message(pulse_id, [(IMAGE, frame)]))
            message = bsread_receive(receiver)
            assert message.pulse_id == pulse_id
            data = message.data
            order = [n for n in data if n.removeprefix(f"{IMAGE}.") in EDGE_ORDER]
            assert [n.removeprefix(f"{IMAGE}.") for n in order] == list(EDGE_ORDER)

            def value(suffix: str, data: Any = data) -> Any:
                return data[f"{IMAGE}.{suffix}"].value

            flag = value("edge_confident")
            assert isinstance(flag, np.bool_)
            assert isinstance(value("edge_localisation"), np.float64)
            if not xray or math.isnan(value("edge_z")):  # references; the matched filter
                assert not flag
                assert math.isnan(value("edge_localisation"))
                fallback += xray
                continue
            rule = is_confident(
                value("edge_z"), value("edge_runner_up_ratio"), value("edge_localisation")
            )
            assert bool(flag) == (rule and math.isfinite(value("edge_position")))
            confident.append(bool(flag))
    finally:
        receiver.disconnect()
        if not receiver.stream.socket.closed:
            receiver.stream.socket.close(linger=0)
    assert fallback >= 1  # the first X-ray shot, after one reference
    assert len(confident) >= 15 and sum(confident) >= len(confident) - 2, confident
