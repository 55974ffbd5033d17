"""Batches that overlap (the same admission) run at once: each is all or nothing, and none gives up.

A batch reads its command records and named aggregates up front (service.batch._prefetch); one that
collides is run again on fresh state under the retry lock, so overlapping uploads take turns.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from tests.application.scenario import COUNTY_HOSPITAL, poor_patient, publish_default

from service.batch import run_batch
from service.commands import PostChargeLine, RegisterAdmission
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital

UPLOADS, LINES = 16, 20


def _line(upload: int, n: int) -> PostChargeLine:
    return charge_line(
        command_id=f"u{upload}:line:{n}",
        admission_ref="A-1",
        line_no=f"{upload}-{n}",
        category="treatment",
        amount=Decimal("10.01"),
        compliant=True,
    )


def test_overlapping_batches_at_once_all_commit_each_once(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-1")
    ledger.handle(
        RegisterAdmission(
            command_id="A-1:register",
            admission_ref="A-1",
            patient_ref="P-1",
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, COUNTY_HOSPITAL),
            admitted_on=date(2018, 3, 1),
        )
    )
    batches = [[_line(u, n) for n in range(LINES)] for u in range(UPLOADS)]
    with ThreadPoolExecutor(UPLOADS) as pool:
        results = list(pool.map(lambda batch: run_batch(ledger, batch), batches))
    assert [len(r) for r in results] == [LINES] * UPLOADS
    assert not any(item["replayed"] for r in results for item in r)
    admission = ledger.get_admission("A-1")
    assert len(admission.active_lines()) == UPLOADS * LINES
    assert admission.total == Decimal("10.01") * UPLOADS * LINES
    # a batch sent again replays every command and appends nothing
    again = run_batch(ledger, batches[0])
    assert all(item["replayed"] for item in again)
    assert ledger.get_admission("A-1").version == admission.version
