"""Audit-finding and hospital-account responses: who bears each disallowed line, to the fen.

A finding deducts the payers' share of the disallowed lines from the hospital's advance
(`fund_recovery`) and makes what the patient paid for them a refund due from the hospital
(`patient_refund`); the settlement itself is unchanged. Amounts are `Money` (two places).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.schemas.common import Money
from domain.aggregates.audit_finding import AuditFinding


class DeductionLinePublic(BaseModel):
    """One disallowed line: amount = fund_recovery + patient_paid + hospital_already_bore."""

    line_no: str
    category: str
    amount: Money
    compliant: bool
    fund_recovery: Money
    patient_paid: Money
    patient_refund: Money
    hospital_already_bore: Money
    explanation: str


class DeductionPublic(BaseModel):
    disallowed_total: Money
    fund_recovery: Money
    patient_refund: Money
    hospital_already_bore: Money
    lines: list[DeductionLinePublic]


class AuditFindingRecordedPublic(DeductionPublic):
    """The finding as recorded: the settlement it applies to and the deduction, line by line."""

    finding_ref: str
    settlement_id: str
    hospital_code: str
    fund: str


class AuditFindingPublic(BaseModel):
    """A finding's current state: its deduction, the refund paid and outstanding, and whether it was withdrawn."""

    finding_ref: str
    admission_ref: str
    settlement_id: str
    patient_ref: str
    year: int
    hospital_code: str
    reason: str
    fund: str
    found_on: str
    auditor: str
    deduction: DeductionPublic
    refund_paid: Money
    refund_outstanding: Money
    withdrawn: bool
    version: int

    @classmethod
    def of(cls, f: AuditFinding) -> AuditFindingPublic:
        fields: dict[str, Any] = {
            name: getattr(f, name)
            for name in (
                "finding_ref",
                "admission_ref",
                "settlement_id",
                "patient_ref",
                "year",
                "hospital_code",
                "reason",
                "fund",
                "found_on",
                "auditor",
                "deduction",
                "refund_paid",
                "refund_outstanding",
                "withdrawn",
                "version",
            )
        }
        return cls.model_validate(fields)


class RefundPaidPublic(BaseModel):
    finding_ref: str
    refund_outstanding: Money


class WithdrawnPublic(BaseModel):
    finding_ref: str
    withdrawn: bool
