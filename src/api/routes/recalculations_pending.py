"""Patient-years pending recalculation (late facts, #10): the list, and a run that re-settles them.

`GET /reports/recalculations-pending` (auditor, admin, county official): the pending patient-years, paged,
filtered by county and year, each with its reasons (which fact, recorded when, effective when).
`POST /reports/recalculations-pending/runs` (admin): `ledger recalculate --pending` over HTTP.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.access import Principal, Read, Role, require_read
from api.deps import LedgerDep, PageDep, ViewsDep
from api.responses import plain
from api.schemas.reports import PendingRunPublic, PendingYearsPublic
from projections.recalculations_pending import pending_years_page
from service.commands.fields import Ref
from service.pending_recalculation import pending_filter, recalculate_pending
from service.roles import ForbiddenError

router = APIRouter(prefix="/reports", tags=["reports"])
READERS = frozenset({Role.ADMIN, Role.AUDITOR, Role.DASHBOARD})
CountyQuery = Annotated[Ref | None, Query(description="one county (region code)")]
YearQuery = Annotated[int | None, Query(description="one benefit year")]


@router.get("/recalculations-pending", response_model=PendingYearsPublic)
def read_recalculations_pending(
    views: ViewsDep,
    principal: Annotated[Principal, require_read(Read.AGGREGATE)],
    page: PageDep,
    county_code: CountyQuery = None,
    year: YearQuery = None,
) -> Any:
    """Patient-years with a late fact not yet applied by a recalculation, with the reasons (paged)."""
    if principal.role not in READERS:
        raise ForbiddenError(f"client {principal.name}: the pending list is for auditors, admins and county officials")
    county_code, year = pending_filter(county_code, year)
    count, years = pending_years_page(views, county_code=county_code, year=year, limit=page.limit, offset=page.offset)
    return page.of(count, "years", plain(years))


@router.post("/recalculations-pending/runs", response_model=PendingRunPublic)
def run_recalculations_pending(
    views: ViewsDep,
    ledger: LedgerDep,
    principal: Annotated[Principal, require_read(Read.PERSONAL)],
    county_code: CountyQuery = None,
    year: YearQuery = None,
) -> Any:
    """Re-settle every pending patient-year (of a county / year); idempotent (command ids from the items)."""
    if principal.role is not Role.ADMIN:
        raise ForbiddenError(f"client {principal.name}: only an admin runs the pending recalculations")
    county_code, year = pending_filter(county_code, year)
    return plain(recalculate_pending(ledger, views, county_code=county_code, year=year).to_dict())
