"""The sans-I/O bsread codec: round trips, psi-bsread interop without sockets, malformed input."""

from __future__ import annotations

import hashlib
import json
import struct
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import lz4.block
import numpy as np
import pytest
from bsread.data.compression import LZ4, BitshuffleLZ4
from bsread.handlers.compact import Handler

from psen_processing.codec import (
    Decoder,
    ExtraChannels,
    Message,
    OutputEncoder,
    channel_entry,
    compress,
    decompress,
    timestamp_bytes,
)
from psen_processing.codec import message as message_module
from psen_processing.codec.headers import DTYPES, parse_channel, parse_main_header
from psen_processing.errors import ProtocolError, PsenError
from psen_processing.sim.messages import encode_message

COMPRESSIONS = ["none", "lz4", "bitshuffle_lz4"]
DH_COMPRESSIONS = [None, "lz4", "bitshuffle_lz4"]
STAMP = struct.pack("<qq", 1, 2)


def build(channels: list[dict[str, Any]], values: list[bytes], **main: Any) -> list[bytes]:
    """A message from a hand-written data header; ``values`` are the raw value parts."""
    header = json.dumps({"htype": "bsr_d-1.1", "channels": channels}).encode()
    fields = {"htype": "bsr_m-1.1", "pulse_id": 1, "hash": hashlib.md5(header).hexdigest()}
    fields.update(main)
    parts = [json.dumps(fields).encode(), header]
    for value in values:
        parts += [value, STAMP if value else b""]
    return parts


def image_values(rng: np.random.Generator) -> list[tuple[str, object]]:
    return [
        ("CAM:FPICTURE", rng.integers(0, 65535, size=(37, 53), dtype=np.uint16)),
        ("CAM:BIG", rng.normal(size=(5, 9)).astype(">f8")),
        ("CAM:BIG16", rng.integers(0, 65535, size=300, dtype=np.uint16).astype(">u2")),
        ("CAM:WAVE", rng.normal(size=1000).astype(np.float32)),
        ("CAM:NEG", rng.integers(-128, 127, size=17, dtype=np.int8)),
        ("CAM:COUNTER", 2**40 + 3),
        ("CAM:INTENSITY", 0.125),
        ("CAM:FLAG", True),
        ("CAM:DESCRIPTION", "shot µ 42"),
        ("CAM:EMPTY", None),
    ]


# --- round trips ----------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("dh_compression", DH_COMPRESSIONS)
@pytest.mark.parametrize("timestamp_key", ["sec", "epoch"])
def test_round_trip(compression: str, dh_compression: str | None, timestamp_key: str) -> None:
    values = image_values(np.random.default_rng(1))
    parts = encode_message(
        123456789,
        values,
        sec=1_700_000_000,
        ns=999,
        compression=compression,
        dh_compression=dh_compression,
        timestamp_key=timestamp_key,
    )
    assert len(parts) == 2 + 2 * len(values)
    message = Decoder().decode(parts)
    assert message.pulse_id == 123456789
    assert (message.main.sec, message.main.ns) == (1_700_000_000, 999)
    assert message.main.global_timestamp == {timestamp_key: 1_700_000_000, "ns": 999}
    assert message.main.dh_compression == dh_compression
    assert [c.name for c in message.data_header.channels] == [name for name, _ in values]
    for (name, value), spec in zip(values, message.data_header.channels, strict=True):
        assert spec.compression == compression
        decoded = message.value(name)
        if isinstance(value, np.ndarray):
            assert isinstance(decoded, np.ndarray)
            assert decoded.dtype == value.dtype  # byte order included
            assert decoded.shape == value.shape
            np.testing.assert_array_equal(decoded, value)
            assert spec.big_endian == (value.dtype.byteorder == ">")
        else:
            assert decoded == value
            assert type(decoded) is type(value)
    assert message.array("CAM:EMPTY") is None
    assert message.array("NOT THERE") is None
    assert message.value("NOT THERE") is None


@pytest.mark.parametrize("big", [False, True])
def test_timestamp_parts_follow_the_channel_byte_order(big: bool) -> None:
    value = np.arange(4, dtype=">u4" if big else "<u4")
    parts = encode_message(1, [("a", value)], sec=7, ns=8)
    assert parts[3] == struct.pack(">qq" if big else "<qq", 7, 8)
    assert parts[3] == timestamp_bytes(7, 8, big_endian=big)


@pytest.mark.parametrize("compression", COMPRESSIONS)
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 4095, 4096, 4097, 8200, 20001])
@pytest.mark.parametrize("dtype", ["u1", "<u2", ">u2", "<i4", ">f4", "<f8", ">i8"])
def test_compress_decompress_sizes(compression: str, n: int, dtype: str) -> None:
    array = (np.arange(n) * 7919 % 251).astype(dtype)
    out = decompress(compress(array, compression), compression, np.dtype(dtype))
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, array)


# --- interop with psi-bsread's own pack/unpack, both directions ---------------------------------


@pytest.mark.parametrize("dtype", ["<u2", ">u2", "<f4", ">f8", "<i8", "u1"])
@pytest.mark.parametrize("shape", [(1,), (13,), (37, 53), (64, 128)])
def test_bitshuffle_interop(dtype: str, shape: tuple[int, ...]) -> None:
    array = np.random.default_rng(5).integers(0, 200, size=shape).astype(dtype)
    bs_shape = list(shape[::-1])
    ours = compress(array, "bitshuffle_lz4")
    theirs = BitshuffleLZ4.pack_data(array, dtype)
    assert ours[:12] == theirs[:12]  # same size and block-size header
    unpacked = BitshuffleLZ4.unpack_data(ours, dtype, bs_shape)
    np.testing.assert_array_equal(unpacked.reshape(shape), array)
    np.testing.assert_array_equal(
        decompress(theirs, "bitshuffle_lz4", np.dtype(dtype)).reshape(shape), array
    )


@pytest.mark.parametrize("dtype", ["<u2", "<f8", "<i4", "u1"])
def test_lz4_interop_little_endian(dtype: str) -> None:
    array = np.random.default_rng(6).integers(0, 1000, size=(20, 30)).astype(dtype)
    np.testing.assert_array_equal(
        decompress(LZ4.pack_data(array), "lz4", np.dtype(dtype)).reshape(20, 30), array
    )
    ours = compress(array, "lz4")
    np.testing.assert_array_equal(LZ4.unpack_data(ours, dtype, [30, 20]), array)


@pytest.mark.parametrize("dtype", [">u2", ">f8"])
def test_lz4_big_endian_size_header_is_read_like_psi_bsread(dtype: str) -> None:
    array = np.arange(600).astype(dtype)
    ours = compress(array, "lz4")
    assert ours[:4] == struct.pack(">I", array.nbytes)
    np.testing.assert_array_equal(LZ4.unpack_data(ours, dtype, [600]), array)


def test_lz4_big_endian_one_byte_channel() -> None:
    array = np.arange(12, dtype=np.uint8)
    value = struct.pack(">I", array.nbytes) + lz4.block.compress(array.tobytes(), store_size=False)
    # psi-bsread itself reads this value back (it derives the byte order from the encoding)
    np.testing.assert_array_equal(LZ4.unpack_data(value, ">u1", [12]), array)
    entry = {"name": "a", "type": "uint8", "shape": [12], "encoding": "big", "compression": "lz4"}
    message = Decoder().decode(build([entry], [value]))
    np.testing.assert_array_equal(message.array("a"), array)


# --- numpy order of shapes ----------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (1, 7), (2, 3, 4)])
def test_array_returns_numpy_order(shape: tuple[int, ...]) -> None:
    array = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    parts = encode_message(1, [("img", array)])
    assert json.loads(parts[1])["channels"][0]["shape"] == list(shape[::-1])
    decoded = Decoder().decode(parts).array("img")
    assert decoded is not None
    assert decoded.shape == shape
    np.testing.assert_array_equal(decoded, array)


def test_hand_written_header_width_first() -> None:
    width, height = 4, 2
    entry = {"name": "img", "type": "uint16", "shape": [width, height]}
    pixels = np.arange(8, dtype="<u2")
    decoded = Decoder().decode(build([entry], [pixels.tobytes()])).array("img")
    assert decoded is not None
    assert decoded.shape == (height, width)
    assert decoded[1, 0] == 4  # the second row starts after `width` pixels


def test_missing_type_defaults_to_float64() -> None:
    message = Decoder().decode(build([{"name": "x"}], [struct.pack("<d", 2.5)]))
    assert message.value("x") == 2.5


# --- the data header cache -------------------------------------------------------------------


def test_same_hash_does_not_reparse(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = message_module.parse_data_header

    def counting(raw: Any, *args: Any) -> Any:
        calls.append(raw)
        return real(raw, *args)

    monkeypatch.setattr(message_module, "parse_data_header", counting)
    decoder = Decoder()
    first = encode_message(1, [("a", 1.0), ("b", np.arange(3))])
    second = encode_message(2, [("a", 2.0), ("b", np.arange(3) * 2)])
    assert first[1] == second[1]
    decoder.decode(first)
    second[1] = b"\x00garbage, not JSON"
    message = decoder.decode(second)
    assert len(calls) == 1
    assert message.value("a") == 2.0
    np.testing.assert_array_equal(message.array("b"), [0, 2, 4])


def test_changed_hash_reparses() -> None:
    decoder = Decoder()
    decoder.decode(encode_message(1, [("a", 1.0)]))
    changed = encode_message(2, [("a", 1.0), ("b", "new")])
    assert decoder.decode(changed).value("b") == "new"
    garbage = encode_message(3, [("a", 1.0)])
    main = json.loads(garbage[0])
    main["hash"] = "0" * 32
    garbage[0] = json.dumps(main).encode()
    garbage[1] = b"{not json"
    with pytest.raises(ProtocolError) as info:
        decoder.decode(garbage)
    assert info.value.reason == "bad_data_header"


def test_cache_evicts_oldest_hash() -> None:
    decoder = Decoder(cache_size=1)
    first = encode_message(1, [("a", 1.0)])
    decoder.decode(first)
    decoder.decode(encode_message(2, [("b", 1.0)]))
    first[1] = b"{not json"
    with pytest.raises(ProtocolError, match="not valid JSON"):
        decoder.decode(first)


# --- malformed input: always ProtocolError with a stable reason ------------------------------


def _with_main(parts: list[bytes], **changes: Any) -> list[bytes]:
    main = json.loads(parts[0])
    for key, value in changes.items():
        if value is ...:
            main.pop(key)
        else:
            main[key] = value
    return [json.dumps(main).encode(), *parts[1:]]


GOOD = encode_message(9, [("a", np.arange(6, dtype=np.uint16)), ("s", "text")], sec=1)
U16 = {"name": "a", "type": "uint16", "shape": [6]}

MALFORMED: list[tuple[str, list[Any], str]] = [
    ("non-JSON main header", [b"{pulse_id: 1", *GOOD[1:]], "bad_main_header"),
    ("non-UTF-8 main header", [b"\xff\xfe\xfa", *GOOD[1:]], "bad_main_header"),
    ("main header a list", [b"[1, 2]", *GOOD[1:]], "bad_main_header"),
    ("no pulse_id", _with_main(GOOD, pulse_id=...), "missing_pulse_id"),
    ("string pulse_id", _with_main(GOOD, pulse_id="9"), "missing_pulse_id"),
    ("bool pulse_id", _with_main(GOOD, pulse_id=True), "missing_pulse_id"),
    ("no hash", _with_main(GOOD, hash=...), "bad_main_header"),
    ("timestamp not an object", _with_main(GOOD, global_timestamp=5), "bad_main_header"),
    ("timestamp without sec", _with_main(GOOD, global_timestamp={"ns": 1}), "bad_main_header"),
    ("unknown dh_compression", _with_main(GOOD, dh_compression="zip"), "unknown_compression"),
    (
        "corrupt compressed header",
        [_with_main(GOOD, dh_compression="lz4")[0], b"\x10\x00\x00\x00garbage", *GOOD[2:]],
        "bad_data_header",
    ),
    # JSON read as lz4: its first 4 bytes declare a size over the limit
    ("compressed header too large", _with_main(GOOD, dh_compression="lz4"), "header_too_large"),
    ("data header not JSON", [GOOD[0], b"{channels", *GOOD[2:]], "bad_data_header"),
    ("data header no channels", [GOOD[0], b'{"htype": "bsr_d-1.1"}'], "bad_data_header"),
    ("channel without name", build([{"type": "uint8"}], [b"\x01"]), "bad_data_header"),
    ("duplicate channel", build([U16, U16], [b"\0" * 12, b"\0" * 12]), "bad_data_header"),
    ("bad shape", build([{**U16, "shape": [-1]}], [b"\0" * 12]), "bad_data_header"),
    ("bool in shape", build([{**U16, "shape": [True]}], [b"\0" * 2]), "bad_data_header"),
    ("bad encoding", build([{**U16, "encoding": "middle"}], [b"\0" * 12]), "bad_data_header"),
    ("unknown type", build([{**U16, "type": "complex128"}], [b"\0" * 12]), "unknown_type"),
    ("unknown compression", build([{**U16, "compression": "zstd"}], [b"x"]), "unknown_compression"),
    ("one part", GOOD[:1], "wrong_part_count"),
    ("no parts", [], "wrong_part_count"),
    ("a part missing", GOOD[:-1], "wrong_part_count"),
    ("a part too many", [*GOOD, b""], "wrong_part_count"),
    ("short value", build([U16], [b"\0" * 11]), "value_size_mismatch"),
    ("odd bytes", build([U16], [b"\0" * 13]), "value_size_mismatch"),
    ("short timestamp", [*GOOD[:3], b"\0" * 8, *GOOD[4:]], "bad_timestamp"),
    ("long timestamp", [*GOOD[:-1], b"\0" * 17], "bad_timestamp"),
]


@pytest.mark.parametrize(
    ("parts", "reason"), [(p, r) for _, p, r in MALFORMED], ids=[i for i, _, _ in MALFORMED]
)
def test_malformed_raises_protocol_error(parts: list[bytes], reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        message = Decoder().decode(parts)
        for spec in message.data_header.channels:  # lazily decoded values fail here
            message.array(spec.name)
    assert info.value.reason == reason
    assert isinstance(info.value, PsenError)
    assert str(info.value)


@pytest.mark.parametrize("compression", ["lz4", "bitshuffle_lz4"])
def test_compressed_value_declaring_too_few_bytes(compression: str) -> None:
    parts = encode_message(1, [("a", np.arange(1000, dtype=np.uint16))], compression=compression)
    small = compress(np.arange(999, dtype=np.uint16), compression)
    with pytest.raises(ProtocolError) as info:
        Decoder().decode([*parts[:2], small, parts[3]])
    assert info.value.reason == "value_size_mismatch"


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_value_longer_than_its_shape_says(compression: str) -> None:
    parts = encode_message(1, [("a", np.zeros((4, 5), dtype=np.uint16))], compression=compression)
    longer = compress(np.zeros(21, dtype=np.uint16), compression)
    with pytest.raises(ProtocolError) as info:
        Decoder().decode([*parts[:2], longer, parts[3]]).array("a")
    assert info.value.reason == "value_size_mismatch"


def _image_parts(seed: int = 11) -> tuple[np.ndarray, list[bytes]]:
    image = np.random.default_rng(seed).integers(0, 4000, size=(60, 90), dtype=np.uint16)
    return image, encode_message(1, [("img", image)], compression="bitshuffle_lz4")


@pytest.mark.parametrize(
    ("offset", "data"),
    [
        (8, struct.pack(">i", 0)),  # block size 0
        (8, struct.pack(">i", -8192)),  # negative block size
        (8, struct.pack(">i", 3)),  # not a whole number of elements
        (8, struct.pack(">i", 24)),  # 12 elements: not a multiple of 8
        (0, struct.pack(">q", 10801)),  # odd size for uint16, and more than the shape
        (12, b"\xff\xff\xff\xff"),  # first block claims to run past the end
    ],
)
def test_corrupt_bitshuffle_header(offset: int, data: bytes) -> None:
    _, parts = _image_parts()
    raw = bytearray(parts[2])
    raw[offset : offset + len(data)] = data
    message = Decoder(validate_sizes=False).decode([*parts[:2], bytes(raw), parts[3]])
    with pytest.raises(ProtocolError) as info:
        message.array("img")
    assert info.value.reason in {"corrupt_compressed_data", "value_size_mismatch"}


def test_random_corruptions_never_escape_as_other_errors() -> None:
    image, parts = _image_parts()
    payload = parts[2]
    rng = np.random.default_rng(2024)
    outcomes = {"array": 0, "error": 0}
    for _ in range(1500):
        raw = bytearray(payload)
        if rng.random() < 0.2:
            raw = raw[: int(rng.integers(12, len(raw)))]
        for _ in range(int(rng.integers(1, 8))):
            raw[int(rng.integers(12, len(raw)))] = int(rng.integers(0, 256))
        try:
            message = Decoder().decode([*parts[:2], bytes(raw), parts[3]])
            result = message.array("img")
        except ProtocolError as exc:
            assert exc.reason in {"corrupt_compressed_data", "value_size_mismatch"}
            outcomes["error"] += 1
        else:
            assert result is not None
            assert result.shape == image.shape
            assert result.dtype == image.dtype
            outcomes["array"] += 1
    assert outcomes["error"] > 0  # the corruption did reach the decoder


@pytest.mark.parametrize("validate_sizes", [True, False])
def test_huge_declared_size_is_rejected_cheaply(validate_sizes: bool) -> None:
    _, parts = _image_parts()
    raw = bytearray(parts[2])
    raw[0:8] = struct.pack(">q", 2**36)  # claims 64 GiB; the value holds about 8 KiB
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError):
            decoder = Decoder(validate_sizes=validate_sizes)
            decoder.decode([*parts[:2], bytes(raw), parts[3]]).array("img")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20, f"decoding a corrupt 8 KiB value allocated {peak} bytes"


# --- OutputEncoder ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtraChannel:
    """An added channel as these tests give it: its header entry and its value together."""

    entry: dict[str, Any]
    value: bytes | np.ndarray


def encode_with(
    encoder: OutputEncoder,
    message: Message,
    extras: Sequence[ExtraChannel],
    passthrough: Sequence[Any] | None = None,
) -> list[Any]:
    """The output parts of ``message`` with ``extras`` added."""
    channels = ExtraChannels(tuple(extra.entry for extra in extras))
    values = [extra.value for extra in extras]
    return encoder.encode_values(message, channels, values, passthrough)


def _extras(profile_len: int = 5, params: str = '{"roi_signal": null}') -> list[ExtraChannel]:
    profile = np.arange(profile_len, dtype=np.float64) * 1.5
    return [
        ExtraChannel(channel_entry("CAM:FPICTURE.processing_parameters", params), params.encode()),
        ExtraChannel(channel_entry("CAM:FPICTURE.roi_signal_x_profile", profile), profile),
    ]


@pytest.fixture
def received() -> list[bytes]:
    return encode_message(
        77,
        image_values(np.random.default_rng(3)),
        sec=1_600_000_000,
        ns=123,
        compression="bitshuffle_lz4",
        dh_compression="bitshuffle_lz4",
    )


def test_passthrough_parts_are_the_same_objects(received: list[bytes]) -> None:
    message = Decoder().decode(received)
    out = encode_with(OutputEncoder(), message, _extras())
    n_in = len(received) - 2
    assert len(out) == len(received) + 4
    for i in range(2, 2 + n_in):
        assert out[i] is received[i]
    frames = [object() for _ in received]  # e.g. zmq.Frame objects held by the I/O layer
    out = encode_with(OutputEncoder(), message, _extras(), passthrough=frames)
    for i in range(2, 2 + n_in):
        assert out[i] is frames[i]


def test_output_headers_and_extras(received: list[bytes]) -> None:
    message = Decoder().decode(received)
    extras = _extras()
    out = encode_with(OutputEncoder(), message, extras)
    main = json.loads(out[0])
    assert main["pulse_id"] == 77
    assert main["global_timestamp"] == {"sec": 1_600_000_000, "ns": 123}
    assert main["hash"] == hashlib.md5(out[1]).hexdigest()
    assert "dh_compression" not in main
    header = json.loads(out[1])
    names = [c["name"] for c in header["channels"]]
    assert names == [c.name for c in message.data_header.channels] + [
        e.entry["name"] for e in extras
    ]
    assert out[-4] == extras[0].value
    assert out[-2] is extras[1].value
    assert out[-3] == out[-1] == timestamp_bytes(1_600_000_000, 123)
    decoded = Decoder().decode(out)
    for spec in message.data_header.channels:
        np.testing.assert_array_equal(
            np.asarray(decoded.value(spec.name)), np.asarray(message.value(spec.name))
        )
    assert decoded.value("CAM:FPICTURE.processing_parameters") == '{"roi_signal": null}'
    np.testing.assert_array_equal(
        decoded.array("CAM:FPICTURE.roi_signal_x_profile"), extras[1].value
    )


def test_epoch_timestamp_forwarded_unchanged() -> None:
    parts = encode_message(5, [("a", 1.0)], sec=10, ns=20, timestamp_key="epoch")
    out = encode_with(OutputEncoder(), Decoder().decode(parts), _extras())
    assert json.loads(out[0])["global_timestamp"] == {"epoch": 10, "ns": 20}
    assert out[-1] == timestamp_bytes(10, 20)


def test_header_rebuilt_only_on_change() -> None:
    decoder, encoder = Decoder(), OutputEncoder()
    a1 = decoder.decode(encode_message(1, [("a", 1.0)]))
    a2 = decoder.decode(encode_message(2, [("a", 2.0)]))
    b = decoder.decode(encode_message(3, [("a", 1.0), ("b", 2.0)]))
    hashes = []
    steps = [(a1, 5, 1), (a2, 5, 1), (a2, 6, 2), (a1, 6, 2), (b, 6, 3), (a1, 5, 3)]
    for message, profile_len, built in steps:
        out = encode_with(encoder, message, _extras(profile_len))
        assert encoder.headers_built == built
        hashes.append(json.loads(out[0])["hash"])
    assert hashes[0] == hashes[1] == hashes[5]
    assert len({hashes[1], hashes[2], hashes[4]}) == 3
    encode_with(encoder, a1, _extras(5, params='{"roi_signal": []}'))  # a new parameters string
    assert encoder.headers_built == 3  # the value changed, its header entry did not
    encode_with(encoder, a1, _extras(5)[:1])  # profile channel gone
    assert encoder.headers_built == 4


def test_input_channel_with_an_extra_name_is_replaced() -> None:
    name = "CAM:FPICTURE.processing_parameters"
    parts = encode_message(1, [("a", 1.0), (name, "stale"), ("b", 2.0)])
    out = encode_with(OutputEncoder(), Decoder().decode(parts), _extras())
    names = [c["name"] for c in json.loads(out[1])["channels"]]
    assert names.count(name) == 1
    assert names == ["a", "b", name, "CAM:FPICTURE.roi_signal_x_profile"]
    decoded = Decoder().decode(out)
    assert decoded.value(name) == '{"roi_signal": null}'
    assert (decoded.value("a"), decoded.value("b")) == (1.0, 2.0)


@pytest.mark.parametrize("compression", ["none", "bitshuffle_lz4"])
def test_large_values_go_out_last(compression: str) -> None:
    """A consumer leaving within a message makes libzmq keep the parts already queued for it
    for good: the image and other large values go out last, after the added channels."""
    image = np.arange(256 * 512, dtype=np.uint16).reshape(256, 512)  # 256 KiB
    wave = np.linspace(0.0, 1.0, 8192)  # exactly LARGE_VALUE_BYTES
    small = np.arange(8191, dtype=np.float64)  # one value short of it
    values: list[tuple[str, object]] = [
        ("CAM:FPICTURE", image), ("a", 1.0), ("wave", wave), ("small", small), ("b", 2.0)
    ]  # fmt: skip
    received = encode_message(9, values, compression=compression)
    message = Decoder().decode(received)
    extras = _extras()
    out = encode_with(OutputEncoder(), message, extras)
    names = [c["name"] for c in json.loads(out[1])["channels"]]
    assert names == ["a", "small", "b", *(e.entry["name"] for e in extras), "CAM:FPICTURE", "wave"]
    assert out[-4] is received[2] and out[-3] is received[3]  # the image's value and timestamp
    assert out[-2] is received[6] and out[-1] is received[7]
    assert len(out) == len(received) + 2 * len(extras)
    decoded = Decoder().decode(out)
    np.testing.assert_array_equal(decoded.array("CAM:FPICTURE"), image)
    np.testing.assert_array_equal(decoded.array("wave"), wave)
    np.testing.assert_array_equal(decoded.array("small"), small)
    assert (decoded.value("a"), decoded.value("b")) == (1.0, 2.0)


def test_header_part_is_made_once_per_data_header() -> None:
    made: list[bytes] = []

    def header_part(header: bytes) -> object:
        made.append(header)
        return ("frame", header)

    decoder, encoder = Decoder(), OutputEncoder(header_part=header_part)
    first = encode_with(encoder, decoder.decode(encode_message(1, [("a", 1.0)])), _extras())
    second = encode_with(encoder, decoder.decode(encode_message(2, [("a", 2.0)])), _extras())
    assert len(made) == 1
    assert first[1] is second[1] == ("frame", made[0])
    assert json.loads(first[0])["hash"] == hashlib.md5(made[0]).hexdigest()


class FakeReceiver:
    """What mflow gives psi-bsread's handler: the parts of one message, one at a time."""

    def __init__(self, parts: list[Any]) -> None:
        self.parts = [bytes(memoryview(p).cast("B")) for p in parts]  # as they come off the wire
        self.index = 0

    def next(self, as_json: bool = False) -> Any:
        part = self.parts[self.index]
        self.index += 1
        return json.loads(part) if as_json else part

    def has_more(self) -> bool:
        return self.index < len(self.parts)


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_psi_bsread_handler_parses_encoder_output(compression: str) -> None:
    values = image_values(np.random.default_rng(4))
    parts = encode_message(88, values, sec=1_650_000_000, ns=42, compression=compression)
    extras = _extras()
    handler = Handler()
    for _ in range(2):  # the second message reuses psi-bsread's cached channel definitions
        receiver = FakeReceiver(encode_with(OutputEncoder(), Decoder().decode(parts), extras))
        message = handler.receive(receiver)
        assert not receiver.has_more()
        assert message.pulse_id == 88
        assert (message.global_timestamp, message.global_timestamp_offset) == (1_650_000_000, 42)
        data = message.data
        assert list(data) == [name for name, _ in values] + [e.entry["name"] for e in extras]
        for name, value in values:
            if value is None:
                assert data[name].value is None
                continue
            np.testing.assert_array_equal(data[name].value, value)
            assert (data[name].timestamp, data[name].timestamp_offset) == (1_650_000_000, 42)
        assert data["CAM:FPICTURE.processing_parameters"].value == '{"roi_signal": null}'
        np.testing.assert_array_equal(
            data["CAM:FPICTURE.roi_signal_x_profile"].value, extras[1].value
        )
        assert data["CAM:FPICTURE.roi_signal_x_profile"].timestamp_offset == 42


# --- the per-frame shortcuts give what the general code gives ---------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"pulse_id": 1, "hash": "h"}',
        '  {"pulse_id": 1, "hash": "h"}',  # leading white space: json.loads reads it
        '{"pulse_id": 1, "hash": "h"}\n  ',  # trailing white space
        '{"pulse_id": 1, "hash": "h", "name": "\u00e9\u00e8"}',
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_main_header_read_like_json_loads(text: str, encoding: str) -> None:
    raw = text.encode(encoding)
    main = parse_main_header(raw)
    expected = json.loads(raw)
    assert (main.pulse_id, main.hash) == (expected["pulse_id"], expected["hash"])


@pytest.mark.parametrize(
    "raw",
    [
        b'{"pulse_id": 1, "hash": "h"} {}',
        b'{"pulse_id": 1, "hash": "h"',
        b"",
        b"\xff\xfe{",
        b"[1]",
        b'{"pulse_id": 1, "hash": "h", "x": NaN}',
        b'{"pulse_id": 1, "hash": "h", "x": -Infinity}',
    ],
)
def test_main_header_that_json_loads_refuses_is_refused(raw: bytes) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_main_header(raw)
    assert caught.value.reason == "bad_main_header"


@pytest.mark.parametrize(
    "stamp",
    [
        None,
        {"sec": 1, "ns": 2},
        {"ns": 2, "sec": 1},
        {"epoch": 1, "ns": 2},
        {"sec": 2**63 - 1, "ns": 999_999_999},
        {"sec": 1, "ns": 2, "note": "\u00e9"},
    ],
)
def test_output_main_header_is_what_json_dumps_writes(stamp: dict[str, Any] | None) -> None:
    parts = encode_message(2**40 + 3, [("A", 1.0)])
    received: dict[str, Any] = {**json.loads(parts[0])}
    received.pop("global_timestamp")
    if stamp is not None:
        received["global_timestamp"] = stamp
    parts[0] = json.dumps(received).encode()
    out = encode_with(OutputEncoder(), Decoder().decode(parts), [])
    main = {"htype": "bsr_m-1.1", "pulse_id": 2**40 + 3, "hash": json.loads(out[0])["hash"]}
    if stamp is not None:
        main["global_timestamp"] = stamp
    assert out[0] == json.dumps(main).encode()


# --- memory per message bounded by bytes (issue 14) ----------------------------------------------


def test_a_header_its_message_does_not_match_is_not_cached() -> None:
    decoder = Decoder()
    parts = encode_message(1, [("a", 1.0), ("b", 2.0)])
    with pytest.raises(ProtocolError) as caught:
        decoder.decode(parts[:2])
    assert caught.value.reason == "wrong_part_count"
    # the same hash with garbage: parsed again (not taken from a cache), so refused
    with pytest.raises(ProtocolError) as caught:
        decoder.decode([parts[0], b"{garbage", *parts[2:]])
    assert caught.value.reason == "bad_data_header"
    assert decoder.decode(parts).value("b") == 2.0


@pytest.mark.parametrize("dh_compression", [None, "lz4", "bitshuffle_lz4"])
def test_header_cache_is_bounded_by_bytes(dh_compression: str | None) -> None:
    # counted as decompressed: a compressed header of 3 kB text takes a few dozen bytes on the
    # wire but as much memory as an uncompressed one once read
    decoder = Decoder(cache_size=1000, cache_bytes=10_000)
    first = encode_message(0, [("A" * 3000, 1.0)], dh_compression=dh_compression)
    decoder.decode(first)
    for i in range(20):  # distinct headers of about 3 kB
        parts = encode_message(i, [(f"{i}" + "A" * 3000, 1.0)], dh_compression=dh_compression)
        decoder.decode(parts)
    with pytest.raises(ProtocolError):  # long evicted: read again, and found garbage
        decoder.decode([first[0], b"{garbage", *first[2:]])


@pytest.mark.parametrize("dh_compression", [None, "lz4", "bitshuffle_lz4"])
def test_oversize_data_header_is_refused_before_it_is_read(dh_compression: str | None) -> None:
    decoder = Decoder(max_data_header_bytes=1000, max_decompressed_header_bytes=2000)
    parts = encode_message(1, [(f"C{i}", 1.0) for i in range(40)], dh_compression=dh_compression)
    with pytest.raises(ProtocolError) as caught:
        decoder.decode(parts)
    assert caught.value.reason == "header_too_large"
    assert Decoder().decode(parts).value("C3") == 1.0


def test_oversize_main_header_is_refused() -> None:
    parts = encode_message(1, [("a", 1.0)])
    with pytest.raises(ProtocolError) as caught:
        Decoder(max_main_header_bytes=20).decode(parts)
    assert caught.value.reason == "header_too_large"


@pytest.mark.parametrize("big_endian", [False, True])
def test_every_bsread_type_goes_out_and_comes_back_by_the_one_type_table(big_endian: bool) -> None:
    """``channel_entry`` names a dtype by reading :data:`DTYPES` backwards; the decoder reads it
    forwards: every numeric type and bool survives the round trip."""
    for name, code in DTYPES.items():
        if name == "string":
            continue
        dtype = np.dtype(code).newbyteorder(">" if big_endian else "<")
        array = np.arange(6).astype(dtype).reshape(2, 3)
        entry = channel_entry("x", array)
        assert entry["type"] == name
        spec = parse_channel(entry)
        assert spec.dtype == dtype and spec.shape == (3, 2)
        decoded = Decoder().decode(encode_message(1, [("x", array)])).array("x")
        assert decoded is not None and decoded.dtype == dtype
        np.testing.assert_array_equal(decoded, array)
