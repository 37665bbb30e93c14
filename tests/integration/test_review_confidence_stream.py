"""Review of f7d7cec through the real stream: the new edge channels as psi-bsread reads them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from bsread import PULL
from bsread import Source as BsreadSource

from psen_processing.core.learned_edge import CONFIDENT_RATIOS, is_confident
from psen_processing.sim.messages import encode_message
from psen_processing.sim.spectrum import SpectrumModel, image

from ..conftest import IMAGE, Running, Source, bsread_receive
from ..unit.test_pipeline import _EDGE_SUFFIXES

WIDTH, HEIGHT = 512, 48
MODEL = SpectrumModel(
    width=WIDTH, envelope_centre=256, envelope_fwhm=300, band_sigma=4, edge_depth=0.2
)
EDGE_ORDER = _EDGE_SUFFIXES
"""The edge channels in the order they are sent (test_pipeline's list)."""


def test_psi_bsread_reads_edge_confident_and_edge_localisation(
    running: Running, source: Source
) -> None:
    """Passes (kept as a pin; no interop test covered the edge channels). The learned method
    falls back to the matched filter until its first model (``edge_z`` NaN): there and on
    reference shots ``edge_confident`` is False and ``edge_localisation`` NaN; afterwards
    ``edge_confident`` follows the rule of the other channels, and is never true before the
    model is learned from 64 reference ratios (not sent per frame: no X-ray shot among the
    first 64 references is confident, most of the last ones are). psi-bsread decodes the bool
    channel
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
        for pulse_id in range(1, 161):  # odd pulses are references
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
                value("edge_z"),
                value("edge_runner_up_ratio"),
                value("edge_localisation"),
                CONFIDENT_RATIOS,  # the model's own count is not sent
            )
            assert not flag or (rule and math.isfinite(value("edge_position")))
            if pulse_id <= 2 * CONFIDENT_RATIOS:
                assert not flag  # a model from fewer ratios than the references so far
            else:
                confident.append(bool(flag))
    finally:
        receiver.disconnect()
        if not receiver.stream.socket.closed:
            receiver.stream.socket.close(linger=0)
    assert fallback >= 1  # the first X-ray shot, after one reference
    last = confident[-10:]  # a model from 64 ratios, installed 4 references after its start
    assert len(confident) >= 10 and sum(last) >= 8, confident
