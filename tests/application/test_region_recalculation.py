"""A region recalculation (RecalculateForPolicy) read and saved a page at a time, over a process pool on PostgreSQL.

Five patients each settle two ESRD admissions under a version without 5090; a version with 5090,
retroactive to 1 January, is published in July. Each patient-year then owes 4,500.00 back (the
figure of test_audit_and_retroactive_compensation), so the region owes 22,500.00 in all.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from tests.application.scenario import (
    esrd_settled_before_5090,
    publish_retroactive_5090,
)

from service import region_recalculation
from service.commands import RecalculateBenefitYear, RecalculateForPolicy
from service.handlers.recalculations import _recalculated
from service.ledger import BenefitLedger
from service.settings import Settings

PATIENTS = [f"P-R{n}" for n in range(5)]
KNOWN_AT = None  # now: the versions as published (the retroactive one included)
RECALC = RecalculateForPolicy(command_id="recalc", region="341821", version="langxi-2018.2-5090", known_at=KNOWN_AT)


def _each_owed_4500_once_and_verified(ledger: BenefitLedger) -> None:
    """Every patient-year re-settled exactly once, 4,500.00 owed, and re-derived to the fen."""
    for ref in PATIENTS:
        assert _owed(ledger, ref) == Decimal("4500.00")
        assert ledger.get_benefit_year(ref, 2018).recalculations == 1
        assert ledger.verify_benefit_year(ref, 2018)["verified"] is True


def _region_run(ledger: BenefitLedger, command_id: str) -> region_recalculation.RegionRun:
    """A run of the county's published 5090 version over every patient-year it affects."""
    published = ledger.get_policy_version("341821", "langxi-2018.2-5090")
    return region_recalculation.RegionRun(
        command_id=command_id,
        known_at=KNOWN_AT,
        reason="test",
        effective_from=published.effective_from,
        entries=ledger.policy_register("341821"),
    )


def _ledger(store_url: str, workers: int) -> BenefitLedger:
    env = {**Settings(database_url=store_url).store.env, region_recalculation.WORKERS_ENV: str(workers)}
    return BenefitLedger(env=env)


def settled_county(store_url: str, patients: list[str]) -> None:
    """Each patient: two settled ESRD stays at the provincial hospital under a version without "5090", then the
    version with "5090" published retroactively to 15 July."""
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    esrd_settled_before_5090(ledger, tuple(patients))
    publish_retroactive_5090(ledger)
    ledger.close()


@pytest.fixture
def county(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Five settled patient-years and the retroactive 5090 version; pages of 2 patient-years (3 pages)."""
    monkeypatch.setattr(region_recalculation, "PAGE_SIZE", 2)
    settled_county(store_url, PATIENTS)
    yield store_url


def _owed(ledger: BenefitLedger, ref: str) -> Decimal:
    return sum((Decimal(r["compensation_owed"]) for r in ledger.get_benefit_year(ref, 2018).settlements), Decimal(0))


def test_every_page_is_recalculated_once_and_a_retry_replays(county: str) -> None:
    ledger = _ledger(county, workers=2)  # a pool on PostgreSQL; in-process on SQLite
    try:
        result = ledger.handle(RECALC)
        assert result["examined"] == 5 and result["changed_count"] == 5
        assert result["compensation_owed"] == Decimal("22500.00")
        assert sorted(c["patient_ref"] for c in result["changed"]) == PATIENTS
        _each_owed_4500_once_and_verified(ledger)
        again = ledger.handle(RECALC)
        assert again["replayed"] is True and again["compensation_owed"] == result["compensation_owed"]
        # another run under a new command id re-settles to the same amounts: nothing changes, nothing is recorded
        other = ledger.handle(RECALC.model_copy(update={"command_id": "recalc-2"}))
        assert other["examined"] == 5 and other["changed_count"] == 0
        assert all(ledger.get_benefit_year(ref, 2018).recalculations == 1 for ref in PATIENTS)
    finally:
        ledger.close()


def test_on_postgresql_the_pages_run_in_other_processes_on_sqlite_in_this_one(county: str) -> None:
    ledger = _ledger(county, workers=2)
    try:
        run = _region_run(ledger, "direct-run")
        summary = region_recalculation.recalculate_region(ledger, run, "341821", _recalculated)
        assert summary.examined == 5 and summary.owed_total == Decimal("22500.00")
        if county.startswith("postgresql"):
            assert summary.processes and os.getpid() not in summary.processes
        else:  # SQLite has one writer: no pool
            assert summary.processes == {os.getpid()}
    finally:
        ledger.close()


def test_a_retry_after_a_partial_run_finishes_the_rest_without_redoing(county: str) -> None:
    ledger = _ledger(county, workers=2)
    try:  # as if a first run had died after recalculating P-R2 (its sub-command's id is the run's)
        done = ledger.handle(
            RecalculateBenefitYear(
                command_id="recalc:P-R2:2018",
                patient_ref="P-R2",
                year=2018,
                known_at=KNOWN_AT,
                reason="policy 341821/langxi-2018.2-5090 published",
            )
        )
        assert done["changed"] is True
        result = ledger.handle(RECALC)
        assert result["examined"] == 5 and result["changed_count"] == 5  # P-R2's first result, replayed
        assert result["compensation_owed"] == Decimal("22500.00")
        assert all(ledger.get_benefit_year(ref, 2018).recalculations == 1 for ref in PATIENTS)
    finally:
        ledger.close()


def test_a_page_that_collides_with_a_concurrent_writer_is_redone_year_by_year(
    county: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger = _ledger(county, workers=1)  # in-process, so the concurrent writer can be slipped in
    other = BenefitLedger.from_settings(Settings(database_url=county))
    real_commit = region_recalculation.commit
    slipped: list[str] = []

    def commit_after_a_concurrent_write(app: BenefitLedger, unit: object) -> None:
        if not slipped:  # before the first page commits, another process recalculates P-R0 on its own
            slipped.append("P-R0")
            concurrent = RecalculateBenefitYear(
                command_id="concurrent", patient_ref="P-R0", year=2018, known_at=KNOWN_AT
            )
            with ThreadPoolExecutor(1) as thread:  # another thread: outside this thread's unit of work
                thread.submit(other.handle, concurrent).result()
        real_commit(app, unit)

    monkeypatch.setattr(region_recalculation, "commit", commit_after_a_concurrent_write)
    try:
        result = ledger.handle(RECALC)
        assert slipped == ["P-R0"]
        # P-R0 was already re-settled by the other writer: the redo finds nothing to change
        assert result["examined"] == 5 and result["changed_count"] == 4
        assert result["compensation_owed"] == Decimal("18000.00")
        _each_owed_4500_once_and_verified(ledger)
    finally:
        other.close()
        ledger.close()


def test_a_pool_task_saves_its_pages_in_order_while_staging_the_next_and_redoes_a_colliding_one(
    county: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """recalculate_pages (a pool task) run here: page 1's save (in the writer thread) collides with a concurrent
    recalculation of P-R0, and page 1 is redone year by year; pages 2 and 3 are saved after it, in order."""
    ledger = _ledger(county, workers=1)
    other = BenefitLedger.from_settings(Settings(database_url=county))
    real_commit = region_recalculation.commit
    saved: list[list[str]] = []

    def commit_after_a_concurrent_write(app: BenefitLedger, unit: Any) -> None:
        refs = sorted(a.patient_ref for a in unit.staged() if type(a).__name__ == "BenefitYear")
        if not saved:  # page 1 was read before: its save collides
            concurrent = RecalculateBenefitYear(
                command_id="concurrent", patient_ref="P-R0", year=2018, known_at=KNOWN_AT
            )
            with ThreadPoolExecutor(1) as thread:
                thread.submit(other.handle, concurrent).result()
        saved.append(refs)
        real_commit(app, unit)

    monkeypatch.setattr(region_recalculation, "commit", commit_after_a_concurrent_write)
    try:
        run = _region_run(ledger, "task-run")
        pages = [[(ref, 2018) for ref in PATIENTS[i : i + 2]] for i in range(0, len(PATIENTS), 2)]
        summary = region_recalculation.recalculate_pages(ledger, run, pages, _recalculated)
        assert saved == [["P-R0", "P-R1"], ["P-R2", "P-R3"], ["P-R4"]]
        # P-R0 was already re-settled by the other writer: the redo finds nothing to change
        assert summary.examined == 5 and summary.changed_count == 4
        assert summary.owed_total == Decimal("18000.00")
        assert [c["patient_ref"] for c in summary.changed] == ["P-R1", "P-R2", "P-R3", "P-R4"]
        _each_owed_4500_once_and_verified(ledger)
    finally:
        other.close()
        ledger.close()


def test_the_pool_size_is_a_setting(store_url: str) -> None:
    one = BenefitLedger.from_settings(Settings(database_url=store_url, recalc_workers=1))
    per_core = BenefitLedger.from_settings(Settings(database_url=store_url))
    try:
        assert region_recalculation.workers_for(one) == 1
        expected = (os.cpu_count() or 1) if store_url.startswith("postgresql") else 1
        assert region_recalculation.workers_for(per_core) == expected
    finally:
        one.close()
        per_core.close()
