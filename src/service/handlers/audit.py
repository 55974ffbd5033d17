"""Handlers of audit findings: deductions from the hospital's advance, patient refunds, withdrawals."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError

from domain.aggregates.audit_finding import AdmissionFindings, AuditFinding, admission_findings_id, audit_finding_id
from domain.errors import AlreadyExistsError, StateConflictError
from domain.rules.audit_deduction import compute_deduction, disallowed_parts
from domain.rules.settlement import Settlement
from service.commands.audit import PayPatientRefund, RecordAuditFinding, WithdrawAuditFinding
from service.handlers import handles
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(RecordAuditFinding)
def record_audit_finding(ledger: BenefitLedger, cmd: RecordAuditFinding) -> Outcome:
    """An auditor disallows charge lines of a settled admission.

    The payers' share of the lines is deducted from the hospital's advance from `fund`; what the
    patient paid for them becomes a refund due from the hospital. The settlement is unchanged.
    """
    if audit_finding_id(cmd.finding_ref) in ledger.repository:
        raise AlreadyExistsError(f"audit finding {cmd.finding_ref} is already recorded")
    admission = ledger.get_admission(cmd.admission_ref)
    if not admission.is_settled:
        raise StateConflictError(f"{cmd.admission_ref} is not settled; audit findings apply to settlements")
    lines = []
    for line_no in cmd.line_nos:
        line = admission.lines.get(line_no)
        if line is None or line["reversed"]:
            raise StateConflictError(f"{cmd.admission_ref} has no active charge line {line_no}")
        lines += disallowed_parts(line_no, line)
    in_force = _findings_of(ledger, cmd.admission_ref)
    in_force.disallow(cmd.finding_ref, list(cmd.line_nos))  # a line already disallowed by a finding in force: 409
    settlement_id = admission.settlements[-1]
    record, year, policy = ledger.settled_record(admission.benefit_year_ids[-1], settlement_id)
    settlement = Settlement.from_dict(record["settlement"])
    deduction = compute_deduction(lines, settlement, hold_harmless=policy.audit.patient_hold_harmless)
    reason, fund = cmd.reason.value, cmd.fund.value
    finding = AuditFinding(
        finding_ref=cmd.finding_ref,
        admission_ref=cmd.admission_ref,
        settlement_id=settlement_id,
        patient_ref=admission.patient_ref,
        year=year,
        hospital_code=admission.hospital["code"],
        reason=reason,
        fund=fund,
        found_on=cmd.found_on.isoformat(),
        auditor=cmd.auditor,
        deduction=deduction.to_dict(),
    )
    account = ledger.hospital_account(admission.hospital["code"])
    account.deduct_advance(cmd.finding_ref, fund, deduction.fund_recovery, reason)
    return Outcome(
        [finding, account, in_force],
        {
            "finding_ref": cmd.finding_ref,
            "settlement_id": settlement_id,
            "hospital_code": admission.hospital["code"],
            "fund": fund,
            **deduction.to_dict(),
        },
    )


@handles(PayPatientRefund)
def pay_patient_refund(ledger: BenefitLedger, cmd: PayPatientRefund) -> Outcome:
    finding = ledger.get_audit_finding(cmd.finding_ref)
    finding.pay_patient_refund(cmd.amount, cmd.paid_on.isoformat(), cmd.reference)
    return Outcome([finding], {"finding_ref": cmd.finding_ref, "refund_outstanding": finding.refund_outstanding})


@handles(WithdrawAuditFinding)
def withdraw_audit_finding(ledger: BenefitLedger, cmd: WithdrawAuditFinding) -> Outcome:
    """Appeal upheld: the finding is withdrawn and its deduction reversed by new events."""
    finding = ledger.get_audit_finding(cmd.finding_ref)
    finding.withdraw(cmd.reason, cmd.withdrawn_on.isoformat())
    account = ledger.hospital_account(finding.hospital_code)
    account.reverse_deduction(cmd.finding_ref, finding.fund, Decimal(finding.deduction["fund_recovery"]), cmd.reason)
    in_force = _findings_of(ledger, finding.admission_ref)
    in_force.release(cmd.finding_ref)
    return Outcome([finding, account, in_force], {"finding_ref": cmd.finding_ref, "withdrawn": True})


def _findings_of(ledger: BenefitLedger, admission_ref: str) -> AdmissionFindings:
    """The admission's disallowed lines (opened by its first finding)."""
    try:
        found: AdmissionFindings = ledger.repository.get(admission_findings_id(admission_ref))
    except AggregateNotFoundError:
        return AdmissionFindings(admission_ref=admission_ref)
    return found
