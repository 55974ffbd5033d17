"""`ledger replay` (alias `year`) and `ledger verify`: what an auditor runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from cli.store import open_ledger
from domain.errors import ValidationError


def replay(
    ctx: typer.Context,
    patient_ref: Annotated[str, typer.Argument(metavar="PATIENT")],
    year: Annotated[int, typer.Argument(metavar="YEAR")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="recorded time, ISO 8601 with offset: the year exactly as recorded then"),
    ] = None,
) -> int:
    """An auditor's view of a patient-year: every settlement and every layer's arithmetic."""
    from cli.output import year_lines

    moment = _moment(as_of) if as_of else None
    with open_ledger(ctx.obj.settings) as ledger:
        account = (
            ledger.benefit_year_as_of(patient_ref, year, moment)
            if moment
            else ledger.get_benefit_year(patient_ref, year)
        )
        typer.echo("\n".join(year_lines(account, lambda ref: ledger.get_admission(ref).lines)))
    return 0


def verify(
    ctx: typer.Context,
    patient_ref: Annotated[str | None, typer.Argument(metavar="[PATIENT]", show_default=False)] = None,
    year: Annotated[int | None, typer.Argument(metavar="[YEAR]", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="the report as one JSON document on stdout")] = False,
) -> int:
    """Check the hash chains, re-derive settlements and accumulators, cross-check admissions, to the fen.

    With no arguments: every stream's hash chain, every patient-year and every settled admission. With
    PATIENT YEAR: that patient-year, its admissions and the chains of its streams. Every check runs
    whatever the others find; exit status 1 lists each finding.
    """
    if (patient_ref is None) != (year is None):
        raise ValidationError("verify: give both PATIENT and YEAR, or neither (to check everything)")
    from cli.store import open_views
    from cli.verify_all import run_verify

    with open_ledger(ctx.obj.settings) as ledger:
        only = None if patient_ref is None or year is None else (patient_ref, year)
        views = open_views(ctx.obj.settings.store)  # the pending check: late facts not yet applied
        try:
            return run_verify(ledger, only, as_json, views)
        finally:
            views.close()


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"--as-of: {text!r} is not an ISO 8601 time (e.g. 2018-07-01T09:00:00+08:00)") from None
    if moment.tzinfo is None:
        raise ValidationError("--as-of: give a time zone (e.g. +08:00)")
    return moment
