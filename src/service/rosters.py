"""Roster reconciliation queries: the county's registered people as the roster sees them, and the report."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.aggregates.patient import Patient
from domain.aggregates.roster_version import RosterVersion
from domain.errors import NotFoundError
from domain.roster_reconciliation import RegisteredPerson, reconcile
from domain.vocabulary import PovertyStatus
from service.personal_data import masked_id_card_no

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

PAGE_SIZE = 500


def poor_statuses(ledger: BenefitLedger, county_code: str, on: date) -> frozenset[PovertyStatus]:
    """The statuses the county's policy in force on `on` counts as poor (`poor.statuses`)."""
    _, policy = ledger.policy_in_force(county_code, on, datetime.now(UTC))
    return frozenset(policy.poor_statuses)


def roster_version(ledger: BenefitLedger, county_code: str, roster_ref: str) -> RosterVersion:
    try:
        found: RosterVersion = ledger.repository.get(ids.roster_version_id(county_code, roster_ref))
    except AggregateNotFoundError:
        raise NotFoundError(f"no roster {roster_ref} for county {county_code}") from None
    return found


def county_patients(ledger: BenefitLedger, county_code: str) -> Iterator[Patient]:
    """Every registered patient of the county, found from the Patient.Registered events."""
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start=start, limit=PAGE_SIZE, topics=["ledger:Patient.Registered"])
        for notification in page:
            event: Any = ledger.mapper.to_domain_event(notification)
            if event.county_code == county_code:
                patient: Patient = ledger.repository.get(event.originator_id)
                yield patient
        if len(page) < PAGE_SIZE:
            return
        start = page[-1].id + 1


def id_key(ledger: BenefitLedger, id_card_no: str) -> str:
    """The keyed HMAC an ID number is matched by (never the number itself)."""
    return ledger.personal_data.fingerprint({"id_card_no": id_card_no})


def registered_people(ledger: BenefitLedger, county_code: str, on: date) -> list[RegisteredPerson]:
    people = []
    for patient in county_patients(ledger, county_code):
        key = None
        if patient.personal_sealed:
            number = ledger.personal_data.open(patient.patient_ref, patient.personal_sealed).get("id_card_no")
            key = id_key(ledger, number) if number else None
        year = str(on.year)
        people.append(
            RegisteredPerson(
                patient_ref=patient.patient_ref,
                key=key,
                status=patient.status_on(on),
                enrolled=year in patient.enrolments,
                premium_paid_by_state=bool(patient.enrolments.get(year, False)),
            )
        )
    return people


def reconciliation(ledger: BenefitLedger, county_code: str, roster_ref: str) -> dict[str, Any]:
    """The report of one roster version: each kind of difference, and the enrolment rates of the poor on it."""
    from projections.county_dashboard import ratio

    roster = roster_version(ledger, county_code, roster_ref)
    as_of = date.fromisoformat(roster.as_of)
    poor = poor_statuses(ledger, county_code, as_of)
    report = reconcile(roster.entries, registered_people(ledger, county_code, as_of), poor)
    for item in report["not_registered"]:  # who: the masked ID number and the name, for the registry (admin)
        personal = ledger.personal_data.open(
            f"roster/{county_code}/{roster_ref}", roster.entries[item["entry"]]["sealed"]
        )
        item["id_card_no"] = masked_id_card_no(personal["id_card_no"])
        item["name"] = personal["name"]
    enrolment = report["enrolment"]
    enrolment["enrolment_rate"] = ratio(enrolment["enrolled"], enrolment["poor_on_list"])
    enrolment["premium_subsidy_rate"] = ratio(enrolment["premium_paid_by_state"], enrolment["enrolled"])
    return {"county_code": county_code, "roster_ref": roster_ref, "as_of": roster.as_of, **report}


def households(ledger: BenefitLedger, county_code: str, on: date) -> dict[str, str]:
    """patient_ref -> household number (户编号) from the county's latest roster version dated on or before
    `on` (latest `as_of`, then the latest imported), matched by the keyed HMAC of the ID number. A patient
    on no roster is absent (a payment line then names the patient as the household)."""
    latest: tuple[str, int, RosterVersion] | None = None
    start = 1
    while True:
        page = ledger.recorder.select_notifications(
            start=start, limit=PAGE_SIZE, topics=["ledger:RosterVersion.Imported"]
        )
        for notification in page:
            event: Any = ledger.mapper.to_domain_event(notification)
            mine = event.county_code == county_code and event.as_of <= on.isoformat()
            if mine and (latest is None or (event.as_of, notification.id) >= latest[:2]):
                latest = (event.as_of, notification.id, roster_version(ledger, county_code, event.roster_ref))
        if len(page) < PAGE_SIZE:
            break
        start = page[-1].id + 1
    if latest is None:
        return {}
    by_key = {entry["key"]: entry["household"] for entry in latest[2].entries}
    found = {}
    for person in registered_people(ledger, county_code, on):
        if person.key is not None and person.key in by_key:
            found[person.patient_ref] = by_key[person.key]
    return found
