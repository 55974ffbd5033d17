"""County bulletins (月点评 / 季通报): issued by an admin as an event that freezes the figures; read by anyone
who reads aggregates (dashboards too: no patient refs, no personal data), as JSON, xlsx or PDF, always with
the restatement against the issued figures (what changed since, by how much).

    POST /bulletins                                {command_id, county_code, year, month | quarter}
    GET  /bulletins/{county_code}/{period}         period = 2018-07 (a month) or 2018-Q3 (a quarter)
    GET  /bulletins/{county_code}/{period}.xlsx    GET /bulletins/{county_code}/{period}.pdf
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from api.access import Read, require_read
from api.command_route import command_route
from api.csv_output import CSV_FORMAT, CSV_TABLES, CsvRoute
from api.deps import LedgerDep, RefPath, ViewsDep
from documents.bulletin_document import bulletin_document, figure_rows
from documents.bulletin_render import bulletin_pdf
from documents.bulletin_xlsx import bulletin_xlsx
from domain.aggregates.bulletin import Bulletin, bulletin_id
from domain.errors import NotFoundError
from projections.bulletin_figures import PERIOD, Period, bulletin_figures
from projections.county_detail import restated_months
from service.commands import IssueBulletin
from service.ledger import BenefitLedger

router = APIRouter(prefix="/bulletins", tags=["bulletins"], route_class=CsvRoute)
PeriodPath = Annotated[str, Path(pattern=PERIOD.pattern, description="2018-07 (a month) or 2018-Q3 (a quarter)")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BulletinIssuedPublic(BaseModel):
    """The bulletin issued: its id, version, county and period."""

    id: str
    version: int
    county_code: str
    period: str


command_route(router, "", IssueBulletin, BulletinIssuedPublic)
reader = [require_read(Read.AGGREGATE)]


def _document(ledger: BenefitLedger, views: Any, county_code: str, period_text: str) -> dict[str, Any]:
    period = Period.parse(period_text)
    key = bulletin_id(county_code, period.key)
    if key not in ledger.repository:
        raise NotFoundError(f"no bulletin of county {county_code} for {period.key} has been issued")
    bulletin: Bulletin = ledger.repository.get(key)
    current = bulletin_figures(views, county_code, period)
    return bulletin_document(bulletin, current, restated_months(views, county_code, period.year))


def _file(content: bytes, media_type: str, name: str) -> Response:
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get(
    "/{county_code}/{period}.xlsx",
    response_class=Response,
    dependencies=reader,
    responses={200: {"content": {XLSX: {}}, "description": "the bulletin as an Excel workbook"}},
)
def read_bulletin_xlsx(county_code: RefPath, period: PeriodPath, ledger: LedgerDep, views: ViewsDep) -> Response:
    """The bulletin as xlsx: 概况, 乡镇排名, 医院排名, 更正 (restatement), 说明."""
    document = _document(ledger, views, county_code, period)
    return _file(bulletin_xlsx(document), XLSX, f"bulletin-{county_code}-{period}.xlsx")


@router.get(
    "/{county_code}/{period}.pdf",
    response_class=Response,
    dependencies=reader,
    responses={200: {"content": {"application/pdf": {}}, "description": "the bulletin as a PDF (A4)"}},
)
def read_bulletin_pdf(county_code: RefPath, period: PeriodPath, ledger: LedgerDep, views: ViewsDep) -> Response:
    """The bulletin as a PDF (A4, Chinese): issued figures, rankings and the restatement against them."""
    document = _document(ledger, views, county_code, period)
    return _file(bulletin_pdf(document), "application/pdf", f"bulletin-{county_code}-{period}.pdf")


@router.get("/{county_code}/{period}", dependencies=[*reader, CSV_FORMAT])
def read_bulletin(county_code: RefPath, period: PeriodPath, ledger: LedgerDep, views: ViewsDep) -> dict[str, Any]:
    """The issued bulletin (frozen figures), the same period's figures now, and every figure restated since
    (CSV: one row per figure, as issued, now and the change)."""
    return _document(ledger, views, county_code, period)


CSV_TABLES["read_bulletin"] = figure_rows
