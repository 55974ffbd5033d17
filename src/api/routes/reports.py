"""Reports: the read models (projections) dashboards and auditors query, caught up to the ledger's head first.

Rows are served as the projections return them (no model per table): Decimals as money text
("84606.00"), ratios as text ("0.8876"), dates ISO, None as null. `?fresh=false` skips the catch-up.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.access import Principal, Read, Role, own_hospital_only, require_read
from api.deps import PageDep, RefPath, ViewsDep, YearPath
from api.responses import plain
from api.schemas import REF_LENGTH_MAX
from domain.errors import NotFoundError, ValidationError
from domain.money import money_sum
from projections.annual_totals import annual_totals
from projections.audit_trail import audit_trail, audit_trail_for_admission
from projections.county_dashboard import county_dashboard
from projections.hospital_advances import hospital_ledger
from projections.retro_compensation import retro_items

router = APIRouter(prefix="/reports", tags=["reports"])

Month = Annotated[int | None, Query(ge=1, le=12, description="one month (1-12); omitted: the whole year")]
Cumulative = Annotated[bool, Query(description="with month or quarter: the year to the end of it")]
Quarter = Annotated[int | None, Query(ge=1, le=4, description="one quarter (1-4); not with month")]
RefQuery = Annotated[str | None, Query(min_length=1, max_length=REF_LENGTH_MAX)]


@router.get("/counties/{county_code}/{year}", dependencies=[require_read(Read.AGGREGATE)])
def read_county_dashboard(
    county_code: RefPath,
    year: YearPath,
    views: ViewsDep,
    month: Month = None,
    cumulative: Cumulative = False,
    quarter: Quarter = None,
) -> dict[str, Any]:
    """A county's report figures and action-plan rates for a year, a month, a quarter, or the year to either."""
    if month is not None and quarter is not None:
        raise ValidationError("give month or quarter, not both")
    figures = county_dashboard(views, county_code, year, month=month, cumulative=cumulative, quarter=quarter)
    result: dict[str, Any] = plain(figures)
    return result


@router.get("/patients/{patient_ref}/years/{year}/totals", dependencies=[require_read(Read.PERSONAL)])
def read_annual_totals(patient_ref: RefPath, year: YearPath, views: ViewsDep) -> dict[str, Any]:
    """A patient-year's costs, what each payer paid, out-of-pocket and the cap in force (404 when none)."""
    totals = annual_totals(views, patient_ref, year)
    if totals is None:
        raise NotFoundError(f"no settled totals for patient {patient_ref} in {year}")
    result: dict[str, Any] = plain(totals)
    return result


@router.get("/retroactive-compensation", dependencies=[require_read(Read.COMPENSATION_OWED)])
def read_retroactive_compensation(
    views: ViewsDep, page: PageDep, patient_ref: RefQuery = None, outstanding_only: bool = False
) -> dict[str, Any]:
    """Retroactive compensation (追溯补偿) owed, paid and outstanding per settlement (paged)."""
    return page.paged(plain(retro_items(views, patient_ref, outstanding_only=outstanding_only)), "items")


@router.get("/retroactive-compensation/summary", dependencies=[require_read(Read.AGGREGATE)])
def read_retroactive_compensation_summary(views: ViewsDep, county_code: RefQuery = None) -> dict[str, Any]:
    """Retroactive compensation in aggregate (no patient refs): owed, paid, outstanding and counts."""
    items = retro_items(views, None, county_code=county_code)
    outstanding = [item for item in items if item["status"] == "open"]
    return plain(
        {
            "county_code": county_code,
            "settlements": len(items),
            "owed": money_sum(item["owed"] for item in items),
            "paid": money_sum(item["paid"] for item in items),
            "outstanding": money_sum(item["outstanding"] for item in items),
            "settlements_outstanding": len(outstanding),
            "patients_outstanding": len({item["patient_ref"] for item in outstanding}),
        }
    )


@router.get("/hospitals")
def read_hospital_ledger(
    views: ViewsDep,
    principal: Annotated[Principal, require_read(Read.AGGREGATE)],
    page: PageDep,
    hospital_code: RefQuery = None,
) -> dict[str, Any]:
    """Per hospital: settlement totals and, per fund, advanced, reimbursed, deducted and balance
    (a hospital client sees its own only)."""
    if principal.role is Role.HOSPITAL:
        own_hospital_only(principal, hospital_code or str(principal.hospital))
        hospital_code = principal.hospital
    return page.paged(plain(hospital_ledger(views, hospital_code)), "hospitals")


@router.get("/patients/{patient_ref}/years/{year}/audit-trail", dependencies=[require_read(Read.PERSONAL)])
def read_patient_year_audit_trail(
    patient_ref: RefPath, year: YearPath, views: ViewsDep, page: PageDep
) -> dict[str, Any]:
    """The patient-year's events in log order, settlements and recalculations with their layer arithmetic."""
    return {
        "patient_ref": patient_ref,
        "year": year,
        **page.paged(plain(audit_trail(views, patient_ref, year)), "events"),
    }


@router.get("/admissions/{admission_ref}/audit-trail", dependencies=[require_read(Read.PERSONAL)])
def read_admission_audit_trail(admission_ref: RefPath, views: ViewsDep, page: PageDep) -> dict[str, Any]:
    """The admission's events, its settlements' recalculations and the findings on it, in log order."""
    return {
        "admission_ref": admission_ref,
        **page.paged(plain(audit_trail_for_admission(views, admission_ref)), "events"),
    }
