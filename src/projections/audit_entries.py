"""How each ledger event reads in an audit trail: its subject, effective time, headline amount, words.

`describe(topic, event)` returns the row fields other than who the event is about (the audit
projection resolves that from its subject index). Effective time is the business date the event
speaks for (admitted on, service date, paid on...); recorded time is the event's timestamp.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from projections.tables import money

Entry = dict[str, Any]


def _settled(e: Any) -> Entry:
    s = e.settlement
    parts = ", ".join(f"{la['payer']} {money(la['amount'])}" for la in s["layers"] if money(la["amount"]))
    return {
        "settlement_id": e.settlement_id,
        "admission_ref": e.admission_ref,
        "hospital_code": e.hospital["code"],
        "effective_on": e.claim["service_date"],
        "policy_version": e.policy_version,
        "amount": money(e.payer_total),
        "summary": (
            f"settled {e.settlement_id} under {e.policy_version}: total {money(s['total'])} "
            f"(compliant {money(s['compliant'])}); payers {money(e.payer_total)} ({parts or 'none'}); "
            f"patient {money(e.patient_share)}; hospital-borne {money(s['hospital_borne'])}"
        ),
        "detail": {
            "claim": e.claim,
            "settled_at": e.settled_at,
            "state_after": e.state_after,
            "patient_version": e.patient_version,
            "admission_version": e.admission_version,
            "hospital_borne_explanation": s.get("hospital_borne_explanation", ""),
        },
    }


def _classified(e: Any) -> Entry:
    """A charge line the ledger classified against the catalogue: every part, and why."""
    c = e.classification
    return {
        "effective_on": None,
        "amount": money(c["amount"]),
        "summary": (
            f"charge line {e.line_no} {c['item_code']} x {c['quantity']} @ {money(c['unit_price'])} = "
            f"{money(c['amount'])}: compliant {money(c['compliant_amount'])}, over the price limit "
            f"{money(c['over_limit'])}, self-pay {money(c['self_pay'])}, out of catalogue "
            f"{money(c['out_of_catalogue'])} ({c['catalogue_version']}): {c['reason']}"
        ),
        "detail": {"classification": c, "category": e.category},
    }


def _recalculated(e: Any) -> Entry:
    owed = sum((money(i["compensation_owed"]) for i in e.items), Decimal("0.00"))
    changed = [i["settlement_id"] for i in e.items if i["changed"]]
    versions = sorted({i["policy_version_after"] for i in e.items})
    lines = [c for i in e.items for c in (i.get("facts") or {}).get("lines", {}).values()]
    catalogues = sorted({str(c["catalogue_version"]) for c in lines})
    reclassified = f"; {len(lines)} charge line(s) re-classified under {', '.join(catalogues)}" if lines else ""
    return {
        "effective_on": e.recalculated_at,
        "policy_version": ",".join(versions),
        "amount": owed,
        "summary": (
            f"recalculated ({e.reason}): {', '.join(changed) or 'no settlement'} changed; owed {owed}{reclassified}"
        ),
        "detail": {
            "reason": e.reason,
            "state_after": e.state_after,
            "items": [{k: v for k, v in i.items() if k != "settlement"} for i in e.items],
        },
    }


def _simple(
    effective: str | None, summary: Callable[[Any], str], amount: str | None = None, **refs: str
) -> Callable[[Any], Entry]:
    def describe(e: Any) -> Entry:
        entry: Entry = {
            "effective_on": getattr(e, effective) if effective else None,
            "summary": summary(e),
            "amount": money(getattr(e, amount)) if amount else None,
        }
        entry.update({column: getattr(e, attribute) for column, attribute in refs.items()})
        return entry

    return describe


DESCRIBERS: dict[str, Callable[[Any], Entry]] = {
    "ledger:Patient.Registered": _simple(None, lambda e: f"registered in county {e.county_code} {e.township}"),
    "ledger:Patient.EnrolledInBasicInsurance": _simple(
        None,
        lambda e: (
            f"enrolled in basic insurance for {e.year}"
            + (" (premium paid by the state)" if e.premium_paid_by_state else "")
        ),
    ),
    "ledger:Patient.PovertyStatusRegistered": _simple("effective_from", lambda e: f"poverty status {e.status}"),
    "ledger:Patient.PovertyStatusChanged": _simple(
        "effective_from", lambda e: f"poverty status changed to {e.status} ({e.reason})"
    ),
    "ledger:Patient.ChronicDiseaseCertified": _simple(
        "valid_from", lambda e: f"chronic disease {e.disease} certified {e.valid_from}..{e.valid_to or ''}"
    ),
    "ledger:Patient.ChronicDiseaseRevoked": _simple("revoked_on", lambda e: f"chronic certificate {e.disease} revoked"),
    "ledger:Patient.MajorDiseaseConfirmed": _simple("confirmed_on", lambda e: f"major disease {e.disease} confirmed"),
    "ledger:Patient.FamilyDoctorContractSigned": _simple(
        "signed_on", lambda e: f"family-doctor contract with {e.doctor}"
    ),
    "ledger:Patient.FollowUpRecorded": _simple("followed_up_on", lambda e: "follow-up visit"),
    "ledger:Admission.Registered": _simple(
        "admitted_on",
        lambda e: (
            f"{e.kind} admission at {e.hospital['name']} ({e.hospital['tier']})"
            + (", referred" if e.referred else "")
            + (f": {e.diagnosis}" if e.diagnosis else "")
        ),
    ),
    "ledger:Admission.ChargeLinePosted": _simple(
        None,
        lambda e: (
            f"charge line {e.line_no} {e.category} {money(e.amount)} {'compliant' if e.compliant else 'non-compliant'}"
            " (legacy line, pre-classified by its sender)"
        ),
        "amount",
    ),
    "ledger:Admission.ChargeLineClassified": _classified,
    "ledger:Admission.ChargeLineReversed": _simple(None, lambda e: f"charge line {e.line_no} reversed: {e.reason}"),
    "ledger:Admission.Discharged": _simple("discharged_on", lambda e: "discharged"),
    "ledger:Admission.Settled": _simple(
        None,
        lambda e: (
            f"settled {e.settlement_id}: payers {money(e.payer_total)}, patient "
            f"{money(e.patient_share)}, hospital-borne {money(e.hospital_borne)}"
        ),
        "payer_total",
        settlement_id="settlement_id",
    ),
    "ledger:BenefitYear.Opened": _simple(None, lambda e: f"benefit year {e.year} opened"),
    "ledger:BenefitYear.SettlementRecorded": _settled,
    "ledger:BenefitYear.RecalculationRecorded": _recalculated,
    "ledger:BenefitYear.RetroactiveCompensationPaid": _simple(
        "paid_on",
        lambda e: f"retroactive compensation {money(e.amount)} paid for {e.settlement_id} ({e.reference})",
        "amount",
        settlement_id="settlement_id",
    ),
    "ledger:AuditFinding.Recorded": _simple(
        "found_on",
        lambda e: (
            f"audit finding {e.finding_ref} ({e.reason}) on {e.settlement_id}: disallowed "
            f"{money(e.deduction['disallowed_total'])}, fund recovery {money(e.deduction['fund_recovery'])} from "
            f"{e.fund}, patient refund {money(e.deduction['patient_refund'])}"
        ),
        None,
        settlement_id="settlement_id",
    ),
    "ledger:AuditFinding.PatientRefundPaid": _simple(
        "paid_on", lambda e: f"patient refund {money(e.amount)} paid ({e.reference})", "amount"
    ),
    "ledger:AuditFinding.Withdrawn": _simple("withdrawn_on", lambda e: f"finding withdrawn: {e.reason}"),
    "ledger:HospitalAccount.AdvanceDeducted": _simple(
        None, lambda e: f"{money(e.amount)} deducted from the {e.fund} advance ({e.reason})", "amount"
    ),
    "ledger:HospitalAccount.DeductionReversed": _simple(
        None, lambda e: f"deduction of {money(e.amount)} from the {e.fund} advance reversed ({e.reason})", "amount"
    ),
}


def describe(topic: str, e: Any) -> Entry:
    entry = DESCRIBERS[topic](e)
    if topic == "ledger:AuditFinding.Recorded":
        entry["amount"] = money(e.deduction["disallowed_total"])
        entry["detail"] = {"deduction": e.deduction, "fund": e.fund, "auditor": e.auditor}
    return entry


def layer_rows(settlement_id: str, policy_version: str, settlement: dict[str, Any]) -> list[dict[str, Any]]:
    """Each payer layer's arithmetic: base, threshold, ratio, cap, paid before, amount, in words."""
    return [
        {
            "settlement_id": settlement_id,
            "seq": n,
            "policy_version": policy_version,
            "payer": la["payer"],
            "amount": money(la["amount"]),
            "eligible": bool(la["eligible"]),
            "base": la["base"],
            "threshold": la["threshold"],
            "ratio": la["ratio"],
            "cap": la["cap"],
            "paid_before": money(la["paid_before"]),
            "explanation": la["explanation"],
        }
        for n, la in enumerate(settlement["layers"])
    ]
