"""Hospital registry records: what the ledger, not the hospital client, says a hospital is on a date.

A hospital's history is a list of records in the order they were recorded (registration, then each
change). A change is a new record with its own effective dates; the record in force on a day is the
latest-recorded one whose dates cover it, so a correction recorded later wins over what it corrects and
nothing is ever updated or deleted.

    record = in_force_on(records, date(2018, 3, 12))   # None: unknown on that day
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.vocabulary import Tier

IN_COUNTY_TIERS = frozenset({Tier.TOWNSHIP, Tier.COUNTY})


@dataclass(frozen=True)
class HospitalRecord:
    """One effective-dated record of a hospital (both end dates inclusive; `effective_to` None = open)."""

    code: str
    name: str
    tier: Tier
    county_code: str
    township: str
    in_province: bool
    ncms_designated: bool
    designated_centre_for: tuple[str, ...]
    effective_from: date
    effective_to: date | None = None

    def covers(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def in_county_of(self, county_code: str) -> bool:
        """A township or county hospital of the patient's own county (县域内)."""
        return self.tier in IN_COUNTY_TIERS and self.county_code == county_code

    def is_designated_centre(self, disease: str) -> bool:
        return disease in self.designated_centre_for

    def to_dict(self) -> dict[str, Any]:
        """Plain values, as events store them."""
        return {
            "code": self.code,
            "name": self.name,
            "tier": self.tier.value,
            "county_code": self.county_code,
            "township": self.township,
            "in_province": self.in_province,
            "ncms_designated": self.ncms_designated,
            "designated_centre_for": list(self.designated_centre_for),
            "effective_from": self.effective_from.isoformat(),
            "effective_to": None if self.effective_to is None else self.effective_to.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HospitalRecord:
        to = data.get("effective_to")
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            tier=Tier(data["tier"]),
            county_code=str(data["county_code"]),
            township=str(data.get("township", "")),
            in_province=bool(data["in_province"]),
            ncms_designated=bool(data["ncms_designated"]),
            designated_centre_for=tuple(str(d) for d in data.get("designated_centre_for", ())),
            effective_from=date.fromisoformat(str(data["effective_from"])),
            effective_to=None if to is None else date.fromisoformat(str(to)),
        )

    def check_consistent(self) -> str | None:
        """What is wrong with the record, or None."""
        if self.tier is Tier.OUT_OF_PROVINCE and self.in_province:
            return "an out_of_province hospital cannot be in_province"
        if self.tier is not Tier.OUT_OF_PROVINCE and not self.in_province:
            return f"a {self.tier.value} hospital is in the province (only out_of_province ones are not)"
        if self.effective_to is not None and self.effective_to < self.effective_from:
            return "effective_to is before effective_from"
        return None

    def claim_attributes(self, patient_county: str) -> dict[str, Any]:
        """The hospital as a settlement record shows it: code, name, tier and the flags the cascade reads."""
        return {
            "code": self.code,
            "name": self.name,
            "tier": self.tier.value,
            "county_code": self.county_code,
            "in_county": self.in_county_of(patient_county),
            "in_province": self.in_province,
            "designated": self.ncms_designated,
        } | ({"designated_centre_for": list(self.designated_centre_for)} if self.designated_centre_for else {})


def in_force_on(
    records: Sequence[HospitalRecord], day: date, closures: Sequence[tuple[int, date]] = ()
) -> HospitalRecord | None:
    """The latest-recorded record whose effective dates cover `day`, or None.

    `closures`: (how many records there were when it was recorded, the last day in force, inclusive). A
    closure ends every record recorded before it after its last day; a record recorded after it (a
    reopening) counts again over its own dates."""
    for index in range(len(records) - 1, -1, -1):
        if any(position > index and day > last_day for position, last_day in closures):
            return None
        if records[index].covers(day):
            return records[index]
    return None


def first_effective(records: Sequence[HospitalRecord]) -> date | None:
    """The earliest day any record of the hospital is in force from."""
    return min((r.effective_from for r in records), default=None)
