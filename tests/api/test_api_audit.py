"""Audit findings, patient refunds, withdrawals and fund reimbursements over HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ledger_api import COUNTY_HOSPITAL, LedgerApi

from domain.aggregates.hospital_account import HospitalAccount, hospital_account_id


def _finding(**overrides: Any) -> dict[str, Any]:
    return {
        "command_id": "F1:record",
        "finding_ref": "F1",
        "admission_ref": "A",
        "line_nos": ["1"],
        "reason": "unreasonable_examination",
        "found_on": "2018-07-05",
        "auditor": "county audit office",
        **overrides,
    }


def _settled_a(api: LedgerApi) -> None:
    """Worked example 2.3, admission A: county hospital, 20,000 of which 19,000 compliant (line 1)."""
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    api.settle("A")


def _hospital(api: LedgerApi, code: str = "LX-001") -> HospitalAccount:
    account: HospitalAccount = api.ledger.repository.get(hospital_account_id(code))
    return account


def test_a_finding_deducts_the_fund_share_and_makes_the_patient_share_a_refund(api: LedgerApi) -> None:
    _settled_a(api)
    year_before = api.get("/patients/P/years/2018")
    recorded = api.post("/audit-findings", _finding()).json()
    # Line 1 is A's whole compliant cost 19,000: payers advanced 17,915 (16,830 + 1,085), the patient paid 1,085.
    assert (recorded["fund_recovery"], recorded["patient_refund"]) == ("17915.00", "1085.00")
    assert (recorded["settlement_id"], recorded["hospital_code"], recorded["fund"]) == ("A#1", "LX-001", "ncms")
    [line] = recorded["lines"]
    assert (line["line_no"], line["amount"], line["patient_paid"], line["hospital_already_bore"]) == (
        "1",
        "19000.00",
        "1085.00",
        "0.00",
    )
    assert api.get("/patients/P/years/2018") == year_before  # hold-harmless: the settlement is unchanged
    assert _hospital(api).deducted == {"ncms": Decimal("17915.00")}

    finding = api.get("/audit-findings/F1")
    assert finding["deduction"]["lines"] == recorded["lines"]
    assert (finding["refund_paid"], finding["refund_outstanding"], finding["withdrawn"]) == ("0.00", "1085.00", False)
    assert (finding["reason"], finding["patient_ref"], finding["year"], finding["found_on"]) == (
        "unreasonable_examination",
        "P",
        2018,
        "2018-07-05",
    )

    # Check a replay answers 200 with the same body and appends nothing.
    with api.unchanged():
        again = api.post("/audit-findings", _finding(), 200)
    assert again.json() == recorded and again.headers["Idempotency-Replayed"] == "true"


def test_paying_the_refund_closes_it_and_overpaying_is_refused(api: LedgerApi) -> None:
    _settled_a(api)
    api.post("/audit-findings", _finding())
    paid = api.post(
        "/audit-findings/F1/refund-payments",
        {"command_id": "F1:refund:1", "amount": "1000", "paid_on": "2018-07-09", "reference": "receipt 17"},
    )
    assert paid.json() == {"finding_ref": "F1", "refund_outstanding": "85.00"}
    api.refused(
        "/audit-findings/F1/refund-payments",
        {"command_id": "F1:refund:too-much", "amount": "85.01", "paid_on": "2018-07-10"},
        422,
    )
    api.post("/audit-findings/F1/refund-payments", {"command_id": "F1:refund:2", "amount": 85, "paid_on": "2018-07-10"})
    finding = api.get("/audit-findings/F1")
    assert (finding["refund_paid"], finding["refund_outstanding"]) == ("1085.00", "0.00")
    problem = api.refused(
        "/audit-findings/F1/refund-payments",
        {"command_id": "F1:refund:3", "amount": "0.01", "paid_on": "2018-07-11"},
        422,
    )
    assert "outstanding" in problem["detail"]
    api.refused(
        "/audit-findings/F1/refund-payments", {"command_id": "F1:refund:4", "amount": 0.5, "paid_on": "2018-07-11"}, 422
    )
    # Check a finding that refunded the patient can no longer be withdrawn.
    api.refused(
        "/audit-findings/F1/withdrawals",
        {"command_id": "F1:withdraw", "reason": "appeal", "withdrawn_on": "2018-08-01"},
        409,
    )


def test_a_withdrawal_reverses_the_deduction_and_cannot_be_repeated(api: LedgerApi) -> None:
    _settled_a(api)
    api.post("/audit-findings", _finding(command_id="F2:record", finding_ref="F2", reason="unreasonable_treatment"))
    assert _hospital(api).deducted == {"ncms": Decimal("17915.00")}
    withdrawn = api.post(
        "/audit-findings/F2/withdrawals",
        {"command_id": "F2:withdraw", "reason": "appeal upheld", "withdrawn_on": "2018-08-01"},
    )
    assert withdrawn.json() == {"finding_ref": "F2", "withdrawn": True}
    finding = api.get("/audit-findings/F2")
    assert (finding["withdrawn"], finding["refund_outstanding"]) == (True, "0.00")
    assert _hospital(api).deducted == {"ncms": Decimal("0.00")}
    problem = api.refused(
        "/audit-findings/F2/withdrawals",
        {"command_id": "F2:withdraw:again", "reason": "again", "withdrawn_on": "2018-08-02"},
        409,
    )
    assert "already withdrawn" in problem["detail"]
    api.refused(
        "/audit-findings/F2/refund-payments", {"command_id": "F2:refund", "amount": "1", "paid_on": "2018-08-03"}, 409
    )


def test_bad_findings_are_refused_and_change_nothing(api: LedgerApi) -> None:
    api.poor_patient("P")
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    problem = api.refused("/audit-findings", _finding(), 409)  # discharged but not settled
    assert "not settled" in problem["detail"]
    api.settle("A")
    problem = api.refused("/audit-findings", _finding(reason="unreasonable_mood"), 422)
    assert [e["field"] for e in problem["errors"]] == ["reason"]
    for bad in ({"line_nos": []}, {"fund": "lottery"}, {"found_on": "soon"}, {"colour": "blue"}):
        api.refused("/audit-findings", _finding(**bad), 422)
    assert "distinct" in api.refused("/audit-findings", _finding(line_nos=["1", "1"]), 422)["detail"]
    api.refused("/audit-findings", _finding(line_nos=["9"]), 409)
    api.refused("/audit-findings", _finding(admission_ref="nothing"), 404)
    api.post("/audit-findings", _finding())
    api.refused("/audit-findings", _finding(command_id="F1:again"), 409)  # the finding ref is taken
    api.refused("/audit-findings", _finding(line_nos=["2"]), 422)  # the command id is taken by another payload
    api.get("/audit-findings/nothing", status=404)
    api.refused(
        "/audit-findings/nothing/refund-payments", {"command_id": "x", "amount": "1", "paid_on": "2018-07-09"}, 404
    )
    api.refused(
        "/audit-findings/nothing/withdrawals", {"command_id": "y", "reason": "r", "withdrawn_on": "2018-07-09"}, 404
    )


def test_a_fund_reimbursement_is_recorded_and_floats_are_refused(api: LedgerApi) -> None:
    api.poor_patient("P")  # the county hospital advances NCMS 16,830.00 at the one-stop window
    api.admit("P", "A", COUNTY_HOSPITAL, total="20000", compliant="19000", day="2018-03-12")
    api.settle("A")
    body = {
        "command_id": "reimb-1",
        "fund": "ncms",
        "amount": "16830.00",
        "received_on": "2018-08-15",
        "reference": "拨付 2018-08",
    }
    problem = api.refused("/hospitals/LX-001/reimbursements", {**body, "amount": 16830.5}, 422)
    assert problem["errors"][0]["field"] == "amount" and "not float" in problem["detail"]
    for bad in ({"amount": "0"}, {"amount": "-1"}, {"fund": "lottery"}, {"received_on": None}):
        api.refused("/hospitals/LX-001/reimbursements", {**body, **bad}, 422)
    recorded = api.post("/hospitals/LX-001/reimbursements", body).json()
    assert recorded == {"hospital_code": "LX-001", "fund": "ncms", "amount": "16830.00"}
    with api.unchanged():
        again = api.post(
            "/hospitals/LX-001/reimbursements",
            {k: v for k, v in body.items() if k != "command_id"},
            200,
            headers={"Idempotency-Key": "reimb-1"},
        )
    assert again.json() == recorded
    assert _hospital(api).reimbursed == {"ncms": Decimal("16830.00")}
    # The fund owes nothing more: one fen beyond the advance is refused, and so is any other fund's payment.
    problem = api.refused("/hospitals/LX-001/reimbursements", {**body, "command_id": "reimb-2", "amount": "0.01"}, 422)
    assert "exceeds what ncms owes hospital LX-001" in problem["detail"]
    problem = api.refused(
        "/hospitals/LX-001/reimbursements", {**body, "command_id": "reimb-3", "fund": "cii", "amount": "1"}, 422
    )
    assert "(0.00 = advanced 0.00" in problem["detail"]
