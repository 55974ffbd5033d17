"""Settlement reversal (反结算) and re-settlement, and fraud (骗保) reversal, on SQLite and PostgreSQL.

The oracle for "re-derived to the fen" is an independent ledger in which the reversed claim never happened:
the later settlements must come out exactly as they do there.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.application.scenario import (
    COUNTY_HOSPITAL,
    PROVINCE_HOSPITAL,
    admit_and_settle,
    poor_patient,
    publish_default,
)

from domain.errors import StateConflictError, ValidationError
from service.commands import (
    RecordBenefitRecovery,
    RecordFundReimbursement,
    ReverseBenefitForFraud,
    ReverseChargeLine,
    ReverseSettlement,
    ReverseSettlementByAudit,
    SettleAdmission,
)
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line
from service.settings import Settings

CLAIMS = {  # admission -> (hospital, total, compliant, day)
    "Y-A": (COUNTY_HOSPITAL, "20000", "19000", date(2018, 2, 10)),
    "Y-B": (PROVINCE_HOSPITAL, "80000", "72000", date(2018, 4, 20)),
    "Y-C": (PROVINCE_HOSPITAL, "30000", "27000", date(2018, 6, 5)),
}


def _settle(ledger: BenefitLedger, patient: str, admissions: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    at = datetime(2000, 1, 1, tzinfo=UTC)
    for ref in admissions:
        hospital, total, compliant, day = CLAIMS[ref]
        # settled at the window in order: never before the year's previous settlement (the time rules)
        at = max(at, datetime(2018, day.month, day.day, 12, tzinfo=UTC))
        out[ref] = admit_and_settle(
            ledger,
            patient,
            ref,
            hospital,
            total=total,
            compliant=compliant,
            day=day,
            referred=hospital is PROVINCE_HOSPITAL,
            settled_at=at,
        )
    return out


def _layers(settlement: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(layer["payer"], Decimal(layer["amount"])) for layer in settlement["layers"]]


def _oracle(tmp_path: Any, admissions: list[str]) -> dict[str, dict[str, Any]]:
    """The same patient-year on a fresh ledger, without the reversed claim."""
    other = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{tmp_path}/oracle.db"))
    try:
        publish_default(other)
        poor_patient(other, "P-Y")
        return _settle(other, "P-Y", admissions)
    finally:
        other.close()


def test_a_reversal_in_the_middle_of_a_year_re_derives_the_later_settlements(
    ledger: BenefitLedger, tmp_path: Any
) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-Y")
    first = _settle(ledger, "P-Y", ["Y-A", "Y-B", "Y-C"])
    head = ledger.recorder.max_notification_id()
    result = ledger.handle(
        ReverseSettlement(
            command_id="rev-A",
            admission_ref="Y-A",
            reason="错误结算: 重复收费",
            reversed_at=datetime(2018, 7, 1, tzinfo=UTC),
        )
    )
    assert result["settlement_id"] == "Y-A#1"
    assert result["advance_reversed"] == {k: v for k, v in _layers(first["Y-A"]) if v > 0}
    oracle = _oracle(tmp_path, ["Y-B", "Y-C"])
    year = ledger.get_benefit_year("P-Y", 2018)
    current = {r["settlement_id"]: r["current"] for r in year.settlements}
    for ref in ("Y-B", "Y-C"):  # re-derived to the fen: as if Y-A had never been settled
        assert _layers(current[f"{ref}#1"]) == _layers(oracle[ref])
        assert Decimal(current[f"{ref}#1"]["patient_compliant"]) == Decimal(oracle[ref]["patient_compliant"])
    assert _layers(current["Y-B#1"]) != _layers(first["Y-B"])  # the deductible and bands moved
    assert all(amount == 0 for _, amount in _layers(current["Y-A#1"]))
    assert [r["settlement_id"] for r in year.active_settlements] == ["Y-B#1", "Y-C#1"]
    assert ledger.verify_benefit_year("P-Y", 2018)["verified"]
    assert ledger.recorder.max_notification_id() > head

    # correct the bill and settle again at the window: Y-A#2, after the others
    ledger.handle(ReverseChargeLine(command_id="A:rev-line", admission_ref="Y-A", line_no="2", reason="重复收费"))
    ledger.handle(
        charge_line(
            command_id="A:line3",
            admission_ref="Y-A",
            line_no="3",
            category="drug",
            amount=Decimal("500"),
            compliant=False,
        )
    )
    again = ledger.handle(
        SettleAdmission(command_id="Y-A:settle:2", admission_ref="Y-A", settled_at=datetime(2018, 7, 2, tzinfo=UTC))
    )
    assert again["settlement_id"] == "Y-A#2"
    CLAIMS["Y-A2"] = (COUNTY_HOSPITAL, "19500", "19000", date(2018, 2, 10))  # the corrected bill
    (tmp_path / "2").mkdir()
    try:
        oracle = _oracle(tmp_path / "2", ["Y-B", "Y-C", "Y-A2"])
    finally:
        del CLAIMS["Y-A2"]
    assert _layers(again) == _layers(oracle["Y-A2"])
    assert Decimal(again["patient_share"]) == Decimal(oracle["Y-A2"]["patient_share"])
    assert ledger.verify_benefit_year("P-Y", 2018)["verified"]
    history = ledger.get_benefit_year("P-Y", 2018)
    assert [r["settlement_id"] for r in history.settlements] == ["Y-A#1", "Y-B#1", "Y-C#1", "Y-A#2"]
    assert history.record_of("Y-A#1")["reversed"]["reason"] == "错误结算: 重复收费"  # the auditor sees both


def test_a_hospital_cannot_reverse_once_the_fund_reimbursed_but_an_auditor_can(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-Y")
    settled = _settle(ledger, "P-Y", ["Y-A"])["Y-A"]
    ncms = dict(_layers(settled))["ncms"]
    ledger.handle(
        RecordFundReimbursement(
            command_id="re-1", hospital_code="LX-001", fund="ncms", amount=ncms, received_on=date(2018, 3, 1)
        )
    )
    head = ledger.recorder.max_notification_id()
    with pytest.raises(StateConflictError, match="reimbursed its advance"):
        ledger.handle(ReverseSettlement(command_id="rev", admission_ref="Y-A", reason="wrong"))
    assert ledger.recorder.max_notification_id() == head
    ledger.handle(ReverseSettlementByAudit(command_id="rev-audit", admission_ref="Y-A", reason="审核: 结算错误"))
    with pytest.raises(ValidationError, match="exceeds what ncms owes"):  # the advance is gone: nothing more owed
        ledger.handle(
            RecordFundReimbursement(
                command_id="re-2",
                hospital_code="LX-001",
                fund="ncms",
                amount=Decimal("0.01"),
                received_on=date(2018, 3, 2),
            )
        )
    with pytest.raises(StateConflictError, match="no standing settlement"):
        ledger.handle(ReverseSettlementByAudit(command_id="rev-audit-2", admission_ref="Y-A", reason="again"))


def test_fraud_reverses_the_benefit_and_makes_it_recoverable_from_the_patient(
    ledger: BenefitLedger, tmp_path: Any
) -> None:
    publish_default(ledger)
    poor_patient(ledger, "P-Y")
    first = _settle(ledger, "P-Y", ["Y-A", "Y-B", "Y-C"])
    result = ledger.handle(
        ReverseBenefitForFraud(
            command_id="fraud-1",
            finding_ref="F-FRAUD-1",
            patient_ref="P-Y",
            year=2018,
            settlement_ids=["Y-B#1"],
            reason="冒名住院",
            found_on=date(2018, 8, 1),
        )
    )
    assert result["recoverable"] == Decimal(first["Y-B"]["payer_total"])
    oracle = _oracle(tmp_path, ["Y-A", "Y-C"])
    year = ledger.get_benefit_year("P-Y", 2018)
    assert _layers(year.record_of("Y-C#1")["current"]) == _layers(oracle["Y-C"])
    assert ledger.verify_benefit_year("P-Y", 2018)["verified"]
    ledger.handle(
        RecordBenefitRecovery(
            command_id="rec-1",
            patient_ref="P-Y",
            year=2018,
            settlement_id="Y-B#1",
            amount=Decimal("1000.00"),
            recovered_on=date(2018, 9, 1),
        )
    )
    account = ledger.benefit_year_account("P-Y", 2018)
    assert account.recoverable_outstanding("Y-B#1") == Decimal(first["Y-B"]["payer_total"]) - Decimal("1000.00")
    with pytest.raises(ValidationError, match="at most the recoverable"):
        ledger.handle(
            RecordBenefitRecovery(
                command_id="rec-2",
                patient_ref="P-Y",
                year=2018,
                settlement_id="Y-B#1",
                amount=Decimal("9999999.00"),
                recovered_on=date(2018, 9, 2),
            )
        )


def test_the_read_models_follow_a_reversal_and_re_settlement(
    ledger: BenefitLedger, store_url: str, tmp_path: Any
) -> None:
    from tests.projections.builders import catch_up

    from projections.annual_totals import annual_totals
    from projections.hospital_advances import hospital_ledger
    from projections.store import open_store
    from service.settings import store_config

    publish_default(ledger)
    poor_patient(ledger, "P-Y")
    _settle(ledger, "P-Y", ["Y-A", "Y-B", "Y-C"])
    views = open_store(store_config(store_url))
    try:
        catch_up(ledger, views)  # the projections saw the first settlement of Y-A
        reversal = ledger.handle(ReverseSettlement(command_id="rev-A", admission_ref="Y-A", reason="重复收费"))
        ledger.handle(
            SettleAdmission(command_id="Y-A:settle:2", admission_ref="Y-A", settled_at=datetime(2018, 7, 2, tzinfo=UTC))
        )
        catch_up(ledger, views)
        totals, hospitals = annual_totals(views, "P-Y", 2018), hospital_ledger(views)
    finally:
        views.close()
    url = f"sqlite:///{tmp_path}/oracle.db"  # the same year settled B, C, then A, with no reversal
    other = BenefitLedger.from_settings(Settings(database_url=url))
    other_views = open_store(store_config(url))
    try:
        publish_default(other)
        poor_patient(other, "P-Y")
        _settle(other, "P-Y", ["Y-B", "Y-C", "Y-A"])
        catch_up(other, other_views)
        expected, expected_hospitals = annual_totals(other_views, "P-Y", 2018), hospital_ledger(other_views)
    finally:
        other_views.close()
        other.close()
    assert totals is not None and expected is not None
    for column in ("total_cost", "payer_total", "patient_share", "paid_ncms", "paid_cii", "paid_ma", "person_times"):
        assert totals[column] == expected[column], column
    # The window hospital's advance follows exactly: Y-A#1 taken back, Y-A#2 advanced. The other settlements'
    # restated payer deltas are reported (items), and like a recalculation's they do not move what the province
    # hospital really advanced at its window: its advance differs from the oracle's by exactly those deltas.
    advanced = {(h["hospital_code"], f["fund"]): f["advanced"] for h in hospitals for f in h["funds"]}
    oracle = {(h["hospital_code"], f["fund"]): f["advanced"] for h in expected_hospitals for f in h["funds"]}
    deltas: dict[str, Decimal] = {}
    for item in reversal["items"]:
        if not item.get("reversed"):
            for payer, delta in item["payer_deltas"].items():
                deltas[payer] = deltas.get(payer, Decimal("0.00")) + Decimal(delta)
    for (code, fund), amount in oracle.items():
        expected_advance = amount if code == "LX-001" else amount - deltas.get(fund, Decimal("0.00"))
        assert advanced[(code, fund)] == expected_advance, (code, fund)


def test_the_auditor_replay_shows_the_reversal_and_the_new_settlement(ledger: BenefitLedger) -> None:
    from cli.output import year_lines

    publish_default(ledger)
    poor_patient(ledger, "P-Y")
    _settle(ledger, "P-Y", ["Y-A", "Y-B"])
    ledger.handle(
        ReverseSettlement(
            command_id="rev-A", admission_ref="Y-A", reason="重复收费", reversed_at=datetime(2018, 7, 1, tzinfo=UTC)
        )
    )
    ledger.handle(
        SettleAdmission(command_id="Y-A:settle:2", admission_ref="Y-A", settled_at=datetime(2018, 7, 2, tzinfo=UTC))
    )
    text = "\n".join(year_lines(ledger.get_benefit_year("P-Y", 2018)))
    assert "Y-A#1" in text and "Y-A#2" in text
    assert "REVERSED (反结算) at 2018-07-01T00:00:00+00:00: 重复收费" in text
