"""Roster reconciliation: the poverty office's list imported as a dated version, and its differences applied."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.commands.base import ENVELOPE, Command
from service.commands.fields import Day, IdCardNo, PersonName, PovertyStatusName, Ref
from service.roles import Role

ROSTER_ENTRIES_MAX = 50_000


class RosterEntry(BaseModel):
    """One person on the poverty office's list."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id_card_no: IdCardNo
    name: PersonName
    household: Ref
    """the household number (户编号)"""
    status: PovertyStatusName
    effective_from: Day


class ImportRoster(Command):
    """Record the poverty office's list (县扶贫办名单) for a county as a dated roster version; names and ID
    numbers are sealed before the event is built."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.ADMIN})

    command: Literal["import_roster"] = "import_roster"
    county_code: Ref
    roster_ref: Ref
    as_of: Day
    entries: list[RosterEntry] = Field(min_length=1, max_length=ROSTER_ENTRIES_MAX)

    def fingerprint_payload(self, personal_fingerprint: Callable[[Mapping[str, str]], str]) -> dict[str, Any]:
        """The list's personal data enters the idempotency fingerprint only as a keyed HMAC."""
        payload = self.model_dump(mode="json", exclude=set(ENVELOPE | {"entries"}))
        entries = json.dumps([e.model_dump(mode="json") for e in self.entries], ensure_ascii=False, sort_keys=True)
        payload["personal"] = personal_fingerprint({"entries": entries})
        return payload


class ApplyRosterDifferences(Command):
    """Record the roster's status differences as the usual effective-dated poverty-status events (each at the
    list's effective date); with `missing_status`, the registered poor missing from the list get that status
    from the list's date."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.ADMIN})
    batchable: ClassVar[bool] = False  # reads every patient of the county

    command: Literal["apply_roster_differences"] = "apply_roster_differences"
    county_code: Ref
    roster_ref: Ref
    missing_status: PovertyStatusName | None = None
