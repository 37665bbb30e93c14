"""ROI rules (parse_roi, check_roi_fits, roi_to_json) and the X profile, checked against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psen_processing.core.limits import MAX_ROI_OFFSET, MAX_ROI_SIZE
from psen_processing.core.roi import (
    EMPTY_ROI,
    Roi,
    check_roi_fits,
    exact_column_sums,
    parse_roi,
    profile_dtype,
    roi_to_json,
    roi_x_profile,
)
from psen_processing.errors import InvalidRoi, PsenError

# --- parse_roi: what switches a ROI off, and how it is reported back ---------------------------


@pytest.mark.parametrize("raw", [None, [], ()])
def test_off_values_are_reported_back_as_empty_lists(raw: object) -> None:
    parsed = parse_roi(raw, "roi_signal")
    assert parsed == EMPTY_ROI
    assert not isinstance(parsed, Roi)
    assert roi_to_json(parsed) == []


def test_a_none_roi_reads_as_off() -> None:
    # settings of earlier versions held None for a ROI that is off; 1.x showed []
    assert roi_to_json(None) == []


@pytest.mark.parametrize(
    "raw", [[0, 1, 0, 1], [10, 300, 20, 40], (3, 4, 5, 6), [10.0, 20.0, 0.0, 1.0]]
)
def test_valid_roi_round_trips(raw: list[float]) -> None:
    parsed = parse_roi(raw)
    assert isinstance(parsed, Roi)
    as_json = roi_to_json(parsed)
    assert as_json == [int(v) for v in raw]
    assert all(type(v) is int for v in as_json or [])
    assert (parsed.offset_x, parsed.size_x, parsed.offset_y, parsed.size_y) == tuple(as_json or [])
    assert parse_roi(as_json) == parsed


def test_a_roi_object_is_accepted_as_is() -> None:
    roi = Roi(1, 2, 3, 4)
    assert parse_roi(roi) is roi


# --- parse_roi: errors name the ROI and the problem ---------------------------------------------


@pytest.mark.parametrize(
    ("raw", "keywords"),
    [
        ([1, 2, 3], ["exactly 4", "3 were given"]),
        ([1], ["exactly 4"]),
        ([1, 2, 3, 4, 5], ["exactly 4", "5 were given"]),
        ([-1, 10, 0, 10], ["ROI offsets", "offset_x=-1"]),
        ([0, 10, -5, 10], ["ROI offsets", "offset_y=-5"]),
        ([0, 0, 0, 10], ["ROI sizes", "size_x=0"]),
        ([0, 10, 0, -3], ["ROI sizes", "size_y=-3"]),
        ([0, "10", 0, 10], ["integer", "size_x"]),
        ([True, 10, 0, 10], ["integer", "offset_x"]),
        ([0, 10, False, 10], ["integer", "offset_y"]),
        ([0, 10, 0, 1.5], ["integer", "size_y"]),
        ([0, None, 0, 10], ["integer", "size_x"]),
        ([0, 10, float("nan"), 10], ["integer", "offset_y"]),
        ([0, float("inf"), 0, 10], ["integer", "size_x"]),
        ([[0], 10, 0, 10], ["integer", "offset_x"]),
        ("0,10,0,10", ["must be an instance of a list"]),
        (5, ["must be an instance of a list"]),
        ({"offset_x": 0}, ["must be an instance of a list"]),
    ],
)
@pytest.mark.parametrize("roi_name", ["roi_signal", "roi_background"])
def test_invalid_roi_message_names_roi_and_problem(
    raw: object, keywords: list[str], roi_name: str
) -> None:
    with pytest.raises(InvalidRoi) as info:
        parse_roi(raw, roi_name)
    message = str(info.value)
    assert roi_name in message
    for keyword in keywords:
        assert keyword in message
    # one exception root, and a ValueError for callers that only know the standard library
    assert isinstance(info.value, PsenError)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("raw", [[-1, 0, 0, 0], [0, 0, -1, 0], [-1, -1, -1, -1]])
def test_negative_offset_checked_before_size(raw: list[int]) -> None:
    with pytest.raises(InvalidRoi, match="ROI offsets"):
        parse_roi(raw)


# --- check_roi_fits ---------------------------------------------------------------------------


@pytest.mark.parametrize(("height", "width"), [(1, 1), (40, 60), (480, 640)])
def test_roi_covering_the_whole_image_fits(height: int, width: int) -> None:
    check_roi_fits(Roi(0, width, 0, height), height, width, "roi_signal")


@pytest.mark.parametrize(
    ("roi", "field"),
    [
        (Roi(0, 61, 0, 40), "offset_x + size_x = 61"),
        (Roi(1, 60, 0, 40), "offset_x + size_x = 61"),
        (Roi(0, 60, 0, 41), "offset_y + size_y = 41"),
        (Roi(0, 60, 1, 40), "offset_y + size_y = 41"),
        (Roi(60, 1, 0, 1), "offset_x + size_x = 61"),
    ],
)
def test_one_pixel_over_does_not_fit(roi: Roi, field: str) -> None:
    with pytest.raises(InvalidRoi) as info:
        check_roi_fits(roi, 40, 60, "roi_background")
    message = str(info.value)
    assert "roi_background" in message
    assert "exceed the image size" in message
    assert "60 wide and 40 high" in message
    assert field in message


@pytest.mark.parametrize("roi", [None, EMPTY_ROI])
def test_switched_off_roi_always_fits(roi: object) -> None:
    check_roi_fits(roi, 1, 1)  # type: ignore[arg-type]


# --- roi_x_profile against numpy ---------------------------------------------------------------


def _reference_profile(image: np.ndarray, roi: Roi) -> np.ndarray:
    window = image[
        roi.offset_y : roi.offset_y + roi.size_y, roi.offset_x : roi.offset_x + roi.size_x
    ]
    # Python integers / exact float64 sums, column by column: an independent truth
    return np.array(
        [sum(float(v) for v in window[:, col].tolist()) for col in range(window.shape[1])],
        dtype=np.float64,
    )


def _random_image(rng: np.random.Generator, dtype: str, shape: tuple[int, int]) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        return rng.normal(0, 1000, size=shape).astype(dt)
    info = np.iinfo(dt)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dt)


@pytest.mark.parametrize(
    ("dtype", "sum_type"),
    [
        ("<u1", "uint64"),
        ("<i1", "int64"),
        ("<u2", "uint64"),
        (">u2", "uint64"),
        ("<i2", "int64"),
        (">i4", "int64"),
        ("<u4", "uint64"),
        ("<f4", "float32"),
        (">f4", "float32"),
        ("<f8", "float64"),
        (">f8", "float64"),
        ("?", "int64"),
    ],
)
def test_profile_has_numpys_sum_type_and_the_exact_sums(dtype: str, sum_type: str) -> None:
    rng = np.random.default_rng(sum(map(ord, dtype)))
    image = (
        rng.integers(0, 2, size=(50, 70)).astype(bool)
        if dtype == "?"
        else _random_image(rng, dtype, (50, 70))
    )
    roi = Roi(5, 60, 3, 40)
    profile = roi_x_profile(image, roi)
    window = image[3:43, 5:65]
    assert profile.dtype == window.sum(axis=0).dtype == np.dtype(sum_type)  # as 1.x sent it
    assert profile.dtype == profile_dtype(image.dtype)
    assert profile.dtype.isnative and profile.flags.c_contiguous
    assert profile.shape == (60,)
    if profile.dtype.kind in "iu":
        np.testing.assert_array_equal(profile, window.sum(axis=0))
        assert profile.tolist() == [sum(int(v) for v in c) for c in window.T.tolist()]
    else:  # summed in float64, rounded once to the image's float type
        expected = window.astype(np.float64).sum(axis=0)
        np.testing.assert_array_equal(profile, expected.astype(profile.dtype))
    np.testing.assert_allclose(profile, _reference_profile(image, roi), rtol=1e-6)


def test_uint16_near_max_does_not_overflow() -> None:
    image = np.full((1000, 8), 65535, dtype=np.uint16)
    image[0, 0] = 65534
    profile = roi_x_profile(image, Roi(0, 8, 0, 1000))
    expected = np.full(8, 65535 * 1000, dtype=np.uint64)
    expected[0] -= 1
    np.testing.assert_array_equal(profile, expected)
    assert profile.dtype == np.uint64 and profile[1] > np.iinfo(np.uint16).max


def test_uint32_near_max_over_the_largest_roi_is_exact() -> None:
    window = np.full((65536, 2), 2**32 - 1, dtype=np.uint32)
    profile, fits = exact_column_sums(window)
    assert fits and profile.dtype == np.uint64
    assert profile.tolist() == [(2**32 - 1) * 65536] * 2  # over 2**53: exact as an integer


def test_int8_negative_values_sum_exactly() -> None:
    image = np.full((300, 4), -128, dtype=np.int8)
    image[:, 1] = 127
    profile = roi_x_profile(image, Roi(0, 4, 0, 300))
    assert profile.dtype == np.int64
    assert profile.tolist() == [-38400, 38100, -38400, -38400]


def test_big_endian_gives_same_profile_as_little_endian() -> None:
    rng = np.random.default_rng(3)
    little = rng.integers(0, 65535, size=(30, 40), dtype=np.uint16)
    big = little.astype(">u2")
    roi = Roi(2, 30, 4, 20)
    np.testing.assert_array_equal(roi_x_profile(big, roi), roi_x_profile(little, roi))
    np.testing.assert_array_equal(roi_x_profile(big, roi), _reference_profile(little, roi))


def test_profile_of_a_single_pixel_roi() -> None:
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(roi_x_profile(image, Roi(3, 1, 2, 1)), [11.0])


# --- hypothesis over ROI bounds -----------------------------------------------------------------


@st.composite
def image_and_roi(draw: st.DrawFn) -> tuple[int, int, list[int]]:
    height = draw(st.integers(1, 40))
    width = draw(st.integers(1, 40))
    roi = [
        draw(st.integers(0, width + 2)),
        draw(st.integers(1, width + 2)),
        draw(st.integers(0, height + 2)),
        draw(st.integers(1, height + 2)),
    ]
    return height, width, roi


@settings(max_examples=200, deadline=None)
@given(image_and_roi(), st.sampled_from(["<u2", ">u2", "<i1", "<f4"]))
def test_fits_and_profile_match_numpy(case: tuple[int, int, list[int]], dtype: str) -> None:
    height, width, raw = case
    ox, sx, oy, sy = raw
    roi = parse_roi(raw, "roi_signal")
    assert isinstance(roi, Roi)
    inside = ox + sx <= width and oy + sy <= height
    assert roi.fits(height, width) == inside
    if not inside:
        with pytest.raises(InvalidRoi, match="exceed the image size"):
            check_roi_fits(roi, height, width, "roi_signal")
        return
    check_roi_fits(roi, height, width, "roi_signal")
    rng = np.random.default_rng(ox * 1000 + sx * 100 + oy * 10 + sy)
    image = _random_image(rng, dtype, (height, width))
    profile = roi_x_profile(image, roi)
    assert profile.shape == (sx,)
    window = image[oy : oy + sy, ox : ox + sx]
    assert profile.dtype == window.sum(axis=0).dtype
    expected = window.astype(np.float64).sum(axis=0)
    np.testing.assert_allclose(profile, expected, rtol=1e-6, atol=1e-3)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(-5, 5),
            st.sampled_from([65535, 65536, 65537, 65536.0, 2**62, -(2**62)]),
            st.floats(allow_nan=True),
            st.booleans(),
            st.text(),
        ),
        min_size=4,
        max_size=4,
    )
)
def test_parse_roi_accepts_exactly_the_valid_quadruples(raw: list[object]) -> None:
    def valid_number(v: object) -> bool:
        return (
            not isinstance(v, bool)
            and isinstance(v, int | float)
            and float(v) == float(v)  # not NaN
            and float(v) not in (float("inf"), float("-inf"))
            and float(v).is_integer()
        )

    numeric = all(valid_number(v) for v in raw)
    ok = (
        numeric
        and 0 <= raw[0] <= MAX_ROI_OFFSET  # type: ignore[operator]
        and 0 <= raw[2] <= MAX_ROI_OFFSET  # type: ignore[operator]
        and 0 < raw[1] <= MAX_ROI_SIZE  # type: ignore[operator]
        and 0 < raw[3] <= MAX_ROI_SIZE  # type: ignore[operator]
    )
    if ok:
        assert roi_to_json(parse_roi(raw)) == [int(v) for v in raw]  # type: ignore[call-overload]
    else:
        with pytest.raises(InvalidRoi):
            parse_roi(raw)


# --- exact column sums: 64-bit integers never wrap -----------------------------------------------

_INT64 = st.integers(-(2**63), 2**63 - 1)
_UINT64 = st.integers(0, 2**64 - 1)


@st.composite
def _wide_windows(draw: st.DrawFn) -> tuple[np.ndarray, list[list[int]]]:
    signed = draw(st.booleans())
    rows, cols = draw(st.integers(1, 6)), draw(st.integers(1, 4))
    # values near the ends of the range as well as small ones
    value = _INT64 if signed else _UINT64
    values = draw(st.lists(st.lists(value, min_size=cols, max_size=cols), min_size=rows,
                           max_size=rows))  # fmt: skip
    order = draw(st.sampled_from("<>"))
    return np.array(values, dtype=f"{order}{'i8' if signed else 'u8'}"), values


@given(_wide_windows())
@settings(max_examples=300, deadline=None)
def test_64_bit_column_sums_are_exact_or_correctly_rounded_never_wrapped(
    case: tuple[np.ndarray, list[list[int]]],
) -> None:
    window, values = case
    exact = [sum(column) for column in zip(*values, strict=True)]
    profile, fits = exact_column_sums(window)
    info = np.iinfo(window.dtype)
    assert fits == all(info.min <= v <= info.max for v in exact)
    if fits:  # numpy's sum type, the exact sums
        assert profile.dtype == window.dtype.newbyteorder("=")
        assert profile.tolist() == exact
    else:  # beyond 64 bits: float64, correctly rounded (Python rounds ints correctly)
        assert profile.dtype == np.float64
        assert profile.tolist() == [float(v) for v in exact]


@pytest.mark.parametrize(
    ("dtype", "rows", "expected", "fits"),
    [
        ("<i8", 4, [2.0**64] * 2, False),
        (">u8", 4, [2.0**64] * 2, False),  # 2**64 is one beyond uint64
        ("<u8", 3, [3 * 2**62] * 2, True),  # beyond int64, inside uint64
        (">i8", 1, [2**62] * 2, True),
        ("<i8", 2, [2.0**63] * 2, False),  # one beyond int64
        ("<u8", 2, [2**63] * 2, True),
    ],
)
def test_rows_of_2_to_the_62_never_wrap(
    dtype: str, rows: int, expected: list[float], fits: bool
) -> None:
    profile, fitted = exact_column_sums(np.full((rows, 2), 2**62, dtype=dtype))
    assert fitted == fits
    assert profile.tolist() == expected
    assert profile.dtype == (np.dtype(dtype).newbyteorder("=") if fits else np.float64)


@given(
    st.sampled_from(["u1", "i1", "u2", "i2", "u4", "i4", "?"]),
    st.integers(1, 5),
    st.integers(0, 2**32),
)
@settings(max_examples=100, deadline=None)
def test_narrow_column_sums_are_exact(dtype: str, cols: int, seed: int) -> None:
    info = np.iinfo(dtype) if dtype != "?" else None
    rng = np.random.default_rng(seed)
    low, high = (0, 2) if info is None else (int(info.min), int(info.max) + 1)
    window = rng.integers(low, high, size=(7, cols), dtype=np.int64).astype(dtype)
    profile, fits = exact_column_sums(window)
    assert profile.tolist() == [sum(int(v) for v in c) for c in window.T.tolist()]
    assert profile.dtype == window.sum(axis=0).dtype
    assert fits
