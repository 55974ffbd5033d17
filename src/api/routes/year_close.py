"""Year close (年度结算): close a county-year (admin), late claims against it (admin, auditor), the close report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.access import Read, require_read
from api.command_route import command_route
from api.deps import LedgerDep, RefPath, YearPath
from api.responses import plain
from api.schemas.settlements import SettlementResultPublic
from api.schemas.year_close import YearClosedPublic, YearCloseReportPublic
from service.commands import CloseCountyYear, SettleLateClaim
from service.year_close import close_report

router = APIRouter(tags=["year close"])

command_route(router, "/county-years/{county_code}/{year}/close", CloseCountyYear, YearClosedPublic)
command_route(router, "/admissions/{admission_ref}/late-claim", SettleLateClaim, SettlementResultPublic)


@router.get(
    "/reports/counties/{county_code}/{year}/close",
    response_model=YearCloseReportPublic,
    dependencies=[require_read(Read.PERSONAL)],
)
def read_year_close(county_code: RefPath, year: YearPath, ledger: LedgerDep) -> Any:
    """The closing figures kept at the close, the figures now, now - closing, and each restatement since
    (recalculations, reversals, late claims of the county-year's patient-years recorded after the close)."""
    return plain(close_report(ledger, county_code, year))
