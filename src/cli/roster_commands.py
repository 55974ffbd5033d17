"""`ledger roster import|report|apply`: the poverty office's list against the registry (部门间数据比对).

    ledger roster import 341821 FPB-2018-07 roster.csv --as-of 2018-07-01
    ledger roster report 341821 FPB-2018-07
    ledger roster apply 341821 FPB-2018-07 --missing-status lifted

The CSV layout is in docs/payment-files.md ("Roster file"). Bad input is one line, exit 2; nothing changes.
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.progress import progress_bar
from cli.store import open_ledger
from domain.errors import ValidationError

roster_app = typer.Typer(
    name="roster",
    help="The poverty office's list (扶贫办名单): import a dated version, report the differences, apply them.",
    no_args_is_help=True,
    add_completion=False,
)

ROSTER_HEADER = ("id_card_no", "name", "household", "status", "effective_from")


def read_roster(file: Path) -> list[dict[str, str]]:
    """The rows of a roster CSV (UTF-8, header `id_card_no,name,household,status,effective_from`)."""
    try:
        text = file.read_bytes().decode("utf-8").lstrip("\ufeff")
    except OSError as exc:
        raise ValidationError(f"{file}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ValidationError(f"{file}: not UTF-8 text") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(cell.strip() for cell in rows[0]) != ROSTER_HEADER:
        raise ValidationError(f"{file}: the first row must be {','.join(ROSTER_HEADER)}")
    entries = []
    with progress_bar("rows") as bar:
        task = bar.add_task(f"read {file.name}", total=len(rows) - 1)
        for number, row in enumerate(rows[1:], start=2):
            bar.advance(task)
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(ROSTER_HEADER):
                raise ValidationError(f"{file} line {number}: expected {len(ROSTER_HEADER)} fields, got {len(row)}")
            entries.append(dict(zip(ROSTER_HEADER, (cell.strip() for cell in row), strict=True)))
    if not entries:
        raise ValidationError(f"{file}: no rows")
    return entries


@roster_app.command("import")
def import_roster(
    ctx: typer.Context,
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    roster_ref: Annotated[str, typer.Argument(metavar="ROSTER_REF")],
    file: Annotated[Path, typer.Argument(metavar="ROSTER.csv")],
    as_of: Annotated[str, typer.Option("--as-of", help="the list's date (YYYY-MM-DD)")],
) -> int:
    """Record the list as a dated roster version (names and ID numbers are stored sealed)."""
    from service.commands import ImportRoster, InvalidCommandError

    entries = read_roster(file)
    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        raise ValidationError(f"--as-of: {as_of[:40]!r} is not a date (YYYY-MM-DD)") from None
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    try:
        command = ImportRoster(
            command_id=f"roster:{county_code}:{roster_ref}:{digest}",
            county_code=county_code,
            roster_ref=roster_ref,
            as_of=day,
            entries=entries,
        )
    except InvalidCommandError as exc:  # name the file's line, not the list index
        raise ValidationError(f"{file}: {_with_line(str(exc))}") from None
    with open_ledger(ctx.obj.settings) as ledger:
        result = ledger.handle(command)
    typer.echo(f"roster {roster_ref} of {county_code} as of {result['as_of']}: {result['entries']:,} people")
    return 0


def _with_line(message: str) -> str:
    """`entries.3.status: ...` -> `line 5 (entries.3.status): ...` (the header is line 1)."""
    import re

    return re.sub(r"entries\.(\d+)\.(\w+)", lambda m: f"line {int(m[1]) + 2} ({m[2]})", message)


@roster_app.command("report")
def report(
    ctx: typer.Context,
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    roster_ref: Annotated[str, typer.Argument(metavar="ROSTER_REF")],
) -> int:
    """Each kind of difference between the list and the registry, and the enrolment rates of the poor on it."""
    from service.rosters import reconciliation

    with open_ledger(ctx.obj.settings) as ledger:
        found = reconciliation(ledger, county_code, roster_ref)
    typer.echo("\n".join(report_lines(found)))
    return 0


def report_lines(found: dict[str, Any]) -> list[str]:
    e = found["enrolment"]
    lines = [
        f"roster {found['roster_ref']} of {found['county_code']} as of {found['as_of']}: {found['on_list']:,} people",
        f"  参保率 {e['enrolment_rate']} ({e['enrolled']} of {e['poor_on_list']} poor on the list enrolled); "
        f"参保补贴落实率 {e['premium_subsidy_rate']} ({e['premium_paid_by_state']} premiums paid by the state)",
        f"  on the list, not registered: {len(found['not_registered'])}",
    ]
    lines += [f"    {d['household']} {d['id_card_no']} {d['status']}" for d in found["not_registered"]]
    lines.append(f"  on the list, not enrolled: {len(found['not_enrolled'])}")
    lines += [f"    {d['patient_ref']} ({d['household']})" for d in found["not_enrolled"]]
    lines.append(f"  registered as poor, not on the list: {len(found['not_on_list'])}")
    lines += [f"    {d['patient_ref']} {d['status']}" for d in found["not_on_list"]]
    lines.append(f"  status differences: {len(found['status_differences'])}")
    lines += [
        f"    {d['patient_ref']} ({d['household']}): registry {d['ledger_status']}, list {d['roster_status']} "
        f"from {d['effective_from']}"
        for d in found["status_differences"]
    ]
    return lines


@roster_app.command("apply")
def apply(
    ctx: typer.Context,
    county_code: Annotated[str, typer.Argument(metavar="COUNTY")],
    roster_ref: Annotated[str, typer.Argument(metavar="ROSTER_REF")],
    missing_status: Annotated[
        str | None, typer.Option("--missing-status", help="status for the registered poor missing from the list")
    ] = None,
    command_id: Annotated[str | None, typer.Option("--command-id")] = None,
) -> int:
    """Record the list's status differences as effective-dated poverty-status events."""
    from service.commands import ApplyRosterDifferences

    command = ApplyRosterDifferences(
        command_id=command_id or f"roster-apply:{county_code}:{roster_ref}:{missing_status or '-'}",
        county_code=county_code,
        roster_ref=roster_ref,
        missing_status=missing_status,
    )
    with open_ledger(ctx.obj.settings) as ledger:
        result = ledger.handle(command)
    typer.echo(f"roster {roster_ref}: {len(result['applied'])} status events recorded")
    for change in result["applied"]:
        typer.echo(f"  {change['patient_ref']}: {change['status']} from {change['effective_from']}")
    return 0
