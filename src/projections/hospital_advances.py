"""Hospital advance ledger (垫付款) and irregular-billing findings with the patient refunds they make due.

At the one-stop window the hospital advances every payer's share of a settlement; the funds
later reimburse it (ReimbursementReceived), and audit findings deduct from the advance
(AdvanceDeducted, undone by DeductionReversed). Per hospital and fund:
    balance = advanced - reimbursed - deducted + reversed   (what the fund still owes the hospital).
Retroactive compensation is paid to the patient directly, so recalculations do not touch advances.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from projections.projection import Projection, merge
from projections.store import ViewStore
from projections.subjects import SubjectIndex
from projections.tables import Table, money
from projections.view import View, reading

ZERO = Decimal("0.00")
SUBJECTS = SubjectIndex("hospital_subjects", ("hospital", "finding"))
HOSPITALS = Table(
    "hospitals",
    (
        ("hospital_code", "text"),
        ("name", "text"),
        ("tier", "text"),
        ("county_code", "text"),
        ("settlements", "count"),
        ("total_cost", "money"),
        ("advanced", "money"),
        ("patient_share", "money"),
        ("hospital_borne", "money"),
    ),
    key=("hospital_code",),
)
NAMES = Table(  # the hospital registry's one name per hospital (its latest-recorded record's)
    "hospital_names",
    (("hospital_code", "text"), ("name", "text")),
    key=("hospital_code",),
)
FUNDS = Table(
    "hospital_funds",
    (
        ("hospital_code", "text"),
        ("fund", "text"),
        ("advanced", "money"),
        ("reimbursed", "money"),
        ("deducted", "money"),
        ("reversed", "money"),
        ("balance", "money"),
    ),
    key=("hospital_code", "fund"),
)
ENTRIES = Table(
    "hospital_entries",
    (
        ("position", "int"),
        ("seq", "int"),
        ("hospital_code", "text"),
        ("fund", "text"),
        ("kind", "text"),
        ("amount", "money"),
        ("settlement_id", "text"),
        ("finding_ref", "text"),
        ("on_date", "text"),
        ("reference", "text"),
        ("reason", "text"),
        ("recorded_at", "timestamp"),
    ),
    key=("position", "seq"),
    indexes=(("hospital_code", "fund"),),
)
FINDINGS = Table(
    "audit_findings",
    (
        ("finding_ref", "text"),
        ("admission_ref", "text"),
        ("settlement_id", "text"),
        ("patient_ref", "text"),
        ("year", "int"),
        ("hospital_code", "text"),
        ("fund", "text"),
        ("reason", "text"),
        ("found_on", "date"),
        ("auditor", "text"),
        ("disallowed_total", "money"),
        ("fund_recovery", "money"),
        ("patient_refund_due", "money"),
        ("hospital_already_bore", "money"),
        ("refund_paid", "money"),
        ("refund_outstanding", "money"),
        ("status", "text"),
        ("withdrawn_on", "date"),
        ("withdrawn_reason", "text"),
        ("lines", "json"),
    ),
    key=("finding_ref",),
    indexes=(("patient_ref", "year"), ("hospital_code",)),
)
REFUNDS = Table(
    "finding_refunds",
    (
        ("position", "int"),
        ("finding_ref", "text"),
        ("patient_ref", "text"),
        ("amount", "money"),
        ("paid_on", "date"),
        ("reference", "text"),
    ),
    key=("position",),
    indexes=(("finding_ref",),),
)

# kind -> sign of the entry's effect on the balance, and the fund column it adds to
_MOVES = {
    "advance": (1, "advanced"),
    "reimbursement": (-1, "reimbursed"),
    "deduction": (-1, "deducted"),
    "reversal": (1, "reversed"),
}


def _move(view: View, seq: int, hospital_code: str, fund: str, kind: str, amount: Decimal, e: Any, **refs: Any) -> None:
    sign, column = _MOVES[kind]
    view.insert(
        ENTRIES,
        {
            "position": view.position,
            "seq": seq,
            "hospital_code": hospital_code,
            "fund": fund,
            "kind": kind,
            "amount": amount,
            "recorded_at": e.timestamp,
            **refs,
        },
    )
    view.add(FUNDS, {"hospital_code": hospital_code, "fund": fund}, {column: amount, "balance": sign * amount})


def on_settlement(view: View, e: Any) -> None:
    h, s = e.hospital, e.settlement
    deferred = sum((money(la["amount"]) for la in s["layers"] if la.get("deferred")), ZERO)
    advanced = money(e.payer_total) - deferred  # deferred layers are paid to households by payment runs
    view.add(
        HOSPITALS,
        {"hospital_code": h["code"]},
        {
            "settlements": 1,
            "total_cost": money(s["total"]),
            "advanced": advanced,
            "patient_share": money(e.patient_share),
            "hospital_borne": money(s["hospital_borne"]),
        },
        {"name": _registry_name(view, h["code"]) or h["name"], "tier": h["tier"], "county_code": h["county_code"]},
    )
    for seq, layer in enumerate(s["layers"]):
        if money(layer["amount"]) != ZERO and not layer.get("deferred"):
            _move(
                view,
                seq,
                h["code"],
                layer["payer"],
                "advance",
                money(layer["amount"]),
                e,
                settlement_id=e.settlement_id,
                on_date=e.settled_at,
            )


def _registry_name(view: View, hospital_code: str) -> str | None:
    row = view.get(NAMES, {"hospital_code": hospital_code})
    return None if row is None else str(row["name"])


def on_registry_record(view: View, e: Any) -> None:
    """A registration or change of a hospital: its name everywhere is the latest-recorded record's."""
    code, name = e.record["code"], e.record["name"]
    view.upsert(NAMES, {"hospital_code": code, "name": name})
    if view.get(HOSPITALS, {"hospital_code": code}) is not None:
        view.update(HOSPITALS, {"hospital_code": code}, {"name": name})


def _hospital(view: View, e: Any) -> str:
    return str(SUBJECTS.of(view, e.originator_id)["hospital_code"])


def on_reimbursed(view: View, e: Any) -> None:
    _move(
        view,
        0,
        _hospital(view, e),
        e.fund,
        "reimbursement",
        money(e.amount),
        e,
        on_date=e.received_on,
        reference=e.reference,
    )


def on_deducted(view: View, e: Any) -> None:
    _move(
        view, 0, _hospital(view, e), e.fund, "deduction", money(e.amount), e, finding_ref=e.finding_ref, reason=e.reason
    )


def on_reversed(view: View, e: Any) -> None:
    _move(
        view, 0, _hospital(view, e), e.fund, "reversal", money(e.amount), e, finding_ref=e.finding_ref, reason=e.reason
    )


def on_advance_reversed(view: View, e: Any) -> None:
    """A settlement reversed at the window (反结算): its advance is taken back, fund by fund."""
    code = _hospital(view, e)
    total = ZERO
    for seq, (fund, amount) in enumerate(sorted(e.amounts.items())):
        total += money(amount)
        _move(view, seq, code, fund, "advance", -money(amount), e, settlement_id=e.settlement_id)
    view.add(HOSPITALS, {"hospital_code": code}, {"advanced": -total})


def on_finding(view: View, e: Any) -> None:
    d = e.deduction
    due = money(d["patient_refund"])
    view.insert(
        FINDINGS,
        {
            "finding_ref": e.finding_ref,
            "admission_ref": e.admission_ref,
            "settlement_id": e.settlement_id,
            "patient_ref": e.patient_ref,
            "year": e.year,
            "hospital_code": e.hospital_code,
            "fund": e.fund,
            "reason": e.reason,
            "found_on": e.found_on,
            "auditor": e.auditor,
            "disallowed_total": money(d["disallowed_total"]),
            "fund_recovery": money(d["fund_recovery"]),
            "patient_refund_due": due,
            "hospital_already_bore": money(d["hospital_already_bore"]),
            "refund_outstanding": due,
            "status": "refund_due" if due > ZERO else "settled",
            "lines": d["lines"],
        },
    )


def _finding_of(view: View, e: Any) -> dict[str, Any]:
    found = view.get(FINDINGS, {"finding_ref": SUBJECTS.of(view, e.originator_id)["ref"]})
    assert found is not None
    return found


def on_refund_paid(view: View, e: Any) -> None:
    finding, amount = _finding_of(view, e), money(e.amount)
    outstanding = max(ZERO, finding["refund_outstanding"] - amount)
    view.add(
        FINDINGS,
        {"finding_ref": finding["finding_ref"]},
        {"refund_paid": amount},
        {"refund_outstanding": outstanding, "status": "refund_due" if outstanding > ZERO else "settled"},
    )
    view.insert(
        REFUNDS,
        {
            "position": view.position,
            "finding_ref": finding["finding_ref"],
            "patient_ref": finding["patient_ref"],
            "amount": amount,
            "paid_on": e.paid_on,
            "reference": e.reference,
        },
    )


def on_withdrawn(view: View, e: Any) -> None:
    finding = _finding_of(view, e)
    view.update(
        FINDINGS,
        {"finding_ref": finding["finding_ref"]},
        {
            "status": "withdrawn",
            "refund_outstanding": ZERO,
            "withdrawn_on": e.withdrawn_on,
            "withdrawn_reason": e.reason,
        },
    )


PROJECTION = Projection(
    "hospital_advances",
    (SUBJECTS.table, HOSPITALS, FUNDS, ENTRIES, FINDINGS, REFUNDS, NAMES),
    merge(
        SUBJECTS.handlers,
        {
            "ledger:BenefitYear.SettlementRecorded": on_settlement,
            "ledger:HospitalAccount.ReimbursementReceived": on_reimbursed,
            "ledger:HospitalAccount.AdvanceDeducted": on_deducted,
            "ledger:HospitalAccount.DeductionReversed": on_reversed,
            "ledger:HospitalAccount.AdvanceReversed": on_advance_reversed,
            "ledger:AuditFinding.Recorded": on_finding,
            "ledger:AuditFinding.PatientRefundPaid": on_refund_paid,
            "ledger:AuditFinding.Withdrawn": on_withdrawn,
            "ledger:RegisteredHospital.Registered": on_registry_record,
            "ledger:RegisteredHospital.Changed": on_registry_record,
        },
    ),
    description="hospital advances, reimbursements, deductions and balance per fund; findings and refunds",
)


# ---- queries ----------------------------------------------------------------------------------
def hospital_ledger(store: ViewStore, hospital_code: str | None = None) -> list[dict[str, Any]]:
    """Per hospital: its settlement totals and, per fund, advanced/reimbursed/deducted/reversed/balance."""
    where = {"hospital_code": hospital_code} if hospital_code else None
    with reading(store) as view:
        hospitals = view.select(HOSPITALS, where)
        funds = view.select(FUNDS, where)
        known = {h["hospital_code"] for h in hospitals}
        hospitals += [{"hospital_code": code} for code in sorted({f["hospital_code"] for f in funds} - known)]
    for hospital in hospitals:
        hospital["funds"] = [f for f in funds if f["hospital_code"] == hospital["hospital_code"]]
        hospital["balance"] = sum((f["balance"] for f in hospital["funds"]), ZERO)
    return sorted(hospitals, key=lambda h: h["hospital_code"])


def hospital_ledger_page(store: ViewStore, *, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many hospitals, one page of them by code, each with its funds): the page is cut in SQL."""
    codes_sql = "SELECT hospital_code FROM {hospitals} UNION SELECT hospital_code FROM {funds}"
    with reading(store) as view:
        tables = {"hospitals": HOSPITALS, "funds": FUNDS}
        count = int(view.rows(f"SELECT COUNT(*) FROM ({codes_sql}) codes", (), **tables)[0][0])
        codes = [
            r[0]
            for r in view.rows(
                f"SELECT hospital_code FROM ({codes_sql}) codes ORDER BY hospital_code LIMIT ? OFFSET ?",
                [limit, offset],
                **tables,
            )
        ]
        if not codes:
            return count, []
        marks = ", ".join("?" * len(codes))
        hospitals = [
            view.row(HOSPITALS, HOSPITALS.column_names, r)
            for r in view.rows(
                f"SELECT {', '.join(HOSPITALS.column_names)} FROM {{hospitals}} WHERE hospital_code IN ({marks})",
                codes,
                **tables,
            )
        ]
        funds = [
            view.row(FUNDS, FUNDS.column_names, r)
            for r in view.rows(
                f"SELECT {', '.join(FUNDS.column_names)} FROM {{funds}} WHERE hospital_code IN ({marks}) "
                "ORDER BY hospital_code, fund",
                codes,
                **tables,
            )
        ]
    known = {h["hospital_code"] for h in hospitals}
    hospitals += [{"hospital_code": code} for code in codes if code not in known]
    for hospital in hospitals:
        hospital["funds"] = [f for f in funds if f["hospital_code"] == hospital["hospital_code"]]
        hospital["balance"] = sum((f["balance"] for f in hospital["funds"]), ZERO)
    return count, sorted(hospitals, key=lambda h: h["hospital_code"])


def hospital_entries(store: ViewStore, hospital_code: str, fund: str | None = None) -> list[dict[str, Any]]:
    where = {"hospital_code": hospital_code, **({"fund": fund} if fund else {})}
    with reading(store) as view:
        return view.select(ENTRIES, where)


def audit_findings(
    store: ViewStore, *, patient_ref: str | None = None, hospital_code: str | None = None, refund_due_only: bool = False
) -> list[dict[str, Any]]:
    where: dict[str, Any] = {k: v for k, v in (("patient_ref", patient_ref), ("hospital_code", hospital_code)) if v}
    if refund_due_only:
        where["status"] = "refund_due"
    with reading(store) as view:
        return view.select(FINDINGS, where)
