"""The county dashboard's detail reports: townships, the year-on-year trend, restated months, and the
published report a county's figures are compared with (Langxi, July 2018).

Aggregates only (Read.AGGREGATE: the dashboard role reads them); caught up to the ledger's head first
unless `?fresh=false`, like every report.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.access import Read, require_read
from api.csv_output import CSV_FORMAT, CsvRoute
from api.deps import RefPath, ViewsDep, YearPath
from api.responses import plain
from domain.errors import NotFoundError, ValidationError
from generator.summary import LANGXI
from projections.annual_totals import LANGXI_PAYERS
from projections.county_dashboard import county_months, period_months, ratio
from projections.county_detail import restated_months, township_breakdown
from projections.store import ViewStore

router = APIRouter(
    prefix="/reports", tags=["reports"], dependencies=[require_read(Read.AGGREGATE), CSV_FORMAT], route_class=CsvRoute
)
Month = Annotated[int | None, Query(ge=1, le=12, description="one month (1-12); omitted: the whole year")]
Quarter = Annotated[int | None, Query(ge=1, le=4, description="one quarter (1-4); not with month")]
Cumulative = Annotated[bool, Query(description="with month or quarter: the year to the end of it")]
TREND = ("person_times", "total_cost", "compensation")


def _fen(value: Decimal | int | None) -> Decimal | None:
    return None if value is None else Decimal(value) + Decimal("0.00")


# The Langxi report of July 2018 (January-July 2018: the seed news item, generator.summary.LANGXI, the
# README's calibration table): what the county dashboard is set beside for county 341821.
REPORTS: dict[str, dict[str, Any]] = {
    "341821": {
        "county_code": "341821",
        "county": "郎溪县",
        "title": "郎溪县健康脱贫综合医疗保障政策实施情况（2018年1-7月）",
        "source": "Langxi county news item, July 2018 (shared/seeds)",
        "year": 2018,
        "months": [1, 7],
        "figures": {
            "person_times": LANGXI["person_times"],
            "total_cost": _fen(LANGXI["total_cost"]),
            "compensation": _fen(LANGXI["compensation"]),
            "actual_compensation_ratio": LANGXI["actual_ratio"],
            "in_county_visit_rate": LANGXI["in_county_rate"],
            "in_province_inpatient_ratio": LANGXI["in_province_inpatient_ratio"],
            # re-assistance (再救助) is not reported: it was first paid in August 2018
            "compensation_by_payer": {p: _fen(LANGXI[p]) for p in LANGXI_PAYERS},
        },
    }
}


@router.get("/counties/{county_code}/{year}/townships")
def read_township_breakdown(
    county_code: RefPath,
    year: YearPath,
    views: ViewsDep,
    month: Month = None,
    quarter: Quarter = None,
    cumulative: Cumulative = False,
) -> dict[str, Any]:
    """Per township of the patients: person-times, costs, each payer and the ratio, for the period."""
    if month is not None and quarter is not None:
        raise ValidationError("give month or quarter, not both")
    first, last = period_months(month, quarter, cumulative)
    townships = township_breakdown(views, county_code, year, first, last)
    result: dict[str, Any] = plain(
        {"county_code": county_code, "year": year, "months": [first, last], "townships": townships}
    )
    return result


@router.get("/counties/{county_code}/{year}/trend")
def read_county_trend(county_code: RefPath, year: YearPath, views: ViewsDep) -> dict[str, Any]:
    """Month by month, this year beside the year before: person-times, total cost, compensation, ratio,
    and the change of compensation on the same month a year earlier (null where that month had none)."""
    this, last = _months(views, county_code, year), _months(views, county_code, year - 1)
    months = []
    for month in range(1, 13):
        now, before = this.get(month), last.get(month)
        change = None
        if now and before and before["compensation"]:
            change = ratio(now["compensation"] - before["compensation"], before["compensation"])
        months.append({"month": month, "this_year": now, "last_year": before, "compensation_change": change})
    result: dict[str, Any] = plain(
        {"county_code": county_code, "year": year, "previous_year": year - 1, "months": months}
    )
    return result


@router.get("/counties/{county_code}/{year}/restatements")
def read_restated_months(county_code: RefPath, year: YearPath, views: ViewsDep) -> dict[str, Any]:
    """Closed months whose figures a later retroactive recalculation changed: when it was recorded and by
    how much (settlements, total cost, compensation, patient share). Never a silent change."""
    rows = restated_months(views, county_code, year)
    result: dict[str, Any] = plain({"county_code": county_code, "year": year, "restatements": rows})
    return result


@router.get("/reference-reports/{county_code}")
def read_reference_report(county_code: RefPath) -> dict[str, Any]:
    """The published county report the dashboard sets its figures beside (Langxi, 341821: July 2018)."""
    report = REPORTS.get(county_code)
    if report is None:
        raise NotFoundError(f"no published report on record for county {county_code}")
    result: dict[str, Any] = plain(report)
    return result


def _months(views: ViewStore, county_code: str, year: int) -> dict[int, dict[str, Any]]:
    out = {}
    for row in county_months(views, county_code, year):
        if not row["person_times"]:
            continue
        figures = {key: row[key] for key in TREND}
        figures["actual_compensation_ratio"] = ratio(row["compensation"], row["total_cost"])
        out[row["month"]] = figures
    return out
