"""A small least-recently-used cache, bounded by entries and optionally by their summed cost."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["LruCache"]

K = TypeVar("K")
V = TypeVar("V")


class LruCache(Generic[K, V]):
    """At most ``max_items`` entries and, if given, ``max_cost`` of their costs (e.g. bytes held);
    the least recently used go first. An entry that costs more than ``max_cost`` alone is not
    kept. Values may be None.
    """

    __slots__ = ("_costs", "_max_cost", "_max_items", "_values", "cost")

    def __init__(self, max_items: int, max_cost: int | None = None) -> None:
        self._values: OrderedDict[K, V] = OrderedDict()
        self._costs: dict[K, int] = {}
        self._max_items = max_items
        self._max_cost = max_cost
        self.cost = 0
        """The summed cost of the entries held."""

    def __getitem__(self, key: K) -> V:
        """The value for ``key``, now the most recently used; KeyError if there is none (a hit
        costs two dict operations and no comparison: this is on the per-frame path)."""
        values = self._values
        values.move_to_end(key)
        return values[key]

    def put(self, key: K, value: V, cost: int = 0) -> None:
        """Hold ``value`` for ``key`` as the most recently used, dropping the least recently
        used entries beyond the bounds."""
        max_cost = self._max_cost
        if max_cost is not None and cost > max_cost:
            return
        values, costs = self._values, self._costs
        if key in values:
            del values[key]
            self.cost -= costs.pop(key)
        values[key] = value
        costs[key] = cost
        self.cost += cost
        while len(values) > self._max_items or (max_cost is not None and self.cost > max_cost):
            oldest = values.popitem(last=False)[0]
            self.cost -= costs.pop(oldest)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, key: object) -> bool:
        return key in self._values
