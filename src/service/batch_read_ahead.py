"""What a batch reads before its commands run: the ids they will most likely read, in one or two queries.

Round one asks for what the commands name by their fields (command records, admissions, patients,
patient-years, the hospital a registration names) and for the region-wide aggregates recent batches
needed (policy and catalogue registers, county-year closes: `RecentRegions`). Later rounds ask for
what the aggregates read so far lead to (an admission's patient, hospital and likely patient-years; a
patient's registers and county-year closes), only for ids the unit neither holds nor knows absent.
Every id is only a guess: a command still reads whatever it needs; a wrong guess costs one row read,
a missed one a query of its own. service.stream_reads loads them (`prefetch`).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from domain import ids
from domain.aggregates.registered_hospital import registered_hospital_id
from service.stream_reads import prefetch
from service.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from service.commands import Command
    from service.ledger import BenefitLedger

ROUNDS_MAX = 3
RECENT_REGION_IDS_MAX = 32


class RecentRegions:
    """The region-wide ids (registers, county-year closes) the last batches of a ledger read, newest last."""

    def __init__(self) -> None:
        self._ids: OrderedDict[UUID, None] = OrderedDict()
        self._lock = threading.Lock()

    def ids(self) -> list[UUID]:
        with self._lock:
            return list(self._ids)

    def saw(self, region_ids: Sequence[UUID]) -> None:
        with self._lock:
            for oid in region_ids:
                self._ids[oid] = None
                self._ids.move_to_end(oid)
            while len(self._ids) > RECENT_REGION_IDS_MAX:
                self._ids.popitem(last=False)


_recent: weakref.WeakKeyDictionary[Any, RecentRegions] = weakref.WeakKeyDictionary()
_recent_lock = threading.Lock()


def recent_regions(ledger: BenefitLedger) -> RecentRegions:
    with _recent_lock:
        found = _recent.get(ledger)
        if found is None:
            found = _recent[ledger] = RecentRegions()
        return found


def read_ahead(ledger: BenefitLedger, unit: UnitOfWork, commands: Sequence[Command]) -> None:
    """Load into `unit` what `commands` will most likely read (see the module docstring)."""
    recent = recent_regions(ledger)
    named = [_named_ids(command) for command in commands]
    first = [oid for found in named for oid in found] + recent.ids()
    regions: dict[UUID, None] = {}
    for round_no in range(ROUNDS_MAX):
        found = dict.fromkeys(first) if round_no == 0 else {}
        for command in commands:
            for oid in _leads_to(unit, command, regions):
                found[oid] = None
        wanted = [oid for oid in found if unit.get(oid) is None and oid not in unit.absent]
        if not wanted:
            break
        prefetch(ledger, unit, wanted)
    recent.saw(list(regions))


def _field(command: Command, name: str) -> Any:
    """The command's field `name`, or None when its model has no such field (no pydantic __getattr__)."""
    return command.__dict__.get(name)


def _named_ids(command: Command) -> list[UUID]:
    found = [ids.command_record_id(command.command_id), *named_aggregates(command)]
    hospital_code = _field(command, "hospital_code")
    if isinstance(hospital_code, str):
        found.append(registered_hospital_id(hospital_code))
    return found


def named_aggregates(command: Command) -> Iterator[UUID]:
    """The aggregates a command names by its fields: its admission, its patient, its patient-year."""
    admission_ref = _field(command, "admission_ref")
    if isinstance(admission_ref, str):
        yield ids.admission_id(admission_ref)
    patient_ref = _field(command, "patient_ref")
    if isinstance(patient_ref, str):
        yield ids.patient_id(patient_ref)
        year = _field(command, "year")
        if isinstance(year, int):
            yield ids.benefit_year_id(patient_ref, year)


def _leads_to(unit: UnitOfWork, command: Command, regions: dict[UUID, None]) -> Iterator[UUID]:
    """What the unit's aggregates so far say `command` will read: the admission's patient and hospital, the
    likely patient-years, the patient's registers and county-year closes (added to `regions` too)."""
    patient_ref = _field(command, "patient_ref")
    admission_ref = _field(command, "admission_ref")
    admission = unit.get(ids.admission_id(admission_ref)) if isinstance(admission_ref, str) else None
    years = _likely_years(command, admission)
    if admission is not None:
        patient_ref = getattr(admission, "patient_ref", None) or patient_ref
        code = (getattr(admission, "hospital", None) or {}).get("code")
        if isinstance(code, str):
            yield registered_hospital_id(code)
    if not isinstance(patient_ref, str):
        return
    yield ids.patient_id(patient_ref)
    for year in years:
        yield ids.benefit_year_id(patient_ref, year)
    county = getattr(unit.get(ids.patient_id(patient_ref)), "county_code", None)
    if isinstance(county, str):
        region_ids = [ids.policy_register_id(county), ids.catalogue_register_id(county)]
        region_ids += [ids.year_close_id(county, year) for year in years]
        for oid in region_ids:
            regions[oid] = None
            yield oid


def _likely_years(command: Command, admission: Any) -> set[int]:
    """The years an admission's settlement most likely records into (its admission's or discharge's year).

    Only a guess to read ahead: the handler still decides the year; a wrong guess costs one row read."""
    admitted_on = _field(command, "admitted_on")
    if _field(command, "patient_ref") is not None and admitted_on is not None:  # registered by this command
        return {admitted_on.year}
    if admission is None:
        return set()
    days = {getattr(admission, "admitted_on", None), getattr(admission, "discharged_on", None)} - {None}
    return {int(str(day)[:4]) for day in days}
