"""Settlement reversal (反结算) and re-settlement at the window, and fraud (骗保) reversal of a benefit."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from service.commands.admissions import AdmissionCommand
from service.commands.base import Command
from service.commands.fields import Day, Moment, Money, Reason, Ref, Text, Year
from service.roles import Role

AUDIT_ROLES = frozenset({Role.ADMIN, Role.AUDITOR})


class ReverseSettlement(AdmissionCommand):
    """The hospital reverses its own standing settlement of the admission (反结算) with a reason, while no fund has
    reimbursed its advance; the admission is open again for corrections and a new settlement, and every other
    settlement of the patient-year is re-derived in order."""

    command: Literal["reverse_settlement"] = "reverse_settlement"
    reason: Reason
    reversed_at: Moment | None = None


class ReverseSettlementByAudit(Command):
    """An admin or auditor reverses a settlement whose advance may already be reimbursed (the fund then recovers it
    from the hospital's next reimbursements); otherwise as `reverse_settlement`."""

    roles: ClassVar[frozenset[Role]] = AUDIT_ROLES

    command: Literal["reverse_settlement_by_audit"] = "reverse_settlement_by_audit"
    admission_ref: Ref
    reason: Reason
    reversed_at: Moment | None = None


class ReverseBenefitForFraud(Command):
    """An auditor's finding of patient fraud or ineligibility (骗保): the benefit of the named settlements is
    reversed and recoverable from the patient (not from the hospital, unlike irregular-billing deductions)."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.AUDITOR})

    command: Literal["reverse_benefit_for_fraud"] = "reverse_benefit_for_fraud"
    finding_ref: Ref
    patient_ref: Ref
    year: Year
    settlement_ids: list[Ref] = Field(min_length=1, max_length=100)
    reason: Reason
    found_on: Day


class RecordBenefitRecovery(Command):
    """Money recovered from the patient (追回) after a fraud reversal; at most what is recoverable."""

    roles: ClassVar[frozenset[Role]] = AUDIT_ROLES

    command: Literal["record_benefit_recovery"] = "record_benefit_recovery"
    patient_ref: Ref
    year: Year
    settlement_id: Ref
    amount: Money
    recovered_on: Day
    reference: Text = ""
