"""POST /batches: a payment file's commands in one transaction, each with its own idempotency and scope."""

from __future__ import annotations

from typing import Any

from ledger_api import COUNTY_HOSPITAL, PROBLEM, PROVINCE_HOSPITAL, REGION, SETTLED_AT, LedgerApi
from role_client import bearer

ADMIN = bearer("tok-admin")
COUNTY = bearer("tok-hospital-LX-001")
PROVINCE = bearer("tok-hospital-AH-001")


def _registry(ref: str) -> list[dict[str, Any]]:
    return [
        {
            "command": "register_patient",
            "command_id": f"{ref}:register",
            "args": {"patient_ref": ref, "county_code": REGION, "township": "毕桥镇"},
        },
        {
            "command": "record_poverty_status",
            "command_id": f"{ref}:status",
            "args": {"patient_ref": ref, "status": "jiandanglika", "effective_from": "2016-01-01"},
        },
        {"command": "enrol_patient", "command_id": f"{ref}:enrol", "args": {"patient_ref": ref, "year": 2018}},
    ]


def _stay(
    patient: str, ref: str, hospital: dict[str, Any], total: int, compliant: int, day: str, referred: bool = False
) -> list[dict[str, Any]]:
    return [
        {
            "command": "register_admission",
            "command_id": f"{ref}:register",
            "args": {
                "admission_ref": ref,
                "patient_ref": patient,
                "kind": "inpatient",
                "hospital_code": hospital["code"],
                "admitted_on": day,
                "referred": referred,
            },
        },
        {
            "command": "post_charge_line",
            "command_id": f"{ref}:line:1",
            "args": {
                "admission_ref": ref,
                "line_no": "1",
                "category": "treatment",
                "item_code": "G-TREATMENT",
                "quantity": 1,
                "unit_price": str(compliant),
            },
        },
        {
            "command": "post_charge_line",
            "command_id": f"{ref}:line:2",
            "args": {
                "admission_ref": ref,
                "line_no": "2",
                "category": "drug",
                "item_code": "S-DRUGS",
                "quantity": 1,
                "unit_price": str(total - compliant),
            },
        },
        {
            "command": "discharge",
            "command_id": f"{ref}:discharge",
            "args": {"admission_ref": ref, "discharged_on": day},
        },
        {
            "command": "settle_admission",
            "command_id": f"{ref}:settle",
            "args": {"admission_ref": ref, "settled_at": SETTLED_AT},
        },
    ]


def _batch(api: LedgerApi, commands: list[dict[str, Any]], headers: dict[str, str], status: int = 201) -> Any:
    response = api.client.post("/batches", json={"commands": commands}, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def test_a_batch_settles_the_worked_example_in_one_transaction_to_the_fen(api: LedgerApi) -> None:
    before = api.log_position()
    registry = _batch(api, _registry("P"), ADMIN)
    assert (registry["count"], registry["appended"], registry["replayed"]) == (3, 3, 0)
    county = _batch(api, _stay("P", "A", COUNTY_HOSPITAL, 20000, 19000, "2018-03-12"), COUNTY)
    province = _batch(api, _stay("P", "B", PROVINCE_HOSPITAL, 80000, 72000, "2018-05-20", referred=True), PROVINCE)
    a, b = county["results"][-1]["result"], province["results"][-1]["result"]
    assert (a["patient_share"], b["patient_share"]) == ("2085.00", "13309.00")
    assert b["payer_total"] == "66691.00" and b["settlement_id"] == "B#1"
    # The settlement saw the charge lines and discharge staged before it in the same batch.
    assert api.get("/admissions/B")["version"] == b["admission_version"] == 5
    assert api.log_position() > before


def test_a_replayed_batch_appends_nothing_and_returns_the_first_results(api: LedgerApi) -> None:
    first = _batch(api, _registry("P"), ADMIN)
    with api.unchanged():
        again = _batch(api, _registry("P"), ADMIN, status=200)
    assert again["replayed"] == 3 and [r["result"] for r in again["results"]] == [r["result"] for r in first["results"]]


def test_a_command_id_repeated_inside_a_batch_is_applied_once(api: LedgerApi) -> None:
    commands = _registry("P")
    body = _batch(api, [*commands, commands[0]], ADMIN)
    assert [r["replayed"] for r in body["results"]] == [False, False, False, True]
    assert body["results"][3]["result"] == body["results"][0]["result"]


def test_one_refused_command_refuses_the_whole_batch_and_names_its_index(api: LedgerApi) -> None:
    bad = _registry("P")
    bad[2]["args"]["year"] = "2018"  # a string where the year is an integer
    with api.unchanged():
        problem = _batch(api, bad, ADMIN, status=422)
    assert problem["index"] == 2 and problem["command_id"] == "P:enrol" and "year" in problem["detail"]
    for broken, words in [
        ({"command": "delete_everything", "command_id": "x", "args": {}}, "not one of"),
        ({"command": "enrol_patient", "command_id": "y", "args": {"patient_ref": "P"}}, "missing"),
        (
            {
                "command": "enrol_patient",
                "command_id": "z",
                "args": {"patient_ref": "P", "year": 2018, "colour": "red"},
            },
            "unknown",
        ),
    ]:
        with api.unchanged():
            problem = _batch(api, [*_registry("Q"), broken], ADMIN, status=422)
        assert problem["index"] == 3 and words in problem["detail"], problem
    with api.unchanged():
        problem = _batch(api, [*_registry("R"), {**_registry("R")[0], "command_id": "R:again"}], ADMIN, status=409)
    assert problem["index"] == 3 and problem["status"] == 409
    assert api.client.get("/patients/Q").status_code == 404


def test_every_command_of_a_batch_is_checked_against_the_callers_role_and_window(api: LedgerApi) -> None:
    _batch(api, _registry("P"), ADMIN)
    _batch(api, _stay("P", "A", COUNTY_HOSPITAL, 20000, 19000, "2018-03-12")[:1], COUNTY)
    with api.unchanged():  # the province hospital may not post lines on the county hospital's admission
        problem = _batch(api, _stay("P", "A", COUNTY_HOSPITAL, 20000, 19000, "2018-03-12")[1:], PROVINCE, status=403)
    assert problem["index"] == 0 and "own window" in problem["detail"]
    with api.unchanged():  # a hospital may not register patients
        problem = _batch(api, _registry("Q"), COUNTY, status=403)
    assert problem["index"] == 0
    response = api.client.inner.post("/batches", json={"commands": _registry("S")})
    assert response.status_code == 401 and response.headers["content-type"].startswith(PROBLEM)


def test_an_empty_or_oversized_batch_is_refused(api: LedgerApi) -> None:
    with api.unchanged():
        assert _batch(api, [], ADMIN, status=422)["status"] == 422
        many = [
            {
                "command": "register_patient",
                "command_id": f"c{n}",
                "args": {"patient_ref": f"P{n}", "county_code": REGION},
            }
            for n in range(1001)
        ]
        assert _batch(api, many, ADMIN, status=422)["status"] == 422
