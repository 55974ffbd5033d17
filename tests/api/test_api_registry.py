"""The hospital registry over HTTP: admins write it, every client may read it, a hospital client may not
change it; a charge line's catalogue verdict is on the admission."""

from __future__ import annotations

from ledger_api import LedgerApi
from role_client import bearer

NEW = {
    "command_id": "h:LX-QZ",
    "hospital_code": "LX-QZ",
    "name": "郎溪县中医院",
    "tier": "county",
    "county_code": "341821",
    "township": "建平镇",
    "designated_centre_for": ["esrd"],
    "effective_from": "2016-01-01",
}


def test_only_admins_write_the_registry_and_everyone_reads_it(api: LedgerApi) -> None:
    problem = api.refused("/hospitals", NEW, 403, headers=bearer("tok-hospital-LX-001"))
    assert "may not register hospital" in problem["detail"]
    api.post("/hospitals", NEW, headers=bearer("tok-admin"))
    again = api.post("/hospitals", NEW, 200, headers=bearer("tok-admin"))  # a retry replays
    assert again.json()["version"] == 1
    change = {"command_id": "h:LX-QZ:city", "effective_from": "2019-01-01", "tier": "city", "expected_version": 1}
    api.refused("/hospitals/LX-QZ/changes", change, 403, headers=bearer("tok-hospital-LX-NEW"))
    api.post("/hospitals/LX-QZ/changes", change, headers=bearer("tok-admin"))
    stale = {**change, "command_id": "h:LX-QZ:again"}
    assert api.refused("/hospitals/LX-QZ/changes", stale, 409, headers=bearer("tok-admin"))["current_version"] == 2
    read = api.get("/hospitals/LX-QZ?on=2018-06-01", headers=bearer("tok-dashboard"))
    assert [r["tier"] for r in read["records"]] == ["county", "city"]
    assert read["in_force"]["tier"] == "county" and read["in_force"]["designated_centre_for"] == ["esrd"]
    assert api.get("/hospitals/LX-QZ?on=2019-06-01")["in_force"]["tier"] == "city"
    api.get("/hospitals/LX-NOPE", status=404)


def test_the_admission_shows_each_lines_catalogue_verdict(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.post(
        "/admissions",
        {
            "command_id": "a",
            "admission_ref": "A",
            "patient_ref": "P",
            "hospital_code": "LX-001",
            "admitted_on": "2018-03-01",
        },
    )
    api.post(
        "/admissions/A/charge-lines",
        {"command_id": "l", "line_no": "1", "item_code": "120100001", "quantity": "3", "unit_price": "40.00"},
    )
    [line] = api.get("/admissions/A")["lines"]
    assert (line["amount"], line["compliant"], line["compliant_amount"], line["legacy"]) == (
        "120.00",
        False,
        "90.00",
        False,
    )
    assert line["classification"]["over_limit"] == "30.00"
    assert line["classification"]["catalogue_version"] == "langxi-catalogue-2016.1"
    assert api.get("/admissions/A")["totals"] == {"total": "120.00", "compliant": "90.00", "noncompliant": "30.00"}
