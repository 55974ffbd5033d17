"""What a single command reads before it runs: the aggregates it will most likely read, in one query.

A single command (an HTTP write route, a `ledger` CLI command) read each aggregate on its own: its
command record, admission, patient, patient-year, the region's registers and county-year close, each a
cache fast-forward (`select_events(gt=version)`) or a probe, about six round trips. On a recorder with
`select_newer` (PostgreSQL) the command instead guesses those ids the way a batch does
(service.batch_read_ahead: what the command names, and what the aggregates it names lead to, asked of
the aggregate cache instead of a unit), asks once for each id's events after the version the cache
holds (0 when uncached), fast-forwards the cached aggregates and projects the others, and runs in a unit
of work (service.unit_of_work) that hands them to the handler from memory. An id with no events is known
absent, so its command-record lookup or existence probe costs nothing. Without group commit the command's
own thread inserts, so the same flight also reads each stream's hash-chain link (as a batch's read-ahead
does): the insert then needs no query to plan its chain rows.

Every id is only a guess: a wrong one costs a row, a missed one a query of its own, as before. The
command's reads are as of the one query; a concurrent writer of any aggregate it writes collides on
the events' primary key at the save, and the command runs again on fresh state (holding the retry lock,
as service.idempotency does), so idempotent command ids, a stale `expected_version`'s 409 and
all-or-nothing saves stay as they were. Other recorders (SQLite) keep the path without read-ahead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain.aggregates.command_record import CommandRecord
from domain.errors import ConcurrencyConflictError
from service.batch_read_ahead import _leads_to, _named_ids, recent_regions
from service.idempotency import RETRY_COUNT_MAX
from service.repository import fast_project
from service.retry_lock import retrying, unlocked
from service.unit_of_work import UnitOfWork, commit, current_unit, is_direct, unit_of_work

if TYPE_CHECKING:
    from service.commands import Command
    from service.ledger import BenefitLedger


ROUNDS_MAX = 2  # the second only when the first found aggregates the cache did not hold


def reads_ahead(ledger: BenefitLedger, command: Command) -> bool:
    """True when `command` runs through `run_single`: a batchable command outside a unit of work, on a recorder
    that reads many ids' newer events at once."""
    return type(command).batchable and current_unit() is None and hasattr(ledger.recorder, "select_newer")


class ReadAheadUnit(UnitOfWork):
    """A unit whose read-ahead aggregates are copied from the cache only when a command asks for one.

    `fresh` holds the cache's own objects as of the read-ahead (never handed out): a guessed aggregate that the
    command does not read costs no copy, and is not staged."""

    def __init__(self, ledger: BenefitLedger) -> None:
        super().__init__()
        self.ledger = ledger
        self.fresh: dict[UUID, Any] = {}

    def get(self, aggregate_id: UUID) -> Any | None:
        found = self.aggregates.get(aggregate_id)
        if found is None and aggregate_id in self.fresh:
            found = self.aggregates[aggregate_id] = _copied(self.ledger, aggregate_id, self.fresh.pop(aggregate_id))
        return found

    def peek(self, aggregate_id: UUID) -> Any | None:
        """The aggregate, without copying it: for guessing only, never to change."""
        found = self.aggregates.get(aggregate_id)
        return found if found is not None else self.fresh.get(aggregate_id)


class _Lookup(UnitOfWork):
    """What `batch_read_ahead._leads_to` asks of a unit (`get`), answered by `lookup` (nothing is copied)."""

    def __init__(self, lookup: Callable[[UUID], Any | None]) -> None:
        super().__init__()
        self._lookup = lookup

    def get(self, aggregate_id: UUID) -> Any | None:
        return self._lookup(aggregate_id)


def run_single(ledger: BenefitLedger, command: Command, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`run()` (service.idempotency.execute, staging into the unit) on what one query read ahead, then one save.

    A save that collides with a concurrent writer runs the command again on fresh state while holding the retry
    lock: a replayed command id then answers with its first result, a stale expected_version with its 409."""
    for attempt in range(RETRY_COUNT_MAX):
        unit = ReadAheadUnit(ledger)
        with retrying(ledger) if attempt else unlocked(), unit_of_work(unit):
            read_ahead(ledger, unit, command)
            result = run()
            try:
                _save(ledger, unit)
            except IntegrityError:
                continue
            return result
    raise ConcurrencyConflictError(f"{command.command}: gave up after {RETRY_COUNT_MAX} conflicting attempts")


def read_ahead(ledger: BenefitLedger, unit: ReadAheadUnit, command: Command) -> None:
    """Load into `unit` what `command` will most likely read (see the module docstring)."""
    asked: set[UUID] = set()
    links = ledger.group_committer is None or is_direct()  # this thread inserts: its chain links, read along
    if links:
        ledger.recorder.forget_links()  # type: ignore[attr-defined]  # none left from an earlier command
    # the region-wide ids recent commands read (registers, county-year closes): a patient the cache does not hold
    # yet then needs no second round. With the aggregate cache on, a stream read in full is cached, so later reads
    # return only newer events (usually none); without it, none are asked for
    recent = recent_regions(ledger)
    regions: dict[UUID, None] = {}
    lookup = _Lookup(lambda oid: _cached(ledger, oid))  # the unit holds nothing yet
    cached_regions = recent.ids() if ledger.repository.cache is not None else []
    wanted: list[UUID] = list(
        dict.fromkeys([*_named_ids(command), *_leads_to(lookup, command, regions), *cached_regions])
    )
    for _ in range(ROUNDS_MAX):
        if not wanted:
            break
        known = {oid: _cached(ledger, oid) for oid in wanted}
        found = ledger.recorder.select_newer(  # type: ignore[attr-defined]
            [(oid, 0 if aggregate is None else aggregate.version) for oid, aggregate in known.items()], links=links
        )
        for oid, aggregate in known.items():
            events = [ledger.mapper.to_domain_event(stored) for stored in found.get(oid, ())]
            if aggregate is not None:
                unit.fresh[oid] = _fast_forwarded(ledger, oid, aggregate, events)
            elif not events:
                unit.absent.add(oid)
            else:
                _project(ledger, unit, oid, events)
        asked.update(wanted)
        lookup = _Lookup(unit.peek)
        wanted = [oid for oid in dict.fromkeys(_leads_to(lookup, command, regions)) if oid not in asked]
    recent.saw(list(regions))


def _cached(ledger: BenefitLedger, aggregate_id: UUID) -> Any | None:
    """The cache's own object for the id (not a copy), or None."""
    cache = ledger.repository.cache
    if cache is None:
        return None
    try:
        return cache.get(aggregate_id)
    except KeyError:
        return None


def _fast_forwarded(ledger: BenefitLedger, aggregate_id: UUID, aggregate: Any, events: list[Any]) -> Any:
    """The cached aggregate with the events read ahead applied in place, as the repository fast-forwards it
    (under the same per-id lock); events another thread applied meanwhile are skipped."""
    if not events:
        return aggregate
    repository: Any = ledger.repository
    lock = repository._use_fastforward_lock(aggregate_id)
    try:
        with lock:
            newer = [event for event in events if event.originator_version > aggregate.version]
            aggregate = fast_project(aggregate, newer)
    finally:
        repository._disuse_fastforward_lock(aggregate_id)
    return aggregate


def _copied(ledger: BenefitLedger, aggregate_id: UUID, aggregate: Any) -> Any:
    """A copy of a cached aggregate for a command, taken under the repository's per-id fast-forward lock."""
    repository: Any = ledger.repository
    lock = repository._use_fastforward_lock(aggregate_id)
    try:
        with lock:
            return deepcopy(aggregate)
    finally:
        repository._disuse_fastforward_lock(aggregate_id)


def _project(ledger: BenefitLedger, unit: ReadAheadUnit, aggregate_id: UUID, events: list[Any]) -> None:
    """An aggregate the cache did not hold, from all its events: cached as the repository caches what it
    reconstructs (a CommandRecord is not: nothing reads it again but a retry), copied for the command."""
    aggregate = fast_project(None, events)
    cache = ledger.repository.cache
    if cache is None or isinstance(aggregate, CommandRecord):
        unit.remember(aggregate)
        return
    cache.put(aggregate_id, aggregate)
    unit.fresh[aggregate_id] = aggregate


def _save(ledger: BenefitLedger, unit: UnitOfWork) -> None:
    """Save what the unit's command staged in one atomic write: through group commit when it is on (the
    committer caches what it wrote), else directly (then cached here); nothing when the command was replayed."""
    staged = unit.staged()
    if not any(getattr(aggregate, "pending_events", None) for aggregate in staged):
        return
    committer = ledger.group_committer
    if committer is not None and not is_direct():
        committer.save(*staged)
        return
    written = [a for a in staged if getattr(a, "pending_events", None) and not isinstance(a, CommandRecord)]
    commit(ledger, unit)
    _cache(ledger, written)


def _cache(ledger: BenefitLedger, aggregates: Iterable[Any]) -> None:
    """Keep aggregates just written in the cache (an entry already at a later version stays)."""
    cache = ledger.repository.cache
    if cache is None:
        return
    for aggregate in aggregates:
        known = _cached(ledger, aggregate.id)
        if known is None or known.version < aggregate.version:
            cache.put(aggregate.id, aggregate)
