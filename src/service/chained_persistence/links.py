"""Which chain rows one transaction's events add, given the chain rows already stored. No I/O.

The recorders read, inside the insert transaction and after the events insert (so the write lock
is held), every stored chain row of each touched stream at versions >= first new version - 1: the
previous link, plus any row that should not exist. Normally that is one row per stream.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent

from service.chained_persistence.chain import ChainBrokenError, ChainHasher, stream_key

# (originator_id as stored, version, hash)
ChainRow = tuple[Any, int, bytes]
# legacy stream: its events below a version, [(version, topic, state)] ascending; None if it has chain rows
LegacyLoader = Callable[[Any, int], Sequence[tuple[int, str, bytes]] | None]


def first_versions(stored_events: Sequence[StoredEvent]) -> dict[Any, int]:
    """Each touched stream (originator id as given) and the lowest version this transaction adds to it."""
    firsts: dict[Any, int] = {}
    for event in stored_events:
        known = firsts.get(event.originator_id)
        if known is None or event.originator_version < known:
            firsts[event.originator_id] = event.originator_version
    return firsts


def plan_links(
    hasher: ChainHasher,
    stored_events: Sequence[StoredEvent],
    existing: Mapping[str, Mapping[int, bytes]],
    load_legacy: LegacyLoader,
    chain_table: str,
) -> list[ChainRow]:
    """The chain rows to insert for `stored_events`; raises ChainBrokenError rather than chain onto a tampered row.

    `existing` maps stream_key -> {version: hash} for the rows read as described above.
    A stream with no chain rows at all but earlier events (written before chaining was enabled) is
    adopted: its earlier events are chained from the genesis first, as they are now.
    """
    firsts = first_versions(stored_events)
    previous: dict[str, bytes] = {}
    rows: list[ChainRow] = []
    for originator_id, first in firsts.items():
        stream = stream_key(originator_id)
        stored = existing.get(stream, {})
        orphans = sorted(v for v in stored if v >= first)
        if orphans:
            raise ChainBrokenError(
                f"{chain_table}: stream {stream} has a chain row at version {orphans[0]} "
                "but had no event there (event row deleted?); run `ledger verify`"
            )
        if first - 1 in stored:
            previous[stream] = stored[first - 1]
            continue
        link = hasher.genesis(stream)
        if first > 1:
            legacy = load_legacy(originator_id, first)
            if legacy is None:
                raise ChainBrokenError(
                    f"{chain_table}: stream {stream} has no chain row at version {first - 1} "
                    "(chain row deleted?); run `ledger verify`"
                )
            for version, topic, state in legacy:
                link = hasher.link(link, stream, version, topic, state)
                rows.append((originator_id, version, link))
        previous[stream] = link
    keys = {originator_id: stream_key(originator_id) for originator_id in firsts}  # one hex per stream, not per event
    for event in sorted(stored_events, key=lambda e: e.originator_version):
        stream = keys[event.originator_id]
        link = hasher.link(previous[stream], stream, event.originator_version, event.topic, event.state)
        previous[stream] = link
        rows.append((event.originator_id, event.originator_version, link))
    return rows
