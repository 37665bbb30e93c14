"""Issue 16, item 4: invalid ROIs are refused with the words 1.x scripts match on ("ROI
offsets", "ROI sizes", "exactly 4 elements", "must be an instance of a list"), in a message that
also names the ROI and its values, and nothing changes."""

from __future__ import annotations

import pytest
import requests

from .conftest import Legacy


@pytest.mark.parametrize(
    ("roi", "words", "values"),
    [
        ([-1, -1, -1, -1], "ROI offsets", "offset_x=-1"),  # offsets are checked first
        ([0, 0, -1, 1], "ROI offsets", "offset_y=-1"),
        ([-5, 10, 0, 10], "ROI offsets", "offset_x=-5"),
        ([0, 0, 0, 10], "ROI sizes", "size_x=0"),
        ([0, 10, 0, -3], "ROI sizes", "size_y=-3"),
        ([0, 10, 0], "exactly 4 elements", "[0, 10, 0]"),
        ([0, 10, 0, 10, 5], "exactly 4 elements", "[0, 10, 0, 10, 5]"),
        ("0,10,0,10", "must be an instance of a list", "'0,10,0,10'"),
        (7, "must be an instance of a list", "7"),
        ({"offset_x": 0}, "must be an instance of a list", "offset_x"),
    ],
)
@pytest.mark.parametrize("name", ["roi_signal", "roi_background"])
def test_invalid_roi_messages_carry_the_words_of_1x(
    legacy: Legacy, name: str, roi: object, words: str, values: str
) -> None:
    client = legacy.client
    setter = client.set_roi_signal if name == "roi_signal" else client.set_roi_background
    getter = client.get_roi_signal if name == "roi_signal" else client.get_roi_background
    setter([1, 2, 3, 4])
    with pytest.raises(ValueError, match=words) as info:
        setter(roi)
    assert name in str(info.value) and values in str(info.value), info.value
    answer = requests.post(f"{legacy.url}/{name}", json=roi)
    assert answer.status_code == 400
    assert answer.json()["state"] == "error" and words in answer.json()["status"]
    assert getter() == [1, 2, 3, 4]
