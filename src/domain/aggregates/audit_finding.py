"""AuditFinding: irregular charges found on a settled admission, and the refunds it makes due."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError, ValidationError
from domain.money import ZERO


def audit_finding_id(finding_ref: str) -> UUID:
    return uuid5(ids.NAMESPACE, f"audit-finding/{finding_ref}")


class AuditFinding(Aggregate):
    TOPIC = "ledger:AuditFinding"

    class Created(Aggregate.Created):
        TOPIC = "ledger:AuditFinding.Created"

    @staticmethod
    def create_id(finding_ref: str) -> UUID:
        return audit_finding_id(finding_ref)

    @event("Recorded", topic="ledger:AuditFinding.Recorded")
    def __init__(
        self,
        finding_ref: str,
        admission_ref: str,
        settlement_id: str,
        patient_ref: str,
        year: int,
        hospital_code: str,
        reason: str,
        fund: str,
        found_on: str,
        auditor: str,
        deduction: dict[str, Any],
    ) -> None:
        self.finding_ref = finding_ref
        self.admission_ref = admission_ref
        self.settlement_id = settlement_id
        self.patient_ref = patient_ref
        self.year = year
        self.hospital_code = hospital_code
        self.reason = reason
        self.fund = fund
        self.found_on = found_on
        self.auditor = auditor
        self.deduction = deduction
        self.refund_paid = ZERO
        self.refund_payments: list[dict[str, Any]] = []
        self.withdrawn = False
        self.withdrawal: dict[str, str] | None = None

    @property
    def refund_outstanding(self) -> Decimal:
        return Decimal(self.deduction["patient_refund"]) - self.refund_paid if not self.withdrawn else ZERO

    def pay_patient_refund(self, amount: Decimal, paid_on: str, reference: str) -> None:
        if self.withdrawn:
            raise StateConflictError(f"finding {self.finding_ref} was withdrawn")
        if amount <= ZERO or amount > self.refund_outstanding:
            raise ValidationError(
                f"refund {amount} must be positive and at most the outstanding {self.refund_outstanding}"
            )
        self._patient_refund_paid(amount=amount, paid_on=paid_on, reference=reference)

    def withdraw(self, reason: str, withdrawn_on: str) -> None:
        """Appeal upheld: the deduction is reversed (a new event; nothing is deleted)."""
        if self.withdrawn:
            raise StateConflictError(f"finding {self.finding_ref} is already withdrawn")
        if self.refund_paid > ZERO:
            raise StateConflictError(f"finding {self.finding_ref} already refunded the patient; record a new finding")
        self._withdrawn(reason=reason, withdrawn_on=withdrawn_on)

    @event("PatientRefundPaid", topic="ledger:AuditFinding.PatientRefundPaid")
    def _patient_refund_paid(self, amount: Decimal, paid_on: str, reference: str) -> None:
        self.refund_paid += amount
        self.refund_payments.append({"amount": amount, "paid_on": paid_on, "reference": reference})

    @event("Withdrawn", topic="ledger:AuditFinding.Withdrawn")
    def _withdrawn(self, reason: str, withdrawn_on: str) -> None:
        self.withdrawn = True
        self.withdrawal = {"reason": reason, "withdrawn_on": withdrawn_on}
