"""The live view's pure parts: PNG encoding, downsampling, normalisation, thumbnail, history,
and forwarding the image channel alone."""

from __future__ import annotations

import math
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from psen_processing.api.live_routes import _Thumbnails
from psen_processing.api.png import encode_png
from psen_processing.codec import ChannelForwarder, Decoder
from psen_processing.core.channels import ChannelNames
from psen_processing.core.edge_tracking import ShotTiming
from psen_processing.core.limits import MAX_CHANNEL_NAME
from psen_processing.core.matched_filter import (
    EdgeParams,
    EdgeResult,
    normalised_signal,
    ratio_in_span,
    reference_span,
)
from psen_processing.core.profiles import ProcessingSettings, background_on_signal_scale
from psen_processing.core.roi import Roi
from psen_processing.errors import InvalidRequest
from psen_processing.sim.messages import encode_message
from psen_processing.stream.live_recorder import (
    MAX_HISTORY_LENGTH,
    EdgeSample,
    LiveRecorder,
    downsample,
    floats,
    scalar_channels,
    scalar_value,
    shot_kind,
    thumbnail,
)
from psen_processing.stream.pipeline import FrameOutcome, FrameProcessor

NAMES = ChannelNames("CAM")


def decode_png(data: bytes) -> np.ndarray:
    """An independent reader for the 8-bit grayscale PNGs the service writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, []
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body), f"bad CRC of {kind!r}"
        chunks.append((kind, body))
        offset += 12 + length
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour) == (8, 0)
    raw = np.frombuffer(zlib.decompress(chunks[1][1]), dtype=np.uint8).reshape(height, width + 1)
    assert not raw[:, 0].any(), "filter type 0 on every row"
    return raw[:, 1:]


@given(arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40))))
def test_png_round_trip(image: np.ndarray) -> None:
    np.testing.assert_array_equal(decode_png(encode_png(image)), image)


@pytest.mark.parametrize("bad", [np.zeros((2, 2), np.uint16), np.zeros(4, np.uint8)])
def test_png_refuses_what_it_cannot_encode(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="2-D uint8"):
        encode_png(bad)


@given(st.integers(1, 5000), st.integers(1, 1500))
def test_downsample_keeps_the_mean_of_blocks(size: int, max_points: int) -> None:
    profile = np.arange(size, dtype=np.float64) * 3.0
    points, step = downsample(profile, max_points)
    assert points.size <= max_points
    assert step == max(1, math.ceil(size / max_points))
    assert points.size == math.ceil(size / step)
    for i in (0, points.size - 1):
        np.testing.assert_allclose(points[i], profile[i * step : (i + 1) * step].mean())


def test_floats_turns_non_finite_values_into_null() -> None:
    assert floats([1.0, math.nan, math.inf, -2.5]) == [1.0, None, None, -2.5]
    assert floats(np.array([], dtype=np.float64)) == []


def test_normalised_signal_shows_the_step_and_ignores_the_dark_wings() -> None:
    x = np.arange(400, dtype=np.float64)
    reference = 1000.0 * np.exp(-(((x - 200) / 90) ** 2))
    step = np.where(x < 230, 1.0, 0.8)
    signal = 3.0 * reference * step  # three times brighter, with a 20 % drop at px 230
    ratio = normalised_signal(signal, reference, EdgeParams(reference_threshold=0.1))
    assert ratio is not None
    usable = reference > 100.0
    assert np.isnan(ratio[~usable]).all() and np.isfinite(ratio[usable]).all()
    assert np.average(ratio[usable], weights=reference[usable]) == pytest.approx(1.0)
    assert ratio[220] / ratio[240] == pytest.approx(1 / 0.8)
    assert normalised_signal(signal[:10], reference, EdgeParams()) is None
    assert normalised_signal(signal, np.zeros(400), EdgeParams()) is None


def test_normalised_signal_is_what_the_edge_finder_correlates() -> None:
    """One normalisation for the edge finder and the live view: with dead columns inside the
    usable span, the page shows the ratio the filter sees (dead columns interpolated, the mean
    over the span weighted by the reference 1), not NaN holes and another scale."""
    x = np.arange(400, dtype=np.float64)
    reference = 1000.0 * np.exp(-(((x - 200) / 90) ** 2))
    reference[[180, 181, 250]] = 5.0  # dead columns inside the span
    signal = 2.0 * reference * np.where(x < 230, 1.0, 0.8)
    params = EdgeParams(reference_threshold=0.1)
    ratio = normalised_signal(signal, reference, params)
    span = reference_span(reference, params)
    assert ratio is not None and span is not None
    seen = ratio_in_span(signal, span)
    assert seen is not None
    np.testing.assert_array_equal(ratio[span.first : span.last], seen)
    assert np.isnan(ratio[: span.first]).all() and np.isnan(ratio[span.last :]).all()
    assert np.isfinite(ratio[span.first : span.last]).all()
    assert ratio[180] == pytest.approx(ratio[179]) and ratio[250] == pytest.approx(ratio[251])
    assert ratio[220] / ratio[240] == pytest.approx(1 / 0.8)
    # the scale: the light over the whole span (dead columns too), as the filter has it
    assert ratio[200] == pytest.approx(
        np.maximum(reference, 100.0)[span.first : span.last].sum()
        / signal[span.first : span.last].sum()
        * 2.0
    )


def test_normalised_signal_subtracts_the_background_when_configured() -> None:
    reference = np.full(100, 200.0)
    signal = np.full(100, 300.0)
    signal[50:] = 250.0
    background = np.full(100, 100.0)
    params = EdgeParams(filter_length=20, background_subtraction=True)
    ratio = normalised_signal(signal, reference, params, background)
    assert ratio is not None
    assert ratio[0] / ratio[99] == pytest.approx(200.0 / 150.0)  # (300-100) / (250-100)
    rows = background_on_signal_scale(background, Roi(0, 100, 0, 10), Roi(0, 100, 20, 5))
    assert rows is not None and rows[0] == pytest.approx(200.0)
    assert background_on_signal_scale(background, None, Roi(0, 100, 20, 5)) is None


def test_thumbnail_is_small_and_spans_the_grey_levels() -> None:
    image = np.tile(np.arange(2048, dtype=np.uint16), (512, 1))
    image += np.arange(512, dtype=np.uint16)[:, None] * 4
    picture = thumbnail(image, max_size=(320, 640))
    assert picture.dtype == np.uint8
    assert picture.shape == (256, 512)  # one row of 2, means of 4 columns
    assert picture[0, 0] == 0 and picture[-1, -1] == 255
    assert (np.diff(picture.astype(int), axis=1) >= 0).all()
    assert (np.diff(picture.astype(int), axis=0) >= 0).all()
    # the picture is the image's rows 1, 3, 5, ... in means of 4 columns, scaled
    means = image[1::2].reshape(256, 512, 4).mean(axis=2)
    assert np.corrcoef(means.ravel(), picture.ravel())[0, 1] > 0.999
    flat = thumbnail(np.full((10, 10), 7, dtype=np.uint16))
    assert flat.shape == (10, 10) and not flat.any()
    wide = thumbnail(np.ones((2, 5000), dtype=np.float32))
    assert wide.shape == (2, 5000 // 8)


def _timing(reference: bool, position: float = 12.0) -> ShotTiming:
    return ShotTiming(reference, EdgeResult(position, 0.1, 3.0, not reference), position * 10)


def test_recorder_keeps_x_ray_shots_in_a_bounded_history() -> None:
    recorder = LiveRecorder(history_length=3)
    assert recorder.latest is None and not recorder.history
    for pulse_id in range(10):
        recorder.observe(FrameOutcome(pulse_id=pulse_id, timing=_timing(pulse_id % 2 == 1, 10.0)))
    recorder.observe(FrameOutcome(pulse_id=10))  # edge detection off: no history entry
    problem = ShotTiming(False, EdgeResult(math.nan, math.nan, math.nan, False), math.nan, "x")
    recorder.observe(FrameOutcome(pulse_id=12, timing=problem))  # no edge looked for
    assert recorder.latest is not None and recorder.latest.pulse_id == 12
    assert recorder.latest_xray is not None and recorder.latest_xray.pulse_id == 8
    assert [sample.pulse_id for sample in recorder.history] == [4, 6, 8]
    recorder.clear()
    assert recorder.latest is None and not recorder.history


def _monitor_message(pulse_id: int, compression: str = "none") -> list[bytes]:
    """A message with scalar channels of several kinds next to an image and a waveform."""
    return encode_message(
        pulse_id,
        [
            ("CAM:BAM", 100.0 + pulse_id),
            ("CAM:COUNT", np.int32(pulse_id * 2)),
            ("CAM:GATE", np.True_),
            (NAMES.image, np.zeros((4, 6), dtype=np.uint16)),
            ("CAM:WAVE", np.arange(3, dtype=np.float64)),
            ("CAM:NAME", "text"),
        ],
        compression=compression,
    )


def _observed(recorder: LiveRecorder, pulse_id: int, compression: str = "none") -> None:
    """A processed frame of ``_monitor_message``; odd pulse ids are reference shots."""
    message = Decoder().decode(_monitor_message(pulse_id, compression))
    timing = _timing(pulse_id % 2 == 1, float(pulse_id))
    recorder.observe(FrameOutcome(pulse_id=pulse_id, timing=timing, message=message))


def test_scalar_channels_are_the_numeric_ones_with_one_value() -> None:
    message = Decoder().decode(_monitor_message(1))
    assert scalar_channels(message.data_header) == ("CAM:BAM", "CAM:COUNT", "CAM:GATE")
    assert scalar_value(message, "CAM:BAM") == 101.0
    assert scalar_value(message, "CAM:COUNT") == 2.0
    assert scalar_value(message, "CAM:GATE") == 1.0
    for name in ("CAM:WAVE", "CAM:NAME", NAMES.image, "CAM:ABSENT"):
        assert math.isnan(scalar_value(message, name)), name
    parts = _monitor_message(1)
    parts[2] = b""  # CAM:BAM carries no value in this pulse
    assert math.isnan(scalar_value(Decoder().decode(parts), "CAM:BAM"))
    compressed = Decoder().decode(_monitor_message(3, "bitshuffle_lz4"))
    assert scalar_value(compressed, "CAM:BAM") == 103.0
    corrupt = _monitor_message(3, "bitshuffle_lz4")
    corrupt[2] = corrupt[2][:12]  # a compressed value cut short: unreadable, no exception
    assert math.isnan(scalar_value(Decoder(validate_sizes=False).decode(corrupt), "CAM:BAM"))


def test_shot_kind_names_classified_shots_only() -> None:
    assert shot_kind(_timing(True)) == "reference"
    assert shot_kind(_timing(False)) == "xray"
    assert shot_kind(None) is None
    no_ref = ShotTiming(False, EdgeResult(math.nan, math.nan, math.nan, False), math.nan,
                        "edge_no_reference")  # fmt: skip
    assert shot_kind(no_ref) == "xray"  # an X-ray shot, with no reference to compare yet
    for problem in ("edge_reference_channel_missing", "edge_reference_channel_unreadable"):
        timing = ShotTiming(False, EdgeResult(math.nan, math.nan, math.nan, False), math.nan,
                            problem)  # fmt: skip
        assert shot_kind(timing) is None, problem


def test_recorder_keeps_the_chosen_channel_per_x_ray_shot() -> None:
    recorder = LiveRecorder(history_length=4)
    with pytest.raises(InvalidRequest, match="no frame has been received"):
        recorder.choose_channel("CAM:BAM")
    for pulse_id in range(4):
        _observed(recorder, pulse_id)
    assert all(math.isnan(s.value) and s.channel is None for s in recorder.history)
    assert recorder.input_channels() == ("CAM:BAM", "CAM:COUNT", "CAM:GATE")
    assert recorder.choose_channel("CAM:BAM") == "CAM:BAM"
    for pulse_id in range(4, 10):
        _observed(recorder, pulse_id)
    history = list(recorder.history)
    assert [s.pulse_id for s in history] == [2, 4, 6, 8]  # bounded: the latest 4 X-ray shots
    assert history[0].channel is None and math.isnan(history[0].value)
    assert [(s.channel, s.value) for s in history[1:]] == [
        ("CAM:BAM", 100.0 + p) for p in (4, 6, 8)
    ]
    assert recorder.choose_channel("CAM:COUNT") == "CAM:COUNT"
    _observed(recorder, 10)
    assert recorder.history[-1] == EdgeSample(10, recorder.history[-1].timing, "CAM:COUNT", 20.0)
    assert recorder.choose_channel(None) is None
    _observed(recorder, 12)
    assert recorder.history[-1].channel is None and math.isnan(recorder.history[-1].value)
    recorder.clear_history()
    assert not recorder.history and recorder.input_channels()  # the channels stay known


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ("CAM:WAVE", "not a numeric scalar channel"),  # a waveform
        ("CAM:NAME", "not a numeric scalar channel"),  # a string
        (NAMES.image, "not a numeric scalar channel"),
        ("CAM:NOT_THERE", "CAM:BAM, CAM:COUNT, CAM:GATE"),
        ("", "1 to 256 printable characters"),
        ("x" * (MAX_CHANNEL_NAME + 1), "1 to 256 printable characters"),
        ("CAM:BAM\n", "printable"),
        ("CAM:\x00BAM", "printable"),
        (5, "a channel name"),
        (["CAM:BAM"], "a channel name"),
        ({"channel": "CAM:BAM"}, "a channel name"),
        (True, "a channel name"),
    ],
)
def test_recorder_refuses_a_channel_it_cannot_keep(bad: object, expected: str) -> None:
    recorder = LiveRecorder()
    _observed(recorder, 2)
    recorder.choose_channel("CAM:GATE")
    with pytest.raises(InvalidRequest, match=expected):
        recorder.choose_channel(bad)
    assert recorder.correlation_channel == "CAM:GATE"  # nothing changed


@pytest.mark.parametrize("length", [0, -1, MAX_HISTORY_LENGTH + 1])
def test_history_length_is_bounded(length: int) -> None:
    with pytest.raises(InvalidRequest, match="history length"):
        LiveRecorder(history_length=length)


def _message(image: np.ndarray, pulse_id: int = 7) -> list[bytes]:
    return encode_message(
        pulse_id,
        [("CAM:OTHER", 1.5), (NAMES.image, image), ("CAM:LAST", np.arange(3, dtype=np.int32))],
        sec=10,
        ns=20,
        compression="bitshuffle_lz4",
    )


def test_forwarder_passes_the_image_parts_on_untouched() -> None:
    image = np.arange(6 * 9, dtype=np.uint16).reshape(6, 9)
    parts = _message(image)
    message = Decoder().decode(parts)
    forwarder = ChannelForwarder(NAMES.image)
    out = forwarder.encode(message)
    assert out is not None and len(out) == 4
    assert out[2] is parts[4] and out[3] is parts[5]  # the received objects, not copies
    forwarded = Decoder().decode(out)
    assert forwarded.pulse_id == 7
    assert forwarded.main.global_timestamp == message.main.global_timestamp
    assert [c.name for c in forwarded.data_header.channels] == [NAMES.image]
    np.testing.assert_array_equal(forwarded.array(NAMES.image), image)
    again = forwarder.encode(Decoder().decode(_message(image, 8)))
    assert again is not None and again[1] is out[1]  # the data header is built once
    assert ChannelForwarder("CAM:NOPE").encode(message) is None


def test_the_outcome_holds_the_image_and_the_processor_forwards_it() -> None:
    image = (np.arange(12 * 20) % 97).astype(np.uint16).reshape(12, 20)
    processor = FrameProcessor(NAMES, forward_image=True)
    outcome = processor.process(_message(image), ProcessingSettings(roi_signal=Roi(0, 5, 0, 2)))
    assert outcome.image_parts is not None
    np.testing.assert_array_equal(Decoder().decode(outcome.image_parts).array(NAMES.image), image)
    decoded = outcome.image  # the one the profiles were read from: nothing decoded again
    assert decoded is not None
    np.testing.assert_array_equal(decoded.whole(), image)
    np.testing.assert_array_equal(thumbnail(decoded, (12, 20)), thumbnail(image, (12, 20)))
    plain = FrameProcessor(NAMES).process(_message(image), ProcessingSettings())
    assert plain.image_parts is None and plain.image is not None
    assert FrameOutcome().image is None


def test_the_thumbnail_is_drawn_from_the_outcome_image_not_from_the_parts_sent() -> None:
    """The live view reads the image the pipeline read the profiles from: an outcome that holds
    no output parts (as the live view need not look at them) still gets its thumbnail."""
    image = (np.arange(30 * 40) % 251).astype(np.uint16).reshape(30, 40)
    processed = FrameProcessor(NAMES).process(_message(image), ProcessingSettings())
    live = LiveRecorder()
    live.observe(FrameOutcome(pulse_id=7, image=processed.image))
    outcome, png = _Thumbnails(live).latest()
    assert outcome is not None and outcome.pulse_id == 7 and png is not None
    np.testing.assert_array_equal(decode_png(png), thumbnail(image))


_THUMBNAIL_CHILD = """
import os, threading, time
import numpy as np
from psen_processing.core.channels import ChannelNames
from psen_processing.sim.messages import encode_message
from psen_processing.stream.live_recorder import LiveRecorder, thumbnail
from psen_processing.api.live_routes import _Thumbnails
from psen_processing.stream.pipeline import FrameProcessor
from psen_processing.core.profiles import ProcessingSettings

names = ChannelNames("CAM")
image = np.random.default_rng(1).integers(0, 4000, (512, 1024)).astype(np.uint16)
parts = encode_message(3, [(names.image, image)], compression="bitshuffle_lz4")
live = LiveRecorder()
live.observe(FrameProcessor(names, forward_image=True).process(parts, ProcessingSettings()))

def threads_started_by(work):
    # threads that `work` leaves behind in a new thread, as the web server's pool has
    # (OpenMP at its default size there), counted before that thread ends and takes its
    # OpenMP workers with it
    counts = []

    def run():
        counts.append(len(os.listdir("/proc/self/task")))
        work()
        counts.append(len(os.listdir("/proc/self/task")))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    while os.path.exists(f"/proc/self/task/{thread.native_id}"):  # gone for the next count
        time.sleep(0.001)
    return counts[1] - counts[0]

results = []
served = threads_started_by(lambda: results.append(_Thumbnails(live).latest()))
assert results[0][0].pulse_id == 3 and results[0][1].startswith(b"\\x89PNG"), results
unlimited = threads_started_by(lambda: thumbnail(live.latest.image))
print(served, unlimited)
"""


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="OpenMP starts no pool on one core")
def test_the_page_thumbnail_starts_no_openmp_threads_beside_the_stream() -> None:
    """bitshuffle's OpenMP pool, at its default size, leaves a thread spinning for
    milliseconds after each call: the web server's threads must not start it."""
    child = subprocess.run(
        [sys.executable, "-c", _THUMBNAIL_CHILD],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    served, unlimited = map(int, child.stdout.split())
    assert served == 0, "the thumbnail started OpenMP threads"
    assert unlimited > 0, "control: the same decode without the limit starts them"
