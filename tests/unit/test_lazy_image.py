"""LazyImage: any rows, decoded from any compression, equal the whole image's rows."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psen_processing.codec import Decoder, bitshuffle_lz4
from psen_processing.codec.bitshuffle_lz4 import BitshuffleLz4Value
from psen_processing.errors import ProtocolError
from psen_processing.sim.messages import encode_message

COMPRESSIONS = ("none", "lz4", "bitshuffle_lz4")


def _image(height: int, width: int, dtype: str, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 200, size=(height, width)).astype(dtype)


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 70),
    width=st.integers(1, 300),  # odd sizes: a short last block and a raw tail of < 8 values
    dtype=st.sampled_from(["<u2", ">u2", "<f4", "u1", ">i8"]),
    compression=st.sampled_from(COMPRESSIONS),
    data=st.data(),
)
def test_rows_equal_the_whole_image(
    height: int, width: int, dtype: str, compression: str, data: st.DataObject
) -> None:
    image = _image(height, width, dtype)
    message = Decoder().decode(encode_message(1, [("img", image)], compression=compression))
    lazy = message.image("img")
    assert lazy is not None and lazy.shape == (height, width)
    start = data.draw(st.integers(0, height - 1))
    stop = data.draw(st.integers(start + 1, height))
    np.testing.assert_array_equal(lazy.rows(start, stop), image[start:stop])
    np.testing.assert_array_equal(lazy.rows(0, height), image)
    np.testing.assert_array_equal(lazy.whole(), image)


@settings(max_examples=60, deadline=None)
@given(
    height=st.integers(1, 70),
    width=st.integers(1, 300),
    dtype=st.sampled_from(["<u2", ">u2", "<f4", "u1", ">i8"]),
    compression=st.sampled_from(COMPRESSIONS),
    data=st.data(),
)
def test_picked_rows_equal_the_whole_image_rows(
    height: int, width: int, dtype: str, compression: str, data: st.DataObject
) -> None:
    image = _image(height, width, dtype, seed=height * width)
    message = Decoder().decode(encode_message(1, [("img", image)], compression=compression))
    lazy = message.image("img")
    assert lazy is not None
    rows = sorted(data.draw(st.sets(st.integers(0, height - 1), max_size=height)))
    picked = lazy.picked_rows(rows)
    assert picked.shape == (len(rows), width)
    np.testing.assert_array_equal(picked, image[rows])


def test_picked_rows_over_long_runs_of_blocks_equal_the_image_rows() -> None:
    image = _image(256, 1024, "<u2", seed=5)  # 4096-element blocks: 4 rows each, 64 blocks
    message = Decoder().decode(encode_message(1, [("img", image)], compression="bitshuffle_lz4"))
    lazy = message.image("img")
    assert lazy is not None
    rows = [*range(0, 161), *range(170, 256, 2)]  # runs of 41 and 22 blocks, decoded in parts
    np.testing.assert_array_equal(lazy.picked_rows(rows), image[rows])


def test_picked_rows_in_a_corrupt_block_are_refused() -> None:
    image = _image(256, 1024, "<u2")  # 4096-element blocks: 4 rows each
    raw = encode_message(1, [("img", image)], compression="bitshuffle_lz4")
    damaged = bytearray(raw[2])
    damaged[-200:] = b"\xff" * 200  # the last block is garbage
    parts = [*raw[:2], bytes(damaged), raw[3]]
    lazy = Decoder(validate_sizes=False).decode(parts).image("img")
    assert lazy is not None
    np.testing.assert_array_equal(lazy.picked_rows([1, 9, 200]), image[[1, 9, 200]])
    with pytest.raises(ProtocolError) as caught:
        lazy.picked_rows([1, 255])
    assert caught.value.reason == "corrupt_compressed_data"


def test_only_the_blocks_under_the_rows_are_decoded() -> None:
    image = _image(256, 1024, "<u2")  # 4096-element blocks: 4 rows each
    raw = encode_message(1, [("img", image)], compression="bitshuffle_lz4")[2]
    damaged = bytearray(raw)
    damaged[-200:] = b"\xff" * 200  # the last block is garbage
    value = BitshuffleLz4Value(memoryview(bytes(damaged)), image.nbytes, np.dtype("<u2"))
    np.testing.assert_array_equal(value.elements(0, 8 * 1024), image[:8].ravel())
    with pytest.raises(ProtocolError) as caught:
        value.elements(250 * 1024, 256 * 1024)
    assert caught.value.reason == "corrupt_compressed_data"


def test_a_size_that_does_not_match_the_shape_is_refused() -> None:
    parts = encode_message(1, [("img", _image(10, 10, "<u2"))], compression="bitshuffle_lz4")
    other = encode_message(1, [("img", _image(10, 11, "<u2"))], compression="bitshuffle_lz4")
    message = Decoder(validate_sizes=False).decode([*parts[:2], other[2], parts[3]])
    with pytest.raises(ProtocolError) as caught:
        message.image("img")
    assert caught.value.reason == "value_size_mismatch"


def _block_prefixes(raw: bytes, n_blocks: int) -> list[int]:
    """Where each block's 4-byte compressed length starts."""
    offsets, position = [], 12
    for _ in range(n_blocks):
        offsets.append(position)
        position += 4 + int.from_bytes(raw[position : position + 4], "big")
    return offsets


@pytest.mark.parametrize(
    "damage",
    ["truncated", "padded", "longer_block", "shorter_block", "last_block_length", "no_tail"],
)
def test_a_broken_block_chain_anywhere_is_found_before_any_block_is_decoded(damage: str) -> None:
    image = _image(256, 1023, "<u2")  # a short last block and a 7-value raw tail
    raw = encode_message(1, [("img", image)], compression="bitshuffle_lz4")[2]
    value = BitshuffleLz4Value(memoryview(raw), image.nbytes, np.dtype("<u2"))
    value.check_structure()  # intact: no complaint
    prefixes = _block_prefixes(raw, value.n_blocks)
    damaged = bytearray(raw)

    def add_to_length(block: int, delta: int) -> None:
        at = prefixes[block]
        length = int.from_bytes(damaged[at : at + 4], "big") + delta
        damaged[at : at + 4] = length.to_bytes(4, "big")

    if damage == "truncated":
        del damaged[-1:]
    elif damage == "padded":
        damaged += b"\x00"
    elif damage == "longer_block":
        add_to_length(value.n_blocks // 2, 1)
    elif damage == "shorter_block":
        add_to_length(value.n_blocks // 2, -3)
    elif damage == "last_block_length":
        add_to_length(value.n_blocks - 1, 7 * 2)  # swallows the raw tail exactly
    else:
        del damaged[-7 * 2 :]
    broken = BitshuffleLz4Value(memoryview(bytes(damaged)), image.nbytes, np.dtype("<u2"))
    with pytest.raises(ProtocolError) as caught:
        broken.check_structure()
    assert caught.value.reason == "corrupt_compressed_data"


def test_a_lazy_image_with_a_broken_chain_is_refused_at_once() -> None:
    image = _image(64, 1024, "<u2")
    parts = encode_message(1, [("img", image)], compression="bitshuffle_lz4")
    message = Decoder(validate_sizes=False).decode([*parts[:2], parts[2][:-5], parts[3]])
    with pytest.raises(ProtocolError) as caught:
        message.image("img")
    assert caught.value.reason == "corrupt_compressed_data"


def test_payload_damage_outside_the_rois_with_an_intact_chain_is_not_seen() -> None:
    """The documented limit: without a checksum, only decoding a block finds damage in it."""
    image = _image(256, 1024, "<u2")
    raw = encode_message(1, [("img", image)], compression="bitshuffle_lz4")[2]
    damaged = bytearray(raw)
    damaged[-200:] = b"\xff" * 200  # inside the last block's payload; every length intact
    value = BitshuffleLz4Value(memoryview(bytes(damaged)), image.nbytes, np.dtype("<u2"))
    value.check_structure()
    np.testing.assert_array_equal(value.elements(0, 4096), image[:4].ravel())
    with pytest.raises(ProtocolError):
        value.elements(255 * 1024, 256 * 1024)


class _CountingReads:
    """Stands in for the block walk's size-prefix reader and counts its reads."""

    def __init__(self) -> None:
        self.reads = 0
        self._real = struct.Struct(">I")

    def unpack_from(self, buffer: Any, offset: int = 0) -> tuple[Any, ...]:
        self.reads += 1
        return self._real.unpack_from(buffer, offset)


def test_the_block_chain_is_walked_once_for_the_whole_image(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The lazy image walks the chain when it is made; its rows and its whole image decode from
    the offsets found then (formerly ``whole()`` walked the chain a second time)."""
    image = _image(256, 1023, "<u2")
    parts = encode_message(1, [("img", image)], compression="bitshuffle_lz4")
    counting = _CountingReads()
    monkeypatch.setattr(bitshuffle_lz4, "_UINT32_BE", counting)
    lazy = Decoder().decode(parts).image("img")
    assert lazy is not None
    n_blocks = BitshuffleLz4Value(memoryview(parts[2]), image.nbytes, image.dtype).n_blocks
    assert counting.reads == n_blocks
    np.testing.assert_array_equal(lazy.rows(100, 140), image[100:140])
    np.testing.assert_array_equal(lazy.whole(), image)
    np.testing.assert_array_equal(lazy.picked_rows([0, 9, 255]), image[[0, 9, 255]])
    assert counting.reads == n_blocks


@pytest.mark.parametrize("damage", ["runs_past", "cut_prefix"])
def test_a_partial_walk_refuses_a_chain_that_leaves_the_value(damage: str) -> None:
    """Decoding some rows walks the chain only up to them, with the same bounds: a block that
    runs past the end, or a size prefix cut off by the end, is found before anything is
    decoded; the blocks before it still decode."""
    image = _image(256, 1024, "<u2")  # 4096-element blocks: 64 of them
    raw = encode_message(1, [("img", image)], compression="bitshuffle_lz4")[2]
    prefixes = _block_prefixes(raw, 64)
    damaged = bytearray(raw)
    if damage == "runs_past":
        damaged[prefixes[40] : prefixes[40] + 4] = (len(raw)).to_bytes(4, "big")
    else:
        del damaged[prefixes[40] + 2 :]
    value = BitshuffleLz4Value(memoryview(bytes(damaged)), image.nbytes, np.dtype("<u2"))
    np.testing.assert_array_equal(value.elements(0, 4 * 1024), image[:4].ravel())
    with pytest.raises(ProtocolError, match="block 40") as caught:
        value.elements(200 * 1024, 201 * 1024)
    assert caught.value.reason == "corrupt_compressed_data"
    np.testing.assert_array_equal(
        value.elements(39 * 4096, 40 * 4096), image.ravel()[39 * 4096 : 40 * 4096]
    )
    with pytest.raises(ProtocolError, match="block 40"):
        value.check_structure()
