"""Patient registry commands: registration, enrolment, poverty status, certificates, diagnoses, contracts,
follow-ups. The registry (the `admin` role) runs them all."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import model_validator

from service.commands.base import Command, VersionedCommand
from service.commands.fields import (
    Day,
    Flag,
    IdCardNo,
    Label,
    Measurement,
    PersonName,
    PovertyStatusName,
    Reading,
    Ref,
    Text,
    Year,
)
from service.roles import Role

REGISTRY_ROLES = frozenset({Role.ADMIN})


class RegisterPatient(Command):
    """Register a patient by an opaque reference; a name and ID card number, if given, are stored only sealed
    (encrypted) and never appear in dashboards, logs or fingerprints."""

    roles: ClassVar[frozenset[Role]] = REGISTRY_ROLES
    sealed_fields: ClassVar[frozenset[str]] = frozenset({"name", "id_card_no"})

    command: Literal["register_patient"] = "register_patient"
    patient_ref: Ref
    county_code: Ref
    township: Text = ""
    name: PersonName | None = None
    """stored only encrypted; never in dashboards or logs"""
    id_card_no: IdCardNo | None = None
    """18-character resident ID card number; stored only encrypted"""


class PatientCommand(VersionedCommand):
    """A command on a registered patient, named by `patient_ref`."""

    abstract = True
    roles: ClassVar[frozenset[Role]] = REGISTRY_ROLES

    patient_ref: Ref


class EnrolPatient(PatientCommand):
    """Enrol the patient in basic insurance (新农合) for a year."""

    command: Literal["enrol_patient"] = "enrol_patient"
    year: Year
    premium_paid_by_state: Flag = True


class RecordPovertyStatus(PatientCommand):
    """Record the poverty status in force from a date (registration or a later change)."""

    command: Literal["record_poverty_status"] = "record_poverty_status"
    status: PovertyStatusName
    effective_from: Day
    reason: Text = ""


class CertifyChronicDisease(PatientCommand):
    """Record a chronic-disease certificate (慢性病证), valid from a date."""

    command: Literal["certify_chronic_disease"] = "certify_chronic_disease"
    disease: Ref
    valid_from: Day
    valid_to: Day | None = None

    @model_validator(mode="after")
    def _period(self) -> CertifyChronicDisease:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class RevokeChronicDisease(PatientCommand):
    """Revoke a chronic-disease certificate from a date (the certificate stays in the history)."""

    command: Literal["revoke_chronic_disease"] = "revoke_chronic_disease"
    disease: Ref
    revoked_on: Day


class ConfirmMajorDisease(PatientCommand):
    """Record a confirmed major-disease diagnosis (重大疾病)."""

    command: Literal["confirm_major_disease"] = "confirm_major_disease"
    disease: Ref
    confirmed_on: Day


class SignFamilyDoctorContract(PatientCommand):
    """Record a family-doctor contract (家庭医生签约)."""

    command: Literal["sign_family_doctor_contract"] = "sign_family_doctor_contract"
    doctor: Label
    signed_on: Day


class RecordFollowUp(PatientCommand):
    """Record a follow-up visit with its measurements."""

    command: Literal["record_follow_up"] = "record_follow_up"
    followed_up_on: Day
    heart_rate: Reading | None = None
    blood_glucose: Measurement | None = None
    """mmol/L"""
    systolic: Reading | None = None
    diastolic: Reading | None = None
