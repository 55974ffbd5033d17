"""The FHIR R4 API over HTTP: every ExplanationOfBenefit it serves validates against the R4B models of
fhir.resources and carries the settlement's amounts to the fen; versions follow recalculations; search by
patient and billable period; access like the admission reads; refusals as OperationOutcome."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient
from tests.api.role_client import ACCESS, bearer
from tests.application.scenario import publish_default, worked_example
from tests.interop.fhir_r4_rules import r4_problems
from tests.projections.builders import busy_county

from api.main import create_app
from domain.ids import admission_id, patient_id
from domain.vocabulary import Payer
from interop.fhir_json import dumps, loads
from service.ledger import BenefitLedger
from service.settings import Settings

D = Decimal
AUDITOR = bearer("tok-auditor")
FHIR_JSON = "application/fhir+json"


@pytest.fixture(scope="module")
def fhir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, BenefitLedger]]:
    path: Path = tmp_path_factory.mktemp("fhir") / "ledger.db"
    ledger = BenefitLedger.from_settings(Settings(database_url=f"sqlite:///{path}"))
    try:
        publish_default(ledger)
        worked_example(ledger)  # P-2.3: A (LX-001, 2018-03-12) and B (AH-001, 2018-05-20)
        busy_county(ledger)  # a retroactive version recalculates the county, P-2.3 included
        with TestClient(create_app(ledger=ledger, access=ACCESS)) as client:
            yield client, ledger
    finally:
        ledger.close()


def get(client: TestClient, path: str, token: str = "tok-auditor", status: int = 200, **params: Any) -> Any:
    response = client.get(path, params=params, headers=bearer(token))
    assert response.status_code == status, response.text
    if status < 400 or response.headers["content-type"] == FHIR_JSON:
        assert response.headers["content-type"] == FHIR_JSON
        return loads(response.content)
    return response.json()


def eob_url(admission_ref: str, n: int = 1) -> str:
    return f"/fhir/ExplanationOfBenefit/{admission_id(admission_ref)}-{n}"


def amounts(entries: list[dict]) -> dict[str, Decimal]:
    return {entry["category"]["coding"][0]["code"]: entry["amount"]["value"] for entry in entries}


def check_against_the_ledger(ledger: BenefitLedger, eob: dict) -> None:
    """Valid R4B, and every amount the settlement's (the version the EOB says) to the fen."""
    ExplanationOfBenefit.model_validate_json(dumps(eob))
    assert r4_problems(eob) == []
    (identifier,) = eob["identifier"]
    admission_ref = identifier["value"].rpartition("#")[0]
    record = ledger.get_benefit_year(eob["patient"]["identifier"]["value"], 2018).record_of(identifier["value"])
    settlement = record["settlement" if eob["meta"]["versionId"] == "1" else "current"]
    layers = {layer["payer"]: D(layer["amount"]) for layer in settlement["layers"]}
    assert amounts(eob["adjudication"]) == layers
    assert [i["coverage"]["reference"] for i in eob["insurance"]] == [f"#coverage-{p}" for p in layers]
    totals = amounts(eob["total"])
    patient = D(settlement["patient_compliant"]) + D(settlement["patient_noncompliant"])
    assert totals == {
        "submitted": D(settlement["total"]),
        "eligible": D(settlement["compliant"]),
        "benefit": sum(layers.values(), D("0.00")),
        "patient-share": patient,
        "hospital-borne": D(settlement["hospital_borne"]),
    }
    assert totals["benefit"] + totals["patient-share"] + totals["hospital-borne"] == totals["submitted"]
    assert sum((item["net"]["value"] for item in eob["item"]), D("0.00")) == totals["submitted"]
    assert eob["payment"]["amount"]["value"] == totals["benefit"]
    admission = ledger.get_admission(admission_ref)
    assert eob["billablePeriod"] == {"start": admission.admitted_on, "end": admission.discharged_on}
    for value in (*layers.values(), *totals.values()):
        assert value.as_tuple().exponent == -2


def test_every_eob_of_the_county_validates_and_adds_up(fhir: tuple[TestClient, BenefitLedger]) -> None:
    client, ledger = fhir
    seen = 0
    for ref in ["P-2.3", "P-5090", *(f"P{n:03d}" for n in range(6))]:
        bundle = get(client, "/fhir/ExplanationOfBenefit", patient=f"Patient/{patient_id(ref)}")
        Bundle.model_validate_json(dumps(bundle))
        assert bundle["type"] == "searchset" and bundle["total"] == len(bundle["entry"]) >= 1
        for entry in bundle["entry"]:
            eob = entry["resource"]
            assert entry["fullUrl"].endswith(f"/fhir/ExplanationOfBenefit/{eob['id']}")
            check_against_the_ledger(ledger, eob)
            assert get(client, f"/fhir/ExplanationOfBenefit/{eob['id']}") == eob
            seen += 1
    assert seen == 2 + 2 + 6 * 2


def test_a_recalculation_is_a_new_version_and_version_1_is_as_settled(fhir: tuple[TestClient, BenefitLedger]) -> None:
    client, ledger = fhir
    current = get(client, eob_url("P-5090-D1"))
    assert current["meta"]["versionId"] == "2"
    settled = get(client, eob_url("P-5090-D1") + "/_history/1")
    assert settled["meta"]["versionId"] == "1" and settled["id"] == current["id"]
    assert get(client, eob_url("P-5090-D1") + "/_history/2") == current
    check_against_the_ledger(ledger, current)
    check_against_the_ledger(ledger, settled)
    record = ledger.get_benefit_year("P-5090", 2018).record_of("P-5090-D1#1")
    assert amounts(current["adjudication"])["s5090"] > 0 and "s5090" not in amounts(settled["adjudication"])
    assert current["payment"]["adjustment"] == {"value": D(record["compensation_owed"]), "currency": "CNY"}
    assert "adjustment" not in settled["payment"]
    assert settled["meta"]["lastUpdated"] < current["meta"]["lastUpdated"]
    history = get(client, eob_url("P-5090-D1") + "/_history")
    Bundle.model_validate_json(dumps(history))
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    assert [e["request"]["method"] for e in history["entry"]] == ["PUT", "POST"]
    missing = get(client, eob_url("P-5090-D1") + "/_history/3", status=404)
    assert missing["issue"][0]["code"] == "not-found"
    # a settlement no recalculation changed stays at version 1
    assert get(client, eob_url("P001-2"))["meta"]["versionId"] == "1"


def test_search_by_billable_period(fhir: tuple[TestClient, BenefitLedger]) -> None:
    client, _ = fhir

    def found(*periods: str, **params: str) -> list[str]:
        query = [("patient.identifier", "urn:benefit-ledger:patient-ref|P-2.3"), *params.items()]
        query += [("billable-period", p) for p in periods]
        response = client.get("/fhir/ExplanationOfBenefit", params=query, headers=AUDITOR)
        assert response.status_code == 200, response.text
        return [e["resource"]["identifier"][0]["value"] for e in loads(response.content)["entry"]]

    assert found() == ["P-2.3-A#1", "P-2.3-B#1"]
    assert found("ge2018-04-01") == ["P-2.3-B#1"]
    assert found("le2018-04") == ["P-2.3-A#1"]
    assert found("ge2018-03-12", "le2018-05-20") == ["P-2.3-A#1", "P-2.3-B#1"]
    assert found("ge2018-03-13", "le2018-05-19") == []
    assert found("2018-05") == ["P-2.3-B#1"] and found("2018") == ["P-2.3-A#1", "P-2.3-B#1"]
    assert found("gt2018-05-20") == [] and found("lt2018-03-13") == ["P-2.3-A#1"]
    unknown = get(client, "/fhir/ExplanationOfBenefit", patient="Patient/00000000-0000-0000-0000-000000000000")
    assert unknown["total"] == 0 and unknown["entry"] == []


def test_hospitals_see_their_own_admissions_only(fhir: tuple[TestClient, BenefitLedger]) -> None:
    client, _ = fhir
    mine = get(
        client, "/fhir/ExplanationOfBenefit", token="tok-hospital-LX-001", patient=f"Patient/{patient_id('P-2.3')}"
    )
    assert [e["resource"]["identifier"][0]["value"] for e in mine["entry"]] == ["P-2.3-A#1"]
    assert get(client, eob_url("P-2.3-A"), token="tok-hospital-LX-001")["id"].startswith(str(admission_id("P-2.3-A")))
    for token, status in (("tok-hospital-LX-001", 403), ("tok-dashboard", 403), ("tok-pay-ncms", 403), ("x", 401)):
        response = client.get(eob_url("P-2.3-B"), headers=bearer(token))
        assert response.status_code == status, (token, response.text)
    assert client.get(f"/fhir/Patient/{patient_id('P-2.3')}", headers=bearer("tok-hospital-LX-001")).status_code == 403


@pytest.mark.parametrize(
    "path, params, status, says",
    [
        ("/fhir/ExplanationOfBenefit/not-an-id", {}, 404, "no ExplanationOfBenefit not-an-id"),
        (f"/fhir/ExplanationOfBenefit/{patient_id('P-2.3')}-1", {}, 404, "no ExplanationOfBenefit"),
        ("/fhir/ExplanationOfBenefit", {"patient": "Patient/x", "billable-period": "after2018"}, 400, "prefix"),
        ("/fhir/ExplanationOfBenefit", {"patient": "Patient/x", "billable-period": "ge2018-02-30"}, 400, "calendar"),
        ("/fhir/ExplanationOfBenefit", {"patient": "Patient/x", "status": "active"}, 400, "unknown search parameter"),
        ("/fhir/ExplanationOfBenefit", {}, 400, "give one patient"),
    ],
)
def test_refusals_are_operation_outcomes(
    fhir: tuple[TestClient, BenefitLedger], path: str, params: dict, status: int, says: str
) -> None:
    client, _ = fhir
    response = client.get(path, params=params, headers=AUDITOR)
    assert (response.status_code, response.headers["content-type"]) == (status, FHIR_JSON), response.text
    outcome = loads(response.content)
    OperationOutcome.model_validate_json(dumps(outcome))
    assert outcome["resourceType"] == "OperationOutcome" and says in outcome["issue"][0]["diagnostics"]


def test_the_patient_and_the_payer_code_system(fhir: tuple[TestClient, BenefitLedger]) -> None:
    client, _ = fhir
    patient = get(client, f"/fhir/Patient/{patient_id('P-2.3')}")
    Patient.model_validate_json(dumps(patient))
    assert patient["identifier"] == [{"system": "urn:benefit-ledger:patient-ref", "value": "P-2.3"}]
    assert patient["address"][0]["district"] == "341821"
    system = get(client, "/fhir/CodeSystem/payer-layer", token="tok-dashboard")
    CodeSystem.model_validate_json(dumps(system))
    assert system["url"] == "urn:benefit-ledger:payer-layer"
    assert [c["code"] for c in system["concept"]] == [p.value for p in Payer]
    metadata = client.get("/fhir/metadata")
    assert metadata.status_code == 200 and loads(metadata.content)["fhirVersion"] == "4.0.1"
