"""Audit findings (不合理检查/施治/用药/收费): deductions from the hospital's advance and patient refunds."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response

from api.access import Principal, PrincipalDep, Read, authorize_command, own_hospital_only, require_read
from api.deps import IdempotencyKey, LedgerDep, RefPath, answer, command_id_of
from api.public_audit import AuditFindingPublic, AuditFindingRecordedPublic, RefundPaidPublic, WithdrawnPublic
from api.schemas_reconciliation import AuditFindingCreate, RefundPaymentCreate, WithdrawalCreate

router = APIRouter(prefix="/audit-findings", tags=["audit-findings"])


@router.post("", status_code=201, response_model=AuditFindingRecordedPublic)
def record_audit_finding(
    body: AuditFindingCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Disallow charge lines of a settled admission: the payers' share is deducted from the hospital's
    advance from `fund`; what the patient paid for them becomes a refund due. The settlement is unchanged."""
    authorize_command(principal, ledger, "record_audit_finding", {**body.model_dump(mode="json")})
    result = ledger.record_audit_finding(
        command_id=command_id_of(body, idempotency_key),
        finding_ref=body.finding_ref,
        admission_ref=body.admission_ref,
        line_nos=body.line_nos,
        reason=body.reason.value,
        found_on=body.found_on,
        fund=body.fund.value,
        auditor=body.auditor,
    )
    return answer(response, result)


@router.get("/{finding_ref}", response_model=AuditFindingPublic)
def read_audit_finding(
    finding_ref: RefPath, ledger: LedgerDep, principal: Annotated[Principal, require_read(Read.FINDING)]
) -> AuditFindingPublic:
    """The finding: its deduction line by line, the refund paid and outstanding, and whether it was withdrawn."""
    finding = ledger.get_audit_finding(finding_ref)
    own_hospital_only(principal, finding.hospital_code)
    return AuditFindingPublic.of(finding)


@router.post("/{finding_ref}/refund-payments", status_code=201, response_model=RefundPaidPublic)
def pay_patient_refund(
    finding_ref: RefPath,
    body: RefundPaymentCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record (part of) the refund the hospital pays the patient; at most what is outstanding."""
    authorize_command(
        principal, ledger, "pay_patient_refund", {**body.model_dump(mode="json"), "finding_ref": finding_ref}
    )
    result = ledger.pay_patient_refund(
        command_id=command_id_of(body, idempotency_key),
        finding_ref=finding_ref,
        amount=body.amount,
        paid_on=body.paid_on,
        reference=body.reference,
    )
    return answer(response, result)


@router.post("/{finding_ref}/withdrawals", status_code=201, response_model=WithdrawnPublic)
def withdraw_audit_finding(
    finding_ref: RefPath,
    body: WithdrawalCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Appeal upheld: withdraw the finding and reverse its deduction (new events; nothing is deleted)."""
    authorize_command(
        principal, ledger, "withdraw_audit_finding", {**body.model_dump(mode="json"), "finding_ref": finding_ref}
    )
    result = ledger.withdraw_audit_finding(
        command_id=command_id_of(body, idempotency_key),
        finding_ref=finding_ref,
        reason=body.reason,
        withdrawn_on=body.withdrawn_on,
    )
    return answer(response, result)
