"""Reading many aggregates in one query: a recalculation page, a batch's command records and aggregates.

`read_streams` asks the recorder for every event of each id at once (`select_streams` of the chained
recorders; one query per id on any other recorder). `prefetch` loads the aggregates into an open unit
of work (service.unit_of_work) so its commands read them from memory, and marks the ids that have no
events as known-absent, so a command's existence probe or command-record lookup costs no query. A
concurrent writer that creates one of them meanwhile still collides on the events' primary key at commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from service.repository import fast_project
from service.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


def read_streams(
    ledger: BenefitLedger, originator_ids: Sequence[UUID], *, links: bool = False
) -> dict[UUID, list[StoredEvent]]:
    """Every stored event of each id (ids without events are left out).

    `links`: the recorder also remembers each stream's hash-chain link for this thread's next insert, when it
    can (PostgreSQL: `select_streams_with_links`), so a batch's insert needs no query to plan its chain rows."""
    recorder: Any = ledger.recorder
    if links and hasattr(recorder, "select_streams_with_links"):
        linked: dict[UUID, list[StoredEvent]] = recorder.select_streams_with_links(list(dict.fromkeys(originator_ids)))
        return linked
    if hasattr(recorder, "select_streams"):
        streams: dict[UUID, list[StoredEvent]] = recorder.select_streams(list(dict.fromkeys(originator_ids)))
        return streams
    found = {oid: list(recorder.select_events(oid)) for oid in dict.fromkeys(originator_ids)}
    return {oid: events for oid, events in found.items() if events}


def decoded(ledger: BenefitLedger, stored: Sequence[StoredEvent]) -> list[Any]:
    return [ledger.mapper.to_domain_event(event) for event in stored]


def prefetch(ledger: BenefitLedger, unit: UnitOfWork, originator_ids: Sequence[UUID]) -> dict[UUID, list[Any]]:
    """Load the ids' aggregates (from all their events) into `unit`; ids with no events become known-absent.

    Ids the unit holds already are skipped. Returns the decoded events of each aggregate loaded."""
    wanted = [oid for oid in dict.fromkeys(originator_ids) if unit.get(oid) is None]
    events = {oid: decoded(ledger, stored) for oid, stored in read_streams(ledger, wanted, links=True).items()}
    for oid in wanted:
        if oid in events:
            unit.remember(fast_project(None, events[oid]))
        else:
            unit.absent.add(oid)
    return events
