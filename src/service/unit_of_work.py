"""A unit of work: many commands, one transaction.

Inside `unit_of_work()`, the repository hands every command the same in-memory aggregate (an
identity map), so a later command sees what an earlier one changed before anything is saved, and
`execute` stages each command's aggregates and CommandRecord instead of saving them. `commit`
then saves everything the unit touched in one atomic `save()`: all of it or none of it.

The batch endpoint (service.batch) and group commit (service.group_commit) are both built on it.
It is thread-local: each thread has at most one unit open.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent

_local = threading.local()


class UnitOfWork:
    """The aggregates (and CommandRecords) the unit's commands loaded or created, by id."""

    def __init__(self) -> None:
        self.aggregates: dict[UUID, Any] = {}
        self.absent: set[UUID] = set()  # ids read in bulk and found to have no events (no probe needed)

    def get(self, aggregate_id: UUID) -> Any | None:
        return self.aggregates.get(aggregate_id)

    def remember(self, aggregate: Any) -> Any:
        return self.aggregates.setdefault(aggregate.id, aggregate)

    def stage(self, *aggregates: Any) -> None:
        for aggregate in aggregates:
            known = self.aggregates.get(aggregate.id)
            if known is not None and known is not aggregate:  # a command must build on the unit's copy
                raise RuntimeError(f"two copies of aggregate {aggregate.id} in one unit of work")
            self.aggregates[aggregate.id] = aggregate

    def known_absent(self, aggregate_id: UUID) -> bool:
        """True if a bulk read of this unit found no events for the id and no command has created it since.

        A writer that creates it meanwhile collides on the events' primary key at commit."""
        return aggregate_id in self.absent and aggregate_id not in self.aggregates

    def staged(self) -> list[Any]:
        return list(self.aggregates.values())


def current_unit() -> UnitOfWork | None:
    unit: UnitOfWork | None = getattr(_local, "unit", None)
    return unit


@contextmanager
def unit_of_work(unit: UnitOfWork | None = None) -> Iterator[UnitOfWork]:
    """Open `unit` (default: a new one) in this thread."""
    if current_unit() is not None:
        raise RuntimeError("a unit of work is already open in this thread")
    unit = unit if unit is not None else UnitOfWork()
    _local.unit = unit
    try:
        yield unit
    finally:
        _local.unit = None


def commit(app: Any, unit: UnitOfWork) -> None:
    """Save every aggregate the unit touched in one atomic transaction (IntegrityError: nothing saved).

    What `Application.save(*aggregates)` does (record, snapshots, notify), without its two runtime
    Protocol checks per object (~25 us each): the unit holds aggregates only. A unit with no new event
    (a batch sent again: every command replayed) writes nothing and opens no transaction."""
    processing: ProcessingEvent[Any] = ProcessingEvent()
    for aggregate in unit.staged():
        processing.events.extend(aggregate.collect_events())
        processing.aggregates[aggregate.id] = aggregate
    if not processing.events:  # every command replayed: nothing to write, no transaction
        return
    recordings = app._record(processing)
    app._take_snapshots(processing)
    app._notify(recordings)
    app.notify(processing.events)


@contextmanager
def direct() -> Iterator[None]:
    """Run commands in this thread one by one, bypassing group commit (the committer's own fallback)."""
    _local.direct = True
    try:
        yield
    finally:
        _local.direct = False


def is_direct() -> bool:
    return bool(getattr(_local, "direct", False))
