"""`ledger verify`: the report of service.verification, as lines or as JSON (`--json`).

Patient-years are found in the notification log by their opening event, and admissions by their
settled events, so no projection has to be up to date for an audit to run. Every check runs whatever
the others found; the exit status is 1 when anything was found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import typer

from cli.errors import EXIT_PROBLEMS_FOUND
from cli.progress import progress_bar
from service.verification import (
    ACCUMULATORS,
    ADMISSION,
    CHAIN,
    PENDING,
    SETTLEMENT,
    UNREADABLE,
    VerificationReport,
    verify_ledger,
)


def patient_years(ledger: Any) -> Iterator[tuple[str, int]]:
    """(patient_ref, year) of every patient-year account, in the order they were opened."""
    for opened in ledger.benefit_year_openings():
        yield opened.patient_ref, opened.year


def run_verify(ledger: Any, only: tuple[str, int] | None, as_json: bool, views: Any = None) -> int:
    with progress_bar("patient-years") as bar:
        task = bar.add_task("re-deriving", total=None)
        report = verify_ledger(
            ledger,
            only=only,
            on_year=lambda done, total: bar.update(task, completed=done, total=total),
            views=views,
        )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in one_year_lines(report, only) if only is not None else everything_lines(report):
            typer.echo(line)
    return 0 if report.ok else EXIT_PROBLEMS_FOUND


def chain_line(report: VerificationReport) -> str:
    count = len(report.of(CHAIN))
    verdict = "intact" if not count else f"{count} PROBLEM{'' if count == 1 else 'S'}"
    return f"hash chains: {report.streams_checked:,} streams, {report.events_checked:,} events checked: {verdict}"


def everything_lines(report: VerificationReport) -> list[str]:
    lines = [chain_line(report), *(f"  {f.subject} {f.detail}" for f in report.of(CHAIN))]
    differing = report.of(SETTLEMENT)
    lines.append(
        f"patient-years: {report.patient_years:,} re-derived from raw facts: "
        + ("every settlement identical to the fen" if not differing else f"{_subjects(differing)} with DIFFERENCES")
    )
    lines += [f"  {f.subject} {f.detail}" for f in differing]
    lines += _section(
        report, ACCUMULATORS, f"accumulators: {report.patient_years:,} patient-years re-derived from their claim facts"
    )
    lines += _section(
        report, ADMISSION, f"admissions: {report.admissions:,} settled, checked against their patient-years"
    )
    lines += _section(report, UNREADABLE, "streams and events read back")
    lines += _section(report, PENDING, "late facts (pending recalculation)")
    if not report.ok:
        lines.append(f"verify: {len(report.findings)} finding{'' if len(report.findings) == 1 else 's'}")
    return lines


def one_year_lines(report: VerificationReport, only: tuple[str, int]) -> list[str]:
    patient_ref, year = only
    others = [f for f in report.findings if f.check != CHAIN]
    lines = [
        f"{patient_ref}/{year}: {report.settlements} settlements, "
        f"{'verified to the fen' if not others else 'DIFFERENCES FOUND'}"
    ]
    lines += [f"  {f.detail}" for f in report.of(SETTLEMENT)]
    lines += [f"  {f.check}: {f.subject} {f.detail}" for f in others if f.check != SETTLEMENT]
    lines.append(chain_line(report))
    lines += [f"  {f.subject} {f.detail}" for f in report.of(CHAIN)]
    return lines


def _section(report: VerificationReport, check: str, title: str) -> list[str]:
    found = report.of(check)
    verdict = "consistent" if not found else f"{len(found)} PROBLEM{'' if len(found) == 1 else 'S'}"
    return [f"{title}: {verdict}", *(f"  {f.subject} {f.detail}" for f in found)]


def _subjects(findings: list[Any]) -> int:
    return len({f.subject for f in findings})
