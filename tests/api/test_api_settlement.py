"""Worked example 2.3 scenario 1 over HTTP, and the idempotency and concurrency rules of writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ledger_api import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, LedgerApi

from service.clock import ManualClock


def _paid(settlement: dict[str, Any], payer: str) -> str:
    [layer] = [layer for layer in settlement["layers"] if layer["payer"] == payer]
    amount: str = layer["amount"]
    return amount


def _no_floats(value: Any) -> None:
    assert not isinstance(value, float), value
    for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        _no_floats(child)


def _worked_example(api: LedgerApi) -> list[dict[str, Any]]:
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    api.admit("P", "B", PROVINCE_HOSPITAL, total="80000", compliant="72000", day="2018-05-20", referred=True)
    return [api.settle("A").json(), api.settle("B").json()]


def test_worked_example_2_3_scenario_1_settles_every_layer_to_the_fen(api: LedgerApi) -> None:
    a, b = _worked_example(api)
    assert (a["patient_share"], b["patient_share"]) == ("2085.00", "13309.00")
    assert (_paid(a, "ncms"), _paid(b, "ncms")) == ("16830.00", "49700.00")
    assert (_paid(a, "cii"), _paid(b, "cii")) == ("0.00", "11682.00")
    assert (_paid(a, "ma"), _paid(b, "ma")) == ("1085.00", "5309.00")
    assert (b["total"], b["payer_total"], b["hospital_borne"]) == ("80000.00", "66691.00", "0.00")
    assert [b["year"], b["settlement_id"], b["policy_version"]] == [2018, "B#1", "langxi-2018.1"]
    _no_floats([a, b])

    # Check the auditor's view of the year repeats the same arithmetic, with the accumulators.
    year = api.get("/patients/P/years/2018")
    assert [r["settlement_id"] for r in year["settlements"]] == ["A#1", "B#1"]
    assert year["version"] == b["benefit_year_version"]
    assert year["settlements"][1]["settlement"] == {
        k: v for k, v in b.items() if k in year["settlements"][1]["settlement"]
    }
    assert year["settlements"][1]["claim"]["compliant"] == "72000.00"
    assert year["accumulators"]["cii.paid"] == "11682.00"
    assert year["accumulators"]["ncms.inpatient_paid"] == "66530.00"
    _no_floats(year)

    # Check the admission shows its lines, totals and settlement.
    admission = api.get("/admissions/B")
    assert admission["status"] == "settled" and admission["settlement_ids"] == ["B#1"]
    assert admission["totals"] == {"total": "80000.00", "compliant": "72000.00", "noncompliant": "8000.00"}
    assert [line["amount"] for line in admission["lines"]] == ["72000.00", "8000.00"]
    assert admission["version"] == b["admission_version"]


def test_a_replayed_command_id_returns_200_with_the_same_body_and_appends_nothing(api: LedgerApi) -> None:
    first, _ = _worked_example(api)
    version = api.get("/patients/P/years/2018")["version"]
    with api.unchanged():
        again = api.settle("A", status=200)
    assert again.json() == first
    assert again.headers["Idempotency-Replayed"] == "true"
    assert api.get("/patients/P/years/2018")["version"] == version

    # Check a replayed simple write also answers 200 with its first body.
    with api.unchanged():
        replayed = api.post("/patients/P/enrolments", {"command_id": "P:enrol:2018", "year": 2018}, 200)
    assert replayed.json() == {"id": replayed.json()["id"], "version": 3}


def test_the_command_id_may_come_from_the_idempotency_key_header(api: LedgerApi) -> None:
    api.poor_patient("P")
    body = {"doctor": "Dr Wang", "signed_on": "2018-01-05"}
    first = api.post("/patients/P/family-doctor-contracts", body, headers={"Idempotency-Key": "contract-1"})
    with api.unchanged():
        again = api.post("/patients/P/family-doctor-contracts", body, 200, headers={"Idempotency-Key": "contract-1"})
    assert again.json() == first.json()
    api.refused(
        "/patients/P/family-doctor-contracts",
        {**body, "command_id": "other"},
        422,
        headers={"Idempotency-Key": "contract-1"},
    )
    problem = api.refused("/patients/P/family-doctor-contracts", body, 422)
    assert problem["errors"][0]["field"] == "command_id"


def test_a_command_id_reused_with_another_payload_is_refused(api: LedgerApi) -> None:
    api.poor_patient("P")
    problem = api.refused("/patients/P/enrolments", {"command_id": "P:enrol:2018", "year": 2019}, 422)
    assert "P:enrol:2018" in problem["detail"]
    assert problem["type"].endswith("command-id-reused")


def test_a_stale_expected_version_is_a_409_and_changes_nothing(api: LedgerApi) -> None:
    api.poor_patient("P")
    version = api.get("/patients/P")["version"]
    api.post(
        "/patients/P/major-diseases",
        {"command_id": "md-1", "disease": "esrd", "confirmed_on": "2018-01-09", "expected_version": version},
    )
    problem = api.refused(
        "/patients/P/chronic-diseases",
        {"command_id": "cc-1", "disease": "diabetes", "valid_from": "2018-01-01", "expected_version": version},
        409,
    )
    assert f"expected version {version}" in problem["detail"]
    assert problem["current_version"] == version + 1  # the client can reload and retry from there
    assert api.get("/patients/P")["chronic_disease_certificates"] == []


def test_settling_before_discharge_is_a_409(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12", discharge=False)
    problem = api.refused(
        "/admissions/A/settlement", {"command_id": "A:settle", "settled_at": "2018-07-01T10:00:00Z"}, 409
    )
    assert "not discharged" in problem["detail"]
    assert api.get("/admissions/A")["status"] == "open"


def test_a_settled_admission_takes_no_more_charge_lines(api: LedgerApi) -> None:
    _worked_example(api)
    api.refused(
        "/admissions/A/charge-lines",
        {
            "command_id": "late",
            "line_no": "9",
            "category": "drug",
            "item_code": "G-TREATMENT",
            "quantity": 1,
            "unit_price": "10",
        },
        409,
    )
    api.refused("/admissions/A/settlement", {"command_id": "A:settle:again", "settled_at": "2018-07-02T10:00:00Z"}, 409)


def test_a_quote_shows_the_settlement_the_window_would_commit_and_records_nothing(
    clocked_api: LedgerApi, clock: ManualClock
) -> None:
    api = clocked_api
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    clock.advance(timedelta(minutes=5))
    with api.unchanged():
        quote = api.post("/admissions/A/settlement-quote", {"settled_at": "2018-03-12T10:05:00+08:00"}, 200).json()
        api.post("/admissions/A/settlement-quote", {}, 200)
    clock.advance(timedelta(seconds=30))  # the settlement right after the quote agrees with it to the fen
    settled = api.post(
        "/admissions/A/settlement", {"command_id": "A:settle", "settled_at": "2018-03-12T10:05:00+08:00"}
    )
    settled = settled.json()
    assert quote == settled and quote["patient_share"] == "2085.00"
    api.refused("/admissions/A/settlement-quote", {}, 409)  # settled: nothing left to quote
    api.refused("/admissions/NOPE/settlement-quote", {}, 404)
