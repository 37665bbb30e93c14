"""LruCache, the one cache of the codec (data headers, output layouts, forwarded layouts)."""

from __future__ import annotations

import pytest

from psen_processing.codec import Decoder
from psen_processing.codec.lru import LruCache
from psen_processing.sim.messages import encode_message


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache["a"] == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert "b" not in cache and cache["a"] == 1 and cache["c"] == 3
    assert len(cache) == 2


def test_a_cost_bound_drops_old_entries_and_refuses_one_too_costly_alone() -> None:
    cache: LruCache[str, str] = LruCache(10, max_cost=100)
    cache.put("a", "A", cost=60)
    cache.put("b", "B", cost=30)
    cache.put("c", "C", cost=30)  # 120 > 100: "a" goes
    assert "a" not in cache and cache.cost == 60
    cache.put("huge", "H", cost=101)
    assert "huge" not in cache and len(cache) == 2 and cache.cost == 60
    cache.put("b", "B2", cost=10)  # replaced, its cost with it
    assert cache["b"] == "B2" and cache.cost == 40


def test_a_none_value_is_held_and_told_apart_from_a_miss() -> None:
    cache: LruCache[str, int | None] = LruCache(1)
    cache.put("none", None)
    assert cache["none"] is None
    with pytest.raises(KeyError):
        cache["other"]


def test_the_decoder_keeps_data_headers_within_its_bounds() -> None:
    decoder = Decoder(cache_size=2)
    for value in range(5):  # five data headers: another channel name each time
        decoder.decode(encode_message(value, [(f"CH{value}", 1.0)]))
    assert len(decoder._headers) == 2
    small = Decoder(cache_bytes=10)  # every header is larger: none is kept
    small.decode(encode_message(0, [("CH", 1.0)]))
    assert len(small._headers) == 0
