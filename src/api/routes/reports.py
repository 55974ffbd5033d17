"""Reports: the read models (projections) dashboards and auditors query, caught up to the ledger's head first.

Rows come as the projections compute them (api.schemas.reports): money as text ("84606.00"), ratios as
text ("0.8876"), dates ISO, None as null. Lists are paged in the queries (LIMIT/OFFSET and a count), not
cut from a full list. `?fresh=false` skips the catch-up.
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.access import Principal, Read, Role, own_hospital_only, require_read
from api.csv_output import CSV_FORMAT, CsvRoute
from api.deps import LedgerDep, PageDep, RefPath, ViewsDep, YearPath
from api.responses import plain
from api.schemas.reports import (
    AdmissionTrailPublic,
    AnnualTotalsPublic,
    CountyDashboardPublic,
    HospitalsPublic,
    PatientYearTrailPublic,
    RetroItemsPublic,
    RetroSummaryPublic,
)
from domain.errors import NotFoundError, ValidationError
from domain.money import money_sum
from projections.annual_totals import annual_totals
from projections.audit_trail import audit_trail_for_admission_page, audit_trail_page
from projections.county_dashboard import county_dashboard, period_months
from projections.health_rates import county_programme
from projections.hospital_advances import hospital_ledger, hospital_ledger_page
from projections.retro_compensation import retro_items, retro_items_page
from service.commands.fields import Ref

router = APIRouter(prefix="/reports", tags=["reports"], route_class=CsvRoute, dependencies=[CSV_FORMAT])

Month = Annotated[int | None, Query(ge=1, le=12, description="one month (1-12); omitted: the whole year")]
Cumulative = Annotated[bool, Query(description="with month or quarter: the year to the end of it")]
Quarter = Annotated[int | None, Query(ge=1, le=4, description="one quarter (1-4); not with month")]
RefQuery = Annotated[Ref | None, Query()]


@router.get(
    "/counties/{county_code}/{year}", response_model=CountyDashboardPublic, dependencies=[require_read(Read.AGGREGATE)]
)
def read_county_dashboard(
    county_code: RefPath,
    year: YearPath,
    views: ViewsDep,
    ledger: LedgerDep,
    month: Month = None,
    cumulative: Cumulative = False,
    quarter: Quarter = None,
) -> Any:
    """A county's report figures and action-plan rates for a year, a month, a quarter, or the year to either."""
    if month is not None and quarter is not None:
        raise ValidationError("give month or quarter, not both")
    _, last = period_months(month, quarter, cumulative)
    programme = county_programme(ledger, county_code, date(year, last, calendar.monthrange(year, last)[1]))
    return plain(
        county_dashboard(
            views, county_code, year, month=month, cumulative=cumulative, quarter=quarter, programme=programme
        )
    )


@router.get(
    "/patients/{patient_ref}/years/{year}/totals",
    response_model=AnnualTotalsPublic,
    dependencies=[require_read(Read.PERSONAL)],
)
def read_annual_totals(patient_ref: RefPath, year: YearPath, views: ViewsDep) -> Any:
    """A patient-year's costs, what each payer paid, out-of-pocket and the cap in force (404 when none)."""
    totals = annual_totals(views, patient_ref, year)
    if totals is None:
        raise NotFoundError(f"no settled totals for patient {patient_ref} in {year}")
    return plain(totals)


@router.get(
    "/retroactive-compensation", response_model=RetroItemsPublic, dependencies=[require_read(Read.COMPENSATION_OWED)]
)
def read_retroactive_compensation(
    views: ViewsDep, page: PageDep, patient_ref: RefQuery = None, outstanding_only: bool = False
) -> Any:
    """Retroactive compensation (追溯补偿) owed, paid and outstanding per settlement (paged)."""
    count, items = retro_items_page(
        views, limit=page.limit, offset=page.offset, patient_ref=patient_ref, outstanding_only=outstanding_only
    )
    return page.of(count, "items", plain(items))


@router.get(
    "/retroactive-compensation/summary",
    response_model=RetroSummaryPublic,
    dependencies=[require_read(Read.AGGREGATE)],
)
def read_retroactive_compensation_summary(views: ViewsDep, county_code: RefQuery = None) -> Any:
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


@router.get("/hospitals", response_model=HospitalsPublic)
def read_hospital_ledger(
    views: ViewsDep,
    principal: Annotated[Principal, require_read(Read.AGGREGATE)],
    page: PageDep,
    hospital_code: RefQuery = None,
) -> Any:
    """Per hospital: settlement totals and, per fund, advanced, reimbursed, deducted and balance
    (a hospital client sees its own only)."""
    if principal.role is Role.HOSPITAL:
        own_hospital_only(principal, hospital_code or str(principal.hospital))
        hospital_code = principal.hospital
    if hospital_code is not None:
        one = hospital_ledger(views, hospital_code)
        return page.of(len(one), "hospitals", plain(one[page.offset : page.offset + page.limit]))
    count, hospitals = hospital_ledger_page(views, limit=page.limit, offset=page.offset)
    return page.of(count, "hospitals", plain(hospitals))


@router.get(
    "/patients/{patient_ref}/years/{year}/audit-trail",
    response_model=PatientYearTrailPublic,
    dependencies=[require_read(Read.PERSONAL)],
)
def read_patient_year_audit_trail(patient_ref: RefPath, year: YearPath, views: ViewsDep, page: PageDep) -> Any:
    """The patient-year's events in log order, settlements and recalculations with their layer arithmetic."""
    count, events = audit_trail_page(views, patient_ref, year, limit=page.limit, offset=page.offset)
    return {"patient_ref": patient_ref, "year": year, **page.of(count, "events", plain(events))}


@router.get(
    "/admissions/{admission_ref}/audit-trail",
    response_model=AdmissionTrailPublic,
    dependencies=[require_read(Read.PERSONAL)],
)
def read_admission_audit_trail(admission_ref: RefPath, views: ViewsDep, page: PageDep) -> Any:
    """The admission's events, its settlements' recalculations and the findings on it, in log order."""
    count, events = audit_trail_for_admission_page(views, admission_ref, limit=page.limit, offset=page.offset)
    return {"admission_ref": admission_ref, **page.of(count, "events", plain(events))}
