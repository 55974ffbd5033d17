"""Retroactive 5090 recalculation over HTTP: compensation owed and paid, the year as of a time, verification."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from ledger_api import PROVINCE_HOSPITAL, REGION, LedgerApi

WITHOUT_5090 = ["ncms", "cii", "ma", "b351", "reassist"]
KNOWN_AT = "2018-07-16T00:00:00Z"


def _publish(api: LedgerApi, version: str, published_at: str, **overrides: Any) -> None:
    """Publish the default version's parameters (as GET returns them) under `version`, with top-level overrides."""
    parameters = copy.deepcopy(api.get(f"/policy-versions/{REGION}/langxi-2018.1")["parameters"])
    for dotted, value in overrides.items():
        section, key = dotted.split(".")
        parameters[section][key] = value
    api.post(
        "/policy-versions",
        {
            "command_id": f"policy:{version}",
            "parameters": parameters,
            "meta": {
                "region": REGION,
                "version": version,
                "effective_from": "2018-01-01",
                "published_at": published_at,
            },
        },
    )


def _settled_without_5090(api: LedgerApi) -> None:
    """An esrd patient settled twice (Feb, May) under a version without 5090 and without medical assistance."""
    _publish(api, "no5090", "2017-12-31T00:00:00Z", **{"cascade.inpatient": WITHOUT_5090, "ma.by_status": {}})
    api.poor_patient("Q")
    api.post("/patients/Q/major-diseases", {"command_id": "Q:esrd", "disease": "esrd", "confirmed_on": "2017-06-01"})
    for ref, day in (("D0", "2018-02-10"), ("D1", "2018-05-10")):
        api.admit("Q", ref, PROVINCE_HOSPITAL, total="40000", compliant="40000", day=day, referred=True)
        api.post(
            f"/admissions/{ref}/settlement",
            {"command_id": f"{ref}:settle", "settled_at": f"{day[:8]}11T09:00:00+08:00"},
        )


def _owed(year: dict[str, Any]) -> Decimal:
    return sum((Decimal(r["compensation_owed"]) for r in year["settlements"]), Decimal("0.00"))


def test_a_retroactive_5090_version_makes_compensation_owed_and_payments_close_it(api: LedgerApi) -> None:
    _settled_without_5090(api)
    settled = api.get("/patients/Q/years/2018")
    assert [r["policy_version"] for r in settled["settlements"]] == ["no5090", "no5090"]
    before_recalculation = datetime.now(UTC).isoformat()
    _publish(api, "with5090", "2018-07-15T00:00:00Z", **{"ma.by_status": {}})

    path = f"/policy-versions/{REGION}/with5090/recalculations"
    summary = api.post(path, {"command_id": "recalc-5090"}).json()
    assert summary == {
        "region": REGION,
        "version": "with5090",
        "examined": 1,
        "changed_count": 1,
        "compensation_owed": "4500.00",
        "changed": [{"patient_ref": "Q", "year": 2018, "compensation_owed": "4500.00"}],
    }
    # Check a retry with the same command id and known_at recalculates nothing again.
    with api.unchanged():
        assert api.client.post(path, json={"command_id": "recalc-5090"}).json() == summary

    year = api.get("/patients/Q/years/2018")
    assert (year["recalculations"], _owed(year)) == (1, Decimal("4500.00"))
    assert [r["policy_version"] for r in year["settlements"]] == ["with5090", "with5090"]
    assert [r["settlement"] for r in year["settlements"]] == [r["settlement"] for r in settled["settlements"]]
    record = next(r for r in year["settlements"] if Decimal(r["compensation_owed"]) > 0)
    assert (record["compensation_paid"], record["compensation_outstanding"]) == ("0.00", record["compensation_owed"])

    # Pay 1,000 of one settlement's compensation; overpaying, floats and unknown settlements change nothing.
    sid = record["settlement_id"]
    outstanding = Decimal(record["compensation_owed"]) - Decimal("1000.00")
    payment = {
        "command_id": "pay-1",
        "settlement_id": sid,
        "amount": "1000",
        "paid_on": "2018-08-01",
        "reference": "补偿 0001",
    }
    paid = api.post("/patients/Q/years/2018/compensation-payments", payment).json()
    assert paid == {"settlement_id": sid, "outstanding": f"{outstanding}"}
    with api.unchanged():
        again = api.post("/patients/Q/years/2018/compensation-payments", payment, 200)
    assert again.json() == paid and again.headers["Idempotency-Replayed"] == "true"
    problem = api.refused(
        "/patients/Q/years/2018/compensation-payments",
        {**payment, "command_id": "pay-too-much", "amount": f"{outstanding + Decimal('0.01')}"},
        422,
    )
    assert "outstanding" in problem["detail"]
    api.refused("/patients/Q/years/2018/compensation-payments", {**payment, "command_id": "pay-f", "amount": 1.5}, 422)
    api.refused(
        "/patients/Q/years/2018/compensation-payments",
        {**payment, "command_id": "pay-x", "settlement_id": "nothing#1"},
        404,
    )
    api.refused("/patients/nobody/years/2018/compensation-payments", {**payment, "command_id": "pay-n"}, 404)
    [after] = [r for r in api.get("/patients/Q/years/2018")["settlements"] if r["settlement_id"] == sid]
    assert (after["compensation_paid"], after["compensation_outstanding"]) == ("1000.00", f"{outstanding}")

    # Check the year as of a time before the recalculation shows what was recorded then: nothing owed.
    then = api.get("/patients/Q/years/2018", params={"as_of": before_recalculation})
    assert then == settled
    assert (then["recalculations"], _owed(then)) == (0, Decimal("0.00"))
    assert {r["compensation_outstanding"] for r in then["settlements"]} == {"0.00"}
    now = api.get("/patients/Q/years/2018", params={"as_of": datetime.now(UTC).isoformat()})
    assert now == api.get("/patients/Q/years/2018")

    assert api.get("/patients/Q/years/2018/verification") == {
        "patient_ref": "Q",
        "year": 2018,
        "settlements": 2,
        "verified": True,
        "differences": [],
    }


def test_a_patient_year_recalculation_reports_deltas_and_is_idempotent(api: LedgerApi) -> None:
    _settled_without_5090(api)
    _publish(api, "with5090", "2018-07-15T00:00:00Z", **{"ma.by_status": {}})
    body = {"command_id": "recalc-Q", "reason": "5090 published"}
    result = api.post("/patients/Q/years/2018/recalculations", body).json()
    assert (result["patient_ref"], result["year"], result["changed"]) == ("Q", 2018, True)
    owed = sum((Decimal(i["compensation_owed"]) for i in result["items"]), Decimal("0.00"))
    assert owed == Decimal("4500.00")
    for item in result["items"]:
        assert (item["policy_version_before"], item["policy_version_after"]) == ("no5090", "with5090")
        share_change = Decimal(item["patient_share_before"]) - Decimal(item["patient_share_after"])
        assert sum((Decimal(d) for d in item["payer_deltas"].values()), Decimal("0.00")) == share_change
    with api.unchanged():
        again = api.post("/patients/Q/years/2018/recalculations", body, 200)
    assert again.json() == result and again.headers["Idempotency-Replayed"] == "true"

    # Recalculating again under the same versions changes no settlement (only the command is recorded).
    unchanged = api.post("/patients/Q/years/2018/recalculations", {**body, "command_id": "recalc-Q-2"}).json()
    assert unchanged["changed"] is False and not any(i["changed"] for i in unchanged["items"])
    assert api.get("/patients/Q/years/2018")["recalculations"] == 1
    assert api.get("/patients/Q/years/2018/verification")["verified"] is True


def test_bad_recalculations_and_year_queries_are_refused(api: LedgerApi) -> None:
    _settled_without_5090(api)
    api.refused("/patients/Q/years/2018/recalculations", {"command_id": "r1", "known_at": "2018-07-16T00:00:00"}, 422)
    api.refused("/patients/Q/years/2018/recalculations", {"command_id": "r2", "colour": "blue"}, 422)
    api.refused("/patients/Q/years/2019/recalculations", {"command_id": "r3", "known_at": KNOWN_AT}, 404)
    api.refused("/patients/Q/years/1999/recalculations", {"command_id": "r4", "known_at": KNOWN_AT}, 422)
    api.refused(f"/policy-versions/{REGION}/nothing/recalculations", {"command_id": "r5", "known_at": KNOWN_AT}, 404)
    api.refused(f"/policy-versions/{REGION}/no5090/recalculations", {"known_at": KNOWN_AT}, 422)  # no command id

    problem = api.get("/patients/Q/years/2018", 422, params={"as_of": "2018-07-16T00:00:00"})
    assert problem["errors"][0] == {"field": "as_of", "location": "query", "message": problem["errors"][0]["message"]}
    api.get("/patients/Q/years/2018", 404, params={"as_of": "2018-01-01T00:00:00+08:00"})  # before any settlement
    api.get("/patients/nobody/years/2018/verification", 404)


def test_a_recalculation_retried_without_known_at_is_a_replay(api: LedgerApi) -> None:
    _settled_without_5090(api)
    body = {"command_id": "recalc-now"}
    first = api.post("/patients/Q/years/2018/recalculations", body).json()
    assert api.post("/patients/Q/years/2018/recalculations", body, 200).json() == first


def test_a_policy_recalculation_retried_is_a_replay(api: LedgerApi) -> None:
    _settled_without_5090(api)
    body = {"command_id": "recalc-policy-now"}
    first = api.post(f"/policy-versions/{REGION}/no5090/recalculations", body).json()
    position = api.ledger.recorder.max_notification_id()
    assert api.post(f"/policy-versions/{REGION}/no5090/recalculations", body, 200).json() == first
    assert api.ledger.recorder.max_notification_id() == position


def test_verification_differences_show_money_as_text(api: LedgerApi, monkeypatch: pytest.MonkeyPatch) -> None:
    difference = {
        "settlement_id": "B#1",
        "part": "settled",
        "field": "layers[0].amount",
        "recorded": Decimal("49700.01"),
        "derived": Decimal("49700.00"),
    }
    monkeypatch.setattr(
        api.ledger,
        "verify_benefit_year",
        lambda ref, year: {
            "patient_ref": ref,
            "year": year,
            "settlements": 2,
            "verified": False,
            "differences": [difference],
        },
    )
    outcome = api.get("/patients/P/years/2018/verification")
    assert outcome["verified"] is False
    assert outcome["differences"] == [{**difference, "recorded": "49700.01", "derived": "49700.00"}]
