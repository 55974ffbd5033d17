"""Response bodies (`XPublic`): what payment services and auditors read back.

Built from aggregates and service results; amounts are `Money` (strings with two places).
Totals a settlement implies (patient share, payer total) come from `domain.rules.settlement`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from api.schemas import Money
from domain.aggregates.admission import Admission
from domain.aggregates.patient import Patient
from service.personal_data import masked_id_card_no


class WrittenPublic(BaseModel):
    """The aggregate a command wrote, at its new version."""

    id: str
    version: int


# ---- patients ----------------------------------------------------------------------------------
class StatusEntry(BaseModel):
    effective_from: str
    status: str


class Enrolment(BaseModel):
    year: int
    premium_paid_by_state: bool


class ChronicCertificate(BaseModel):
    disease: str
    valid_from: str
    valid_to: str | None


class MajorDisease(BaseModel):
    disease: str
    confirmed_on: str


class PersonalPublic(BaseModel):
    """For the registry and auditors only: the name and a masked ID card number."""

    name: str | None
    id_card_no_masked: str | None


class PatientPublic(BaseModel):
    patient_ref: str
    personal: PersonalPublic | None
    county_code: str
    township: str
    version: int
    status_history: list[StatusEntry]
    enrolments: list[Enrolment]
    chronic_disease_certificates: list[ChronicCertificate]
    major_diseases: list[MajorDisease]
    family_doctor_contracts: list[dict[str, str]]
    follow_ups: int
    last_follow_up_on: str | None

    @classmethod
    def of(cls, p: Patient, personal: dict[str, str] | None = None) -> PatientPublic:
        opened = (
            None
            if personal is None
            else PersonalPublic(
                name=personal.get("name"),
                id_card_no_masked=masked_id_card_no(personal["id_card_no"]) if "id_card_no" in personal else None,
            )
        )
        return cls(
            patient_ref=p.patient_ref,
            personal=opened,
            county_code=p.county_code,
            township=p.township,
            version=p.version,
            status_history=[StatusEntry(effective_from=f, status=s) for f, s in p.statuses],
            enrolments=[Enrolment(year=int(y), premium_paid_by_state=b) for y, b in sorted(p.enrolments.items())],
            chronic_disease_certificates=[
                ChronicCertificate(disease=d, valid_from=f, valid_to=t) for d, (f, t) in sorted(p.chronic.items())
            ],
            major_diseases=[MajorDisease(disease=d, confirmed_on=on) for d, on in sorted(p.major.items())],
            family_doctor_contracts=list(p.doctor_contracts),
            follow_ups=p.follow_ups,
            last_follow_up_on=p.last_follow_up_on,
        )


# ---- admissions --------------------------------------------------------------------------------
class ChargeLinePublic(BaseModel):
    line_no: str
    category: str
    amount: Money
    compliant: bool
    reversed: bool


class AdmissionTotals(BaseModel):
    total: Money
    compliant: Money
    noncompliant: Money


class AdmissionPublic(BaseModel):
    admission_ref: str
    patient_ref: str
    kind: str
    hospital: dict[str, Any]
    referred: bool
    diagnosis: str
    admitted_on: str
    discharged_on: str | None
    status: str  # open, discharged or settled
    lines: list[ChargeLinePublic]
    totals: AdmissionTotals
    settlement_ids: list[str]
    benefit_year_ids: list[str]
    version: int

    @classmethod
    def of(cls, a: Admission) -> AdmissionPublic:
        status = "settled" if a.is_settled else "discharged" if a.discharged_on else "open"
        return cls(
            admission_ref=a.admission_ref,
            patient_ref=a.patient_ref,
            kind=a.kind,
            hospital=a.hospital,
            referred=a.referred,
            diagnosis=a.diagnosis,
            admitted_on=a.admitted_on,
            discharged_on=a.discharged_on,
            status=status,
            lines=[ChargeLinePublic(line_no=n, **line) for n, line in a.lines.items()],
            totals=AdmissionTotals(total=a.total, compliant=a.compliant, noncompliant=a.total - a.compliant),
            settlement_ids=list(a.settlements),
            benefit_year_ids=list(a.benefit_year_ids),
            version=a.version,
        )


# ---- policy versions ---------------------------------------------------------------------------
class PolicyPublishedPublic(BaseModel):
    policy_version_id: str
    region: str
    version: str


class RegisterEntryPublic(BaseModel):
    version: str
    policy_version_id: str
    effective_from: str
    published_at: str


class PolicyRegisterPublic(BaseModel):
    """A region's policy versions in publication order."""

    region: str
    count: int
    versions: list[RegisterEntryPublic]


class PolicyVersionPublic(BaseModel):
    """Parameters as published (plain values) and the confidence label of each dotted parameter path."""

    policy_version_id: str
    region: str
    version: str
    effective_from: str
    published_at: str
    title: str
    parameters: dict[str, Any]
    confidence: dict[str, str]


class HealthPublic(BaseModel):
    store: str  # sqlite, postgres or memory
    ok: bool
