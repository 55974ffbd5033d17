"""Realistic ledger histories for projection tests, built through the service commands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from tests.application.scenario import (
    COUNTY_HOSPITAL,
    PROVINCE_HOSPITAL,
    REGION,
    admit_and_settle,
    esrd_settled_before_5090,
    publish_retroactive_5090,
)
from tests.application.scenario import WITHOUT_5090 as WITHOUT_5090
from tests.application.scenario import poor_patient as patient
from tests.application.scenario import publish_default as publish  # noqa: F401 (the projection tests' name)

from projections import catalog
from projections.runner import Runner
from projections.store import ViewStore
from projections.view import View
from service.commands import (
    CertifyChronicDisease,
    PayPatientRefund,
    PayRetroactiveCompensation,
    RecalculateForPolicy,
    RecordAuditFinding,
    RecordFollowUp,
    RecordFundReimbursement,
    SignFamilyDoctorContract,
    WithdrawAuditFinding,
)
from service.ledger import BenefitLedger

TOWNSHIP_HOSPITAL = {
    "code": "LX-BQ",
    "name": "毕桥镇卫生院",
    "tier": "township",
    "county_code": REGION,
    "in_county": True,
    "in_province": True,
    "designated": True,
}
D = Decimal


def worked_example(ledger: BenefitLedger, ref: str = "P-WE") -> None:
    """A at the county hospital (20,000 / 19,000 compliant), B at a province hospital (80,000 / 72,000)."""
    patient(ledger, ref)
    admit_and_settle(ledger, ref, f"{ref}-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day=date(2018, 3, 12))
    admit_and_settle(
        ledger,
        ref,
        f"{ref}-B",
        PROVINCE_HOSPITAL,
        total="80000",
        compliant="72000",
        day=date(2018, 5, 20),
        referred=True,
    )


def retroactive_5090(ledger: BenefitLedger, ref: str = "P-5090") -> dict:
    """Settled without 5090; in July a version WITH 5090 is published effective 1 January; recalculate."""
    esrd_settled_before_5090(ledger, (ref,))
    publish_retroactive_5090(ledger)
    return ledger.handle(
        RecalculateForPolicy(
            command_id="recalc-5090",
            region=REGION,
            version="langxi-2018.2-5090",
        )
    )


def busy_county(ledger: BenefitLedger, patients: int = 6) -> None:
    """Every kind of event: settlements, a retroactive version, findings, refunds, reimbursements, follow-ups."""
    retroactive_5090(ledger)
    for n in range(patients):
        ref = f"P{n:03d}"
        patient(ledger, ref, status="jiandanglika" if n % 3 else "dibao")
        ledger.handle(
            CertifyChronicDisease(
                command_id=f"{ref}:chronic", patient_ref=ref, disease="hypertension", valid_from=date(2017, 1, 1)
            )
        )
        if n % 2:
            ledger.handle(
                SignFamilyDoctorContract(
                    command_id=f"{ref}:doctor", patient_ref=ref, doctor="Dr Wang", signed_on=date(2018, 2, 1)
                )
            )
        ledger.handle(
            RecordFollowUp(
                command_id=f"{ref}:fu", patient_ref=ref, followed_up_on=date(2018, 3, 5), systolic=135, diastolic=85
            )
        )
        hospital = (TOWNSHIP_HOSPITAL, COUNTY_HOSPITAL, PROVINCE_HOSPITAL)[n % 3]
        admit_and_settle(
            ledger,
            ref,
            f"{ref}-1",
            hospital,
            total=str(3000 + 1500 * n),
            compliant=str(2800 + 1400 * n),
            day=date(2018, 1 + n % 6, 10),
            referred=hospital is PROVINCE_HOSPITAL,
        )
        admit_and_settle(
            ledger,
            ref,
            f"{ref}-2",
            COUNTY_HOSPITAL,
            total="1200",
            compliant="1200",
            day=date(2018, 7, 2),
            kind="outpatient_chronic",
        )
    ledger.handle(
        RecordAuditFinding(
            command_id="F1",
            finding_ref="F1",
            admission_ref="P001-1",
            line_nos=["1"],
            reason="unreasonable_examination",
            found_on=date(2018, 7, 5),
        )
    )
    ledger.handle(
        RecordAuditFinding(
            command_id="F2",
            finding_ref="F2",
            admission_ref="P002-1",
            line_nos=["2"],
            reason="unreasonable_drug",
            found_on=date(2018, 7, 6),
        )
    )
    ledger.handle(PayPatientRefund(command_id="F1:pay", finding_ref="F1", amount=D("10.00"), paid_on=date(2018, 7, 9)))
    ledger.handle(
        WithdrawAuditFinding(command_id="F2:w", finding_ref="F2", reason="appeal upheld", withdrawn_on=date(2018, 8, 1))
    )
    ledger.handle(
        RecordFundReimbursement(
            command_id="R1",
            hospital_code="LX-001",
            fund="ncms",
            amount=D("1000.00"),
            received_on=date(2018, 8, 3),
            reference="BANK-1",
        )
    )
    ledger.handle(
        PayRetroactiveCompensation(
            command_id="retro-pay",
            patient_ref="P-5090",
            year=2018,
            settlement_id="P-5090-D1#1",
            amount=D("500.00"),
            paid_on=date(2018, 8, 1),
        )
    )


def catch_up(ledger: BenefitLedger, store: ViewStore, names: str | list[str] = "all", batch_size: int = 7) -> Runner:
    runner = Runner(ledger, store, catalog.select(names), batch_size=batch_size)
    runner.run_once(until_head=True)
    return runner


def dump(store: ViewStore, name: str, shadow: bool = False) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a projection, ordered by key: for identity comparisons."""
    projection = catalog.PROJECTIONS[name]
    with store.transaction(readonly=True) as tx:
        view = View(tx, shadow)
        return {t.name: [tuple(r.values()) for r in view.select(t)] for t in projection.tables}
