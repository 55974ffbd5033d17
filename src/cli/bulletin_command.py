"""`ledger bulletin COUNTY PERIOD [--issue] --out FILE`: a county bulletin (月点评 / 季通报) as xlsx, PDF or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.store import open_ledger

FORMATS = {".xlsx": "xlsx", ".pdf": "PDF", ".csv": "CSV"}


def bulletin(
    ctx: typer.Context,
    county_code: Annotated[str, typer.Argument(metavar="COUNTY", help="the county code, e.g. 341821")],
    period: Annotated[str, typer.Argument(metavar="PERIOD", help="2018-07 (monthly) or 2018-Q3 (quarterly)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the file to write: FILE.xlsx, FILE.pdf or FILE.csv")],
    issue: Annotated[
        bool, typer.Option("--issue", help="issue the bulletin first (an admin's act; idempotent)")
    ] = False,
) -> int:
    """Write a county's issued bulletin, with the restatement against it, to an xlsx, PDF or CSV file."""
    from api.csv_output import render_csv
    from documents.bulletin_document import bulletin_document, figure_rows
    from documents.bulletin_render import bulletin_pdf
    from documents.bulletin_xlsx import bulletin_xlsx
    from domain.aggregates.bulletin import bulletin_id
    from domain.errors import NotFoundError, ValidationError
    from projections.bulletin_figures import Period, bulletin_figures
    from projections.county_detail import restated_months
    from projections.report_reader import reader_for
    from service.commands import IssueBulletin

    kind = FORMATS.get(out.suffix.lower())
    if kind is None:
        raise ValidationError(f"--out {out}: give a file name ending in .xlsx, .pdf or .csv")
    try:
        chosen = Period.parse(period)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    with open_ledger(ctx.obj.settings) as ledger:
        if issue:
            ledger.handle(
                IssueBulletin(
                    command_id=f"bulletin:{county_code}:{chosen.key}",
                    county_code=county_code,
                    year=chosen.year,
                    month=chosen.month,
                    quarter=chosen.quarter,
                )
            )
        key = bulletin_id(county_code, chosen.key)
        if key not in ledger.repository:
            raise NotFoundError(f"no bulletin of county {county_code} for {chosen.key} has been issued (use --issue)")
        views, _ = reader_for(ledger).fresh()
        document = bulletin_document(
            ledger.repository.get(key),
            bulletin_figures(views, county_code, chosen),
            restated_months(views, county_code, chosen.year),
        )
        views.close()
    if kind == "xlsx":
        out.write_bytes(bulletin_xlsx(document))
    elif kind == "PDF":
        out.write_bytes(bulletin_pdf(document))
    else:
        out.write_bytes(render_csv(document, figure_rows(document)))
    state = "restated since issue" if document["restated"] else "as issued"
    typer.echo(f"wrote the bulletin {county_code} {chosen.key} ({kind}, {state}) to {out}", err=True)
    return 0
