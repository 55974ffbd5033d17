"""`ledger replay` (alias `year`) and `ledger verify`: what an auditor runs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from cli.errors import EXIT_PROBLEMS_FOUND
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
) -> int:
    """Check the hash chains and re-derive settlements from raw facts, to the fen.

    With no arguments: every stream's hash chain and every patient-year. With PATIENT YEAR: that
    patient-year and the chains of its streams. Exit status 1 names each problem found.
    """
    if (patient_ref is None) != (year is None):
        raise ValidationError("verify: give both PATIENT and YEAR, or neither (to check everything)")
    with open_ledger(ctx.obj.settings) as ledger:
        if patient_ref is None or year is None:
            from cli.verify_all import verify_everything

            return verify_everything(ledger)
        return _verify_one(ledger, patient_ref, year)


def _verify_one(ledger: Any, patient_ref: str, year: int) -> int:
    from cli.verify_all import chain_lines, patient_year_streams
    from service.tamper_evidence import verify_chains

    report = ledger.verify_benefit_year(patient_ref, year)
    typer.echo(
        f"{patient_ref}/{year}: {report['settlements']} settlements, "
        f"{'verified to the fen' if report['verified'] else 'DIFFERENCES FOUND'}"
    )
    for d in report["differences"]:
        typer.echo(f"  {d['settlement_id']} {d['part']} {d['field']}: recorded {d['recorded']} derived {d['derived']}")
    chains = verify_chains(ledger, originator_ids=patient_year_streams(ledger, patient_ref, year))
    for line in chain_lines(chains):
        typer.echo(line)
    return 0 if report["verified"] and chains.ok else EXIT_PROBLEMS_FOUND


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"--as-of: {text!r} is not an ISO 8601 time (e.g. 2018-07-01T09:00:00+08:00)") from None
    if moment.tzinfo is None:
        raise ValidationError("--as-of: give a time zone (e.g. +08:00)")
    return moment
