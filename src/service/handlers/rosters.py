"""Handlers of roster imports and of applying a roster's differences as poverty-status events."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from domain.aggregates.roster_version import RosterVersion
from domain.errors import AlreadyExistsError, NotFoundError, ValidationError
from domain.vocabulary import PovertyStatus
from service.commands.rosters import ApplyRosterDifferences, ImportRoster
from service.handlers import handles
from service.idempotency import Outcome
from service.rosters import id_key, reconciliation, roster_version

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(ImportRoster)
def import_roster(ledger: BenefitLedger, cmd: ImportRoster) -> Outcome:
    try:
        roster_version(ledger, cmd.county_code, cmd.roster_ref)
        raise AlreadyExistsError(f"roster {cmd.roster_ref} of county {cmd.county_code} is recorded already")
    except NotFoundError:
        pass
    subject = f"roster/{cmd.county_code}/{cmd.roster_ref}"
    seen: dict[str, int] = {}
    entries: list[dict[str, Any]] = []
    for index, entry in enumerate(cmd.entries):
        if entry.id_card_no in seen:
            raise ValidationError(f"entries.{index}: repeats the ID number of entries.{seen[entry.id_card_no]}")
        seen[entry.id_card_no] = index
        entries.append(
            {
                "key": id_key(ledger, entry.id_card_no),
                "sealed": ledger.personal_data.seal(subject, {"id_card_no": entry.id_card_no, "name": entry.name}),
                "household": entry.household,
                "status": entry.status.value,
                "effective_from": entry.effective_from.isoformat(),
            }
        )
    roster = RosterVersion(
        county_code=cmd.county_code, roster_ref=cmd.roster_ref, as_of=cmd.as_of.isoformat(), entries=entries
    )
    return Outcome(
        [roster],
        {"county_code": cmd.county_code, "roster_ref": cmd.roster_ref, "as_of": roster.as_of, "entries": len(entries)},
    )


@handles(ApplyRosterDifferences)
def apply_roster_differences(ledger: BenefitLedger, cmd: ApplyRosterDifferences) -> Outcome:
    """Each status difference becomes RecordPovertyStatus's event on the patient, effective at the list's date;
    re-running finds no difference left and records only the command."""
    report = reconciliation(ledger, cmd.county_code, cmd.roster_ref)
    roster = roster_version(ledger, cmd.county_code, cmd.roster_ref)
    reason = f"roster {cmd.roster_ref} of {roster.as_of}"
    changes: list[dict[str, Any]] = [
        {"patient_ref": d["patient_ref"], "status": d["roster_status"], "effective_from": d["effective_from"]}
        for d in report["status_differences"]
    ]
    if cmd.missing_status is not None:
        changes += [
            {"patient_ref": m["patient_ref"], "status": cmd.missing_status.value, "effective_from": roster.as_of}
            for m in report["not_on_list"]
        ]
    saved: list[Any] = []
    for change in changes:
        patient = ledger.get_patient(change["patient_ref"])
        patient.record_poverty_status(
            PovertyStatus(change["status"]), date.fromisoformat(change["effective_from"]), reason
        )
        saved.append(patient)
    if changes:
        roster.record_applied(changes, cmd.command_id)
        saved.append(roster)
    return Outcome(saved, {"county_code": cmd.county_code, "roster_ref": cmd.roster_ref, "applied": changes})
