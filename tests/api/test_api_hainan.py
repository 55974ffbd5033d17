"""琼中 over HTTP: the API publishes both shipped default policies at start-up, and the Hainan patient
commands (treatment plans, charity grants, health cards, check-ups, risk classes) run through their routes
with their roles: the registry for all of them, the charity fund's payment service for its own grants only."""

from __future__ import annotations

from typing import Any

from ledger_api import PROBLEM, LedgerApi
from role_client import bearer

QZ = "469030"


def _as(api: LedgerApi, token: str, path: str, body: dict[str, Any]) -> Any:
    return api.client.inner.request("POST", path, json=body, headers=bearer(token))


def _hainan_patient(api: LedgerApi, ref: str) -> None:
    api.post("/patients", {"command_id": f"{ref}:register", "patient_ref": ref, "county_code": QZ})
    api.post(
        f"/patients/{ref}/poverty-statuses",
        {"command_id": f"{ref}:status", "status": "jiandanglika", "effective_from": "2016-01-01"},
    )


GRANT = {"command_id": "g-1", "grant_ref": "G-1", "year": 2018, "amount": "500.00", "granted_on": "2018-05-02"}


def test_start_up_publishes_the_langxi_and_the_qiongzhong_default_policies(api: LedgerApi) -> None:
    assert [e["version"] for e in api.ledger.policy_register("341821")] == ["langxi-2018.1"]
    assert [e["version"] for e in api.ledger.policy_register(QZ)] == ["hainan-2017.1"]


def test_the_registry_records_the_hainan_patient_facts_over_http(api: LedgerApi) -> None:
    _hainan_patient(api, "QZ-1")
    api.post(
        "/patients/QZ-1/treatment-plans",
        {
            "command_id": "plan-1",
            "disease": "cataract",
            "treatment": "surgery",
            "decided_on": "2018-04-20",
            "expert_group": "琼中县大病专家组",
        },
    )
    api.post("/patients/QZ-1/health-cards", {"command_id": "card-1", "card_no": "HC-1", "issued_on": "2018-01-10"})
    api.post("/patients/QZ-1/health-check-ups", {"command_id": "chk-1", "checked_on": "2018-03-15"})
    second = api.refused("/patients/QZ-1/health-check-ups", {"command_id": "chk-2", "checked_on": "2018-09-15"}, 409)
    assert "health check-up" in second["detail"]
    api.post(
        "/patients/QZ-1/family-doctor-contracts", {"command_id": "fd-1", "doctor": "黎医生", "signed_on": "2018-01-05"}
    )
    api.post(
        "/patients/QZ-1/chronic-risk-classes",
        {"command_id": "risk-1", "risk": "high_risk", "classified_on": "2018-01-06"},
    )
    api.post("/patients/QZ-1/charity-grants", GRANT)
    patient = api.ledger.get_patient("QZ-1")
    assert patient.treatment_plans == (("2018-04-20", "cataract", "surgery"),)
    assert str(patient.charity_granted(2018)) == "500.00"
    unknown = api.refused(
        "/patients/QZ-1/treatment-plans",
        {
            "command_id": "plan-2",
            "disease": "flu",
            "treatment": "surgery",
            "decided_on": "2018-04-20",
            "expert_group": "x",
        },
        422,
    )
    assert "not a disease of the programme" in unknown["detail"]


def test_only_the_charity_funds_payment_service_records_charity_grants(api: LedgerApi) -> None:
    _hainan_patient(api, "QZ-2")
    with api.unchanged():
        refused = _as(api, "tok-pay-ncms", "/patients/QZ-2/charity-grants", GRANT)
        assert refused.status_code == 403 and refused.headers["content-type"].startswith(PROBLEM)
        assert "own fund" in refused.json()["detail"]
        for token in ("tok-dashboard", "tok-auditor", "tok-hospital-LX-001"):
            assert _as(api, token, "/patients/QZ-2/charity-grants", GRANT).status_code == 403
        plan = {"command_id": "p", "disease": "cataract", "treatment": "surgery", "decided_on": "2018-04-20"}
        assert (
            _as(api, "tok-pay-charity", "/patients/QZ-2/treatment-plans", {**plan, "expert_group": "x"}).status_code
            == 403
        )
    assert _as(api, "tok-pay-charity", "/patients/QZ-2/charity-grants", GRANT).status_code == 201
