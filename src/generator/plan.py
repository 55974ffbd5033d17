"""The synthetic county plan: plain, frozen dataclasses (no ledger types), so equal seeds give equal plans.

A plan says what happened in a county over part of a year: who the patients are (poverty status,
certificates, diagnoses, family-doctor contracts, follow-ups) and every visit with its charge lines.
`generator.load` turns it into ledger commands; `generator.dryrun` settles it without a ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.money import ZERO


@dataclass(frozen=True)
class Hospital:
    code: str
    name: str
    tier: str  # domain.vocabulary.Tier value
    county_code: str  # where the hospital is (not the patient's county)
    in_county: bool
    in_province: bool
    designated: bool

    def as_payload(self) -> dict[str, Any]:
        """The `hospital` argument of BenefitLedger.register_admission."""
        return {
            "code": self.code,
            "name": self.name,
            "tier": self.tier,
            "county_code": self.county_code,
            "in_county": self.in_county,
            "in_province": self.in_province,
            "designated": self.designated,
        }


@dataclass(frozen=True)
class StatusRecord:
    status: str  # domain.vocabulary.PovertyStatus value
    effective_from: date
    reason: str = ""


@dataclass(frozen=True)
class ChronicCertificate:
    disease: str
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True)
class MajorDiagnosis:
    disease: str
    confirmed_on: date


@dataclass(frozen=True)
class DoctorContract:
    doctor: str
    signed_on: date


@dataclass(frozen=True)
class FollowUp:
    followed_up_on: date
    heart_rate: int | None = None
    blood_glucose: Decimal | None = None
    systolic: int | None = None
    diastolic: int | None = None


@dataclass(frozen=True)
class TreatmentPlanRecord:
    """A county expert group's treatment plan (诊疗方案), Hainan."""

    disease: str
    treatment: str  # domain.vocabulary.Treatment value
    decided_on: date


@dataclass(frozen=True)
class CharityGrantRecord:
    """A charity fund grant (慈善医疗救助) for the plan's year, Hainan."""

    grant_ref: str
    amount: Decimal
    granted_on: date


@dataclass(frozen=True)
class RiskClassRecord:
    """The family doctor's high-risk / ordinary classification, Hainan."""

    risk: str  # domain.vocabulary.ChronicRisk value
    classified_on: date


@dataclass(frozen=True)
class PatientPlan:
    ref: str
    township: str
    group: str  # "chronic", "general" or "major": which generator branch made the patient
    statuses: tuple[StatusRecord, ...]  # in recording order
    chronic: tuple[ChronicCertificate, ...] = ()
    major: tuple[MajorDiagnosis, ...] = ()
    contracts: tuple[DoctorContract, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    # Hainan's 三个一批 facts (empty for a Langxi plan)
    treatment_plans: tuple[TreatmentPlanRecord, ...] = ()
    charity_grants: tuple[CharityGrantRecord, ...] = ()
    health_card: tuple[str, date] | None = None  # (card_no, issued_on)
    check_ups: tuple[date, ...] = ()
    risk_classes: tuple[RiskClassRecord, ...] = ()


@dataclass(frozen=True)
class ChargeLine:
    line_no: str
    category: str
    amount: Decimal  # yuan, exactly two places
    compliant: bool


@dataclass(frozen=True)
class VisitPlan:
    ref: str
    patient_ref: str
    kind: str  # "inpatient" or "outpatient_chronic"
    hospital: Hospital
    admitted_on: date
    discharged_on: date  # the visit day for outpatient visits
    referred: bool
    diagnosis: str
    lines: tuple[ChargeLine, ...]

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def compliant(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.compliant), ZERO)


@dataclass(frozen=True)
class CountyPlan:
    seed: int
    scale: float
    year: int
    months: int
    region: str  # the patients' county code = the default policy's region
    prefix: str  # every ref starts with it, so plans of other seeds/scales never collide in one store
    patients: tuple[PatientPlan, ...]
    visits: tuple[VisitPlan, ...]  # in settlement order: discharge day, then ref

    @property
    def person_times(self) -> int:
        return len(self.visits)

    @property
    def total_cost(self) -> Decimal:
        return sum((visit.total for visit in self.visits), ZERO)

    @property
    def in_county_share(self) -> float:
        return sum(visit.hospital.in_county for visit in self.visits) / max(1, len(self.visits))

    def counts(self) -> dict[str, int]:
        inpatient = sum(visit.kind == "inpatient" for visit in self.visits)
        return {
            "patients": len(self.patients),
            "visits": len(self.visits),
            "inpatient": inpatient,
            "outpatient_chronic": len(self.visits) - inpatient,
            "charge_lines": sum(len(visit.lines) for visit in self.visits),
            "chronic_patients": sum(bool(p.chronic) for p in self.patients),
            "major_patients": sum(bool(p.major) for p in self.patients),
        }
