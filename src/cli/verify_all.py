"""`ledger verify` with no arguments: every stream's hash chain and every patient-year, re-derived.

Patient-years are found in the notification log by their opening event (BenefitLedger.iter_benefit_years),
so no projection has to be up to date for an audit to run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import typer

from cli.errors import EXIT_PROBLEMS_FOUND
from cli.progress import progress_bar
from domain import ids


def patient_years(ledger: Any) -> Iterator[tuple[str, int]]:
    """(patient_ref, year) of every patient-year account, in the order they were opened."""
    for account in ledger.iter_benefit_years():
        yield account.patient_ref, account.year


def patient_year_streams(ledger: Any, patient_ref: str, year: int) -> list[UUID]:
    """The streams one patient-year's settlements were computed from: the account, the patient, the admissions."""
    account = ledger.get_benefit_year(patient_ref, year)
    admissions = dict.fromkeys(ids.admission_id(record["admission_ref"]) for record in account.settlements)
    return [ids.benefit_year_id(patient_ref, year), ids.patient_id(patient_ref), *admissions]


def chain_lines(report: Any) -> list[str]:
    count = len(report.problems)
    verdict = "intact" if report.ok else f"{count} PROBLEM{'' if count == 1 else 'S'}"
    lines = [f"hash chains: {report.streams_checked:,} streams, {report.events_checked:,} events checked: {verdict}"]
    lines += [f"  {p.originator_id} version {p.version}: {p.kind}: {p.detail}" for p in report.problems]
    return lines


def verify_everything(ledger: Any) -> int:
    from service.tamper_evidence import verify_chains

    chains = verify_chains(ledger)
    for line in chain_lines(chains):
        typer.echo(line)
    years = list(patient_years(ledger))
    failed: list[str] = []
    with progress_bar("patient-years") as bar:
        task = bar.add_task("re-deriving", total=len(years))
        for patient_ref, year in years:
            report = ledger.verify_benefit_year(patient_ref, year)
            failed += [
                f"  {patient_ref}/{year} {d['settlement_id']} {d['part']} {d['field']}: recorded "
                f"{d['recorded']} derived {d['derived']}"
                for d in report["differences"]
            ]
            bar.advance(task)
    differing = len({line.split()[0] for line in failed})
    typer.echo(
        f"patient-years: {len(years):,} re-derived from raw facts: "
        + ("every settlement identical to the fen" if not failed else f"{differing} with DIFFERENCES")
    )
    for line in failed:
        typer.echo(line)
    return 0 if chains.ok and not failed else EXIT_PROBLEMS_FOUND
