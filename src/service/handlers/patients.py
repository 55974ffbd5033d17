"""Handlers of the patient registry's commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain import ids
from domain.aggregates.patient import Patient
from domain.errors import AlreadyExistsError, NotFoundError, StateConflictError, ValidationError
from domain.policy.selection import version_in_force
from service.commands.patients import (
    CertifyChronicDisease,
    ConfirmMajorDisease,
    EnrolPatient,
    PatientCommand,
    RecordFollowUp,
    RecordPovertyStatus,
    RegisterPatient,
    RevokeChronicDisease,
    SignFamilyDoctorContract,
)
from service.handlers import handles, written
from service.idempotency import Outcome, check_expected_version

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


@handles(RegisterPatient)
def register_patient(ledger: BenefitLedger, cmd: RegisterPatient) -> Outcome:
    if ids.patient_id(cmd.patient_ref) in ledger.repository:
        raise AlreadyExistsError(f"patient {cmd.patient_ref} is already registered")
    personal = {key: value for key, value in (("name", cmd.name), ("id_card_no", cmd.id_card_no)) if value is not None}
    sealed = ledger.personal_data.seal(cmd.patient_ref, personal) if personal else None
    patient = Patient(
        patient_ref=cmd.patient_ref, county_code=cmd.county_code, township=cmd.township, personal_sealed=sealed
    )
    return Outcome([patient], written(patient))


def _on_patient(ledger: BenefitLedger, cmd: PatientCommand, apply: Callable[[Patient], None]) -> Outcome:
    patient = ledger.get_patient(cmd.patient_ref)
    check_expected_version(patient, cmd.expected_version)
    apply(patient)
    return Outcome([patient], written(patient))


@handles(EnrolPatient)
def enrol_patient(ledger: BenefitLedger, cmd: EnrolPatient) -> Outcome:
    return _on_patient(ledger, cmd, lambda p: p.enrol(cmd.year, cmd.premium_paid_by_state, cmd.payer.value))


@handles(RecordPovertyStatus)
def record_poverty_status(ledger: BenefitLedger, cmd: RecordPovertyStatus) -> Outcome:
    return _on_patient(ledger, cmd, lambda p: p.record_poverty_status(cmd.status, cmd.effective_from, cmd.reason))


@handles(CertifyChronicDisease)
def certify_chronic_disease(ledger: BenefitLedger, cmd: CertifyChronicDisease) -> Outcome:
    """A certificate is for a disease on the chronic list (diseases.chronic_langxi) of the region's policy in
    force on `valid_from` (or, for a certificate older than every version, of the earliest one); else 422."""
    patient = ledger.get_patient(cmd.patient_ref)
    _check_on_chronic_list(ledger, patient.county_code, cmd.disease, cmd.valid_from)
    return _on_patient(ledger, cmd, lambda p: p.certify_chronic_disease(cmd.disease, cmd.valid_from, cmd.valid_to))


def _check_on_chronic_list(ledger: BenefitLedger, region: str, disease: str, valid_from: date) -> None:
    try:
        entries = ledger.policy_register(region)
    except NotFoundError:
        raise StateConflictError(f"cannot certify {disease}: no policy version is published for {region}") from None
    now = ledger.clock.now()
    known = [e for e in entries if datetime.fromisoformat(e["published_at"]) <= now] or entries
    day = max(valid_from, min(date.fromisoformat(e["effective_from"]) for e in known))
    entry = version_in_force(known, day, max(now, *(datetime.fromisoformat(e["published_at"]) for e in known)))
    listed = ledger.policy_parameters(UUID(entry["policy_version_id"])).diseases.chronic
    if disease not in listed:
        shown = ", ".join(listed) or "none"
        raise ValidationError(
            f"{disease} is not on the chronic-disease list of policy {region} {entry['version']} (listed: {shown})"
        )


@handles(RevokeChronicDisease)
def revoke_chronic_disease(ledger: BenefitLedger, cmd: RevokeChronicDisease) -> Outcome:
    return _on_patient(ledger, cmd, lambda p: p.revoke_chronic_disease(cmd.disease, cmd.revoked_on))


@handles(ConfirmMajorDisease)
def confirm_major_disease(ledger: BenefitLedger, cmd: ConfirmMajorDisease) -> Outcome:
    return _on_patient(ledger, cmd, lambda p: p.confirm_major_disease(cmd.disease, cmd.confirmed_on))


@handles(SignFamilyDoctorContract)
def sign_family_doctor_contract(ledger: BenefitLedger, cmd: SignFamilyDoctorContract) -> Outcome:
    return _on_patient(ledger, cmd, lambda p: p.sign_family_doctor_contract(cmd.doctor, cmd.signed_on))


@handles(RecordFollowUp)
def record_follow_up(ledger: BenefitLedger, cmd: RecordFollowUp) -> Outcome:
    return _on_patient(
        ledger,
        cmd,
        lambda p: p.record_follow_up(
            cmd.followed_up_on, cmd.heart_rate, cmd.blood_glucose, cmd.systolic, cmd.diastolic
        ),
    )
