"""Free drug delivery (送药上门) on SQLite and PostgreSQL: paid from its own 20,000-yuan budget, checked against
the policy (poor, certified, one of the chronic diseases), counted and costed per disease."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from tests.application.scenario import REGION, poor_patient, publish_default
from tests.money.conftest import auth
from tests.money.money_scenario import budget

from domain.errors import StateConflictError, ValidationError
from service.commands import CertifyChronicDisease, RecordDrugDelivery
from service.ledger import BenefitLedger


def _chronic(ledger: BenefitLedger, ref: str, disease: str, status: str = "jiandanglika") -> None:
    poor_patient(ledger, ref, status=status)
    ledger.handle(
        CertifyChronicDisease(command_id=f"{ref}:cert", patient_ref=ref, disease=disease, valid_from=date(2018, 1, 1))
    )


def _deliver(
    ledger: BenefitLedger, ref: str, patient: str, disease: str, cost: str, day: date = date(2018, 8, 1)
) -> dict:
    return ledger.handle(
        RecordDrugDelivery(
            command_id=f"delivery:{ref}",
            delivery_ref=ref,
            patient_ref=patient,
            disease=disease,
            drugs=["药品 x 30"],
            cost=Decimal(cost),
            delivered_on=day,
        )
    )


def test_deliveries_are_paid_from_their_budget_and_counted(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    _chronic(ledger, "C-1", "hypertension")
    _chronic(ledger, "C-2", "diabetes")
    _chronic(ledger, "C-3", "diabetes", status="none")
    budget(ledger, "20000", fund="drug_delivery", command_id="budget:drugs")
    _deliver(ledger, "SY-1", "C-1", "hypertension", "86.40")
    _deliver(ledger, "SY-2", "C-2", "diabetes", "120.00")
    last = _deliver(ledger, "SY-3", "C-1", "hypertension", "86.40", date(2018, 9, 1))
    assert (last["deliveries"], last["patients"], last["cost"]) == (3, 2, Decimal("292.80"))
    assert last["by_disease"] == {
        "diabetes": {"deliveries": 1, "cost": Decimal("120.00")},
        "hypertension": {"deliveries": 2, "cost": Decimal("172.80")},
    }
    assert (last["paid"], last["remaining"]) == (Decimal("292.80"), Decimal("19707.20"))
    assert _deliver(ledger, "SY-3", "C-1", "hypertension", "86.40", date(2018, 9, 1))["replayed"]

    head = ledger.recorder.max_notification_id()
    with pytest.raises(StateConflictError, match="not poor"):
        _deliver(ledger, "SY-4", "C-3", "diabetes", "50.00")
    with pytest.raises(ValidationError, match="not one of the policy's chronic diseases"):
        _deliver(ledger, "SY-5", "C-1", "flu", "50.00")
    with pytest.raises(StateConflictError, match="exceeds the remaining"):
        _deliver(ledger, "SY-6", "C-1", "hypertension", "19707.21")
    with pytest.raises(StateConflictError, match="already recorded"):  # the same delivery under another command id
        ledger.handle(
            RecordDrugDelivery(
                command_id="other",
                delivery_ref="SY-1",
                patient_ref="C-1",
                disease="hypertension",
                drugs=["x"],
                cost=Decimal("1.00"),
                delivered_on=date(2018, 9, 2),
            )
        )
    assert ledger.recorder.max_notification_id() == head


def test_the_delivery_route_belongs_to_the_delivery_fund(ledger: BenefitLedger, http: TestClient) -> None:
    _chronic(ledger, "C-1", "copd")
    budget(ledger, "20000", fund="drug_delivery", command_id="budget:drugs")
    body = {
        "delivery_ref": "SY-1",
        "patient_ref": "C-1",
        "disease": "copd",
        "drugs": ["噻托溴铵"],
        "cost": "64.00",
        "delivered_on": "2018-08-01",
        "command_id": "d1",
    }
    assert http.post("/drug-deliveries", json=body, headers=auth("tok-pay-ncms")).status_code == 403
    made = http.post("/drug-deliveries", json=body, headers=auth("tok-pay-drug"))
    assert made.status_code == 201, made.text
    assert (made.json()["cost"], made.json()["remaining"]) == ("64.00", "19936.00")
    figures = http.get(f"/fund-budgets/drug_delivery/{REGION}/2018", headers=auth("tok-dashboard")).json()
    assert figures["paid"] == "64.00"


def test_the_money_report_shows_budgets_deliveries_and_enrolment(ledger: BenefitLedger, http: TestClient) -> None:
    from service.commands import EnrolPatient, RecordPovertyStatus, RegisterPatient

    _chronic(ledger, "C-1", "copd")  # poor, enrolled, premium paid by the state
    ledger.handle(RegisterPatient(command_id="C-2:reg", patient_ref="C-2", county_code=REGION))
    ledger.handle(
        RecordPovertyStatus(command_id="C-2:st", patient_ref="C-2", status="dibao", effective_from=date(2017, 1, 1))
    )
    ledger.handle(EnrolPatient(command_id="C-2:enrol", patient_ref="C-2", year=2018, premium_paid_by_state=False))
    ledger.handle(RegisterPatient(command_id="C-3:reg", patient_ref="C-3", county_code=REGION))
    ledger.handle(
        RecordPovertyStatus(command_id="C-3:st", patient_ref="C-3", status="tekun", effective_from=date(2017, 1, 1))
    )  # poor, not enrolled
    budget(ledger, "20000", fund="drug_delivery", command_id="budget:drugs")
    budget(ledger, "2700000", command_id="budget:zjz")
    _deliver(ledger, "SY-1", "C-1", "copd", "64.00")
    report = http.get(f"/reports/money/{REGION}/2018", headers=auth("tok-dashboard"))
    assert report.status_code == 200, report.text
    body = report.json()
    assert [(f["fund"], f["budget"], f["paid"], f["remaining"]) for f in body["funds"]] == [
        ("reassist", "2700000.00", "0.00", "2700000.00"),
        ("drug_delivery", "20000.00", "64.00", "19936.00"),
    ]
    assert body["drug_deliveries"] == {
        "deliveries": 1,
        "patients": 1,
        "cost": "64.00",
        "by_disease": {"copd": {"deliveries": 1, "cost": "64.00"}},
    }
    assert body["enrolment"] == {
        "registered_poor": 3,
        "enrolled": 2,
        "premium_paid_by_state": 1,
        "premium_payers": {"county_finance": 1, "self": 1, "other": 0},
        "enrolment_rate": "0.6667",
        "premium_subsidy_rate": "0.5000",
    }
