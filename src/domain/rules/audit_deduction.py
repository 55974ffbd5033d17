"""Irregular-billing deductions (不合理检查/施治/用药/收费): who bears a disallowed charge line.

A disallowed line's cost is split as it was settled: the payers' share of a compliant line is
deducted from the hospital's advance (the fund recovers it); what the patient paid for the line
is refunded to the patient (hold-harmless, 先诊疗后付费 rules: violations may not be shifted to the
patient); a non-compliant line's hospital-borne part was already the hospital's, and so was a
compliant line's share of any cost above a single-disease standard (Hainan). The patient's
settlement itself is not re-run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.money import ZERO, money_sum, to_fen
from domain.rules.settlement import Settlement


@dataclass(frozen=True)
class DisallowedLine:
    line_no: str
    category: str
    amount: Decimal
    compliant: bool


@dataclass(frozen=True)
class Deduction:
    disallowed_total: Decimal
    fund_recovery: Decimal  # deducted from the hospital's advance from the named fund
    patient_refund: Decimal  # owed to the patient by the hospital
    hospital_already_bore: Decimal  # the non-compliant part the hospital bore at settlement
    lines: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "disallowed_total": self.disallowed_total,
            "fund_recovery": self.fund_recovery,
            "patient_refund": self.patient_refund,
            "hospital_already_bore": self.hospital_already_bore,
            "lines": list(self.lines),
        }


def _share(amount: Decimal, part: Decimal, whole: Decimal) -> Decimal:
    return ZERO if whole == ZERO else to_fen(amount * part / whole)


def compute_deduction(lines: Sequence[DisallowedLine], settlement: Settlement, *, hold_harmless: bool) -> Deduction:
    """Split each disallowed line pro rata to how its kind of cost (compliant or not) was settled."""
    rows: list[dict[str, Any]] = []
    for line in lines:
        if line.compliant:
            patient = _share(line.amount, settlement.patient_compliant, settlement.compliant)
            # compliant cost above a single-disease standard was the hospital's, not the funds'
            excess = settlement.excess_compliant
            borne = (
                ZERO
                if excess == ZERO
                else min(_share(line.amount, excess, settlement.compliant), line.amount - patient)
            )
            fund = line.amount - patient - borne
        else:
            patient = _share(line.amount, settlement.patient_noncompliant, settlement.noncompliant)
            fund = ZERO
            borne = line.amount - patient
        refund = patient if hold_harmless else ZERO
        rows.append(
            {
                "line_no": line.line_no,
                "category": line.category,
                "amount": line.amount,
                "compliant": line.compliant,
                "fund_recovery": fund,
                "patient_paid": patient,
                "patient_refund": refund,
                "hospital_already_bore": borne,
                "explanation": (
                    f"{line.amount} {'compliant' if line.compliant else 'non-compliant'}: "
                    f"patient paid {patient}, funds advanced {fund}, hospital bore {borne}"
                ),
            }
        )
    deduction = Deduction(
        money_sum(r["amount"] for r in rows),
        money_sum(r["fund_recovery"] for r in rows),
        money_sum(r["patient_refund"] for r in rows),
        money_sum(r["hospital_already_bore"] for r in rows),
        tuple(rows),
    )
    for row in rows:
        assert row["fund_recovery"] + row["patient_paid"] + row["hospital_already_bore"] == row["amount"]
    return deduction


def disallowed_parts(line_no: str, line: Mapping[str, Any]) -> list[DisallowedLine]:
    """A charge line as the deduction splits it: a catalogue-classified line is its compliant part and its
    non-compliant rest (超限价, self-pay, out of catalogue); a legacy line is all one or the other."""
    amount = Decimal(line["amount"])
    if "compliant_amount" not in line:
        return [DisallowedLine(line_no, line["category"], amount, bool(line["compliant"]))]
    compliant = Decimal(line["compliant_amount"])
    parts = [(compliant, True), (amount - compliant, False)]
    return [DisallowedLine(line_no, line["category"], part, ok) for part, ok in parts if part > ZERO]
