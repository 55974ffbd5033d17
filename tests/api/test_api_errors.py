"""Every refusal is application/problem+json with the right status, and a refused request changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from ledger_api import COUNTY_HOSPITAL, PROBLEM, LedgerApi
from role_client import ACCESS, bearer

from api.deps import get_ledger
from api.main import create_app
from service.ledger import BenefitLedger


def _charge(**overrides: Any) -> dict[str, Any]:
    return {
        "command_id": "line-1",
        "line_no": "1",
        "category": "drug",
        "item_code": "G-TREATMENT",
        "quantity": 1,
        "unit_price": "12.50",
        **overrides,
    }


def _admitted(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.post(
        "/admissions",
        {
            "command_id": "A:register",
            "admission_ref": "A",
            "patient_ref": "P",
            "hospital_code": COUNTY_HOSPITAL["code"],
            "admitted_on": "2018-03-12",
        },
    )


def test_a_float_amount_is_refused_with_a_message(api: LedgerApi) -> None:
    _admitted(api)
    problem = api.refused("/admissions/A/charge-lines", _charge(unit_price=12.5), 422)
    assert problem["errors"] == [
        {"field": "unit_price", "location": "body", "message": "give money as a string or integer, not float"}
    ]
    assert "not float" in problem["detail"]


def test_amounts_with_fractions_of_a_fen_or_signs_are_refused(api: LedgerApi) -> None:
    _admitted(api)
    for bad in ("12.505", "-3", "abc", "NaN", True):
        problem = api.refused("/admissions/A/charge-lines", _charge(unit_price=bad), 422)
        assert problem["errors"][0]["field"] == "unit_price", bad
    # Check integers and strings are both taken, and come back with two places.
    api.post("/admissions/A/charge-lines", _charge(unit_price=12))
    api.post("/admissions/A/charge-lines", _charge(command_id="line-2", line_no="2", unit_price="0.5"))
    assert [line["amount"] for line in api.get("/admissions/A")["lines"]] == ["12.00", "0.50"]


def test_a_client_declaring_its_tier_or_compliance_is_refused_naming_the_field(api: LedgerApi) -> None:
    api.poor_patient("P")
    admission = {"command_id": "A:register", "admission_ref": "A", "patient_ref": "P", "admitted_on": "2018-03-12"}
    problem = api.refused("/admissions", {**admission, "hospital_code": "LX-001", "tier": "province"}, 422)
    assert problem["errors"][0]["field"] == "tier"
    assert "the ledger reads tier and flags from the hospital registry" in problem["errors"][0]["message"]
    problem = api.refused("/admissions", {**admission, "hospital": {**COUNTY_HOSPITAL, "tier": "township"}}, 422)
    assert {e["field"] for e in problem["errors"]} == {"hospital", "hospital_code"}
    api.post("/admissions", {**admission, "hospital_code": "LX-001"})
    line = {"command_id": "l1", "line_no": "1", "item_code": "G-DRUGS", "quantity": 1, "unit_price": "10"}
    problem = api.refused("/admissions/A/charge-lines", {**line, "compliant": True}, 422)
    assert problem["errors"] == [{"field": "compliant", "location": "body", "message": problem["errors"][0]["message"]}]
    assert "classifies a charge line against the catalogue" in problem["detail"]
    problem = api.refused("/admissions/A/charge-lines", {**line, "amount": "10"}, 422)
    assert problem["errors"][0]["field"] == "amount"


def test_an_unknown_or_not_yet_effective_hospital_is_refused(api: LedgerApi) -> None:
    api.poor_patient("P")
    admission = {"command_id": "A:register", "admission_ref": "A", "patient_ref": "P", "admitted_on": "2018-03-12"}
    problem = api.refused(
        "/admissions", {**admission, "hospital_code": "LX-999"}, 404, headers=bearer("tok-hospital-LX-999")
    )
    assert "no hospital LX-999 in the registry" in problem["detail"]
    api.post(
        "/hospitals",
        {
            "command_id": "h-new",
            "hospital_code": "LX-NEW",
            "name": "郎溪县新医院",
            "tier": "county",
            "county_code": "341821",
            "effective_from": "2019-01-01",
        },
        headers=bearer("tok-admin"),
    )
    problem = api.refused(
        "/admissions", {**admission, "hospital_code": "LX-NEW"}, 422, headers=bearer("tok-hospital-LX-NEW")
    )
    assert (
        problem["detail"]
        == "hospital LX-NEW is not in force on 2018-03-12 in the registry (registered from 2019-01-01)"
    )
    api.get("/admissions/A", status=404)


def test_an_unknown_patient_or_admission_is_a_404(api: LedgerApi) -> None:
    for path in (
        "/patients/nobody",
        "/admissions/nothing",
        "/patients/nobody/years/2018",
        "/policy-versions/000000",
        "/policy-versions/341821/no-such-version",
    ):
        response = api.client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["title"] == "Not found"
    api.refused("/patients/nobody/enrolments", {"command_id": "e-1", "year": 2018}, 404)
    api.refused(
        "/admissions",
        {
            "command_id": "A:register",
            "admission_ref": "A",
            "patient_ref": "nobody",
            "hospital_code": COUNTY_HOSPITAL["code"],
            "admitted_on": "2018-03-12",
        },
        404,
    )


def test_request_validation_errors_list_every_field(api: LedgerApi) -> None:
    api.poor_patient("P")
    problem = api.refused(
        "/patients/P/follow-ups",
        {"command_id": "fu", "followed_up_on": "yesterday", "heart_rate": "fast", "colour": "blue"},
        422,
    )
    assert {e["field"] for e in problem["errors"]} == {"followed_up_on", "heart_rate", "colour"}
    assert problem["title"] == "Invalid request"
    problem = api.refused("/admissions/A/settlement", {"command_id": "s", "settled_at": "2018-07-01T10:00:00"}, 422)
    assert problem["errors"][0]["field"] == "settled_at"
    api.refused("/patients/P/enrolments", {"command_id": "e", "year": 2018, "expected_version": 0}, 422)


def test_a_malformed_body_and_an_unknown_route_are_problems_too(api: LedgerApi) -> None:
    response = api.client.post("/patients", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"].startswith(PROBLEM)
    response = api.client.get("/no-such-thing")
    assert response.status_code == 404 and response.headers["content-type"].startswith(PROBLEM)
    response = api.client.delete("/patients/P")
    assert response.status_code == 405 and response.headers["content-type"].startswith(PROBLEM)


class _BrokenLedger:
    def get_patient(self, patient_ref: str) -> None:
        raise RuntimeError("secret internals: /etc/ledger password")


def test_an_unexpected_error_is_a_500_problem_without_a_stack_trace(api_ledger: BenefitLedger) -> None:
    app = create_app(ledger=api_ledger, access=ACCESS)
    app.dependency_overrides[get_ledger] = _BrokenLedger
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/patients/P", headers=bearer("tok-auditor"))
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail"} and body["status"] == 500
    assert "secret" not in response.text and "Traceback" not in response.text
