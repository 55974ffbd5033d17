"""Audit findings (不合理检查/施治/用药/收费): deductions from a hospital's advance, patient refunds, withdrawals."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from domain.vocabulary import Payer
from service.commands.base import Command
from service.commands.fields import AuditReasonName, Day, Money, PayerName, Reason, Ref, RefList, Text
from service.roles import HospitalOfFinding, HospitalScope, Role

AUDITOR_ROLES = frozenset({Role.AUDITOR})


class RecordAuditFinding(Command):
    """Disallow charge lines of a settled admission: the payers' share is deducted from the hospital's
    advance from `fund`; what the patient paid for them becomes a refund due. The settlement is unchanged."""

    roles: ClassVar[frozenset[Role]] = AUDITOR_ROLES

    command: Literal["record_audit_finding"] = "record_audit_finding"
    finding_ref: Ref
    admission_ref: Ref
    line_nos: RefList
    """distinct charge lines disallowed"""
    reason: AuditReasonName
    found_on: Day
    fund: PayerName = Payer.NCMS
    """the fund whose advance to the hospital is deducted"""
    auditor: Text = ""

    @model_validator(mode="after")
    def _distinct_lines(self) -> RecordAuditFinding:
        if len(set(self.line_nos)) != len(self.line_nos):
            raise ValueError("line_nos: name one or more distinct charge lines")
        return self


class PayPatientRefund(Command):
    """Record (part of) the refund the hospital pays the patient; at most what is outstanding."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.HOSPITAL})
    hospital_scope: ClassVar[HospitalScope | None] = HospitalOfFinding("finding_ref")

    command: Literal["pay_patient_refund"] = "pay_patient_refund"
    finding_ref: Ref
    amount: Money
    paid_on: Day
    reference: Text = ""


class WithdrawAuditFinding(Command):
    """Appeal upheld: withdraw the finding and reverse its deduction (new events; nothing is deleted)."""

    roles: ClassVar[frozenset[Role]] = AUDITOR_ROLES

    command: Literal["withdraw_audit_finding"] = "withdraw_audit_finding"
    finding_ref: Ref
    reason: Reason
    withdrawn_on: Day
