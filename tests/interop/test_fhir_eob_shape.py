"""The ExplanationOfBenefit of a settlement meets the FHIR R4 rules (tests/interop/fhir_r4_rules.py)."""

from __future__ import annotations

import re

import pytest
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from tests.application.scenario import publish_default, worked_example
from tests.interop.fhir_r4_rules import REQUIRED, r4_problems

from domain.ids import patient_id
from domain.vocabulary import PAYER_LABELS_ZH, Payer
from interop.eob_export import export_settlement
from interop.fhir_json import dumps, loads
from service.ledger import BenefitLedger
from service.settings import Settings

PAYERS = ["ncms", "cii", "ma", "b351", "s5090", "reassist"]


@pytest.fixture
def settled(ledger: BenefitLedger) -> BenefitLedger:
    """The worked example on each store (SQLite and PostgreSQL)."""
    publish_default(ledger)
    worked_example(ledger)
    return ledger


@pytest.fixture(scope="module")
def eob_a(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The JSON of settlement A's EOB, made once for the rule tests (SQLite)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('eob')}/ledger.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=url))
    try:
        publish_default(ledger)
        worked_example(ledger)
        return dumps(export_settlement(ledger, "P-2.3-A#1"))
    finally:
        ledger.close()


@pytest.mark.parametrize("per_line", [True, False], ids=["per-charge-line", "per-claim"])
def test_the_eob_meets_r4(settled: BenefitLedger, per_line: bool) -> None:
    eob = loads(dumps(export_settlement(settled, "P-2.3-B#1", per_line=per_line)))
    assert r4_problems(eob) == []
    assert eob["resourceType"] == "ExplanationOfBenefit"
    assert (eob["status"], eob["use"], eob["outcome"]) == ("active", "claim", "complete")
    assert eob["type"]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/claim-type",
        "code": "institutional",
    }
    assert eob["identifier"] == [{"system": "urn:benefit-ledger:settlement-id", "value": "P-2.3-B#1"}]
    assert eob["patient"] == {
        "reference": f"Patient/{patient_id('P-2.3')}",
        "identifier": {"system": "urn:benefit-ledger:patient-ref", "value": "P-2.3"},
    }
    contained = {resource["id"]: resource for resource in eob["contained"]}
    assert eob["provider"] == {"reference": "#hospital", "display": "安徽省立医院"}
    assert contained["hospital"]["identifier"] == [{"system": "urn:benefit-ledger:hospital-code", "value": "AH-001"}]
    assert eob["insurer"] == {"reference": "#fund-ncms", "display": "新农合补偿"}
    assert contained["fund-ncms"]["identifier"] == [{"system": "urn:benefit-ledger:fund", "value": "ncms/341821"}]
    # one insurance entry per payer layer, each its own contained Coverage paid by its own fund
    assert eob["insurance"] == [
        {"focal": payer == "ncms", "coverage": {"reference": f"#coverage-{payer}"}} for payer in PAYERS
    ]
    for payer in PAYERS:
        coverage = contained[f"coverage-{payer}"]
        assert coverage["type"]["coding"][0] == {
            "system": "urn:benefit-ledger:payer-layer",
            "code": payer,
            "display": PAYER_LABELS_ZH[Payer(payer)],
        }
        assert coverage["payor"] == [{"reference": f"#fund-{payer}"}]
        assert coverage["beneficiary"]["reference"] == f"Patient/{patient_id('P-2.3')}"
        assert coverage["identifier"][0]["value"] == f"341821/P-2.3/2018/{payer}"
    referenced = set(re.findall(r'"reference": "#([^"]+)"', dumps(eob)))
    assert referenced == set(contained), "every contained resource is referenced (FHIR dom-3)"
    assert eob["created"] == "2018-07-01T10:00:00+00:00"
    assert eob["billablePeriod"] == {"start": "2018-05-20", "end": "2018-05-20"}
    assert eob["meta"]["versionId"] == "1"
    categories = [item["productOrService"]["coding"][0]["code"] for item in eob["item"]]
    assert categories == (["treatment", "drug"] if per_line else ["inpatient"])
    payers = [entry["category"]["coding"][0]["code"] for entry in eob["adjudication"]]
    assert payers == PAYERS  # one per layer, in cascade order
    ExplanationOfBenefit.model_validate_json(dumps(eob))  # the R4B model of fhir.resources accepts it


def test_the_id_is_stable_and_valid(settled: BenefitLedger) -> None:
    first = export_settlement(settled, "P-2.3-A#1")
    assert export_settlement(settled, "P-2.3-A#1")["id"] == first["id"]
    assert export_settlement(settled, "P-2.3-B#1")["id"] != first["id"]
    assert r4_problems(first) == []


@pytest.mark.parametrize("field", REQUIRED)
def test_the_rules_catch_a_missing_required_field(eob_a: str, field: str) -> None:
    eob = loads(eob_a)
    assert r4_problems(eob) == []
    del eob[field]
    assert r4_problems(eob) == [f"missing {field}"]


@pytest.mark.parametrize(
    "breakage, problem",
    [
        (lambda e: e.update(status="settled"), "status 'settled' is not in the required value set"),
        (lambda e: e.update(outcome="done"), "outcome 'done' is not in the required value set"),
        (lambda e: e["insurance"][0].pop("focal"), "insurance[0].focal"),
        (
            lambda e: e["insurance"][0].update(coverage={}),
            "insurance[0].coverage names nothing (reference or identifier)",
        ),
        (lambda e: e["item"][1].update(sequence=1), "item sequences are not unique"),
        (lambda e: e["total"][0]["amount"].update(value=1.5), "total[0].amount is not Money with a decimal value"),
        (lambda e: e["adjudication"][0]["amount"].update(currency="yuan"), "adjudication[0].amount.currency"),
        (
            lambda e: e.update(created="2018-07-01 10:00"),
            "created '2018-07-01 10:00' is not a dateTime with a time zone",
        ),
    ],
)
def test_the_rules_catch_broken_elements(eob_a: str, breakage, problem: str) -> None:
    eob = loads(eob_a)
    breakage(eob)
    assert problem in r4_problems(eob)
