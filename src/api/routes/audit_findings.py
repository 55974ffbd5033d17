"""Audit findings (不合理检查/施治/用药/收费): deductions from the hospital's advance and patient refunds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.access import Principal, Read, own_hospital_only, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath
from api.schemas.audit_findings import AuditFindingPublic, AuditFindingRecordedPublic, RefundPaidPublic, WithdrawnPublic
from service.commands import PayPatientRefund, RecordAuditFinding, WithdrawAuditFinding

router = APIRouter(prefix="/audit-findings", tags=["audit-findings"])

command_route(router, "", RecordAuditFinding, AuditFindingRecordedPublic)
command_route(router, "/{finding_ref}/refund-payments", PayPatientRefund, RefundPaidPublic)
command_route(router, "/{finding_ref}/withdrawals", WithdrawAuditFinding, WithdrawnPublic)


@router.get("/{finding_ref}", response_model=AuditFindingPublic)
def read_audit_finding(
    finding_ref: RefPath, ledger: LedgerDep, principal: Annotated[Principal, require_read(Read.FINDING)]
) -> AuditFindingPublic:
    """The finding: its deduction line by line, the refund paid and outstanding, and whether it was withdrawn."""
    finding = ledger.get_audit_finding(finding_ref)
    own_hospital_only(principal, finding.hospital_code)
    return AuditFindingPublic.of(finding)
