"""Issue 16, item 3: a profile keeps numpy's sum type, as 1.x's ``image.sum(0)`` over the ROI
gave it: unsigned integers sum to uint64, signed ones to int64, float32 stays float32 and float64
float64, read from the output stream with psi-bsread. Integer sums are exact."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from ..conftest import IMAGE, wait_until
from .conftest import Legacy, receive

SIGNAL = f"{IMAGE}.roi_signal_x_profile"
BACKGROUND = f"{IMAGE}.roi_background_x_profile"
ROI_SIGNAL = [3, 40, 2, 20]
ROI_BACKGROUND = [0, 50, 0, 4]


def _image(dtype: str, rng: np.random.Generator) -> npt.NDArray[Any]:
    kind = np.dtype(dtype)
    if kind.kind == "f":
        return rng.normal(100.0, 30.0, size=(24, 50)).astype(kind)
    info = np.iinfo(kind)
    return rng.integers(info.min, info.max, size=(24, 50), endpoint=True).astype(kind)


def _window(image: npt.NDArray[Any], roi: list[int]) -> npt.NDArray[Any]:
    ox, sx, oy, sy = roi
    return image[oy : oy + sy, ox : ox + sx]


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        ("uint8", "uint64"),
        ("uint16", "uint64"),
        (">u2", "uint64"),
        ("uint32", "uint64"),
        ("int8", "int64"),
        ("int16", "int64"),
        ("int32", "int64"),
        ("float32", "float32"),
        (">f4", "float32"),
        ("float64", "float64"),
    ],
)
def test_profiles_have_the_type_of_numpys_sum(legacy: Legacy, dtype: str, expected: str) -> None:
    rng = np.random.default_rng(sum(map(ord, dtype)))
    legacy.client.set_roi_signal(ROI_SIGNAL)
    legacy.client.set_roi_background(ROI_BACKGROUND)
    legacy.client.start()
    receiver = legacy.receiver()
    for pulse_id in range(3):
        image = _image(dtype, rng)
        legacy.send(pulse_id, image)
        data = receive(receiver).data
        for name, roi in ((SIGNAL, ROI_SIGNAL), (BACKGROUND, ROI_BACKGROUND)):
            profile = np.asarray(data[name].value)
            numpy_sum = _window(image, roi).sum(0)  # what 1.x sent
            assert numpy_sum.dtype == np.dtype(expected)
            assert profile.dtype == numpy_sum.dtype, (name, profile.dtype)
            if profile.dtype.kind == "f":  # here summed in float64, then rounded once
                exact = _window(image, roi).astype(np.float64).sum(0).astype(profile.dtype)
                np.testing.assert_array_equal(profile, exact)
                np.testing.assert_allclose(profile, numpy_sum, rtol=1e-5)
            else:
                np.testing.assert_array_equal(profile, numpy_sum)


@pytest.mark.parametrize("dtype", ["uint64", "int64", ">u8", ">i8"])
def test_64_bit_integer_sums_stay_exact_integers(legacy: Legacy, dtype: str) -> None:
    # 2**55 + 1 in 4 rows: 2**57 + 4 needs 58 bits, more than a float64 holds exactly
    image = np.full((4, 6), 2**55 + 1, dtype=dtype)
    image[:, 1] = 7
    legacy.client.set_roi_signal([0, 6, 0, 4])
    legacy.client.start()
    receiver = legacy.receiver()
    legacy.send(0, image)
    profile = np.asarray(receive(receiver).data[SIGNAL].value)
    assert profile.dtype == np.dtype(dtype).newbyteorder("=")
    assert [int(v) for v in profile] == [2**57 + 4, 28, *[2**57 + 4] * 4]
    statistics = legacy.client.get_statistics()
    assert statistics["profile_problems"] == {}


def test_a_change_of_image_type_changes_the_profile_type_with_it(legacy: Legacy) -> None:
    legacy.client.set_roi_signal([0, 4, 0, 2])
    legacy.client.start()
    receiver = legacy.receiver()
    for pulse_id, dtype in enumerate(["uint16", "float32", "int16", "uint16"]):
        legacy.send(pulse_id, np.full((2, 4), 3, dtype=dtype))
        message = receive(receiver)
        profile = np.asarray(message.data[SIGNAL].value)
        assert profile.dtype == np.ones((2, 4), dtype=dtype).sum(0).dtype
        assert profile.tolist() == [6, 6, 6, 6]
        assert json.loads(message.data[f"{IMAGE}.processing_parameters"].value)["roi_signal"]
    wait_until(lambda: legacy.client.get_statistics()["image_dtype"] == "uint16")
