"""A burst of 16 settlements on one patient-year, no expected_version, through two group-committing ledgers
(two server workers): every settlement is recorded exactly once, in some order, none gives up with a 409.

Each collision re-runs under the retry lock (service.retry_lock), so colliders take turns; before it,
16 writers on one aggregate retried against each other and about half gave up after 8 attempts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from tests.application.scenario import COUNTY_HOSPITAL, poor_patient, publish_default

from service.commands import Discharge, RegisterAdmission, SettleAdmission
from service.group_commit import GroupCommitter
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.settings import Settings

BURST = 16
PATIENT = "P-BURST"


@pytest.fixture
def workers(store_url: str) -> Iterator[list[BenefitLedger]]:
    apps = [BenefitLedger.from_settings(Settings(database_url=store_url)) for _ in range(2)]
    for app in apps:
        app.group_committer = GroupCommitter(app, linger=0.01)
    yield apps
    for app in apps:
        app.close()


def _day(n: int) -> date:
    return date(2018, 3, 1 + n)  # admitted in March, all discharged on DISCHARGED


DISCHARGED = date(2018, 3, 20)
SETTLED = datetime.combine(DISCHARGED, time(10), UTC)  # one moment: no settlement is dated before another


def _admit(ledger: BenefitLedger, n: int) -> str:
    ref = f"B-{n}"
    day = _day(n)
    ledger.handle(
        RegisterAdmission(
            command_id=f"{ref}:r",
            admission_ref=ref,
            patient_ref=PATIENT,
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, COUNTY_HOSPITAL),
            admitted_on=day,
        )
    )
    ledger.handle(
        charge_line(
            command_id=f"{ref}:l1",
            admission_ref=ref,
            line_no="1",
            category="surgery",
            amount=Decimal(1000 + 250 * n) + Decimal("0.37"),
            compliant=True,
        )
    )
    ledger.handle(Discharge(command_id=f"{ref}:d", admission_ref=ref, discharged_on=DISCHARGED))
    return ref


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    outcomes: list[Any] = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(n: int) -> None:
        barrier.wait()
        try:
            outcomes[n] = calls[n]()
        except Exception as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_burst_of_sixteen_settlements_on_one_patient_year_all_commit(workers: list[BenefitLedger]) -> None:
    first = workers[0]
    publish_default(first)
    poor_patient(first, PATIENT)
    refs = [_admit(first, n) for n in range(BURST)]

    def settle(n: int) -> Callable[[], Any]:
        app = workers[n % 2]
        command = SettleAdmission(command_id=f"{refs[n]}:s", admission_ref=refs[n], settled_at=SETTLED)
        return lambda: app.handle(command)

    outcomes = _at_once([settle(n) for n in range(BURST)])
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert failures == []
    assert all(o["replayed"] is False for o in outcomes)
    year = first.get_benefit_year(PATIENT, 2018)
    assert sorted(r["admission_ref"] for r in year.settlements) == sorted(refs)
    assert first.verify_benefit_year(PATIENT, 2018)["verified"] is True  # each settled on the accumulators before it
