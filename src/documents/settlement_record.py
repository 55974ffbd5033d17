"""One settlement as recorded, found from its admission: the read path the slip and the FHIR API share.

A settlement id is `<admission_ref>#<n>` (domain.ids.settlement_id). The admission names the
patient-year account each settlement was recorded in; the account's events give the record (as
settled, as last recalculated, compensation owed and paid) and its *versions*: version 1 is the
settlement as made, and every later recalculation that changed this settlement is a new version
(with the time the ledger recorded it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain import ids
from domain.aggregates.admission import Admission
from domain.aggregates.benefit_year_history import BenefitYearHistory
from domain.errors import NotFoundError, StateConflictError, ValidationError

SETTLED = "ledger:BenefitYear.SettlementRecorded"
RECALCULATED = "ledger:BenefitYear.RecalculationRecorded"


@dataclass(frozen=True)
class RecordVersion:
    """One version of a settlement: the benefit-year event that made it and when it was recorded."""

    number: int  # 1 = as settled; 2.. = each recalculation that changed this settlement
    event_version: int  # the benefit-year stream's version of that event
    recorded_at: str  # ISO time the ledger recorded it
    reason: str  # "settled" or the recalculation's reason


@dataclass(frozen=True)
class SettlementRecord:
    admission: Admission
    history: BenefitYearHistory  # the whole patient-year, folded to its head
    record: dict[str, Any]  # this settlement's entry of history.settlements
    versions: tuple[RecordVersion, ...]
    events: tuple[Any, ...]  # the patient-year's events, in order

    @property
    def settlement_id(self) -> str:
        return str(self.record["settlement_id"])

    def at_version(self, number: int) -> dict[str, Any]:
        """The record as it stood at `number` (1 = as settled): `current` and compensation owed then."""
        if not 1 <= number <= len(self.versions):
            raise NotFoundError(f"settlement {self.settlement_id} has versions 1 to {len(self.versions)}, not {number}")
        if number == len(self.versions):
            return self.record
        upto = self.versions[number - 1].event_version
        folded = BenefitYearHistory.fold(e for e in self.events if e.originator_version <= upto)
        return folded.record_of(self.settlement_id)


def split_settlement_id(settlement_id: str) -> tuple[str, int]:
    admission_ref, sep, sequence = settlement_id.rpartition("#")
    if not sep or not admission_ref or not sequence.isdigit() or int(sequence) < 1:
        raise ValidationError(f"settlement id {settlement_id!r}: expected <admission_ref>#<n>, e.g. P-1-A#1")
    return admission_ref, int(sequence)


def find_settlement(ledger: Any, settlement_id: str) -> SettlementRecord:
    """The record of `settlement_id` (404 for an unknown admission or settlement)."""
    admission_ref, _ = split_settlement_id(settlement_id)
    admission = ledger.get_admission(admission_ref)
    if settlement_id not in admission.settlements:
        raise NotFoundError(
            f"no settlement {settlement_id} (admission {admission_ref} has {', '.join(admission.settlements) or 'none'})"
        )
    return _record(ledger, admission, settlement_id)


def admission_settlement(ledger: Any, admission: Admission) -> SettlementRecord:
    """The admission's (last) settlement; 409 when it has not been settled yet."""
    if not admission.settlements:
        state = "discharged" if admission.discharged_on else "open"
        raise StateConflictError(
            f"admission {admission.admission_ref} is not settled yet ({state}): no settlement slip (尚未结算)"
        )
    return _record(ledger, admission, admission.settlements[-1])


def year_settlements(ledger: Any, patient_ref: str, year: int) -> list[SettlementRecord]:
    """Every settlement of a patient-year, in settlement order (the year folded once); [] if none."""
    events = tuple(ledger.events.get(ids.benefit_year_id(patient_ref, year)))
    history = BenefitYearHistory.fold(events)
    return [
        SettlementRecord(
            ledger.get_admission(record["admission_ref"]),
            history,
            record,
            tuple(_versions(events, record["settlement_id"])),
            events,
        )
        for record in history.settlements
    ]


def _record(ledger: Any, admission: Admission, settlement_id: str) -> SettlementRecord:
    account_id = UUID(admission.benefit_year_ids[admission.settlements.index(settlement_id)])
    events = tuple(ledger.events.get(account_id))
    history = BenefitYearHistory.fold(events)
    record = history.record_of(settlement_id)
    return SettlementRecord(admission, history, record, tuple(_versions(events, settlement_id)), events)


def _versions(events: tuple[Any, ...], settlement_id: str) -> list[RecordVersion]:
    versions: list[RecordVersion] = []
    for e in events:
        topic = type(e).TOPIC
        if topic == SETTLED and e.settlement_id == settlement_id:
            versions.append(RecordVersion(1, e.originator_version, e.timestamp.isoformat(), "settled"))
        elif topic == RECALCULATED and versions:
            item = next((i for i in e.items if i["settlement_id"] == settlement_id), None)
            if item is not None and item.get("changed"):
                versions.append(
                    RecordVersion(len(versions) + 1, e.originator_version, e.timestamp.isoformat(), e.reason)
                )
    return versions
