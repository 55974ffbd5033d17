"""Year close (年度结算) of a county-year, on SQLite and PostgreSQL: the closing figures kept, the window frozen
(settlement and reversal refused naming the close), late claims (零星报销) as adjustments against the closed
year, restatements since the close, payment runs still paying the closed year, the route and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from tests.application.scenario import PROVINCE_HOSPITAL, REGION, publish_default
from tests.money.conftest import auth
from tests.money.money_scenario import bank_result, budget, owed_reassist, run

from domain.errors import AlreadyExistsError, NotFoundError, StateConflictError
from domain.policy.loader import load_default_policy
from domain.policy.parameters import PolicyParameters
from domain.policy.parsing import PolicyError
from service.commands import (
    CloseCountyYear,
    Discharge,
    RegisterAdmission,
    ReverseBenefitForFraud,
    ReverseSettlement,
    SettleAdmission,
    SettleLateClaim,
)
from service.ledger import BenefitLedger
from service.legacy_shapes import charge_line, ensure_hospital
from service.year_close import close_report

OWED = {"H-1": Decimal("3981.00"), "H-2": Decimal("2523.00"), "H-3": Decimal("5439.00")}


def _county_year(ledger: BenefitLedger, *, publish: bool = True) -> None:
    if publish:  # the API app publishes the shipped policies itself
        publish_default(ledger)
    for ref, total in (("H-1", "80000"), ("H-2", "60000"), ("H-3", "100000")):
        assert owed_reassist(ledger, ref, total=total) == OWED[ref]
    budget(ledger, "2700000")


def _close(ledger: BenefitLedger, command_id: str = "close:2018") -> dict[str, Any]:
    return ledger.handle(CloseCountyYear(command_id=command_id, county_code=REGION, year=2018, reason="2018年度结算"))


def _discharged(ledger: BenefitLedger, patient: str, admission: str, day: date) -> None:
    ledger.handle(
        RegisterAdmission(
            command_id=f"{admission}:register",
            admission_ref=admission,
            patient_ref=patient,
            kind="inpatient",
            hospital_code=ensure_hospital(ledger, PROVINCE_HOSPITAL),
            admitted_on=day,
            referred=True,
        )
    )
    ledger.handle(
        charge_line(
            command_id=f"{admission}:line:1",
            admission_ref=admission,
            line_no="1",
            category="treatment",
            amount=Decimal("36000"),
            compliant=True,
        )
    )
    ledger.handle(Discharge(command_id=f"{admission}:discharge", admission_ref=admission, discharged_on=day))


def test_closing_figures_are_kept_and_the_window_is_frozen(ledger: BenefitLedger) -> None:
    _county_year(ledger)
    closed = _close(ledger)
    figures = closed["closing_figures"]
    assert (figures["patient_years"], figures["settlements"], figures["reversed_settlements"]) == (3, 3, 0)
    assert figures["funds"]["reassist"]["deferred"] == sum(OWED.values()) == Decimal("11943.00")
    assert figures["funds"]["reassist"]["advanced"] == Decimal("0.00")  # owed to households, not advanced
    assert figures["funds"]["ncms"]["advanced"] == figures["funds"]["ncms"]["benefit"] > 0
    assert figures["reassist_owed_to_households"] == Decimal("11943.00")
    assert figures["budgets"]["reassist"]["remaining"] == Decimal("2700000.00")
    assert figures["payer_total"] + figures["patient_share"] + figures["hospital_borne"] == figures["total"]
    assert _close(ledger)["replayed"]  # idempotent by command id
    with pytest.raises(AlreadyExistsError, match="already closed"):
        _close(ledger, "close:2018:again")

    _discharged(ledger, "H-1", "H-1-B", date(2018, 9, 1))
    with pytest.raises(StateConflictError, match=r"341821/2018 is closed: year close 341821/2018"):
        ledger.handle(
            SettleAdmission(
                command_id="late:window", admission_ref="H-1-B", settled_at=datetime(2018, 9, 1, 10, tzinfo=UTC)
            )
        )
    with pytest.raises(StateConflictError, match="is closed"):
        ledger.handle(ReverseSettlement(command_id="rev:closed", admission_ref="H-2-A", reason="重复收费"))
    report = close_report(ledger, REGION, 2018)
    assert report["restated"] is False and report["restatements"] == []
    assert report["figures_now"] == report["closing_figures"]


def test_payment_runs_still_pay_a_closed_year_and_restate_nothing(ledger: BenefitLedger) -> None:
    _county_year(ledger)
    _close(ledger)
    first = run(ledger, "ZJZ-2018-12", run_on=date(2018, 12, 20), through=None)
    assert first["total"] == Decimal("11943.00")
    bank_result(ledger, "ZJZ-2018-12", {"H-1": "paid", "H-2": "paid", "H-3": "paid"})
    report = close_report(ledger, REGION, 2018)
    assert report["restated"] is False
    assert report["difference"]["reassist_owed_to_households"] == Decimal("-11943.00")
    assert report["difference"]["budgets"]["reassist"]["paid"] == Decimal("11943.00")
    assert report["difference"]["settlements"] == 0


def test_a_late_claim_settles_against_the_closed_year_as_a_restatement(ledger: BenefitLedger) -> None:
    _county_year(ledger)
    _discharged(ledger, "H-1", "H-1-B", date(2018, 9, 1))
    with pytest.raises(StateConflictError, match="not closed"):  # an open year settles at the window
        ledger.handle(SettleLateClaim(command_id="late:open", admission_ref="H-1-B", reason="零星报销"))
    kept = _close(ledger)["closing_figures"]
    late = ledger.handle(SettleLateClaim(command_id="late:1", admission_ref="H-1-B", reason="零星报销: 2019-03 提交"))
    assert late["settlement_id"] == "H-1-B#1" and late["late_claim_of"].startswith("year close 341821/2018")
    assert ledger.verify_benefit_year("H-1", 2018)["verified"]  # the year's accumulators carry it
    report = close_report(ledger, REGION, 2018)
    assert report["restated"] is True
    assert report["difference"]["settlements"] == 1
    assert report["difference"]["payer_total"] == Decimal(late["payer_total"])
    assert report["figures_now"]["settlements"] == kept["settlements"] + 1
    assert [(r["kind"], r["settlement_id"]) for r in report["restatements"]] == [("late_claim", "H-1-B#1")]
    assert [c["settlement_id"] for c in report["late_claims"]] == ["H-1-B#1"]
    # its 再救助 is owed like any other: the next run pays it (paying what is owed is not a settlement)
    later = run(ledger, "ZJZ-2019-03", run_on=date(2019, 3, 10), through=None)
    reassist = sum(Decimal(layer["amount"]) for layer in late["layers"] if layer["payer"] == "reassist")
    assert later["total"] == sum(OWED.values()) + reassist


def test_a_fraud_reversal_after_the_close_is_a_restatement(ledger: BenefitLedger) -> None:
    _county_year(ledger)
    kept = _close(ledger)["closing_figures"]
    ledger.handle(
        ReverseBenefitForFraud(
            command_id="fraud:H-3",
            finding_ref="F-1",
            patient_ref="H-3",
            year=2018,
            settlement_ids=["H-3-A#1"],
            reason="冒名住院",
            found_on=date(2019, 2, 1),
        )
    )
    report = close_report(ledger, REGION, 2018)
    assert report["restated"] is True
    assert (report["difference"]["settlements"], report["difference"]["reversed_settlements"]) == (-1, 1)
    assert report["difference"]["funds"]["reassist"]["deferred"] == -OWED["H-3"]
    assert report["closing_figures"] == kept  # the kept figures never change
    assert [(r["kind"], r["patient_ref"], r["settlement_id"]) for r in report["restatements"]] == [
        ("reversal", "H-3", "H-3-A#1")
    ]


def test_the_late_claim_rule_is_a_policy_parameter() -> None:
    document = load_default_policy()
    assert document.confidence["year_close.late_claims"] == "ASSUMPTION"
    assert PolicyParameters.from_mapping(document.parameters).late_claims_after_close == "closed_year"
    refused = {**document.parameters, "year_close": {"late_claims": "refused"}}
    assert PolicyParameters.from_mapping(refused).late_claims_after_close == "refused"
    with pytest.raises(PolicyError, match="year_close.late_claims"):
        PolicyParameters.from_mapping({**document.parameters, "year_close": {"late_claims": "next_year"}})
    absent = {k: v for k, v in document.parameters.items() if k != "year_close"}
    assert PolicyParameters.from_mapping(absent).late_claims_after_close == "closed_year"


def test_close_and_report_over_http_with_roles(ledger: BenefitLedger, http: Any) -> None:
    _county_year(ledger, publish=False)
    body = {"command_id": "close:http", "reason": "2018年度结算"}
    assert http.post(f"/county-years/{REGION}/2018/close", json=body, headers=auth("tok-auditor")).status_code == 403
    assert http.get(f"/reports/counties/{REGION}/2018/close", headers=auth("tok-admin")).status_code == 404
    closed = http.post(f"/county-years/{REGION}/2018/close", json=body, headers=auth("tok-admin"))
    assert closed.status_code == 201, closed.text
    assert closed.json()["closing_figures"]["funds"]["reassist"]["deferred"] == "11943.00"
    _discharged(ledger, "H-1", "H-1-B", date(2018, 9, 1))
    refused = http.post(
        "/admissions/H-1-B/settlement",
        json={"command_id": "s:late", "settled_at": "2018-09-01T10:00:00+00:00"},
        headers=auth("tok-hospital"),
    )
    assert refused.status_code in (403, 409)
    late = http.post(
        "/admissions/H-1-B/late-claim",
        json={"command_id": "late:http", "reason": "零星报销"},
        headers=auth("tok-auditor"),
    )
    assert late.status_code == 201, late.text
    report = http.get(f"/reports/counties/{REGION}/2018/close", headers=auth("tok-auditor"))
    assert report.status_code == 200, report.text
    assert report.json()["restated"] is True and report.json()["difference"]["settlements"] == 1
    assert report.json()["restatements"][0]["kind"] == "late_claim"
    assert http.get(f"/reports/counties/{REGION}/2018/close", headers=auth("tok-dashboard")).status_code == 403


def test_window_settlement_after_close_is_a_409_problem_naming_the_close(ledger: BenefitLedger) -> None:
    _county_year(ledger)
    _close(ledger)
    _discharged(ledger, "H-2", "H-2-B", date(2018, 10, 1))
    with pytest.raises(StateConflictError) as refused:
        ledger.handle(
            SettleAdmission(
                command_id="s:H-2-B", admission_ref="H-2-B", settled_at=datetime(2018, 10, 1, 10, tzinfo=UTC)
            )
        )
    assert refused.value.status == 409 and "settle_late_claim" in str(refused.value)


def test_ledger_year_close_and_show(ledger: BenefitLedger, cli: Any) -> None:
    _county_year(ledger)
    bad = cli("year", "show", REGION, "2018")
    assert bad.exit_code != 0 and "not closed" in bad.output
    closed = cli("year", "close", REGION, "2018", "--reason", "2018年度结算")
    assert closed.exit_code == 0, closed.output
    assert "closed 341821/2018" in closed.output and "reassist: benefit 11943.00" in closed.output
    shown = cli("year", "show", REGION, "2018")
    assert shown.exit_code == 0 and "not restated since the close" in shown.output
    as_json = cli("year", "show", REGION, "2018", "--json")
    assert '"deferred": "11943.00"' in as_json.output


def test_an_unclosed_year_has_no_report(ledger: BenefitLedger) -> None:
    publish_default(ledger)
    with pytest.raises(NotFoundError):
        close_report(ledger, REGION, 2018)


def test_a_recalculation_after_the_close_is_a_restatement_against_the_kept_figures(ledger: BenefitLedger) -> None:
    from tests.application.scenario import esrd_settled_before_5090, publish_retroactive_5090

    from service.commands import RecalculateForPolicy

    # as _retroactive_5090_year, with the close between the settlements and the retroactive "5090" version
    esrd_settled_before_5090(ledger)
    kept = _close(ledger)["closing_figures"]
    assert kept["compensation"]["owed"] == Decimal("0.00")
    publish_retroactive_5090(ledger)
    ledger.handle(RecalculateForPolicy(command_id="recalc-5090", region=REGION, version="langxi-2018.2-5090"))
    report = close_report(ledger, REGION, 2018)
    assert report["restated"] is True and report["closing_figures"] == kept
    assert report["difference"]["compensation"]["owed"] == Decimal("4500.00")  # as worked out in that test
    assert report["difference"]["funds"]["s5090"]["benefit"] > 0
    assert report["difference"]["settlements"] == 0
    assert [(r["kind"], r["patient_ref"]) for r in report["restatements"]] == [("recalculation", "P-5090")]
    assert report["restatements"][0]["settlement_ids"]
