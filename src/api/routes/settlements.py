"""Settlement at discharge (one-stop 一站式结算) and the patient's benefit-year account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from api.deps import IdempotencyKey, LedgerDep, RefPath, answer, command_id_of
from api.public_settlements import BenefitYearPublic, SettlementResultPublic
from api.schemas import SettlementCreate

router = APIRouter(tags=["settlements"])
Year = Annotated[int, Path(ge=2000, le=2100)]


@router.post("/admissions/{admission_ref}/settlement", status_code=201, response_model=SettlementResultPublic)
def settle_admission(admission_ref: RefPath, body: SettlementCreate, ledger: LedgerDep, response: Response,
                     idempotency_key: IdempotencyKey = None) -> Any:
    """Run the payer cascade for a discharged admission in its patient-year; returns every layer."""
    result = ledger.settle_admission(command_id=command_id_of(body, idempotency_key), admission_ref=admission_ref,
                                     settled_at=body.settled_at, expected_version=body.expected_version)
    return answer(response, result)


@router.get("/patients/{patient_ref}/years/{year}", response_model=BenefitYearPublic)
def read_benefit_year(patient_ref: RefPath, year: Year, ledger: LedgerDep) -> BenefitYearPublic:
    """The benefit-year account: each settlement with its layers' arithmetic, accumulators, version."""
    return BenefitYearPublic.of(ledger.get_benefit_year(patient_ref, year))
