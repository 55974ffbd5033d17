"""Audit deductions hold the patient harmless; retroactive 5090 versions make compensation owed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tests.application.scenario import (
    PROVINCE_HOSPITAL,
    admit_and_settle,
    esrd_settled_before_5090,
    paid,
    poor_patient,
    publish_default,
    publish_retroactive_5090,
    worked_example,
)

from domain.errors import StateConflictError, ValidationError
from service.commands import (
    PayPatientRefund,
    PayRetroactiveCompensation,
    RecalculateBenefitYear,
    RecalculateForPolicy,
    RecordAuditFinding,
    WithdrawAuditFinding,
)
from service.ledger import BenefitLedger


def test_an_audit_finding_deducts_the_fund_share_and_refunds_what_the_patient_paid(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    _a, _ = worked_example(ledger)
    before = ledger.get_benefit_year("P-2.3", 2018).settlements
    result = ledger.handle(
        RecordAuditFinding(
            command_id="f1",
            finding_ref="F1",
            admission_ref="P-2.3-A",
            line_nos=["1"],
            reason="unreasonable_examination",
            found_on=date(2018, 7, 5),
        )
    )
    # line 1 is A's whole compliant cost 19,000: payers advanced 17,915 (16,830 + 1,085), the patient paid 1,085
    assert (result["fund_recovery"], result["patient_refund"]) == (Decimal("17915.00"), Decimal("1085.00"))
    assert ledger.get_benefit_year("P-2.3", 2018).settlements == before  # hold-harmless: settlement unchanged
    ledger.handle(
        PayPatientRefund(command_id="f1:pay", finding_ref="F1", amount=Decimal("1085.00"), paid_on=date(2018, 7, 9))
    )
    assert ledger.get_audit_finding("F1").refund_outstanding == Decimal("0.00")
    with pytest.raises(ValidationError):
        ledger.handle(
            PayPatientRefund(command_id="f1:pay2", finding_ref="F1", amount=Decimal("0.01"), paid_on=date(2018, 7, 9))
        )


def test_a_withdrawn_finding_reverses_its_deduction(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    worked_example(ledger)
    ledger.handle(
        RecordAuditFinding(
            command_id="f2",
            finding_ref="F2",
            admission_ref="P-2.3-B",
            line_nos=["2"],
            reason="unreasonable_drug",
            found_on=date(2018, 7, 5),
        )
    )
    ledger.handle(
        WithdrawAuditFinding(command_id="f2:w", finding_ref="F2", reason="appeal upheld", withdrawn_on=date(2018, 8, 1))
    )
    assert ledger.get_audit_finding("F2").withdrawn is True
    with pytest.raises(StateConflictError):
        ledger.handle(
            WithdrawAuditFinding(command_id="f2:w2", finding_ref="F2", reason="again", withdrawn_on=date(2018, 8, 2))
        )


def _retroactive_5090_year(ledger: BenefitLedger) -> dict:
    """5090 is published in July with effect from January; the patient's earlier settlements are recalculated."""
    esrd_settled_before_5090(ledger)
    publish_retroactive_5090(ledger)
    return ledger.handle(
        RecalculateForPolicy(
            command_id="recalc-5090",
            region="341821",
            version="langxi-2018.2-5090",
        )
    )


def test_a_retroactive_5090_version_makes_compensation_owed_and_payments_close_it(ledger: BenefitLedger) -> None:
    summary = _retroactive_5090_year(ledger)
    assert summary["examined"] == 1 and len(summary["changed"]) == 1
    account = ledger.get_benefit_year("P-5090", 2018)
    # Each admission: NCMS (40,000 - 1,000) x 70 % = 27,300, leaving 12,700; CII banded on 12,700 then 25,400:
    # 4,620 then 7,620; 351 caps the compliant self-pay at 10,000: paid 0 then 2,860 (8,080 + 4,780 - 10,000).
    # 5090 (H1: 90 % above 5,000 of the year's self-pay left after 351): 10,000 -> 4,500, all owed back.
    owed = [Decimal(r["compensation_owed"]) for r in account.settlements]
    assert sum(owed) == Decimal("4500.00")
    assert account.recalculations == 1
    first_owed = next(r for r in account.settlements if Decimal(r["compensation_owed"]) > 0)
    sid = first_owed["settlement_id"]
    ledger.handle(
        PayRetroactiveCompensation(
            command_id="pay-1",
            patient_ref="P-5090",
            year=2018,
            settlement_id=sid,
            amount=Decimal("1000.00"),
            paid_on=date(2018, 8, 1),
        )
    )
    account = ledger.get_benefit_year("P-5090", 2018)
    assert account.compensation_outstanding(sid) == Decimal(first_owed["compensation_owed"]) - Decimal("1000.00")
    with pytest.raises(ValidationError):
        ledger.handle(
            PayRetroactiveCompensation(
                command_id="pay-too-much",
                patient_ref="P-5090",
                year=2018,
                settlement_id=sid,
                amount=Decimal("99999.00"),
                paid_on=date(2018, 8, 2),
            )
        )
    # recalculating again under the same versions changes nothing and appends only the command record
    again = ledger.handle(RecalculateBenefitYear(command_id="recalc-again", patient_ref="P-5090", year=2018))
    assert again["changed"] is False
    assert ledger.verify_benefit_year("P-5090", 2018)["verified"] is True


def test_the_year_as_of_a_recorded_time_shows_what_was_settled_then(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-asof")
    admit_and_settle(
        ledger, "P-asof", "X1", PROVINCE_HOSPITAL, total="5000", compliant="5000", day=date(2018, 3, 1), referred=True
    )
    between = datetime.now(UTC)
    admit_and_settle(
        ledger, "P-asof", "X2", PROVINCE_HOSPITAL, total="5000", compliant="5000", day=date(2018, 4, 1), referred=True
    )
    then = ledger.benefit_year_as_of("P-asof", 2018, between)
    now = ledger.get_benefit_year("P-asof", 2018)
    assert [r["settlement_id"] for r in then.settlements] == ["X1#1"]
    assert then.settlements[0] == now.settlements[0]
    assert len(now.settlements) == 2


def test_verify_reports_a_difference_to_the_fen(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    result = worked_example(ledger)
    assert paid(result[1], "ncms") == Decimal("49700.00")
    account = ledger.get_benefit_year("P-2.3", 2018)
    # tamper in memory only (before any recalculation "current" is the settlement as made)
    account.settlements[1]["settlement"]["layers"][0]["amount"] = Decimal("49700.01")
    original_get = ledger.get_benefit_year
    ledger.get_benefit_year = lambda ref, year: account  # type: ignore[method-assign]
    try:
        outcome = ledger.verify_benefit_year("P-2.3", 2018)
    finally:
        ledger.get_benefit_year = original_get  # type: ignore[method-assign]
    assert outcome["verified"] is False
    assert {
        (d["settlement_id"], d["part"], d["field"], d["recorded"], d["derived"]) for d in outcome["differences"]
    } == {
        ("P-2.3-B#1", part, "layers[0].amount", Decimal("49700.01"), Decimal("49700.00"))
        for part in ("settled", "current")
    }
