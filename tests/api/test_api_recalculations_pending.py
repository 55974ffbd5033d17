"""GET /reports/recalculations-pending and POST /reports/recalculations-pending/runs (late facts, #10), on SQLite
and PostgreSQL: this module's `api_ledger` is over the `store_url` store (the other API tests keep SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from ledger_api import COUNTY_HOSPITAL, PROVINCE_HOSPITAL, LedgerApi
from role_client import bearer

from service.ledger import BenefitLedger
from service.legacy_shapes import ensure_hospital
from service.settings import Settings


@pytest.fixture
def api_ledger(store_url: str) -> Iterator[BenefitLedger]:
    """The conftest's ledger, on both stores (the API's view store follows the ledger's store)."""
    ledger = BenefitLedger.from_settings(Settings(database_url=store_url))
    for hospital in (COUNTY_HOSPITAL, PROVINCE_HOSPITAL):
        ensure_hospital(ledger, hospital)
    yield ledger
    ledger.close()


def _settled_then_late_status(api: LedgerApi) -> None:
    api.poor_patient("L", status="none")
    api.admit("L", "L-A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    api.settle("L-A")
    api.post(
        "/patients/L/poverty-statuses",
        {"command_id": "L:late", "status": "jiandanglika", "effective_from": "2018-01-01", "reason": "late"},
    )


def test_the_pending_list_names_each_year_and_why_and_the_run_clears_it(api: LedgerApi) -> None:
    assert api.get("/reports/recalculations-pending")["count"] == 0
    _settled_then_late_status(api)
    listed = api.get("/reports/recalculations-pending?county_code=341821&year=2018")
    assert (listed["count"], listed["next_offset"]) == (1, None)
    (year,) = listed["years"]
    assert (year["patient_ref"], year["year"], year["county_code"]) == ("L", 2018, "341821")
    (reason,) = year["reasons"]
    assert reason["fact"] == "poverty_status" and reason["effective_on"] == "2018-01-01"
    assert reason["recorded_at"] and reason["first_service_date"] == "2018-03-12"
    assert api.get("/reports/recalculations-pending?year=2019")["count"] == 0
    assert api.get("/reports/recalculations-pending?county_code=469030")["count"] == 0
    dashboard = api.client.get("/reports/recalculations-pending", headers=bearer("tok-dashboard"))
    assert dashboard.status_code == 200 and dashboard.json()["count"] == 1

    run = api.post("/reports/recalculations-pending/runs", {}, status=200).json()
    assert (run["examined"], run["changed_count"]) == (1, 1)
    assert Decimal(run["compensation_owed"]) > 0
    assert run["years"][0]["compensation_owed"] == run["compensation_owed"]
    assert api.get("/reports/recalculations-pending")["count"] == 0
    owed = api.get("/reports/retroactive-compensation?patient_ref=L")["items"]
    assert [i["owed"] for i in owed] == [run["compensation_owed"]]
    again = api.post("/reports/recalculations-pending/runs", {}, status=200).json()
    assert again["examined"] == 0


def test_who_may_read_and_run_the_pending_list(api: LedgerApi) -> None:
    _settled_then_late_status(api)
    hospital = api.client.get("/reports/recalculations-pending", headers=bearer("tok-hospital-LX-001"))
    assert hospital.status_code == 403
    with api.unchanged():
        auditor = api.client.post("/reports/recalculations-pending/runs", headers=bearer("tok-auditor"))
        assert auditor.status_code == 403
        bad = api.client.get("/reports/recalculations-pending?county_code=a/b")
        assert bad.status_code in (404, 422)
        bad_year = api.client.get("/reports/recalculations-pending?year=1999")
        assert bad_year.status_code == 422 and bad_year.headers["content-type"].startswith("application/problem+json")


def test_closing_a_hospital_from_a_later_day_refuses_later_admissions(api: LedgerApi) -> None:
    api.poor_patient("C")
    version = api.get("/hospitals/LX-001")["version"]
    api.post(
        "/hospitals/LX-001/closure",
        {"command_id": "close", "last_day": "2018-05-31", "reason": "merged", "expected_version": version},
    )
    problem = api.refused(
        "/admissions",
        {
            "command_id": "C-late:register",
            "admission_ref": "C-late",
            "patient_ref": "C",
            "kind": "inpatient",
            "hospital_code": "LX-001",
            "admitted_on": "2018-06-01",
        },
        422,
    )
    assert "closed after 2018-05-31" in problem["detail"]
    api.admit("C", "C-ok", COUNTY_HOSPITAL, total="1000", compliant="1000", day="2018-05-31")
    stale = api.client.post(
        "/hospitals/LX-001/closure",
        json={"command_id": "close-2", "last_day": "2018-04-30", "expected_version": version},
    )
    assert stale.status_code == 409


def test_a_known_at_beyond_the_clock_tolerance_is_refused(api: LedgerApi) -> None:
    api.poor_patient("K")
    api.admit("K", "K-A", COUNTY_HOSPITAL, total="1000", compliant="1000", day="2018-03-12")
    api.settle("K-A")
    problem = api.refused(
        "/patients/K/years/2018/recalculations", {"command_id": "k-future", "known_at": "2099-01-01T00:00:00Z"}, 422
    )
    assert "known_at" in problem["detail"] and "future" in problem["detail"]
    problem = api.refused(
        "/policy-versions/341821/langxi-2018.1/recalculations",
        {"command_id": "r-future", "known_at": "2099-01-01T00:00:00Z"},
        422,
    )
    assert "in the future" in problem["detail"]


def test_a_catalogue_correction_is_listed_and_the_run_re_classifies_the_line(api: LedgerApi) -> None:
    """A bed line 7 @ 35.00 settled under the shipped limit 30.00 (35.00 超限价); the correction raises the limit
    to 40.00 from 2018-01-01: NCMS (county, 0.90) pays 0.90 x 35.00 = 31.50 more, owed to the patient."""
    from tests.application.test_reclassified_lines import CORRECTED, SHIPPED, corrected_catalogue

    api.poor_patient("B", status="none")
    api.admit("B", "B-A", COUNTY_HOSPITAL, total="3000", compliant="3000", day="2018-03-12", discharge=False)
    bed = {"command_id": "B-A:bed", "line_no": "3", "item_code": "120100001", "quantity": 7, "unit_price": "35.00"}
    api.post("/admissions/B-A/charge-lines", bed)
    api.post("/admissions/B-A/discharge", {"command_id": "B-A:discharge", "discharged_on": "2018-03-12"})
    settled = api.settle("B-A").json()
    assert Decimal(settled["patient_share"]) == Decimal("3245.00") - (Decimal("3210.00") - 300) * Decimal("0.90")

    body = {"command_id": "catalogue-correction", **corrected_catalogue(unit_price_limit="40.00")}
    api.post("/catalogue-versions", body, headers=bearer("tok-admin"))
    (year,) = api.get("/reports/recalculations-pending")["years"]
    assert [(r["fact"], r["subject"]) for r in year["reasons"]] == [("catalogue", f"341821/{CORRECTED}")]

    run = api.post("/reports/recalculations-pending/runs", {}, status=200).json()
    assert (run["examined"], run["changed_count"], Decimal(run["compensation_owed"])) == (1, 1, Decimal("31.50"))
    assert api.get("/reports/recalculations-pending")["count"] == 0
    (record,) = api.get("/patients/B/years/2018")["settlements"]
    line = record["current_lines"]["3"]
    assert (line["catalogue_version"], Decimal(line["compliant_amount"]), Decimal(line["over_limit"])) == (
        CORRECTED,
        Decimal("245.00"),
        0,
    )
    posted = {n["line_no"]: n for n in api.get("/admissions/B-A")["lines"]}["3"]
    assert posted["classification"]["catalogue_version"] == SHIPPED  # the line as posted is unchanged
