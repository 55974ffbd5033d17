"""Freeze an admission and its patient into the ClaimFacts the cascade settles."""

from __future__ import annotations

from datetime import date

from domain.aggregates.admission import Admission
from domain.aggregates.patient import Patient
from domain.policy.parameters import PolicyParameters, YearAssignment
from domain.rules.claim import ClaimFacts


def benefit_year_of(admission: Admission, policy: PolicyParameters) -> int:
    """The benefit year (补偿年度) an admission is settled in, per the policy's year-assignment rule."""
    if policy.year_assignment is YearAssignment.ADMISSION_DATE:
        return date.fromisoformat(admission.admitted_on).year
    return admission.service_date().year


def claim_facts(claim_id: str, admission: Admission, patient: Patient) -> ClaimFacts:
    """Patient facts are taken as in force on the service date (discharge or visit day)."""
    day = admission.service_date()
    hospital = admission.hospital
    return ClaimFacts(
        claim_id=claim_id,
        kind=admission.visit_kind,
        tier=admission.tier,
        in_county=bool(hospital["in_county"]),
        in_province=bool(hospital["in_province"]),
        designated=bool(hospital["designated"]),
        referred=admission.referred,
        service_date=day,
        total=admission.total,
        compliant=admission.compliant,
        poverty_status=patient.status_on(day),
        chronic_certified=patient.chronic_certified_on(day),
        major_diseases=patient.major_diseases_on(day),
    )
