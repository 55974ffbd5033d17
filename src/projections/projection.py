"""A projection: named tables plus deterministic handlers, one or more per event topic.

Handlers are pure functions of the events (and of the projection's own tables): no clock, no
ledger reads. So a run that follows the log in small batches and a rebuild from scratch in
large ones leave identical tables.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from projections.tables import Table, fingerprint
from projections.view import View

Handler = Callable[[View, Any], None]


def merge(*handler_maps: Mapping[str, Handler]) -> dict[str, tuple[Handler, ...]]:
    """Combine topic -> handler maps; handlers of one topic run in the order given."""
    out: dict[str, tuple[Handler, ...]] = {}
    for handlers in handler_maps:
        for topic, handler in handlers.items():
            out[topic] = out.get(topic, ()) + (handler,)
    return out


@dataclass(frozen=True)
class Projection:
    name: str
    tables: tuple[Table, ...]
    handlers: Mapping[str, tuple[Handler, ...]]
    version: int = 1  # bump when handler semantics change: the stored view is then stale
    description: str = ""
    topics: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "topics", frozenset(self.handlers))

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.tables, self.version)

    def handle(self, view: View, topic: str, domain_event: Any) -> None:
        for handler in self.handlers.get(topic, ()):
            handler(view, domain_event)
