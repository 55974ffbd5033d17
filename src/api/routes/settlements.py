"""Settlement at discharge (one-stop 一站式结算) and the patient's benefit-year account, for auditors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.access import PrincipalDep, Read, authorize_command, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath, YearPath
from api.schemas.settlements import (
    BenefitYearPublic,
    SettlementQuoteCreate,
    SettlementResultPublic,
    VerificationPublic,
)
from service.commands import SettleAdmission

router = APIRouter(tags=["settlements"])
AsOf = Annotated[
    AwareDatetime | None,
    Query(description="ISO datetime with offset (URL-encode '+' as %2B): the year exactly as recorded then"),
]


command_route(router, "/admissions/{admission_ref}/settlement", SettleAdmission, SettlementResultPublic)


@router.post("/admissions/{admission_ref}/settlement-quote", response_model=SettlementResultPublic)
def quote_settlement(
    admission_ref: RefPath, body: SettlementQuoteCreate, ledger: LedgerDep, principal: PrincipalDep
) -> Any:
    """The one-stop window's quote: what settling the discharged admission now would give, every layer,
    recording nothing (no command id needed). Commit with POST /admissions/{ref}/settlement."""
    authorize_command(
        principal, ledger, SettleAdmission(command_id="quote", admission_ref=admission_ref, settled_at=body.settled_at)
    )
    result = ledger.quote_settlement(admission_ref, body.settled_at)
    return {key: value for key, value in result.items() if key != "quote"}


@router.get(
    "/patients/{patient_ref}/years/{year}", response_model=BenefitYearPublic, dependencies=[require_read(Read.PERSONAL)]
)
def read_benefit_year(patient_ref: RefPath, year: YearPath, ledger: LedgerDep, as_of: AsOf = None) -> BenefitYearPublic:
    """The benefit-year account: each settlement with its layers' arithmetic, compensation, accumulators.

    With `as_of`, the year exactly as it had been recorded at that moment (404 if nothing was yet).
    """
    if as_of is None:
        return BenefitYearPublic.of(ledger.get_benefit_year(patient_ref, year))
    return BenefitYearPublic.of(ledger.benefit_year_as_of(patient_ref, year, as_of))


@router.get(
    "/patients/{patient_ref}/years/{year}/verification",
    response_model=VerificationPublic,
    dependencies=[require_read(Read.PERSONAL)],
)
def verify_benefit_year(patient_ref: RefPath, year: YearPath, ledger: LedgerDep) -> VerificationPublic:
    """Re-derive every settlement from raw facts and policy versions; list each difference to the fen."""
    return VerificationPublic.of(ledger.verify_benefit_year(patient_ref, year))
