"""Patient and admission writes and reads over HTTP, and the health check."""

from __future__ import annotations

from ledger_api import COUNTY_HOSPITAL, LedgerApi


def test_patient_writes_show_in_the_patient_state(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.post(
        "/patients/P/poverty-statuses",
        {
            "command_id": "s2",
            "status": "lifted",
            "effective_from": "2019-01-01",
            "reason": "脱贫",
            "expected_version": 3,
        },
    )
    api.post("/patients/P/chronic-diseases", {"command_id": "c1", "disease": "diabetes", "valid_from": "2018-01-01"})
    api.post("/patients/P/chronic-diseases/diabetes/revocations", {"command_id": "c1r", "revoked_on": "2018-12-31"})
    api.post("/patients/P/major-diseases", {"command_id": "m1", "disease": "esrd", "confirmed_on": "2018-02-01"})
    api.post(
        "/patients/P/family-doctor-contracts", {"command_id": "f1", "doctor": "Dr Wang", "signed_on": "2018-01-05"}
    )
    written = api.post(
        "/patients/P/follow-ups",
        {
            "command_id": "fu1",
            "followed_up_on": "2018-03-01",
            "heart_rate": 72,
            "blood_glucose": "6.1",
            "systolic": 130,
            "diastolic": 85,
        },
    ).json()
    patient = api.get("/patients/P")
    assert patient["version"] == written["version"] == 9
    assert patient["status_history"] == [
        {"effective_from": "2016-01-01", "status": "jiandanglika"},
        {"effective_from": "2019-01-01", "status": "lifted"},
    ]
    assert patient["enrolments"] == [{"year": 2018, "premium_paid_by_state": True, "premium_payer": "county_finance"}]
    assert patient["chronic_disease_certificates"] == [
        {"disease": "diabetes", "valid_from": "2018-01-01", "valid_to": "2018-12-31"}
    ]
    assert patient["major_diseases"] == [{"disease": "esrd", "confirmed_on": "2018-02-01"}]
    assert patient["family_doctor_contracts"] == [{"doctor": "Dr Wang", "signed_on": "2018-01-05"}]
    assert (patient["follow_ups"], patient["last_follow_up_on"]) == (1, "2018-03-01")


def test_registering_a_patient_twice_under_another_command_id_is_a_409(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.refused("/patients", {"command_id": "other", "patient_ref": "P", "county_code": "341821"}, 409)


def test_a_reversed_charge_line_leaves_the_totals(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12", discharge=False)
    api.post("/admissions/A/charge-lines/2/reversals", {"command_id": "r2", "reason": "billed twice"})
    admission = api.get("/admissions/A")
    assert admission["totals"] == {"total": "19000.00", "compliant": "19000.00", "noncompliant": "0.00"}
    assert [line["reversed"] for line in admission["lines"]] == [False, True]
    api.refused("/admissions/A/charge-lines/2/reversals", {"command_id": "r2-again", "reason": "again"}, 409)
    api.post(
        "/admissions/A/discharge",
        {"command_id": "d", "discharged_on": "2018-03-20", "expected_version": admission["version"]},
    )
    assert api.get("/admissions/A")["status"] == "discharged"


def test_health_names_the_store(api: LedgerApi) -> None:
    assert api.get("/health") == {"store": "sqlite", "ok": True}


def test_a_settlement_retried_without_settled_at_is_a_replay(clocked_api: LedgerApi) -> None:
    api = clocked_api  # settled_at defaults to the server clock: the discharge day
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    body = {"command_id": "A:settle"}
    first = api.post("/admissions/A/settlement", body)
    assert api.post("/admissions/A/settlement", body, 200).json() == first.json()
