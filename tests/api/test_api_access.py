"""Access control: every request is authenticated, and each role is refused outside its scope, writing nothing."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from ledger_api import PROBLEM, PROVINCE_HOSPITAL, REGION, LedgerApi
from role_client import bearer
from test_api_settlement import _worked_example

from service.commands.fields import check_id_card_no

ID_CARD_NO = "34182119800101123X"
NAME = "张桂兰"


@pytest.fixture
def settled(api: LedgerApi) -> LedgerApi:
    _worked_example(api)
    return api


def _as(api: LedgerApi, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return api.client.inner.request(method, path, json=body, headers=bearer(token))


def _refused(api: LedgerApi, token: str, method: str, path: str, body: dict[str, Any] | None = None) -> str:
    with api.unchanged():
        response = _as(api, token, method, path, body)
    assert response.status_code == 403, (token, method, path, response.text)
    assert response.headers["content-type"].startswith(PROBLEM)
    detail: str = response.json()["detail"]
    return detail


PATIENT = {"command_id": "reg-Q", "patient_ref": "Q", "county_code": REGION}
LINE = {
    "command_id": "line-9",
    "line_no": "9",
    "category": "drug",
    "item_code": "G-TREATMENT",
    "quantity": 1,
    "unit_price": "10",
}
REIMBURSE = {"command_id": "r-1", "fund": "ncms", "amount": "100", "received_on": "2018-08-01"}
FINDING = {
    "command_id": "f-1",
    "finding_ref": "F1",
    "admission_ref": "A",
    "line_nos": ["2"],
    "reason": "unreasonable_drug",
    "found_on": "2018-09-01",
    "fund": "ncms",
}
POLICY_RECALC = {"command_id": "pr-1"}


def test_a_request_without_a_valid_token_is_401_and_writes_nothing(settled: LedgerApi) -> None:
    api = settled
    with api.unchanged():
        for headers in (
            {},
            {"Authorization": "Basic dXNlcjpwdw=="},
            bearer("not-a-token"),
            {"X-API-Key": "not-a-token"},
        ):
            response = api.client.inner.post("/patients", json=PATIENT, headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["content-type"].startswith(PROBLEM)
        assert api.client.inner.get("/reports/counties/341821/2018").status_code == 401
    assert api.client.inner.get("/reports/hospitals", headers={"X-API-Key": "tok-dashboard"}).status_code == 200
    assert api.client.inner.get("/health").status_code == 200 and api.client.inner.get("/ready").status_code == 200


def test_the_dashboard_reads_aggregates_only(settled: LedgerApi) -> None:
    api = settled
    for path in (
        "/patients/P",
        "/patients/P/years/2018",
        "/patients/P/years/2018/verification",
        "/reports/patients/P/years/2018/totals",
        "/reports/patients/P/years/2018/audit-trail",
        "/reports/admissions/A/audit-trail",
        "/reports/retroactive-compensation",
        "/admissions/A",
    ):
        assert "may not read" in _refused(api, "tok-dashboard", "GET", path)
    _refused(api, "tok-dashboard", "POST", "/patients", PATIENT)
    county = _as(api, "tok-dashboard", "GET", f"/reports/counties/{REGION}/2018")
    assert county.status_code == 200 and county.json()["person_times"] == 2
    summary = _as(api, "tok-dashboard", "GET", "/reports/retroactive-compensation/summary").json()
    assert summary["owed"] == "0.00" and "patient_ref" not in str(summary)
    hospitals = _as(api, "tok-dashboard", "GET", "/reports/hospitals").json()
    assert {h["hospital_code"] for h in hospitals["hospitals"]} == {"LX-001", "AH-001"}


def test_a_hospital_acts_and_reads_only_at_its_own_window(settled: LedgerApi) -> None:
    api, county = settled, "tok-hospital-LX-001"
    assert "own window" in _refused(api, county, "POST", "/admissions/B/charge-lines", LINE)
    _refused(api, county, "POST", "/admissions/B/discharge", {"command_id": "d", "discharged_on": "2018-05-21"})
    _refused(
        api,
        county,
        "POST",
        "/admissions",
        {
            "command_id": "adm-C",
            "admission_ref": "C",
            "patient_ref": "P",
            "kind": "inpatient",
            "hospital_code": PROVINCE_HOSPITAL["code"],
            "admitted_on": "2018-06-01",
        },
    )
    for method, path, body in [
        ("POST", "/patients", PATIENT),
        ("POST", "/audit-findings", FINDING),
        ("POST", "/hospitals/LX-001/reimbursements", REIMBURSE),
        ("POST", "/policy-versions/341821/langxi-2018.1/recalculations", POLICY_RECALC),
    ]:
        assert "may not" in _refused(api, county, method, path, body)
    _refused(api, county, "GET", "/admissions/B")
    _refused(api, county, "GET", "/patients/P/years/2018")
    _refused(api, county, "GET", "/reports/hospitals?hospital_code=AH-001")
    assert _as(api, county, "GET", "/admissions/A").json()["status"] == "settled"
    own = _as(api, county, "GET", "/reports/hospitals").json()
    assert [h["hospital_code"] for h in own["hospitals"]] == ["LX-001"]


def test_a_payment_service_pays_only_for_its_own_fund(settled: LedgerApi) -> None:
    api, ncms = settled, "tok-pay-ncms"
    assert "own fund" in _refused(api, ncms, "POST", "/hospitals/LX-001/reimbursements", {**REIMBURSE, "fund": "cii"})
    assert "own fund" in _refused(
        api,
        ncms,
        "POST",
        "/patients/P/years/2018/compensation-payments",
        {"command_id": "c", "settlement_id": "A#1", "amount": "1", "paid_on": "2018-09-01"},
    )
    _refused(api, ncms, "POST", "/admissions/A/settlement", {"command_id": "s2"})
    _refused(api, ncms, "GET", "/patients/P")
    assert _as(api, ncms, "POST", "/hospitals/LX-001/reimbursements", REIMBURSE).status_code == 201
    assert _as(api, ncms, "GET", "/reports/retroactive-compensation").status_code == 200


def test_auditors_read_everything_and_record_findings_but_do_not_register_or_pay(settled: LedgerApi) -> None:
    api, auditor = settled, "tok-auditor"
    for method, path, body in [
        ("POST", "/patients", PATIENT),
        ("POST", "/admissions/A/charge-lines", LINE),
        ("POST", "/hospitals/LX-001/reimbursements", REIMBURSE),
        ("POST", "/policy-versions/341821/langxi-2018.1/recalculations", POLICY_RECALC),
    ]:
        _refused(api, auditor, method, path, body)
    for path in (
        "/patients/P",
        "/patients/P/years/2018",
        "/admissions/B",
        "/reports/retroactive-compensation",
        "/reports/patients/P/years/2018/audit-trail",
        "/policy-versions/341821",
    ):
        assert _as(api, auditor, "GET", path).status_code == 200, path
    assert _as(api, auditor, "POST", "/audit-findings", FINDING).status_code == 201


def test_admins_keep_the_registry_and_policies_but_not_the_hospitals_or_funds_work(settled: LedgerApi) -> None:
    api, admin = settled, "tok-admin"
    for method, path, body in [
        ("POST", "/admissions/A/charge-lines", LINE),
        ("POST", "/audit-findings", FINDING),
        ("POST", "/hospitals/LX-001/reimbursements", REIMBURSE),
    ]:
        _refused(api, admin, method, path, body)
    assert _as(api, admin, "POST", "/patients", PATIENT).status_code == 201


def test_personal_identifiers_are_stored_sealed_and_shown_only_to_the_registry_and_auditors(
    api: LedgerApi, tmp_path: Any
) -> None:
    assert check_id_card_no(ID_CARD_NO) == ID_CARD_NO
    body = {**PATIENT, "patient_ref": "Z", "command_id": "reg-Z", "name": NAME, "id_card_no": ID_CARD_NO}
    first = api.post("/patients", body).json()
    assert api.post("/patients", body, 200).json() == first  # a retry is a replay (keyed fingerprint)
    patient = api.get("/patients/Z")
    assert patient["personal"] == {"name": NAME, "id_card_no_masked": "341821********123X"}
    # Nothing readable in the events table, snapshots included.
    db = api.ledger.env["SQLITE_DBNAME"]
    stored = b"".join(bytes(row[0]) for row in sqlite3.connect(db).execute("SELECT state FROM stored_events"))
    assert NAME.encode() not in stored and ID_CARD_NO.encode() not in stored and b"Z" in stored
    # Dashboards never see it.
    county = api.client.inner.get(f"/reports/counties/{REGION}/2018", headers=bearer("tok-dashboard")).text
    assert NAME not in county and ID_CARD_NO not in county
    # A mistyped number is refused without echoing it back.
    with api.unchanged():
        problem = api.refused(
            "/patients", {**body, "patient_ref": "Y", "command_id": "reg-Y", "id_card_no": ID_CARD_NO[:-1] + "8"}, 422
        )
    assert "check character" in problem["detail"] and ID_CARD_NO[:10] not in str(problem)


def test_personal_identifiers_never_reach_the_logs(api: LedgerApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    body = {**PATIENT, "patient_ref": "Z", "command_id": "reg-Z", "name": NAME, "id_card_no": ID_CARD_NO}
    api.post("/patients", body)
    api.refused("/patients", {**body, "command_id": "reg-Z2"}, 409)  # already registered
    api.refused("/patients", {**body, "command_id": "reg-W", "patient_ref": "W", "id_card_no": "1234"}, 422)
    api.get("/patients/Z")
    logged = "\n".join(f"{record.getMessage()} {record.args}" for record in caplog.records)
    assert NAME not in logged and ID_CARD_NO not in logged and ID_CARD_NO[:12] not in logged


def test_an_admission_registered_over_http_is_scoped_to_its_hospital_from_its_first_line(api: LedgerApi) -> None:
    """The server remembers the hospital of an admission it registered (api.access.ScopeCache): no read for the
    scope check of its first line, and another hospital is still refused on it."""
    from api.access import scope_lookup

    _worked_example(api)
    county, province = "tok-hospital-LX-001", f"tok-hospital-{PROVINCE_HOSPITAL['code']}"
    registered = _as(
        api,
        province,
        "POST",
        "/admissions",
        {
            "command_id": "adm-D",
            "admission_ref": "D",
            "patient_ref": "P",
            "kind": "inpatient",
            "hospital_code": PROVINCE_HOSPITAL["code"],
            "admitted_on": "2018-06-01",
        },
    )
    assert registered.status_code == 201, registered.text
    assert scope_lookup(api.ledger)._hospitals["D"] == PROVINCE_HOSPITAL["code"]
    assert "own window" in _refused(api, county, "POST", "/admissions/D/charge-lines", LINE)
    posted = _as(api, province, "POST", "/admissions/D/charge-lines", LINE)
    assert posted.status_code == 201, posted.text
