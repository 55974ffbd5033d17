"""Facts that never change once recorded (a patient's county, an admission's hospital), remembered per process.

No event changes such a fact, so once read it never needs reading again. A read inside a unit of work is not
kept: the aggregate it came from may be staged by the unit, not committed. At most `size_max` facts are kept;
the oldest is dropped first.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from service.unit_of_work import current_unit

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class FixedFacts(Generic[K, V]):
    def __init__(self, size_max: int) -> None:
        self.size_max = size_max
        self._facts: dict[K, V] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._facts

    def __getitem__(self, key: K) -> V:
        """A remembered fact (KeyError: not remembered)."""
        return self._facts[key]

    def lookup(self, key: K, read: Callable[[K], V | None]) -> V | None:
        """The remembered fact, else `read(key)` (remembered unless None or read in a unit of work)."""
        known = self._facts.get(key)
        if known is not None:
            return known
        found = read(key)
        if found is not None:
            self.remember(key, found)
        return found

    def remember(self, key: K, value: V) -> None:
        """Keep a fact this process has just recorded or read (not inside a unit of work)."""
        if current_unit() is not None:
            return
        if len(self._facts) >= self.size_max:
            self._facts.pop(next(iter(self._facts), key), None)  # the oldest
        self._facts[key] = value
