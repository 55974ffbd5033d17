"""Settlements of the ledger as FHIR ExplanationOfBenefit resources: found by settlement id, by EOB id or
by patient, at their latest version or any earlier one.

One builder (interop.fhir_eob) serves the CLI export (`ledger export-eob`) and the FHIR API (/fhir).
Version 1 is the settlement as made; each retroactive recalculation that changed it is a new version
(documents.settlement_record). Charge lines are read at the admission version the settlement was
computed from.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from documents.settlement_record import SettlementRecord, find_settlement, year_settlements
from domain import ids
from domain.aggregates.admission import Admission
from domain.errors import NotFoundError
from interop.fhir_eob import EobFacts, Json, eob_id, explanation_of_benefit, parse_eob_id


def export_settlement(ledger: Any, settlement_id: str, *, per_line: bool = True, as_settled: bool = False) -> Json:
    """The EOB of `settlement_id`: its latest version, or version 1 (as first made) when `as_settled`."""
    found = find_settlement(ledger, settlement_id)
    return eob_of(ledger, found, version=1 if as_settled else None, per_line=per_line)


def eob_of(ledger: Any, found: SettlementRecord, *, version: int | None = None, per_line: bool = True) -> Json:
    """The EOB of a settlement at `version` (default: the latest), one item per charge line or one for the claim."""
    number = len(found.versions) if version is None else version
    record = found.at_version(number)
    _, sequence = _sequence(found)
    admission = found.admission
    lines = None
    if per_line:
        at_settlement = ledger.repository.get(admission.id, version=record["admission_version"])
        lines = [{"line_no": line_no, **line} for line_no, line in at_settlement.lines.items() if not line["reversed"]]
    facts = EobFacts(
        eob_id=eob_id(admission.id, sequence),
        version=number,
        last_updated=found.versions[number - 1].recorded_at,
        patient_id=ids.patient_id(found.history.patient_ref),
        patient_ref=found.history.patient_ref,
        county_code=found.history.county_code,
        year=found.history.year,
        admitted_on=admission.admitted_on,
        discharged_on=admission.discharged_on or record["claim"]["service_date"],
        diagnosis=admission.diagnosis,
    )
    return explanation_of_benefit(record, facts, as_settled=number == 1, charge_lines=lines)


def find_eob(ledger: Any, resource_id: str) -> SettlementRecord:
    """The settlement an EOB id names (404 for an id the ledger never issued)."""
    parsed = parse_eob_id(resource_id)
    if parsed is None:
        raise NotFoundError(f"no ExplanationOfBenefit {resource_id} (ids look like <uuid>-<n>)")
    admission_id, sequence = parsed
    try:
        admission = ledger.repository.get(admission_id)
    except AggregateNotFoundError:  # not an aggregate of this ledger
        admission = None
    if not isinstance(admission, Admission) or sequence > len(admission.settlements):
        raise NotFoundError(f"no ExplanationOfBenefit {resource_id}")
    return find_settlement(ledger, admission.settlements[sequence - 1])


def patient_settlements(ledger: Any, patient_ref: str) -> list[SettlementRecord]:
    """Every settlement of the patient, benefit year by benefit year (the years the patient was enrolled)."""
    patient = ledger.get_patient(patient_ref)
    found: list[SettlementRecord] = []
    for year in sorted(int(y) for y in patient.enrolments):
        found += year_settlements(ledger, patient_ref, year)
    return found


def patient_id_of(ledger: Any, resource_id: str) -> str:
    """The patient ref a FHIR Patient id (the patient's uuid) names."""
    from domain.aggregates.patient import Patient

    try:
        patient = ledger.repository.get(UUID(resource_id))
    except (AggregateNotFoundError, ValueError):  # not an aggregate of this ledger, or not a uuid
        patient = None
    if not isinstance(patient, Patient):
        raise NotFoundError(f"no Patient {resource_id}")
    return str(patient.patient_ref)


def _sequence(found: SettlementRecord) -> tuple[str, int]:
    admission_ref, _, sequence = found.settlement_id.rpartition("#")
    return admission_ref, int(sequence)
