"""Hospital accounts: what the funds pay back for the shares a hospital advanced (垫付款拨付)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.access import PrincipalDep, authorize_command
from api.deps import IdempotencyKey, LedgerDep, RefPath, answer, command_id_of
from api.public_audit import ReimbursementPublic
from api.schemas_reconciliation import ReimbursementCreate

router = APIRouter(prefix="/hospitals", tags=["hospitals"])


@router.post("/{hospital_code}/reimbursements", status_code=201, response_model=ReimbursementPublic)
def record_fund_reimbursement(
    hospital_code: RefPath,
    body: ReimbursementCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a fund's payment to the hospital for shares it advanced at the one-stop window."""
    authorize_command(
        principal, ledger, "record_fund_reimbursement", {**body.model_dump(mode="json"), "hospital_code": hospital_code}
    )
    result = ledger.record_fund_reimbursement(
        command_id=command_id_of(body, idempotency_key),
        hospital_code=hospital_code,
        fund=body.fund.value,
        amount=body.amount,
        received_on=body.received_on,
        reference=body.reference,
    )
    return answer(response, result)
