"""Patient: insurance enrolment, effective-dated poverty status, certificates, diagnoses, follow-ups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import StateConflictError, ValidationError
from domain.vocabulary import PovertyStatus


class Patient(Aggregate):
    """A rural resident covered by the programmes. Identified by an opaque `patient_ref`; the name and ID card
    number, when the registry gives them, are held only sealed (encrypted) in `personal_sealed`."""

    TOPIC = "ledger:Patient"

    class Created(Aggregate.Created):
        TOPIC = "ledger:Patient.Created"

    @staticmethod
    def create_id(patient_ref: str) -> UUID:
        return ids.patient_id(patient_ref)

    @event("Registered", topic="ledger:Patient.Registered")
    def __init__(self, patient_ref: str, county_code: str, township: str, personal_sealed: str | None = None) -> None:
        self.patient_ref = patient_ref
        self.county_code = county_code
        self.township = township
        self.personal_sealed = personal_sealed  # name and ID card number, AES-GCM sealed (service.personal_data)
        self.enrolments: dict[str, bool] = {}  # year -> premium paid by the state
        self.statuses: list[tuple[str, str]] = []  # (effective_from ISO date, status), in recording order
        self.chronic: dict[str, tuple[str, str | None]] = {}  # disease -> (valid_from, valid_to)
        self.major: dict[str, str] = {}  # disease -> confirmed_on
        self.doctor_contracts: list[dict[str, Any]] = []
        self.follow_ups = 0
        self.last_follow_up_on: str | None = None

    # ---- queries -------------------------------------------------------------------------------
    def enrolled_in(self, year: int) -> bool:
        return str(year) in self.enrolments

    def status_on(self, day: date) -> PovertyStatus:
        """The poverty status in force on `day`: the latest effective_from on or before it."""
        best: tuple[str, int] | None = None
        chosen = PovertyStatus.NONE
        for index, (effective_from, status) in enumerate(self.statuses):
            if effective_from <= day.isoformat() and (best is None or (effective_from, index) >= best):
                best, chosen = (effective_from, index), PovertyStatus(status)
        return chosen

    def chronic_certified_on(self, day: date) -> bool:
        """A certificate covers `day` from valid_from to its end, both inclusive (a visit on the revocation
        day is covered; the next day is not)."""
        iso = day.isoformat()
        return any(start <= iso and (end is None or iso <= end) for start, end in self.chronic.values())

    def major_diseases_on(self, day: date) -> tuple[str, ...]:
        return tuple(sorted(d for d, confirmed_on in self.major.items() if confirmed_on <= day.isoformat()))

    # ---- commands ------------------------------------------------------------------------------
    def enrol(self, year: int, premium_paid_by_state: bool) -> None:
        if not 2000 <= year <= 2100:
            raise ValidationError(f"year {year} is out of range")
        if self.enrolled_in(year):
            raise StateConflictError(f"patient {self.patient_ref} is already enrolled for {year}")
        self._enrolled(year=year, premium_paid_by_state=premium_paid_by_state)

    def record_poverty_status(self, status: PovertyStatus, effective_from: date, reason: str) -> None:
        if not self.statuses:
            self._poverty_status_registered(status=status.value, effective_from=effective_from.isoformat())
        else:
            self._poverty_status_changed(status=status.value, effective_from=effective_from.isoformat(), reason=reason)

    def certify_chronic_disease(self, disease: str, valid_from: date, valid_to: date | None) -> None:
        if valid_to is not None and valid_to < valid_from:
            raise ValidationError("valid_to is before valid_from")
        self._chronic_disease_certified(
            disease=disease,
            valid_from=valid_from.isoformat(),
            valid_to=None if valid_to is None else valid_to.isoformat(),
        )

    def revoke_chronic_disease(self, disease: str, revoked_on: date) -> None:
        if disease not in self.chronic:
            raise StateConflictError(f"no chronic-disease certificate for {disease}")
        self._chronic_disease_revoked(disease=disease, revoked_on=revoked_on.isoformat())

    def confirm_major_disease(self, disease: str, confirmed_on: date) -> None:
        if disease in self.major:
            raise StateConflictError(f"major disease {disease} is already confirmed")
        self._major_disease_confirmed(disease=disease, confirmed_on=confirmed_on.isoformat())

    def sign_family_doctor_contract(self, doctor: str, signed_on: date) -> None:
        self._family_doctor_contract_signed(doctor=doctor, signed_on=signed_on.isoformat())

    def record_follow_up(
        self,
        followed_up_on: date,
        heart_rate: int | None,
        blood_glucose: Decimal | None,
        systolic: int | None,
        diastolic: int | None,
    ) -> None:
        if heart_rate is not None and not 20 <= heart_rate <= 250:
            raise ValidationError(f"heart_rate {heart_rate} is implausible")
        if (systolic is None) != (diastolic is None):
            raise ValidationError("blood pressure needs both systolic and diastolic")
        if systolic is not None and diastolic is not None and not 40 <= diastolic < systolic <= 300:
            raise ValidationError(f"blood pressure {systolic}/{diastolic} is implausible")
        if blood_glucose is not None and not Decimal("0.5") <= blood_glucose <= Decimal(60):
            raise ValidationError(f"blood_glucose {blood_glucose} mmol/L is implausible")
        self._follow_up_recorded(
            followed_up_on=followed_up_on.isoformat(),
            heart_rate=heart_rate,
            blood_glucose=blood_glucose,
            systolic=systolic,
            diastolic=diastolic,
        )

    # ---- events (assignment only) --------------------------------------------------------------
    @event("EnrolledInBasicInsurance", topic="ledger:Patient.EnrolledInBasicInsurance")
    def _enrolled(self, year: int, premium_paid_by_state: bool) -> None:
        self.enrolments[str(year)] = premium_paid_by_state

    @event("PovertyStatusRegistered", topic="ledger:Patient.PovertyStatusRegistered")
    def _poverty_status_registered(self, status: str, effective_from: str) -> None:
        self.statuses.append((effective_from, status))

    @event("PovertyStatusChanged", topic="ledger:Patient.PovertyStatusChanged")
    def _poverty_status_changed(self, status: str, effective_from: str, reason: str) -> None:
        self.statuses.append((effective_from, status))

    @event("ChronicDiseaseCertified", topic="ledger:Patient.ChronicDiseaseCertified")
    def _chronic_disease_certified(self, disease: str, valid_from: str, valid_to: str | None) -> None:
        self.chronic[disease] = (valid_from, valid_to)

    @event("ChronicDiseaseRevoked", topic="ledger:Patient.ChronicDiseaseRevoked")
    def _chronic_disease_revoked(self, disease: str, revoked_on: str) -> None:
        # A revocation only ever shortens a certificate: one that had already expired stays expired.
        start, end = self.chronic[disease]
        self.chronic[disease] = (start, revoked_on if end is None or revoked_on < end else end)

    @event("MajorDiseaseConfirmed", topic="ledger:Patient.MajorDiseaseConfirmed")
    def _major_disease_confirmed(self, disease: str, confirmed_on: str) -> None:
        self.major[disease] = confirmed_on

    @event("FamilyDoctorContractSigned", topic="ledger:Patient.FamilyDoctorContractSigned")
    def _family_doctor_contract_signed(self, doctor: str, signed_on: str) -> None:
        self.doctor_contracts.append({"doctor": doctor, "signed_on": signed_on})

    @event("FollowUpRecorded", topic="ledger:Patient.FollowUpRecorded")
    def _follow_up_recorded(
        self,
        followed_up_on: str,
        heart_rate: int | None,
        blood_glucose: Decimal | None,
        systolic: int | None,
        diastolic: int | None,
    ) -> None:
        self.follow_ups += 1
        self.last_follow_up_on = followed_up_on
