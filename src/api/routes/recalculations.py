"""Retroactive recalculation (追溯补偿) of patient-years, and compensation paid to patients."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.access import PrincipalDep, authorize_command
from api.deps import IdempotencyKey, LedgerDep, RefPath, YearPath, answer, command_id_of
from api.public_retroactive import CompensationPaidPublic, PolicyRecalculationPublic, RecalculationPublic
from api.schemas_reconciliation import CompensationPaymentCreate, PolicyRecalculationCreate, RecalculationCreate

router = APIRouter(tags=["recalculations"])


@router.post("/patients/{patient_ref}/years/{year}/recalculations", status_code=201, response_model=RecalculationPublic)
def recalculate_benefit_year(
    patient_ref: RefPath,
    year: YearPath,
    body: RecalculationCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Re-settle the patient-year under the versions in force as known at `known_at`; per settlement,
    each payer's delta and the compensation owed. Records a recalculation only if something changed."""
    authorize_command(
        principal,
        ledger,
        "recalculate_benefit_year",
        {**body.model_dump(mode="json"), "patient_ref": patient_ref, "year": year},
    )
    result = ledger.recalculate_benefit_year(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        year=year,
        known_at=body.known_at,
        reason=body.reason,
    )
    return answer(response, result)


@router.post(
    "/policy-versions/{region}/{version}/recalculations", status_code=201, response_model=PolicyRecalculationPublic
)
def recalculate_for_policy(
    region: RefPath,
    version: RefPath,
    body: PolicyRecalculationCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """After publishing a (retroactive) version, recalculate every patient-year of the region it can affect;
    each patient-year is its own command (`<command_id>:<patient_ref>:<year>`), so a retry resumes."""
    authorize_command(
        principal,
        ledger,
        "recalculate_for_policy",
        {**body.model_dump(mode="json"), "region": region, "version": version},
    )
    result = ledger.recalculate_for_policy(
        command_id=command_id_of(body, idempotency_key), region=region, version=version, known_at=body.known_at
    )
    return answer(response, result)


@router.post(
    "/patients/{patient_ref}/years/{year}/compensation-payments", status_code=201, response_model=CompensationPaidPublic
)
def pay_retroactive_compensation(
    patient_ref: RefPath,
    year: YearPath,
    body: CompensationPaymentCreate,
    ledger: LedgerDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record 追溯补偿金 paid directly to the patient for one settlement; at most what is outstanding."""
    authorize_command(
        principal,
        ledger,
        "pay_retroactive_compensation",
        {**body.model_dump(mode="json"), "patient_ref": patient_ref, "year": year},
    )
    result = ledger.pay_retroactive_compensation(
        command_id=command_id_of(body, idempotency_key),
        patient_ref=patient_ref,
        year=year,
        settlement_id=body.settlement_id,
        amount=body.amount,
        paid_on=body.paid_on,
        reference=body.reference,
    )
    return answer(response, result)
