"""Batches: many commands from one payment file, one transaction, all or nothing.

An entry is `{"command": <name>, "command_id": ..., "args": {...}}` (service.commands.parse_entry): the
same model, the same rules and the same refusals as the command's single route, with `expected_version`
among the args. Each command keeps its own idempotency: a command id already recorded (earlier, or
earlier in the same batch) returns its first result and appends nothing. A later command sees what
earlier commands of the batch did (service.unit_of_work). A refused command refuses the whole batch and
its error names the command's index; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from domain import ids
from domain.aggregates.registered_hospital import registered_hospital_id
from domain.errors import ConcurrencyConflictError, LedgerError, ValidationError
from domain.policy.parsing import PolicyError
from service.commands import Command, parse_entry
from service.retry_lock import retrying, unlocked
from service.stream_reads import prefetch
from service.unit_of_work import UnitOfWork, commit, unit_of_work

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

BATCH_SIZE_MAX = 1000
RETRY_COUNT_MAX = 8


class BatchCommandError(LedgerError):
    """A command of a batch was refused: `cause` is its own error, `index` and `command_id` name it.

    Its status, title and (for invalid input) `errors` are the cause's, so a batch refuses a command with the
    same problem as the command's single route, plus `index` and `command_id`."""

    def __init__(self, index: int, command_id: str | None, cause: Exception) -> None:
        super().__init__(f"command #{index} ({command_id or 'no command id'}): {cause}")
        self.index = index
        self.command_id = command_id
        self.cause = cause
        self.status = getattr(cause, "status", 422)
        self.title = getattr(cause, "title", "Invalid command")
        self.current_version = getattr(cause, "current_version", None)


def parse_batch(entries: Sequence[Any]) -> list[Command]:
    """Every entry as its command, or a BatchCommandError naming the first refused one; nothing runs."""
    if not isinstance(entries, Sequence) or isinstance(entries, str | bytes) or not entries:
        raise ValidationError("commands: give a non-empty list of commands")
    if len(entries) > BATCH_SIZE_MAX:
        raise ValidationError(f"commands: at most {BATCH_SIZE_MAX} per batch, got {len(entries)}")
    commands = []
    for index, entry in enumerate(entries):
        try:
            commands.append(parse_entry(entry))
        except LedgerError as exc:
            command_id = entry.get("command_id") if isinstance(entry, dict) else None
            raise BatchCommandError(index, command_id if isinstance(command_id, str) else None, exc) from None
    return commands


def run_batch(
    ledger: BenefitLedger,
    commands: Sequence[Command],
    authorize: Callable[[Command], None] | None = None,
) -> list[dict[str, Any]]:
    """Run `commands` in one transaction; one result per command, each with `replayed`.

    `authorize(command)` (the API's access check) runs before each command and may raise.

    The batch's command records, the aggregates its commands name (patients, admissions, patient-years)
    and what those lead to (hospitals, policy and catalogue registers, county-year closes) are read first,
    in two or three queries (`_prefetch`); an id with no events is known absent,
    so neither its command-record lookup nor a creation's existence probe costs a query. A batch that
    collides with a concurrent writer is run again on fresh state while holding the retry lock
    (service.retry_lock), so batches that keep colliding with each other take turns instead of
    giving up.
    """
    for attempt in range(RETRY_COUNT_MAX):
        with retrying(ledger) if attempt else unlocked(), unit_of_work() as unit:
            _prefetch(ledger, unit, commands)
            results = []
            for index, command in enumerate(commands):
                try:
                    if authorize is not None:
                        authorize(command)
                    result = ledger.handle(command)
                except (LedgerError, PolicyError) as exc:
                    raise BatchCommandError(index, command.command_id, exc) from None
                results.append(
                    {
                        "index": index,
                        "command": command.command,
                        "command_id": command.command_id,
                        "replayed": bool(result.pop("replayed", False)),
                        "result": result,
                    }
                )
            try:
                commit(ledger, unit)
            except IntegrityError:  # a concurrent writer: run the batch again on fresh state
                continue
            return results
    raise ConcurrencyConflictError(f"batch: gave up after {RETRY_COUNT_MAX} conflicting attempts")


PREFETCH_ROUNDS_MAX = 3


def _prefetch(ledger: BenefitLedger, unit: UnitOfWork, commands: Sequence[Command]) -> None:
    """Read what the batch's commands will read, in rounds of one query each (usually two rounds).

    Round one: the command records and what the commands name (admissions, patients, patient-years, the
    hospital a registration names). Later rounds: what those lead to (an admission's patient, hospital
    and likely patient-years; a patient's policy and catalogue registers and the county-year closes).
    Each round asks only for ids the unit neither holds nor knows absent."""
    for _ in range(PREFETCH_ROUNDS_MAX):
        wanted = [
            oid
            for oid in dict.fromkeys(oid for c in commands for oid in _read_ahead(unit, c))
            if unit.get(oid) is None and oid not in unit.absent
        ]
        if not wanted:
            return
        prefetch(ledger, unit, wanted)


def _read_ahead(unit: UnitOfWork, command: Command) -> Iterator[UUID]:
    """The ids `command` most likely reads, as far as the unit's aggregates tell so far."""
    yield ids.command_record_id(command.command_id)
    yield from named_aggregates(command)
    hospital_code = getattr(command, "hospital_code", None)
    if isinstance(hospital_code, str):
        yield registered_hospital_id(hospital_code)
    patient_ref = getattr(command, "patient_ref", None)
    admission_ref = getattr(command, "admission_ref", None)
    admission = unit.get(ids.admission_id(admission_ref)) if isinstance(admission_ref, str) else None
    if admission is not None:
        patient_ref = getattr(admission, "patient_ref", None) or patient_ref
        code = (getattr(admission, "hospital", None) or {}).get("code")
        if isinstance(code, str):
            yield registered_hospital_id(code)
    if not isinstance(patient_ref, str):
        return
    yield ids.patient_id(patient_ref)
    years = list(_likely_years(unit, command))
    yield from years
    patient = unit.get(ids.patient_id(patient_ref))
    county = getattr(patient, "county_code", None)
    if isinstance(county, str):
        yield ids.policy_register_id(county)
        yield ids.catalogue_register_id(county)
        for year in _likely_year_numbers(unit, command):
            yield ids.year_close_id(county, year)


def _likely_years(unit: UnitOfWork, command: Command) -> Iterator[UUID]:
    """The patient-years an admission's settlement most likely records into (its admission's or discharge's year).

    Only a guess to read ahead: the handler still decides the year; a wrong guess costs one row read."""
    patient_ref = getattr(command, "patient_ref", None)
    admission_ref = getattr(command, "admission_ref", None)
    admission = unit.get(ids.admission_id(admission_ref)) if isinstance(admission_ref, str) else None
    if admission is not None and getattr(admission, "patient_ref", None):
        patient_ref = admission.patient_ref
    if isinstance(patient_ref, str):
        for year in _likely_year_numbers(unit, command):
            yield ids.benefit_year_id(patient_ref, year)


def _likely_year_numbers(unit: UnitOfWork, command: Command) -> set[int]:
    admitted_on = getattr(command, "admitted_on", None)
    if getattr(command, "patient_ref", None) is not None and admitted_on is not None:  # registered in this batch
        return {admitted_on.year}
    admission_ref = getattr(command, "admission_ref", None)
    admission = unit.get(ids.admission_id(admission_ref)) if isinstance(admission_ref, str) else None
    if admission is None:
        return set()
    days = {getattr(admission, "admitted_on", None), getattr(admission, "discharged_on", None)} - {None}
    return {int(str(day)[:4]) for day in days}


def named_aggregates(command: Command) -> Iterator[UUID]:
    """The aggregates a command names by its fields: its admission, its patient, its patient-year."""
    admission_ref = getattr(command, "admission_ref", None)
    if isinstance(admission_ref, str):
        yield ids.admission_id(admission_ref)
    patient_ref = getattr(command, "patient_ref", None)
    if isinstance(patient_ref, str):
        yield ids.patient_id(patient_ref)
        year = getattr(command, "year", None)
        if isinstance(year, int):
            yield ids.benefit_year_id(patient_ref, year)
