"""RegisteredHospital: a hospital of the registry, its effective-dated records (master data, admin only).

Registration is the first record; every change of attributes is a new record with its own effective
dates (domain.registry.hospitals: the latest-recorded record covering a day is the one in force).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import ValidationError
from domain.registry.hospitals import HospitalRecord, first_effective, in_force_on


@lru_cache(maxsize=1024)  # asked by every admission's registration and settlement and each batch's read-ahead
def registered_hospital_id(hospital_code: str) -> UUID:
    return uuid5(ids.NAMESPACE, f"hospital-registry/{hospital_code}")


class RegisteredHospital(Aggregate):
    TOPIC = "ledger:RegisteredHospital"

    class Created(Aggregate.Created):
        TOPIC = "ledger:RegisteredHospital.Created"

    @staticmethod
    def create_id(hospital_code: str, record: dict[str, Any]) -> UUID:
        return registered_hospital_id(hospital_code)

    @event("Registered", topic="ledger:RegisteredHospital.Registered")
    def __init__(self, hospital_code: str, record: dict[str, Any]) -> None:
        self.hospital_code = hospital_code
        self.record_dicts: list[dict[str, Any]] = [record]

    @staticmethod
    def checked(record: HospitalRecord) -> dict[str, Any]:
        problem = record.check_consistent()
        if problem is not None:
            raise ValidationError(f"hospital {record.code}: {problem}")
        return record.to_dict()

    @property
    def records(self) -> list[HospitalRecord]:
        return [HospitalRecord.from_dict(r) for r in self.record_dicts]

    @property
    def closures(self) -> list[tuple[int, date]]:
        """(records recorded before it, last day in force) of each closure; older snapshots have none."""
        found: list[list[Any]] = self.__dict__.get("closure_entries", [])
        return [(int(position), date.fromisoformat(str(last_day))) for position, last_day in found]

    def record_on(self, day: date) -> HospitalRecord | None:
        return in_force_on(self.records, day, self.closures)

    @property
    def latest(self) -> HospitalRecord:
        """The last record recorded: its name is the hospital's one name on dashboards."""
        return HospitalRecord.from_dict(self.record_dicts[-1])

    @property
    def first_effective(self) -> date | None:
        return first_effective(self.records)

    def change(self, record: HospitalRecord) -> None:
        """Record new attributes in force over the record's dates (a correction is a new record)."""
        self._changed(record=self.checked(record))

    @event("Changed", topic="ledger:RegisteredHospital.Changed")
    def _changed(self, record: dict[str, Any]) -> None:
        self.record_dicts.append(record)

    def close(self, last_day: date, reason: str) -> None:
        """Close the registration after `last_day` (inclusive): no record recorded so far is in force later."""
        if not any(r.effective_from <= last_day for r in self.records):
            raise ValidationError(
                f"hospital {self.hospital_code}: last_day {last_day.isoformat()} is before it was ever in force"
            )
        self._closed(last_day=last_day.isoformat(), reason=reason)

    @event("Closed", topic="ledger:RegisteredHospital.Closed")
    def _closed(self, last_day: str, reason: str) -> None:
        self.closure_entries = [*self.__dict__.get("closure_entries", []), [len(self.record_dicts), last_day]]
