"""FrameProcessor: encoded message + settings in, output message (or a counted skip) out."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from psen_processing.codec import Decoder, Message
from psen_processing.core.channels import ChannelNames
from psen_processing.core.edge_tracking import EdgeDetectionSettings, EdgeTracker, ShotTiming
from psen_processing.core.matched_filter import EdgeResult
from psen_processing.core.profiles import ProcessingSettings, process_image
from psen_processing.core.roi import parse_roi
from psen_processing.errors import ProtocolError
from psen_processing.sim.messages import encode_message
from psen_processing.stream import pipeline
from psen_processing.stream.pipeline import FrameProcessor, skipped

NAMES = ChannelNames("CAM")
IMAGE = "CAM:FPICTURE"
PARAMS = "CAM:FPICTURE.processing_parameters"
SIGNAL = "CAM:FPICTURE.roi_signal_x_profile"
BACKGROUND = "CAM:FPICTURE.roi_background_x_profile"


def settings(signal: object = None, background: object = None) -> ProcessingSettings:
    return ProcessingSettings(parse_roi(signal), parse_roi(background))


def frame(
    image: object, pulse_id: int = 1, compression: str = "none", **extra: object
) -> list[bytes]:
    values: list[tuple[str, object]] = [("CAM:INTENSITY", 0.5), (IMAGE, image)]
    values += [("CAM:DESCRIPTION", "shot"), *extra.items()]
    return encode_message(pulse_id, values, sec=100, ns=pulse_id, compression=compression)


def blanked(parts: list[bytes]) -> list[bytes]:
    """The image channel keeps its 2-D header entry but carries no value in this pulse."""
    return [*parts[:4], b"", b"", *parts[6:]]


def decoded(parts: list[Any] | None) -> Message:
    assert parts is not None
    return Decoder().decode(parts)


def numpy_profile(image: np.ndarray, roi: list[int]) -> np.ndarray:
    ox, sx, oy, sy = roi
    return image.astype(np.float64)[oy : oy + sy, ox : ox + sx].sum(axis=0)


@pytest.fixture
def processor() -> FrameProcessor:
    return FrameProcessor(NAMES)


@pytest.fixture
def image() -> np.ndarray:
    return np.random.default_rng(8).integers(0, 65535, size=(48, 64), dtype=np.uint16)


@pytest.mark.parametrize("compression", ["none", "lz4", "bitshuffle_lz4"])
def test_profiles_equal_numpy(
    processor: FrameProcessor, image: np.ndarray, compression: str
) -> None:
    signal, background = [3, 50, 10, 30], [0, 64, 0, 48]
    outcome = processor.process(frame(image, 42, compression), settings(signal, background))
    assert outcome.skip_reason is None
    assert outcome.problems == ()
    assert outcome.pulse_id == 42
    assert outcome.image_shape == (48, 64)
    assert outcome.image_dtype == "uint16"
    out = decoded(outcome.parts)
    np.testing.assert_array_equal(out.array(SIGNAL), numpy_profile(image, signal))
    np.testing.assert_array_equal(out.array(BACKGROUND), numpy_profile(image, background))
    np.testing.assert_array_equal(out.array(IMAGE), image)
    assert out.value("CAM:INTENSITY") == 0.5
    assert out.value("CAM:DESCRIPTION") == "shot"
    assert out.pulse_id == 42
    assert out.main.global_timestamp == {"sec": 100, "ns": 42}


@pytest.mark.parametrize(
    ("signal", "background"),
    [(None, None), ([], None), (None, []), ([1, 2, 3, 4], []), ([], [0, 5, 0, 5])],
)
def test_processing_parameters_are_exactly_the_settings(
    processor: FrameProcessor, image: np.ndarray, signal: object, background: object
) -> None:
    outcome = processor.process(frame(image), settings(signal, background))
    parameters = json.loads(str(decoded(outcome.parts).value(PARAMS)))
    # a ROI that is off shows as [] whether it was set to None or [] (as in 1.x)
    assert parameters == {"roi_signal": signal or [], "roi_background": background or []}


@pytest.mark.parametrize("off", [None, []])
def test_no_profile_channel_when_roi_off(
    processor: FrameProcessor, image: np.ndarray, off: object
) -> None:
    outcome = processor.process(frame(image), settings(off, [0, 10, 0, 10]))
    out = decoded(outcome.parts)
    assert out.channel(SIGNAL) is None
    np.testing.assert_array_equal(out.array(BACKGROUND), numpy_profile(image, [0, 10, 0, 10]))
    assert outcome.problems == ()


def test_roi_outside_image_reports_problem_and_frame_goes_out(
    processor: FrameProcessor, image: np.ndarray
) -> None:
    outcome = processor.process(frame(image, 7), settings([0, 65, 0, 48], [0, 64, 0, 48]))
    assert outcome.skip_reason is None
    assert [reason for reason, _ in outcome.problems] == ["roi_signal_outside_image"]
    assert "7" in outcome.problems[0][1]
    out = decoded(outcome.parts)
    assert out.channel(SIGNAL) is None
    np.testing.assert_array_equal(out.array(BACKGROUND), numpy_profile(image, [0, 64, 0, 48]))
    assert json.loads(str(out.value(PARAMS)))["roi_signal"] == [0, 65, 0, 48]


def test_both_rois_outside_image(processor: FrameProcessor, image: np.ndarray) -> None:
    outcome = processor.process(frame(image), settings([0, 1, 48, 1], [64, 1, 0, 1]))
    assert [r for r, _ in outcome.problems] == [
        "roi_signal_outside_image",
        "roi_background_outside_image",
    ]
    out = decoded(outcome.parts)
    assert out.channel(SIGNAL) is None
    assert out.channel(BACKGROUND) is None


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        (encode_message(3, [("CAM:INTENSITY", 0.5), ("OTHER", "x")]), "image_missing"),
        (frame("not an image", 3), "image_unusable_type"),
        (frame(np.arange(10, dtype=np.uint16), 3), "image_not_2d"),
        (frame(np.zeros((2, 3, 4), dtype=np.uint16), 3), "image_not_2d"),
        (frame(None, 3), "image_not_2d"),  # a sender that never saw the image: shape [1]
        (blanked(frame(np.ones((4, 5), dtype=np.uint16), 3)), "image_empty"),
        (frame(np.zeros((0, 5), dtype=np.uint16), 3), "image_empty"),
        (frame(True, 3), "image_unusable_type"),
    ],
)
def test_unusable_image_is_forwarded_without_profiles(
    processor: FrameProcessor, parts: list[bytes], reason: str
) -> None:
    ours = settings([0, 1, 0, 1], [0, 1, 0, 1])
    outcome = processor.process(parts, ours)
    assert outcome.skip_reason is None
    assert [r for r, _ in outcome.problems] == [reason]
    assert outcome.pulse_id == 3
    assert outcome.image_shape is None
    assert outcome.result is None
    received = Decoder().decode(parts)
    out = decoded(outcome.parts)
    assert [c.name for c in out.data_header.channels] == [
        c.name for c in received.data_header.channels
    ] + [PARAMS]
    for spec in received.data_header.channels:
        assert out.raw_value(spec.name) is received.raw_value(spec.name)
    assert json.loads(str(out.value(PARAMS))) == {
        "roi_signal": [0, 1, 0, 1],
        "roi_background": [0, 1, 0, 1],
    }


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ([b"not json", b"{}"], "bad_main_header"),
        ([b'{"hash": "x"}', b"{}"], "missing_pulse_id"),
        ([b"only one part"], "wrong_part_count"),
    ],
)
def test_malformed_message_is_skipped(
    processor: FrameProcessor, parts: list[bytes], reason: str
) -> None:
    outcome = processor.process(parts, settings([0, 1, 0, 1]))
    assert outcome.skip_reason == reason
    assert outcome.parts is None
    assert outcome.pulse_id is None
    assert [r for r, _ in outcome.problems] == [reason]


def test_corrupt_image_data_is_skipped(processor: FrameProcessor, image: np.ndarray) -> None:
    height, width = image.shape
    parts = frame(image, compression="bitshuffle_lz4")
    parts[4] = parts[4][: len(parts[4]) // 2]  # the image value, cut short
    outcome = processor.process(parts, settings([0, width, 0, height]))
    assert outcome.skip_reason == "corrupt_compressed_data"
    assert outcome.parts is None


def test_profiles_follow_an_image_size_change(processor: FrameProcessor) -> None:
    rng = np.random.default_rng(9)
    ours = settings([2, 20, 1, 10], [0, 40, 0, 30])
    shapes = [(30, 40), (30, 40), (60, 80), (20, 30), (30, 40)]
    for pulse_id, shape in enumerate(shapes):
        image = rng.integers(0, 4000, size=shape, dtype=np.uint16)
        outcome = processor.process(frame(image, pulse_id), ours)
        assert outcome.image_shape == shape
        out = decoded(outcome.parts)
        np.testing.assert_array_equal(out.array(SIGNAL), numpy_profile(image, [2, 20, 1, 10]))
        background = out.array(BACKGROUND)
        fits = shape[0] >= 30 and shape[1] >= 40
        if fits:
            np.testing.assert_array_equal(background, numpy_profile(image, [0, 40, 0, 30]))
        else:
            assert background is None
        problems = [r for r, _ in outcome.problems]
        assert problems == ([] if fits else ["roi_background_outside_image"])
    # the output header changed with the input header and the profile set, and was cached
    assert processor.encoder.headers_built == 3


def test_settings_change_between_frames(processor: FrameProcessor, image: np.ndarray) -> None:
    first = processor.process(frame(image, 1), settings([0, 10, 0, 10]))
    second = processor.process(frame(image, 2), settings([5, 20, 0, 48], []))
    third = processor.process(frame(image, 3), settings(None, None))
    np.testing.assert_array_equal(
        decoded(first.parts).array(SIGNAL), numpy_profile(image, [0, 10, 0, 10])
    )
    out = decoded(second.parts)
    np.testing.assert_array_equal(out.array(SIGNAL), numpy_profile(image, [5, 20, 0, 48]))
    assert json.loads(str(out.value(PARAMS))) == {
        "roi_signal": [5, 20, 0, 48],
        "roi_background": [],
    }
    out = decoded(third.parts)
    assert out.channel(SIGNAL) is None
    assert json.loads(str(out.value(PARAMS))) == {"roi_signal": [], "roi_background": []}


def test_passthrough_objects_are_forwarded(processor: FrameProcessor, image: np.ndarray) -> None:
    parts = frame(image)
    held = [bytearray(p) for p in parts]  # stand-ins for zmq frames
    outcome = processor.process(parts, settings([0, 1, 0, 1]), passthrough=held)
    assert outcome.parts is not None
    for i in range(2, len(parts)):
        assert outcome.parts[i] is held[i]


@pytest.mark.parametrize("dtype", ["<u1", ">u2", "<i2", "<f4", ">f8", "<u4"])
def test_image_dtypes(processor: FrameProcessor, dtype: str) -> None:
    rng = np.random.default_rng(10)
    image = rng.integers(0, 120, size=(16, 24)).astype(dtype)
    outcome = processor.process(
        frame(image, compression="bitshuffle_lz4"), settings([1, 20, 2, 12])
    )
    assert outcome.image_dtype == np.dtype(dtype).name
    out = decoded(outcome.parts)
    np.testing.assert_allclose(out.array(SIGNAL), numpy_profile(image, [1, 20, 2, 12]), rtol=1e-6)


@pytest.mark.parametrize("compression", ["none", "bitshuffle_lz4"])
def test_profiles_computed_elsewhere_give_the_same_message(
    image: np.ndarray, compression: str
) -> None:
    """``open`` + ``complete`` (the profiles computed apart from the processor, as a worker
    process would) send exactly what ``process`` sends, edge channels included."""
    edge = EdgeDetectionSettings().updated(
        {"enabled": True, "reference": {"mode": "pulse_id", "period": 2, "signal_offset": 0}}
    )
    chosen = ProcessingSettings(parse_roi([3, 50, 10, 30]), parse_roi([0, 64, 0, 8]), edge)
    whole, split = FrameProcessor(NAMES), FrameProcessor(NAMES)
    for pulse_id in range(1, 7):
        shot = (image // pulse_id).astype(np.uint16)
        parts = frame(shot, pulse_id, compression)
        expected = whole.process(parts, chosen)
        opened = split.open(parts)
        assert opened.image is not None and opened.missing is None
        result = process_image(opened.image, chosen)
        outcome = split.complete(opened, result, chosen)
        assert outcome.parts is not None and expected.parts is not None
        assert [bytes(p) for p in outcome.parts] == [bytes(p) for p in expected.parts]
        assert outcome.timing == expected.timing


def test_open_raises_for_a_message_to_skip(processor: FrameProcessor) -> None:
    with pytest.raises(ProtocolError) as caught:
        processor.open([b"{not json", b"{}"])
    assert skipped(caught.value).skip_reason == caught.value.reason


def test_an_unforeseen_failure_of_the_profiles_costs_them_not_the_frame(
    processor: FrameProcessor, image: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> object:
        raise MemoryError("injected")

    monkeypatch.setattr(pipeline, "process_image", broken)
    edge = EdgeDetectionSettings(enabled=True)
    chosen = ProcessingSettings(parse_roi([0, 64, 0, 48]), None, edge)
    outcome = processor.process(frame(image, 9), chosen)
    assert outcome.skip_reason is None
    reasons = [reason for reason, _ in outcome.problems]
    assert reasons == ["profile_processing_error", "edge_no_signal_profile"]
    assert "MemoryError: injected" in outcome.problems[0][1]
    assert outcome.error is not None and outcome.error[0] == "profile_processing_error"
    out = decoded(outcome.parts)
    assert out.value("CAM:INTENSITY") == 0.5 and out.value("CAM:DESCRIPTION") == "shot"
    np.testing.assert_array_equal(out.array(IMAGE), image)
    assert out.channel(SIGNAL) is None


def test_an_unforeseen_failure_to_decode_raises_itself(
    processor: FrameProcessor, image: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    # not a frame to skip but a bug: the caller (the worker) counts it with its traceback, so
    # it must arrive as raised, not hidden behind an error of the pipeline's own making
    def broken(*_: object) -> object:
        raise MemoryError("injected in decode")

    monkeypatch.setattr(processor.decoder, "decode", broken)
    with pytest.raises(MemoryError, match="injected in decode"):
        processor.process(frame(image, 9), ProcessingSettings())


def test_profile_channels_follow_the_image_type_from_frame_to_frame(
    processor: FrameProcessor,
) -> None:
    """The channel entries are reused while nothing changes, and made again when the image's
    type, and so the profiles' type, changes with the same settings and lengths."""
    same = settings([0, 4, 0, 2], [0, 4, 1, 1])
    for pulse_id, dtype in enumerate(["<u2", "<u2", ">f4", "<i2", "<f8", "<u8"], start=1):
        image = np.full((2, 4), 3, dtype=dtype)
        out = decoded(processor.process(frame(image, pulse_id), same).parts)
        for name, rows in ((SIGNAL, 2), (BACKGROUND, 1)):
            profile = out.array(name)
            assert profile is not None
            assert profile.dtype == image.sum(axis=0).dtype, (dtype, name, profile.dtype)
            assert profile.tolist() == [3 * rows] * 4


class _KnownEdge(EdgeTracker):
    """An edge tracker whose every result field has a value of its own (a reference shot on
    odd pulse ids)."""

    def update(self, settings: EdgeDetectionSettings, **frame: Any) -> ShotTiming:
        edge = EdgeResult(
            1.5,
            2.5,
            3.5,
            True,
            width=4.5,
            z=5.5,
            runner_up_ratio=6.5,
            localisation=8.5,
            confident=frame["pulse_id"] % 2 == 0,
        )
        return ShotTiming(frame["pulse_id"] % 2 == 1, edge, 7.5)


@pytest.mark.parametrize("pulse_id", [2, 3])
def test_every_added_channel_carries_its_own_value(image: np.ndarray, pulse_id: int) -> None:
    """Each added channel's header entry and value belong together: the value under a name is
    the one that name says, of the type and shape its entry says (entries and values built
    apart, e.g. two entries swapped, would fail here)."""
    processor = FrameProcessor(NAMES, _KnownEdge())
    signal, background = [3, 10, 0, 20], [0, 7, 30, 10]  # profiles of different lengths
    edge = EdgeDetectionSettings(enabled=True)
    chosen = ProcessingSettings(parse_roi(signal), parse_roi(background), edge)
    outcome = processor.process(frame(image, pulse_id), chosen)
    out = decoded(outcome.parts)
    expected: dict[str, object] = {
        NAMES.edge_position: 1.5,
        NAMES.edge_amplitude: 2.5,
        NAMES.edge_fwhm: 3.5,
        NAMES.edge_width: 4.5,
        NAMES.edge_z: 5.5,
        NAMES.edge_runner_up_ratio: 6.5,
        NAMES.arrival_time: 7.5,
        NAMES.edge_localisation: 8.5,
    }
    for name, value in expected.items():
        assert out.value(name) == value, name
        assert out.channel(name) is not None and out.channel(name).type == "float64", name
    assert out.value(NAMES.is_reference) is (pulse_id % 2 == 1)
    assert out.channel(NAMES.is_reference).type == "bool"
    assert out.value(NAMES.edge_confident) is (pulse_id % 2 == 0)
    assert out.channel(NAMES.edge_confident).type == "bool"
    np.testing.assert_array_equal(out.array(SIGNAL), numpy_profile(image, signal))
    np.testing.assert_array_equal(out.array(BACKGROUND), numpy_profile(image, background))
    assert out.value(PARAMS) == chosen.parameters_json
    added = [c.name for c in out.data_header.channels if c.name.startswith(f"{IMAGE}.")]
    assert added == [PARAMS, SIGNAL, BACKGROUND, *(f"{IMAGE}.{s}" for s in _EDGE_SUFFIXES)]


_EDGE_SUFFIXES = (
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
"""The edge channels in the order they have always been sent (consumers may read them by
position; the last two added on 2026-11-30, at the end)."""
