"""The region engine of a retroactive recalculation, page by page, over a pool of processes.

`recalculate_region` lists the region's patient-years from the BenefitYear.Opened events, deals
them out in pages of `PAGE_SIZE` and runs each page (`recalculate_page`):

* one query reads every event of the page's patient-years, decoded once; each year is folded once
  (the auditor's history and the lean aggregate both come from those events);
* one query looks up the page's `RecalculateBenefitYear` command records (a retry after a partial
  run replays the years already done and redoes nothing);
* the page's patient-years are saved in one transaction, each with its own CommandRecord; a page
  that collides with a concurrent writer is redone year by year on fresh state (with retries).

On PostgreSQL, with more than one page, the pages go to a process pool (`LEDGER_RECALC_WORKERS`,
default: one per core): patient-years are disjoint between pages, so workers never collide with
one another. The pages' summaries come back in page order, so the result does not depend on the
pool. Memory is bounded: a few pages in flight, a count and a total per page, and at most
`CHANGED_LISTED_MAX` listed years.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError

from domain import ids
from domain.aggregates.benefit_year_history import BenefitYearHistory
from service.commands.recalculations import RecalculateBenefitYear
from service.idempotency import Outcome, execute
from service.repository import fast_project
from service.stream_reads import decoded, read_streams
from service.unit_of_work import UnitOfWork, commit, direct, unit_of_work

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

PAGE_SIZE = 100  # patient-years per query and per transaction
PAGES_PER_TASK = 2  # pages per pool task: a task overlaps one page's save with the next one's cascade
CHANGED_LISTED_MAX = 1000
IN_FLIGHT_PER_WORKER = 2
WORKERS_ENV = "LEDGER_RECALC_WORKERS"

# (ledger, sub-command, entries, folded history or None) -> Outcome: the handler's per-year step
YearStep = Callable[["BenefitLedger", RecalculateBenefitYear, list[dict[str, str]], Any], Outcome]


@dataclass(frozen=True)
class RegionRun:
    """What every page of one region run shares (picklable: it goes to the pool's processes)."""

    command_id: str
    known_at: datetime | None
    reason: str
    effective_from: str  # ISO date: a year is affected if it has a settlement on or after it
    entries: list[dict[str, str]]  # the region's policy register, read once


@dataclass
class PageSummary:
    examined: int = 0
    changed_count: int = 0
    owed_total: Decimal = Decimal("0.00")
    changed: list[dict[str, Any]] = field(default_factory=list)
    processes: set[int] = field(default_factory=set)  # the pids that ran the pages

    def add(self, other: PageSummary) -> None:
        self.processes |= other.processes
        self.examined += other.examined
        self.changed_count += other.changed_count
        self.owed_total += other.owed_total
        room = CHANGED_LISTED_MAX - len(self.changed)
        self.changed.extend(other.changed[: max(0, room)])


def workers_for(ledger: BenefitLedger) -> int:
    """Processes for a region run: LEDGER_RECALC_WORKERS, else one per core; 1 on SQLite (one writer)."""
    if "postgres" not in str(ledger.env.get("PERSISTENCE_MODULE", "")):
        return 1
    configured = int(str(ledger.env.get(WORKERS_ENV) or 0))
    return configured if configured > 0 else max(1, os.cpu_count() or 1)


def recalculate_region(ledger: BenefitLedger, run: RegionRun, region: str, step: YearStep) -> PageSummary:
    summary = PageSummary()
    pages = _pages(ledger, region, int(run.effective_from[:4]))
    workers = workers_for(ledger)
    first = next(pages, None)
    if first is None:
        return summary
    second = next(pages, None)
    if workers == 1 or second is None:
        for page in _chain(first, second, pages):
            summary.add(recalculate_page(ledger, run, page, step))
        return summary
    env = {k: str(v) for k, v in ledger.env.items()}
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_start_worker, initargs=(env,)
    ) as pool:
        in_flight: deque[Future[PageSummary]] = deque()
        for task in _tasks(_chain(first, second, pages)):
            in_flight.append(pool.submit(_worker_pages, run, task, step))
            if len(in_flight) >= workers * IN_FLIGHT_PER_WORKER:
                summary.add(in_flight.popleft().result())
        while in_flight:
            summary.add(in_flight.popleft().result())
    return summary


def recalculate_page(ledger: BenefitLedger, run: RegionRun, page: list[tuple[str, int]], step: YearStep) -> PageSummary:
    """The page's affected patient-years, read in one query and saved in one transaction."""
    staged = _stage(ledger, run, page, _read(ledger, run, page), step)
    try:
        _commit(ledger, staged)
        committed = True
    except IntegrityError:  # a concurrent writer touched one of the years: each on its own, fresh
        committed = False
    return _finish(ledger, run, staged, committed, step)


def recalculate_pages(
    ledger: BenefitLedger, run: RegionRun, pages: list[list[tuple[str, int]]], step: YearStep
) -> PageSummary:
    """`recalculate_page` for each page in turn, each in its own transaction, with the waits on the store
    overlapped with the cascade: a reader thread reads page i+1 while this thread folds and re-settles
    page i, and a writer thread saves page i (encoding, the events-table lock, the insert, the WAL flush)
    while this thread stages page i+1. A worker spent about a third of its time waiting on those two.

    The pages' years are disjoint, so staging a page never depends on the previous one's save. A page whose
    save collides with a concurrent writer is redone year by year here, after the writer is done with it and
    before the next page's save starts: at most one save runs at a time, in page order."""
    summary = PageSummary()
    if not pages:
        return summary
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as writer:
        reading = reader.submit(_read, ledger, run, pages[0])
        saving: tuple[StagedPage, Future[None]] | None = None
        for i, page in enumerate(pages):
            read = reading.result()
            if i + 1 < len(pages):
                reading = reader.submit(_read, ledger, run, pages[i + 1])
            staged = _stage(ledger, run, page, read, step)
            if saving is not None:
                summary.add(_saved(ledger, run, *saving, step))
            saving = (staged, writer.submit(_commit, ledger, staged))
        assert saving is not None
        summary.add(_saved(ledger, run, *saving, step))
    return summary


@dataclass
class StagedPage:
    """A page's affected years staged in one unit of work: (sub-command, folded history) and each result."""

    work: list[tuple[RecalculateBenefitYear, BenefitYearHistory]]
    unit: UnitOfWork
    results: list[dict[str, Any]]
    links: Any  # the chain links read with the page (PageRead)


# (the years' stored events, their command records, the streams' hash-chain links as read, if the store has them)
PageRead = tuple[dict[Any, list[Any]], dict[Any, list[Any]], Any]


def _read(ledger: BenefitLedger, run: RegionRun, page: list[tuple[str, int]]) -> PageRead:
    """The page's stored events and the command records of all its years (two queries, no decoding), each with
    its streams' chain links (service.stream_reads), so that the page's save needs no query to plan its chain
    rows; they are handed over with the page, since it may be saved from another thread."""
    streams = read_streams(ledger, [ids.benefit_year_id(p, y) for p, y in page], links=True)
    subs = [_sub_command(run, p, y) for p, y in page]
    records = read_streams(ledger, [ids.command_record_id(sub.command_id) for sub in subs], links=True)
    hand_over = getattr(ledger.recorder, "hand_over_links", None)
    return streams, records, hand_over() if hand_over is not None else None


def _stage(
    ledger: BenefitLedger, run: RegionRun, page: list[tuple[str, int]], read: PageRead, step: YearStep
) -> StagedPage:
    """Each year decoded and folded once; the affected ones re-settled in one unit of work (nothing saved)."""
    streams, records, links = read
    work: list[tuple[RecalculateBenefitYear, BenefitYearHistory]] = []
    unit = UnitOfWork()
    for patient_ref, year in page:
        stored = streams.get(ids.benefit_year_id(patient_ref, year))
        if not stored:
            continue
        events = decoded(ledger, stored)
        history = BenefitYearHistory.fold(events)
        if not any(r["claim"]["service_date"] >= run.effective_from for r in history.active_settlements):
            continue
        sub = _sub_command(run, patient_ref, year)
        work.append((sub, history))
        unit.remember(fast_project(None, events))
        record_id = ids.command_record_id(sub.command_id)
        if record_id in records:
            unit.remember(fast_project(None, decoded(ledger, records[record_id])))
        else:
            unit.absent.add(record_id)
    with unit_of_work(unit):
        results = [_one(ledger, run, sub, history, step) for sub, history in work]
    return StagedPage(work, unit, results, links)


def _commit(ledger: BenefitLedger, staged: StagedPage) -> None:
    take_over = getattr(ledger.recorder, "take_over_links", None)
    if take_over is not None:
        take_over(staged.links)
    with unit_of_work(staged.unit):  # saved with its unit open, as `recalculate_page` saves it
        commit(ledger, staged.unit)


def _saved(
    ledger: BenefitLedger, run: RegionRun, staged: StagedPage, saving: Future[None], step: YearStep
) -> PageSummary:
    try:
        saving.result()
        committed = True
    except IntegrityError:  # a concurrent writer touched one of the years: each on its own, fresh
        committed = False
    return _finish(ledger, run, staged, committed, step)


def _finish(ledger: BenefitLedger, run: RegionRun, staged: StagedPage, committed: bool, step: YearStep) -> PageSummary:
    results = staged.results
    if not committed:
        with direct():
            results = [_one(ledger, run, sub, None, step) for sub, _ in staged.work]
    return _summarise(staged.work, results)


def _one(
    ledger: BenefitLedger,
    run: RegionRun,
    sub: RecalculateBenefitYear,
    history: BenefitYearHistory | None,
    step: YearStep,
) -> dict[str, Any]:
    return execute(ledger, sub, lambda: step(ledger, sub, run.entries, history))


def _summarise(work: list[tuple[RecalculateBenefitYear, Any]], results: list[dict[str, Any]]) -> PageSummary:
    summary = PageSummary(examined=len(work), processes={os.getpid()})
    for (sub, _), result in zip(work, results, strict=True):
        if not result["changed"]:
            continue
        owed = sum((Decimal(str(i["compensation_owed"])) for i in result["items"]), Decimal("0.00"))
        summary.changed_count += 1
        summary.owed_total += owed
        if len(summary.changed) < CHANGED_LISTED_MAX:
            summary.changed.append({"patient_ref": sub.patient_ref, "year": sub.year, "compensation_owed": owed})
    return summary


def _sub_command(run: RegionRun, patient_ref: str, year: int) -> RecalculateBenefitYear:
    # Built without validation: its parts are validated already, and the derived id may exceed 200 characters.
    return RecalculateBenefitYear.model_construct(
        command="recalculate_benefit_year",
        command_id=f"{run.command_id}:{patient_ref}:{year}",
        patient_ref=patient_ref,
        year=year,
        known_at=run.known_at,
        reason=run.reason,
    )


def _pages(ledger: BenefitLedger, region: str, first_year: int) -> Iterator[list[tuple[str, int]]]:
    """The region's (patient_ref, year) from `first_year` on, in pages, from the BenefitYear.Opened events."""
    page: list[tuple[str, int]] = []
    for opened in ledger.benefit_year_openings():
        if opened.county_code != region or opened.year < first_year:
            continue
        page.append((opened.patient_ref, opened.year))
        if len(page) == PAGE_SIZE:
            yield page
            page = []
    if page:
        yield page


def _tasks(pages: Iterator[list[tuple[str, int]]]) -> Iterator[list[list[tuple[str, int]]]]:
    """The pages in groups of `PAGES_PER_TASK`, one pool task each (its pages overlap their reads and saves)."""
    task: list[list[tuple[str, int]]] = []
    for page in pages:
        task.append(page)
        if len(task) == PAGES_PER_TASK:
            yield task
            task = []
    if task:
        yield task


def _chain(
    first: list[tuple[str, int]], second: list[tuple[str, int]] | None, rest: Iterator[list[tuple[str, int]]]
) -> Iterator[list[tuple[str, int]]]:
    yield first
    if second is not None:
        yield second
        yield from rest


# ---- the pool's processes ----------------------------------------------------------------------
_worker_ledger: BenefitLedger | None = None


def _start_worker(env: dict[str, str]) -> None:
    global _worker_ledger
    _worker_ledger = _worker_ledger_class()(env=env)  # its transcoder is service.fast_transcoder's (the ledger's)


def _worker_ledger_class() -> type[BenefitLedger]:
    from service.ledger import BenefitLedger

    class WorkerLedger(BenefitLedger):
        """A page's snapshots (every 10th version of a year) are written in one transaction after the page's,
        instead of one transaction (and one WAL flush) each; each is taken as the library takes it."""

        name = BenefitLedger.name  # the same tables (the library names them after the application)
        _snapshot_batch: list[Any] | None = None

        def _take_snapshots(self, processing_event: Any) -> None:
            self._snapshot_batch = []
            try:
                super()._take_snapshots(processing_event)
                if self._snapshot_batch and self.snapshots is not None:
                    self.snapshots.put(self._snapshot_batch)
            finally:
                self._snapshot_batch = None

        def take_snapshot(
            self, aggregate_id: Any, version: int | None = None, projector_func: Any = fast_project
        ) -> None:
            batch = self._snapshot_batch
            if batch is None:
                super().take_snapshot(aggregate_id, version, projector_func)
                return
            aggregate = self.repository.get(aggregate_id, version=version, projector_func=projector_func)
            snapshot_class = getattr(type(aggregate), "Snapshot", type(self).snapshot_class)
            if snapshot_class is None:
                super().take_snapshot(aggregate_id, version, projector_func)
                return
            batch.append(snapshot_class.take(aggregate))

    return WorkerLedger


def _worker_pages(run: RegionRun, pages: list[list[tuple[str, int]]], step: YearStep) -> PageSummary:
    assert _worker_ledger is not None, "the pool's initializer opens the ledger"
    return recalculate_pages(_worker_ledger, run, pages, step)
