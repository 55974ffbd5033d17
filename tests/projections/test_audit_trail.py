"""Audit trail per patient-year and per admission: log order, effective and recorded time, layer arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from tests.projections.builders import catch_up, publish, retroactive_5090, worked_example

from projections import audit_trail, audit_trail_for_admission
from projections.store import ViewStore
from service.commands import RecordAuditFinding, RecordPovertyStatus
from service.ledger import BenefitLedger

D = Decimal


def test_the_patient_year_trail_lists_every_event_with_the_layer_arithmetic(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    publish(ledger)
    worked_example(ledger)
    ledger.handle(
        RecordPovertyStatus(
            command_id="lifted", patient_ref="P-WE", status="lifted", effective_from=date(2019, 1, 1), reason="脱贫"
        )
    )
    ledger.handle(
        RecordAuditFinding(
            command_id="f1",
            finding_ref="F1",
            admission_ref="P-WE-A",
            line_nos=["1"],
            reason="unreasonable_examination",
            found_on=date(2018, 7, 5),
        )
    )
    catch_up(ledger, views)
    trail = audit_trail(views, "P-WE", 2018)
    positions = [e["position"] for e in trail]
    assert positions == sorted(positions)
    events = [e["event"] for e in trail]
    assert events[:3] == ["Registered", "EnrolledInBasicInsurance", "PovertyStatusRegistered"]
    assert "PovertyStatusChanged" not in events  # effective 2019: not in force in 2018
    assert events.count("SettlementRecorded") == 2 and events.count("ChargeLineClassified") == 4
    assert events[-2:] == ["Recorded", "AdvanceDeducted"]
    settled = next(e for e in trail if e["event"] == "SettlementRecorded")
    assert (settled["settlement_id"], settled["admission_ref"], settled["year"]) == ("P-WE-A#1", "P-WE-A", 2018)
    assert (settled["effective_on"], settled["policy_version"], settled["amount"]) == (
        "2018-03-12",
        "langxi-2018.1",
        D("17915.00"),
    )
    assert settled["recorded_at"].endswith("+00:00")
    assert settled["detail"]["claim"]["compliant"] == "19000.00"
    ncms = settled["layers"][0]
    assert (ncms["payer"], ncms["base"], ncms["threshold"], ncms["ratio"], ncms["cap"], ncms["amount"]) == (
        "ncms",
        D("19000.00"),
        D("300"),
        D("0.90"),
        D("300000"),
        D("16830.00"),
    )
    assert ncms["explanation"] == "(19000.00 - deductible 300) x 0.90 = 16830.00"
    assert [la["payer"] for la in settled["layers"]] == ["ncms", "cii", "ma", "b351", "s5090", "reassist"]
    assert all(la["policy_version"] == "langxi-2018.1" for la in settled["layers"])
    deducted = trail[-1]
    assert (deducted["finding_ref"], deducted["hospital_code"], deducted["amount"]) == ("F1", "LX-001", D("17915.00"))
    assert [e["event"] for e in audit_trail(views, "P-WE", 2019)][-1] == "PovertyStatusChanged"

    admission = audit_trail_for_admission(views, "P-WE-A")
    assert [e["event"] for e in admission] == [
        "Registered",
        "ChargeLineClassified",
        "ChargeLineClassified",
        "Discharged",
        "Settled",
        "SettlementRecorded",
        "Recorded",
        "AdvanceDeducted",
    ]
    assert admission[0]["effective_on"] == "2018-03-12" and admission[0]["year"] == 2018
    line = admission[1]  # the auditor sees per line why it is (not) compliant, and under which catalogue
    assert line["amount"] == D("19000.00") and "compliant 19000.00" in line["summary"]
    assert "langxi-catalogue-2016.1" in line["summary"] and "is class A" in line["summary"]
    assert "out of catalogue 1000.00" in admission[2]["summary"] and "self-pay item" in admission[2]["summary"]


def test_a_recalculation_shows_both_policy_versions_and_the_new_arithmetic(
    ledger: BenefitLedger, views: ViewStore
) -> None:
    retroactive_5090(ledger)
    catch_up(ledger, views)
    trail = audit_trail(views, "P-5090", 2018)
    recalculated = next(e for e in trail if e["event"] == "RecalculationRecorded")
    assert recalculated["policy_version"] == "langxi-2018.2-5090"
    assert recalculated["amount"] == D("4500.00")
    # as known at the server's time of the recalculation (known_at defaults to the server clock)
    assert datetime.fromisoformat(recalculated["effective_on"]) <= datetime.now(UTC)
    items = recalculated["detail"]["items"]
    assert [(i["policy_version_before"], i["compensation_owed"]) for i in items] == [
        ("langxi-2018.1-no5090", "2772.00"),
        ("langxi-2018.1-no5090", "1728.00"),
    ]
    assert {la["settlement_id"] for la in recalculated["layers"]} == {"P-5090-D0#1", "P-5090-D1#1"}
    first = audit_trail_for_admission(views, "P-5090-D0")
    again = next(e for e in first if e["event"] == "RecalculationRecorded")
    s5090 = [la for la in again["layers"] if la["payer"] == "s5090"]
    assert [(la["settlement_id"], la["amount"], la["eligible"]) for la in s5090] == [
        ("P-5090-D0#1", D("2772.00"), True)
    ]
    original = next(e for e in first if e["event"] == "SettlementRecorded")
    assert "s5090" not in [la["payer"] for la in original["layers"]]
    assert original["policy_version"] == "langxi-2018.1-no5090"
