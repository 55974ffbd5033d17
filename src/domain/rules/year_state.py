"""Year-to-date accumulators of one patient-year, carried from settlement to settlement.

Keys are named `<layer>.<quantity>` (e.g. `cii.base`, `cii.paid`, `b351.counted`).
The state is immutable; each layer returns a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from domain.money import ZERO


@dataclass(frozen=True)
class YearState:
    amounts: Mapping[str, Decimal] = field(default_factory=lambda: MappingProxyType({}))
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def amount(self, key: str) -> Decimal:
        return self.amounts.get(key, ZERO)

    def label(self, key: str) -> str | None:
        return self.labels.get(key)

    def with_amounts(self, updates: Mapping[str, Decimal]) -> YearState:
        return YearState(MappingProxyType({**self.amounts, **updates}), self.labels)

    def with_label(self, key: str, value: str) -> YearState:
        return YearState(self.amounts, MappingProxyType({**self.labels, key: value}))

    def to_dict(self) -> dict[str, Any]:
        return {"amounts": dict(sorted(self.amounts.items())), "labels": dict(sorted(self.labels.items()))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> YearState:
        return cls(
            MappingProxyType({k: Decimal(v) for k, v in data["amounts"].items()}),
            MappingProxyType(dict(data["labels"])),
        )
