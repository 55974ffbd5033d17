"""Freeze an admission and its patient into the ClaimFacts the cascade settles."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.aggregates.admission import Admission
from domain.aggregates.patient import Patient
from domain.money import ZERO
from domain.policy.parameters import PolicyParameters, YearAssignment
from domain.registry.hospitals import HospitalRecord
from domain.rules.claim import ClaimFacts
from domain.vocabulary import Tier, Treatment


@dataclass(frozen=True)
class TreatedDisease:
    """What the treatment plan (诊疗方案) says an admission treats, and whether its hospital is a
    designated centre (定点医院) for that disease: facts of the claim, frozen at settlement."""

    disease: str
    treatment: Treatment | None
    designated_centre: bool


def treated_disease(
    policy: PolicyParameters,
    admission: Admission,
    disease: str,
    treatment: Treatment | None,
    record: HospitalRecord | None = None,
) -> TreatedDisease:
    """The designated-centre flag: the policy's centre list (the provincial centres the plan names) or the
    hospital registry's record in force (`designated_centre_for`), when the caller gives it."""
    rule = policy.major_disease
    code = str(admission.hospital.get("code", ""))
    listed = rule is not None and rule.is_designated_centre(disease, code)
    registered = record is not None and record.code == code and record.is_designated_centre(disease)
    return TreatedDisease(disease, treatment, listed or registered)


def benefit_year_of(admission: Admission, policy: PolicyParameters) -> int:
    """The benefit year (补偿年度) an admission is settled in, per the policy's year-assignment rule."""
    if policy.year_assignment is YearAssignment.ADMISSION_DATE:
        return date.fromisoformat(admission.admitted_on).year
    return admission.service_date().year


def claim_facts(
    claim_id: str,
    admission: Admission,
    patient: Patient,
    *,
    treated: TreatedDisease | None = None,
    charity_granted: Decimal = ZERO,
    hospital: Mapping[str, Any] | None = None,
    compliant: Decimal | None = None,
) -> ClaimFacts:
    """Patient facts are taken as in force on the service date (discharge or visit day).

    `treated` (Hainan 大病集中救治) and `charity_granted` (charity grants recorded for the patient-year
    so far) are given by the caller; without them the claim is what it always was. `hospital`: the
    registry's attributes in force on the service date (default: those frozen on the admission). `compliant`:
    the compliant cost of the lines as a recalculation re-classified them (default: as posted).
    """
    day = admission.service_date()
    hospital = admission.hospital if hospital is None else hospital
    return ClaimFacts(
        claim_id=claim_id,
        kind=admission.visit_kind,
        tier=Tier(hospital["tier"]),
        in_county=bool(hospital["in_county"]),
        in_province=bool(hospital["in_province"]),
        designated=bool(hospital["designated"]),
        referred=admission.referred,
        service_date=day,
        total=admission.total,
        compliant=admission.compliant if compliant is None else compliant,
        poverty_status=patient.status_on(day),
        chronic_certified=patient.chronic_certified_on(day),
        major_diseases=patient.major_diseases_on(day),
        disease_treated=None if treated is None else treated.disease,
        treatment=None if treated is None else treated.treatment,
        designated_centre=treated is not None and treated.designated_centre,
        charity_granted=charity_granted,
    )
