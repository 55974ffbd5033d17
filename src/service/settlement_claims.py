"""The claim a settlement freezes, built the same way at settlement and when an auditor re-derives it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from domain.aggregates.admission import Admission
from domain.aggregates.claim_facts import claim_facts
from domain.aggregates.patient import Patient
from domain.money import ZERO
from domain.policy.parameters import PolicyParameters
from domain.rules.claim import ClaimFacts
from service.major_disease_facts import treated_disease_of


def settlement_claim(
    claim_id: str,
    admission: Admission,
    patient: Patient,
    policy: PolicyParameters,
    year: int,
    *,
    hospital: Mapping[str, Any] | None = None,
    compliant: Decimal | None = None,
) -> ClaimFacts:
    """The admission's and patient's facts, with Hainan's where the policy has their rules: what the
    admission treats (大病集中救治) and the charity grants recorded for the patient-year so far. A Langxi
    claim is exactly what it always was. `hospital`: the registry's attributes in force on the service
    date (`BenefitLedger.hospital_at_settlement`); default: those frozen on the admission. `compliant`: the
    compliant cost of the lines as re-classified by a recalculation (service.line_reclassification); default:
    as posted."""
    return claim_facts(
        claim_id,
        admission,
        patient,
        treated=treated_disease_of(policy, admission, patient, hospital=hospital),
        charity_granted=patient.charity_granted(year) if policy.charity is not None else ZERO,
        hospital=hospital,
        compliant=compliant,
    )
