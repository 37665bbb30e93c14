"""StreamConfig is a settings model like the others: every field has its bound, checked when it
is made (also by ``dataclasses.replace``), with a message naming the option and the bound."""

from __future__ import annotations

import dataclasses

import pytest

from psen_processing.errors import InvalidOption
from psen_processing.stream.worker import StreamConfig

GOOD = StreamConfig("tcp://cam:9000", "CAM")


def test_the_defaults_and_port_zero_are_accepted() -> None:
    assert GOOD.output_address == "tcp://*:8888"
    assert dataclasses.replace(GOOD, output_port=0, image_output_port=0).image_output_address == (
        "tcp://*:0"
    )
    assert StreamConfig("tcp://cam:9000", "CAM", output_port=8889.0).output_port == 8889


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("output_port", 65536, "output_port=65536: must be an integer between 0 and 65535"),
        ("output_port", -1, "between 0 and 65535"),
        ("output_port", "8888", "must be an integer"),
        ("output_port", True, "must be an integer"),
        ("image_output_port", 70000, "image_output_port=70000"),
        ("input_queue", 0, "input_queue=0: must be an integer between 1 and 1000000"),
        ("receive_timeout_ms", 10**9, "receive_timeout_ms"),
        ("bind_timeout_s", 0.0, "bind_timeout_s"),
        ("restart_wait_s", float("nan"), "restart_wait_s"),
        ("prefix", "", "prefix='': must be a channel prefix of 1 to 256 characters"),
        ("input_stream", "x" * 2000, "input_stream"),
        ("output_mode", "sometimes", "output_mode"),
    ],
)
def test_a_value_out_of_bounds_is_refused_naming_the_option(
    field: str, value: object, words: str
) -> None:
    with pytest.raises(InvalidOption, match="Invalid stream option") as refused:
        dataclasses.replace(GOOD, **{field: value})
    assert words in str(refused.value)
