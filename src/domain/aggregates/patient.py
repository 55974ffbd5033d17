"""Patient: insurance enrolment, effective-dated poverty status, certificates, diagnoses, follow-ups."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain import ids
from domain.errors import AlreadyExistsError, StateConflictError, ValidationError
from domain.money import ZERO, is_fen, money_sum
from domain.vocabulary import ChronicRisk, PovertyStatus, PremiumPayer, Treatment


class Patient(Aggregate):
    """A rural resident covered by the programmes. Identified by an opaque `patient_ref`; the name and ID card
    number, when the registry gives them, are held only sealed (encrypted) in `personal_sealed`."""

    TOPIC = "ledger:Patient"

    # Hainan's 大病集中救治 and 慢病签约 facts. Class-level immutable defaults, replaced (never mutated) by
    # their events, so patients recorded (and snapshotted) before these facts existed load unchanged.
    treatment_plans: tuple[tuple[str, str, str], ...] = ()  # (decided_on, disease, treatment), recording order
    charity_grants: tuple[tuple[str, int, str, str], ...] = ()  # (grant_ref, year, amount, granted_on)
    health_card: tuple[str, str] | None = None  # (card_no, issued_on)
    check_ups: tuple[str, ...] = ()  # checked_on, one a year
    risk_classes: tuple[tuple[str, str], ...] = ()  # (classified_on, ChronicRisk), recording order
    premium_payers: tuple[tuple[str, str], ...] = ()  # (year, PremiumPayer) of enrolments that recorded it
    follow_up_days: tuple[str, ...] = ()  # followed_up_on of every follow-up recorded since these facts exist

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

    def premium_payer_in(self, year: int) -> PremiumPayer | None:
        """Who paid the year's premium; for enrolments recorded before the payer was: county_finance when the
        state paid, else self. None when not enrolled."""
        if not self.enrolled_in(year):
            return None
        for enrolled_year, payer in self.premium_payers:
            if enrolled_year == str(year):
                return PremiumPayer(payer)
        return PremiumPayer.COUNTY_FINANCE if self.enrolments[str(year)] else PremiumPayer.SELF

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

    def treatment_on(self, disease: str, day: date) -> Treatment | None:
        """The treatment the latest treatment plan (诊疗方案) for `disease` decided on or before `day` sets."""
        chosen: tuple[str, str] | None = None
        for decided_on, planned, treatment in self.treatment_plans:
            if planned == disease and decided_on <= day.isoformat() and (chosen is None or decided_on >= chosen[0]):
                chosen = (decided_on, treatment)
        return None if chosen is None else Treatment(chosen[1])

    def planned_diseases(self) -> tuple[str, ...]:
        return tuple(sorted({disease for _, disease, _ in self.treatment_plans}))

    def charity_granted(self, year: int) -> Decimal:
        """The charity fund grants (慈善医疗救助) recorded for the patient-year so far."""
        return money_sum(Decimal(amount) for _, y, amount, _ in self.charity_grants if y == year)

    def risk_on(self, day: date) -> ChronicRisk | None:
        """The chronic-disease risk class (high-risk / ordinary) in force on `day`, None if never classified."""
        chosen: tuple[str, str] | None = None
        for classified_on, risk in self.risk_classes:
            if classified_on <= day.isoformat() and (chosen is None or classified_on >= chosen[0]):
                chosen = (classified_on, risk)
        return None if chosen is None else ChronicRisk(chosen[1])

    def follow_ups_in(self, year: int) -> int:
        """Follow-ups recorded for visits in `year` (counted against the policy's yearly schedule)."""
        return sum(day[:4] == str(year) for day in self.follow_up_days)

    # ---- commands ------------------------------------------------------------------------------
    def enrol(self, year: int, premium_paid_by_state: bool, premium_payer: str | None = None) -> None:
        if not 2000 <= year <= 2100:
            raise ValidationError(f"year {year} is out of range")
        if self.enrolled_in(year):
            raise StateConflictError(f"patient {self.patient_ref} is already enrolled for {year}")
        if premium_payer is None:
            self._enrolled(year=year, premium_paid_by_state=premium_paid_by_state)
        else:
            self._enrolled(year=year, premium_paid_by_state=premium_paid_by_state, premium_payer=premium_payer)

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

    def record_treatment_plan(self, disease: str, treatment: Treatment, decided_on: date, expert_group: str) -> None:
        self._treatment_plan_recorded(
            disease=disease, treatment=treatment.value, decided_on=decided_on.isoformat(), expert_group=expert_group
        )

    def record_charity_grant(self, grant_ref: str, year: int, amount: Decimal, granted_on: date, fund: str) -> None:
        if amount <= ZERO or not is_fen(amount + ZERO):
            raise ValidationError("a charity grant must be above zero, in whole fen")
        if any(ref == grant_ref for ref, _, _, _ in self.charity_grants):
            raise AlreadyExistsError(f"charity grant {grant_ref} is already recorded for {self.patient_ref}")
        self._charity_grant_recorded(
            grant_ref=grant_ref, year=year, amount=amount + ZERO, granted_on=granted_on.isoformat(), fund=fund
        )

    def issue_health_card(self, card_no: str, issued_on: date) -> None:
        if self.health_card is not None:
            raise StateConflictError(f"patient {self.patient_ref} already has health card {self.health_card[0]}")
        self._health_card_issued(card_no=card_no, issued_on=issued_on.isoformat())

    def record_health_check_up(self, checked_on: date, per_year: int) -> None:
        """`per_year`: the policy's `health_management.check_ups_per_year` (1: one a year)."""
        if sum(day[:4] == str(checked_on.year) for day in self.check_ups) >= per_year:
            raise StateConflictError(
                f"patient {self.patient_ref} already had the {per_year} health check-up(s) of {checked_on.year}"
            )
        self._health_check_up_recorded(checked_on=checked_on.isoformat())

    def classify_chronic_risk(self, risk: ChronicRisk, classified_on: date) -> None:
        if not any(c["signed_on"] <= classified_on.isoformat() for c in self.doctor_contracts):
            raise StateConflictError(
                f"patient {self.patient_ref} has no family-doctor contract signed by {classified_on.isoformat()}"
            )
        self._chronic_risk_classified(risk=risk.value, classified_on=classified_on.isoformat())

    # ---- events (assignment only) --------------------------------------------------------------
    @event("EnrolledInBasicInsurance", topic="ledger:Patient.EnrolledInBasicInsurance")
    def _enrolled(self, year: int, premium_paid_by_state: bool, premium_payer: str | None = None) -> None:
        self.enrolments[str(year)] = premium_paid_by_state
        if premium_payer is not None:
            self.premium_payers = (*self.premium_payers, (str(year), premium_payer))

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
        self.follow_up_days = (*self.follow_up_days, followed_up_on)

    @event("TreatmentPlanRecorded", topic="ledger:Patient.TreatmentPlanRecorded")
    def _treatment_plan_recorded(self, disease: str, treatment: str, decided_on: str, expert_group: str) -> None:
        self.treatment_plans = (*self.treatment_plans, (decided_on, disease, treatment))

    @event("CharityGrantRecorded", topic="ledger:Patient.CharityGrantRecorded")
    def _charity_grant_recorded(self, grant_ref: str, year: int, amount: Decimal, granted_on: str, fund: str) -> None:
        self.charity_grants = (*self.charity_grants, (grant_ref, year, str(amount), granted_on))

    @event("HealthCardIssued", topic="ledger:Patient.HealthCardIssued")
    def _health_card_issued(self, card_no: str, issued_on: str) -> None:
        self.health_card = (card_no, issued_on)

    @event("HealthCheckUpRecorded", topic="ledger:Patient.HealthCheckUpRecorded")
    def _health_check_up_recorded(self, checked_on: str) -> None:
        self.check_ups = (*self.check_ups, checked_on)

    @event("ChronicRiskClassified", topic="ledger:Patient.ChronicRiskClassified")
    def _chronic_risk_classified(self, risk: str, classified_on: str) -> None:
        self.risk_classes = (*self.risk_classes, (classified_on, risk))
