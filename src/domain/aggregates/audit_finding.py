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


def admission_findings_id(admission_ref: str) -> UUID:
    return uuid5(ids.NAMESPACE, f"admission-findings/{admission_ref}")


class AdmissionFindings(Aggregate):
    """Which charge lines of an admission are disallowed by which finding in force: a line is disallowed
    once at a time (a second finding naming it is refused until the first is withdrawn)."""

    TOPIC = "ledger:AdmissionFindings"

    class Created(Aggregate.Created):
        TOPIC = "ledger:AdmissionFindings.Created"

    @staticmethod
    def create_id(admission_ref: str) -> UUID:
        return admission_findings_id(admission_ref)

    @event("Opened", topic="ledger:AdmissionFindings.Opened")
    def __init__(self, admission_ref: str) -> None:
        self.admission_ref = admission_ref
        self.disallowed: dict[str, str] = {}  # line_no -> finding_ref in force

    def disallow(self, finding_ref: str, line_nos: list[str]) -> None:
        taken = {line: self.disallowed[line] for line in line_nos if line in self.disallowed}
        if taken:
            named = ", ".join(f"line {line} by finding {ref}" for line, ref in sorted(taken.items()))
            raise StateConflictError(f"{self.admission_ref}: already disallowed by a finding in force: {named}")
        self._lines_disallowed(finding_ref=finding_ref, line_nos=list(line_nos))

    def release(self, finding_ref: str) -> None:
        if finding_ref in self.disallowed.values():
            self._finding_withdrawn(finding_ref=finding_ref)

    @event("LinesDisallowed", topic="ledger:AdmissionFindings.LinesDisallowed")
    def _lines_disallowed(self, finding_ref: str, line_nos: list[str]) -> None:
        for line in line_nos:
            self.disallowed[line] = finding_ref

    @event("FindingWithdrawn", topic="ledger:AdmissionFindings.FindingWithdrawn")
    def _finding_withdrawn(self, finding_ref: str) -> None:
        self.disallowed = {line: ref for line, ref in self.disallowed.items() if ref != finding_ref}
