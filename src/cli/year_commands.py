"""`ledger year close|show`: the year close (年度结算) of a county-year and its report.

    ledger year close 341821 2018 --reason "2018年度结算"
    ledger year show 341821 2018            # closing figures, figures now, difference, restatements
    ledger year show 341821 2018 --json     # the same as GET /reports/counties/341821/2018/close

Bad input is one line and exit status 2; nothing is changed.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from cli import auditor_commands
from cli.progress import progress_bar
from cli.store import open_ledger


class YearGroup(TyperGroup):
    """`ledger year PATIENT YEAR` stays the alias of `ledger replay` it always was: any first word that is not a
    subcommand of the year close (close, show) goes to the hidden `replay` subcommand."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["replay", *args]
        return super().parse_args(ctx, args)


year_app = typer.Typer(
    name="year",
    cls=YearGroup,
    help="Year close (年度结算) of a county-year: close, show. `ledger year PATIENT YEAR`: alias of replay.",
    no_args_is_help=True,
    add_completion=False,
)
year_app.command("replay", hidden=True, help="Alias of replay: an auditor's view of a patient-year.")(
    auditor_commands.replay
)


def _figure_lines(figures: dict[str, Any], prefix: str = "") -> list[str]:
    lines = [
        f"{prefix}patient-years {figures['patient_years']}, settlements {figures['settlements']} "
        f"(reversed {figures['reversed_settlements']}), total {figures['total']}, payers {figures['payer_total']}, "
        f"patients {figures['patient_share']}",
    ]
    for payer, fund in figures["funds"].items():
        lines.append(
            f"{prefix}  {payer}: benefit {fund['benefit']}, advanced {fund['advanced']}, deferred {fund['deferred']}"
        )
    c = figures["compensation"]
    lines.append(f"{prefix}  5090 compensation: owed {c['owed']}, paid {c['paid']}, outstanding {c['outstanding']}")
    lines.append(f"{prefix}  再救助 owed to households {figures['reassist_owed_to_households']}")
    for fund, b in figures["budgets"].items():
        lines.append(
            f"{prefix}  budget {fund}: {b['budget']}, committed {b['committed']}, paid {b['paid']}, "
            f"remaining {b['remaining']}"
        )
    return lines


@year_app.command("close")
def close(
    ctx: typer.Context,
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    year: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option("--reason", help="why (e.g. 2018年度结算)")],
    command_id: Annotated[str | None, typer.Option("--command-id", help="default: year-close:COUNTY:YEAR")] = None,
) -> int:
    """Close a county-year: keep its closing figures; the window can no longer settle or reverse in it."""
    from service.commands import CloseCountyYear
    from service.handlers.payments import SELECTION_PROGRESS

    command = CloseCountyYear(
        command_id=command_id or f"year-close:{county_code}:{year}", county_code=county_code, year=year, reason=reason
    )
    with open_ledger(ctx.obj.settings) as ledger, progress_bar("patient-years") as bar:
        task = bar.add_task(f"close {county_code}/{year}", total=None)
        token = SELECTION_PROGRESS.set(lambda n: bar.advance(task, n))
        try:
            result = ledger.handle(command)
        finally:
            SELECTION_PROGRESS.reset(token)
    typer.echo(f"closed {county_code}/{year} at {result['closed_at']}")
    for line in _figure_lines(result["closing_figures"]):
        typer.echo(line)
    return 0


@year_app.command("show")
def show(
    ctx: typer.Context,
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    year: Annotated[int, typer.Argument()],
    as_json: Annotated[bool, typer.Option("--json", help="the report as JSON")] = False,
) -> int:
    """The close of a county-year: closing figures, figures now, their difference and the restatements."""
    from api.responses import plain
    from service.year_close import close_report

    with open_ledger(ctx.obj.settings) as ledger:
        report = close_report(ledger, county_code, year)
    if as_json:
        typer.echo(json.dumps(plain(report), ensure_ascii=False, indent=2))
        return 0
    typer.echo(f"{county_code}/{year} closed at {report['closed_at']}: {report['reason']}")
    typer.echo("closing figures:")
    for line in _figure_lines(report["closing_figures"], "  "):
        typer.echo(line)
    if not report["restated"]:
        typer.echo("not restated since the close")
        return 0
    typer.echo("restated since the close (now - closing):")
    for line in _figure_lines(report["difference"], "  "):
        typer.echo(line)
    for r in report["restatements"]:
        what = r.get("settlement_id") or ",".join(r.get("settlement_ids") or [])
        typer.echo(f"  {r['recorded_at']} {r['kind']} {r['patient_ref']} {what}")
    return 0
