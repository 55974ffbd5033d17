"""Settlement at discharge (one-stop 一站式结算) and the patient's benefit-year account, for auditors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import AwareDatetime

from api.access import PrincipalDep, Read, authorize_command, require_read
from api.benefit_year_body import BenefitYearBodies, benefit_year_body
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
JSON = "application/json"
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
    "/patients/{patient_ref}/years/{year}",
    response_model=BenefitYearPublic,  # documents the body; it is written directly (api.benefit_year_body)
    dependencies=[require_read(Read.PERSONAL)],
    responses={304: {"description": "Not modified: the year is still at the version `If-None-Match` names"}},
)
def read_benefit_year(
    patient_ref: RefPath,
    year: YearPath,
    ledger: LedgerDep,
    request: Request,
    as_of: AsOf = None,
) -> Response:
    """The benefit-year account: each settlement with its layers' arithmetic, compensation, accumulators.

    With `as_of`, the year exactly as it had been recorded at that moment (404 if nothing was yet).
    Without it, the answer carries `ETag: W/"<version>"`; `If-None-Match` with it answers 304 until
    the year has a new event.
    """
    if as_of is not None:
        return Response(benefit_year_body(ledger.benefit_year_as_of(patient_ref, year, as_of)), media_type=JSON)
    bodies: BenefitYearBodies = request.app.state.benefit_year_bodies
    body, version = bodies.body(ledger, patient_ref, year)
    tag = f'W/"{version}"'
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if _not_modified(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON, headers=headers)


def _not_modified(if_none_match: str | None, tag: str) -> bool:
    """If-None-Match names this version (weak comparison: W/"3" and "3" match) or is `*`."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or tag.removeprefix("W/") in tags


@router.get(
    "/patients/{patient_ref}/years/{year}/verification",
    response_model=VerificationPublic,
    dependencies=[require_read(Read.PERSONAL)],
)
def verify_benefit_year(patient_ref: RefPath, year: YearPath, ledger: LedgerDep) -> VerificationPublic:
    """Re-derive every settlement from raw facts and policy versions; list each difference to the fen."""
    return VerificationPublic.of(ledger.verify_benefit_year(patient_ref, year))
