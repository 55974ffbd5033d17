"""Patient registry commands: registration, enrolment, poverty status, certificates, diagnoses, contracts,
follow-ups. The registry (the `admin` role) runs them all."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Literal

from pydantic import model_validator

from domain.vocabulary import PremiumPayer
from service.commands.base import Command, VersionedCommand
from service.commands.fields import (
    Day,
    Flag,
    IdCardNo,
    Label,
    Measurement,
    PersonName,
    PovertyStatusName,
    PremiumPayerName,
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
    premium_payer: PremiumPayerName | None = None
    """who paid the premium: county_finance (财政代缴), self or other; default from premium_paid_by_state
    (true: county_finance, false: self); must agree with it"""

    @model_validator(mode="after")
    def _payer_agrees(self) -> EnrolPatient:
        if self.premium_payer is not None and (self.premium_payer is PremiumPayer.COUNTY_FINANCE) != (
            self.premium_paid_by_state
        ):
            raise ValueError(
                f"premium_payer: {self.premium_payer.value} disagrees with premium_paid_by_state "
                f"{str(self.premium_paid_by_state).lower()}"
            )
        return self

    @property
    def payer(self) -> PremiumPayer:
        if self.premium_payer is not None:
            return self.premium_payer
        return PremiumPayer.COUNTY_FINANCE if self.premium_paid_by_state else PremiumPayer.SELF

    def fingerprint_payload(self, personal_fingerprint: Callable[[Mapping[str, str]], str]) -> dict[str, Any]:
        """Without `premium_payer` when not given: the digest of enrolments recorded before it existed."""
        payload = super().fingerprint_payload(personal_fingerprint)
        if self.premium_payer is None:
            payload.pop("premium_payer", None)
        return payload


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
