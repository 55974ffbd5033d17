"""A repository whose projector skips the library's per-event Protocol assert.

eventsourcing 9.5.6's default `project_aggregate` runs a runtime_checkable isinstance check on
every event, about 60 % of `repository.get()` time (eventsourcing-notes §1.2).
"""

from __future__ import annotations

from collections.abc import Iterable
from copy import deepcopy
from typing import Any

from eventsourcing.application import AggregateNotFoundError, Repository

from service.unit_of_work import current_unit


def fast_project(aggregate: Any, domain_events: Iterable[Any]) -> Any:
    for domain_event in domain_events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class FastRepository(Repository):  # type: ignore[type-arg]
    """Inside a unit of work (service.unit_of_work), the latest version of an aggregate is the unit's copy,
    and an id the unit found absent (read in bulk, or asked for once) is not asked for again: a batch's
    settlements ask for the county-year's close and the region's catalogue register, usually absent, once
    per batch instead of once per command. A concurrent creator of an id the unit creates still collides
    on the events' primary key at commit; the unit's reads of others are as of their first read.

    `id in repository` asks for one event of the id (one query; none when the aggregate is cached, since
    events are never deleted), not for the whole aggregate with its snapshot. `get_unsnapshotted` reads an
    aggregate that is never snapshotted (registers, year closes) without asking the snapshot store first.
    """

    def __contains__(self, aggregate_id: Any) -> bool:
        unit = current_unit()
        if unit is not None:
            if unit.get(aggregate_id) is not None:
                return True
            if unit.known_absent(aggregate_id):
                return False
        if self.cache is not None:
            try:
                self.cache.get(aggregate_id)
            except KeyError:
                pass
            else:
                return True
        return bool(self.event_store.recorder.select_events(aggregate_id, limit=1))

    def get_unsnapshotted(self, aggregate_id: Any) -> Any:
        """The latest version of an aggregate type that is never snapshotted: a cache miss is one query."""
        if current_unit() is not None or self.cache is None:
            return self.get(aggregate_id)
        try:
            self.cache.get(aggregate_id)
        except KeyError:
            aggregate = fast_project(None, self.event_store.get(aggregate_id))
            if aggregate is None:
                raise AggregateNotFoundError(aggregate_id) from None
            self.cache.put(aggregate_id, aggregate)
            return deepcopy(aggregate)
        return self.get(aggregate_id)

    def get(
        self, aggregate_id: Any, *, version: int | None = None, projector_func: Any = fast_project, **kwargs: Any
    ) -> Any:
        unit = current_unit() if version is None else None
        if unit is not None:
            known = unit.get(aggregate_id)
            if known is not None:
                return known
            if unit.known_absent(aggregate_id):  # a bulk read found no events (service.stream_reads)
                raise AggregateNotFoundError(aggregate_id)
        try:
            aggregate = super().get(aggregate_id, version=version, projector_func=projector_func, **kwargs)
        except AggregateNotFoundError:
            if unit is not None:  # asked once per unit: its commands see the store as it was when first read
                unit.absent.add(aggregate_id)
            raise
        return unit.remember(aggregate) if unit is not None else aggregate
