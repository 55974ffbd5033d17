"""Read models over HTTP: the worked example's totals, county dashboard, hospital ledger and audit trail,
caught up to the ledger's head before each read (`?fresh=false` reads the views as they stand)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledger_api import COUNTY_HOSPITAL, PROBLEM, PROVINCE_HOSPITAL, REGION, LedgerApi
from test_api_retroactive import _publish, _settled_without_5090


def _worked_example(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    api.admit("P", "B", PROVINCE_HOSPITAL, total="80000", compliant="72000", day="2018-05-20", referred=True)
    api.settle("A")
    api.settle("B")


def _no_floats(value: Any) -> None:
    assert not isinstance(value, float), value
    for child in value.values() if isinstance(value, dict) else value if isinstance(value, list) else ():
        _no_floats(child)


def test_annual_totals_repeat_the_worked_example_to_the_fen(api: LedgerApi) -> None:
    _worked_example(api)
    totals = api.get("/reports/patients/P/years/2018/totals")
    assert {k: totals[k] for k in ("total_cost", "paid_ncms", "paid_cii", "paid_ma", "patient_share")} == {
        "total_cost": "100000.00",
        "paid_ncms": "66530.00",
        "paid_cii": "11682.00",
        "paid_ma": "6394.00",
        "patient_share": "15394.00",
    }
    assert (totals["payer_total"], totals["person_times"], totals["policy_version"]) == ("84606.00", 2, "langxi-2018.1")
    _no_floats(totals)


def test_unknown_patient_totals_are_404_problem_json(api: LedgerApi) -> None:
    _worked_example(api)
    response = api.client.get("/reports/patients/NOBODY/years/2018/totals")
    assert response.status_code == 404 and response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 404 and problem["title"] == "Not found" and "NOBODY" in problem["detail"]


def test_county_dashboard_counts_person_times_and_compensation(api: LedgerApi) -> None:
    _worked_example(api)
    year = api.get(f"/reports/counties/{REGION}/2018")
    assert (year["person_times"], year["compensation"], year["total_cost"]) == (2, "84606.00", "100000.00")
    assert year["compensation_by_payer"]["cii"] == "11682.00"
    assert (year["actual_compensation_ratio"], year["in_county_visit_rate"]) == ("0.8461", "0.5000")
    assert year["major_disease_treatment_rate"] is None and year["month"] is None
    _no_floats(year)

    march = api.get(f"/reports/counties/{REGION}/2018", params={"month": 3})
    assert (march["person_times"], march["compensation"], march["period"]) == (
        1,
        "17915.00",
        ["2018-03-01", "2018-03-31"],
    )
    to_may = api.get(f"/reports/counties/{REGION}/2018", params={"month": 5, "cumulative": "true"})
    assert (to_may["person_times"], to_may["compensation"]) == (2, "84606.00")
    assert api.client.get(f"/reports/counties/{REGION}/2018", params={"month": 13}).status_code == 422


def test_hospital_ledger_lists_both_hospitals_with_their_advances(api: LedgerApi) -> None:
    _worked_example(api)
    ledger = api.get("/reports/hospitals")
    assert ledger["count"] == 2
    assert {h["hospital_code"]: h["advanced"] for h in ledger["hospitals"]} == {
        "AH-001": "66691.00",
        "LX-001": "17915.00",
    }
    province = api.get("/reports/hospitals", params={"hospital_code": "AH-001"})["hospitals"]
    assert [h["hospital_code"] for h in province] == ["AH-001"]
    assert {f["fund"]: f["balance"] for f in province[0]["funds"]} == {
        "ncms": "49700.00",
        "cii": "11682.00",
        "ma": "5309.00",
    }
    _no_floats(ledger)


def test_audit_trail_lists_the_settlements_with_their_layer_arithmetic(api: LedgerApi) -> None:
    _worked_example(api)
    trail = api.get("/reports/patients/P/years/2018/audit-trail")
    settled = [e for e in trail["events"] if e["event"] == "SettlementRecorded"]
    assert [e["settlement_id"] for e in settled] == ["A#1", "B#1"]
    layers = {layer["payer"]: layer for layer in settled[1]["layers"]}
    assert (layers["ncms"]["amount"], layers["cii"]["amount"], layers["ma"]["amount"]) == (
        "49700.00",
        "11682.00",
        "5309.00",
    )
    assert layers["ma"]["explanation"] == "10618.00 x 0.50 = 5309.00" and layers["ma"]["ratio"] == "0.50"
    _no_floats(trail)

    # Pages: limit and offset; next_offset says where the next page starts, null on the last.
    first = api.get("/reports/patients/P/years/2018/audit-trail", params={"limit": 1})
    second = api.get("/reports/patients/P/years/2018/audit-trail", params={"limit": 1, "offset": 1})
    assert (first["count"], first["next_offset"], len(first["events"])) == (trail["count"], 1, 1)
    assert [first["events"][0], second["events"][0]] == trail["events"][:2]
    last = api.get("/reports/patients/P/years/2018/audit-trail", params={"offset": trail["count"] - 1})
    assert last["next_offset"] is None and last["events"] == trail["events"][-1:]
    assert api.client.get("/reports/hospitals", params={"limit": 0}).status_code == 422

    admission = api.get("/reports/admissions/B/audit-trail")
    assert {e["admission_ref"] for e in admission["events"]} == {"B"}
    assert [e["event"] for e in admission["events"]][-1] == "SettlementRecorded"
    assert {layer["settlement_id"] for e in admission["events"] for layer in e["layers"]} == {"B#1"}


def test_reads_catch_up_to_what_was_just_written_unless_fresh_is_false(api: LedgerApi) -> None:
    _worked_example(api)
    assert api.get(f"/reports/counties/{REGION}/2018")["person_times"] == 2
    api.admit("P", "C", COUNTY_HOSPITAL, total="1000", compliant="1000", day="2018-06-01")
    api.settle("C")
    assert api.get(f"/reports/counties/{REGION}/2018", params={"fresh": "false"})["person_times"] == 2
    assert api.get(f"/reports/counties/{REGION}/2018")["person_times"] == 3


def test_retroactive_compensation_items_are_listed_until_paid(api: LedgerApi) -> None:
    _settled_without_5090(api)
    assert api.get("/reports/retroactive-compensation") == {
        "count": 0,
        "limit": 100,
        "offset": 0,
        "next_offset": None,
        "items": [],
    }
    _publish(api, "with5090", "2018-07-15T00:00:00Z", **{"ma.by_status": {}})
    api.post(f"/policy-versions/{REGION}/with5090/recalculations", {"command_id": "recalc"})
    items = api.get("/reports/retroactive-compensation", params={"patient_ref": "Q", "outstanding_only": "true"})
    assert items["count"] >= 1 and {i["patient_ref"] for i in items["items"]} == {"Q"}
    assert sum(Decimal(i["outstanding"]) for i in items["items"]) == Decimal("4500.00")
    assert api.get("/reports/retroactive-compensation", params={"patient_ref": "P"})["count"] == 0
    _no_floats(items)
