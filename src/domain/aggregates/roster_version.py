"""RosterVersion: one dated version of the poverty office's list (县扶贫办贫困人口名单) for a county.

Each entry keeps the person's ID number only as a keyed HMAC (`key`, to match the registry) and sealed
(`sealed`: name and ID number, AES-GCM, service.personal_data); the household, status and effective
date are plain. A new list is a new version; nothing is edited.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids


class RosterVersion(Aggregate):
    TOPIC = "ledger:RosterVersion"

    class Created(Aggregate.Created):
        TOPIC = "ledger:RosterVersion.Created"

    @staticmethod
    def create_id(county_code: str, roster_ref: str) -> UUID:
        return ids.roster_version_id(county_code, roster_ref)

    @event("Imported", topic="ledger:RosterVersion.Imported")
    def __init__(self, county_code: str, roster_ref: str, as_of: str, entries: list[dict[str, Any]]) -> None:
        self.county_code = county_code
        self.roster_ref = roster_ref
        self.as_of = as_of
        self.entries = entries  # {key, sealed, household, status, effective_from}
        self.applications = 0

    def record_applied(self, changes: list[dict[str, Any]], applied_by: str) -> None:
        self._differences_applied(changes=changes, applied_by=applied_by)

    @event("DifferencesApplied", topic="ledger:RosterVersion.DifferencesApplied")
    def _differences_applied(self, changes: list[dict[str, Any]], applied_by: str) -> None:
        self.applications += 1
