"""Settle a plan without a ledger: the same domain aggregates and cascade, in memory, in load order.

For calibration (seconds instead of minutes) and as a cross-check of a real load: a plan loaded
through BenefitLedger must give exactly the settlements this gives (tests/generator).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from domain.aggregates.admission import Admission
from domain.aggregates.claim_facts import benefit_year_of
from domain.aggregates.patient import Patient
from domain.ids import settlement_id
from domain.policy.loader import PolicyDocument, load_default_policy
from domain.policy.parameters import PolicyParameters
from domain.rules.cascade import settle_claim
from domain.rules.year_state import YearState
from domain.vocabulary import PovertyStatus, Treatment
from generator.plan import CountyPlan, PatientPlan, VisitPlan
from service.settlement_claims import settlement_claim

Row = tuple[dict[str, Any], dict[str, Any]]  # (claim facts, settlement) as BenefitYear records them


def patient_aggregate(plan: CountyPlan, p: PatientPlan) -> Patient:
    """The Patient aggregate the loader's commands build (facts only; contracts/follow-ups don't settle)."""
    patient = Patient(patient_ref=p.ref, county_code=plan.region, township=p.township)
    patient.enrol(plan.year, True)
    for record in p.statuses:
        patient.record_poverty_status(PovertyStatus(record.status), record.effective_from, record.reason)
    for cert in p.chronic:
        patient.certify_chronic_disease(cert.disease, cert.valid_from, cert.valid_to)
    for diagnosis in p.major:
        patient.confirm_major_disease(diagnosis.disease, diagnosis.confirmed_on)
    for plan_record in p.treatment_plans:
        patient.record_treatment_plan(plan_record.disease, Treatment(plan_record.treatment), plan_record.decided_on, "")
    for grant in p.charity_grants:
        patient.record_charity_grant(grant.grant_ref, plan.year, grant.amount, grant.granted_on, "charity")
    return patient


def admission_aggregate(visit: VisitPlan) -> Admission:
    admission = Admission(
        admission_ref=visit.ref,
        patient_ref=visit.patient_ref,
        kind=visit.kind,
        hospital=visit.hospital.as_payload(),
        referred=visit.referred,
        admitted_on=visit.admitted_on.isoformat(),
        diagnosis=visit.diagnosis,
    )
    for line in visit.lines:
        admission.post_charge_line(line.line_no, line.category, line.amount, line.compliant)
    admission.discharge(visit.discharged_on)
    return admission


def settle_plan(plan: CountyPlan, document: PolicyDocument | None = None) -> Iterator[tuple[VisitPlan, Row]]:
    """Each visit with its (claim, settlement) dicts, settled in the plan's (= the loader's) order."""
    document = document or load_default_policy(plan.region)
    if document.effective_from > date(plan.year, 1, 1):
        raise ValueError(f"policy {document.version} takes effect after the start of {plan.year}")
    policy = PolicyParameters.from_mapping(document.parameters)
    patients = {p.ref: patient_aggregate(plan, p) for p in plan.patients}
    states: dict[tuple[str, int], YearState] = {}
    for visit in plan.visits:
        admission = admission_aggregate(visit)
        patient = patients[visit.patient_ref]
        key = (visit.patient_ref, benefit_year_of(admission, policy))
        claim = settlement_claim(settlement_id(visit.ref, 1), admission, patient, policy, key[1])
        settlement, states[key] = settle_claim(claim, states.get(key, YearState()), policy, document.version)
        yield visit, (claim.to_dict(), settlement.to_dict())


def dry_rows(plan: CountyPlan) -> list[Row]:
    return [row for _, row in settle_plan(plan)]
