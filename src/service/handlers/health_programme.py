"""Handlers of Hainan's 三个一批 patient commands (service.commands.health_programme)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

from domain.errors import StateConflictError, ValidationError
from domain.policy.parameters import PolicyParameters
from service.commands.health_programme import (
    CHARITY_FUND,
    ClassifyChronicRisk,
    IssueHealthCard,
    RecordCharityGrant,
    RecordHealthCheckUp,
    RecordTreatmentPlan,
)
from service.handlers import handles
from service.handlers.patients import _on_patient
from service.idempotency import Outcome

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


def _policy_on(ledger: BenefitLedger, county_code: str, day: date) -> PolicyParameters:
    """The patient's region's parameters in force on `day`, as known now."""
    _, policy = ledger.policy_in_force(county_code, day, datetime.now(UTC))
    return policy


@handles(RecordTreatmentPlan)
def record_treatment_plan(ledger: BenefitLedger, cmd: RecordTreatmentPlan) -> Outcome:
    patient = ledger.get_patient(cmd.patient_ref)
    rule = _policy_on(ledger, patient.county_code, cmd.decided_on).major_disease
    if rule is None:
        raise StateConflictError(f"region {patient.county_code} has no 大病集中救治 programme in its policy")
    if cmd.disease not in rule.diseases:
        raise ValidationError(f"{cmd.disease} is not a disease of the programme ({', '.join(rule.diseases)})")
    return _on_patient(
        ledger, cmd, lambda p: p.record_treatment_plan(cmd.disease, cmd.treatment, cmd.decided_on, cmd.expert_group)
    )


@handles(RecordCharityGrant)
def record_charity_grant(ledger: BenefitLedger, cmd: RecordCharityGrant) -> Outcome:
    patient = ledger.get_patient(cmd.patient_ref)
    if _policy_on(ledger, patient.county_code, cmd.granted_on).charity is None:
        raise StateConflictError(f"region {patient.county_code} has no charity payer (慈善医疗救助) in its policy")
    return _on_patient(
        ledger,
        cmd,
        lambda p: p.record_charity_grant(cmd.grant_ref, cmd.year, cmd.amount, cmd.granted_on, CHARITY_FUND),
    )


@handles(IssueHealthCard)
def issue_health_card(ledger: BenefitLedger, cmd: IssueHealthCard) -> Outcome:
    return _on_patient(ledger, cmd, lambda p: p.issue_health_card(cmd.card_no, cmd.issued_on))


@handles(RecordHealthCheckUp)
def record_health_check_up(ledger: BenefitLedger, cmd: RecordHealthCheckUp) -> Outcome:
    patient = ledger.get_patient(cmd.patient_ref)
    rule = _policy_on(ledger, patient.county_code, cmd.checked_on).health_management
    if rule is None:
        raise StateConflictError(f"region {patient.county_code} has no health-management schedule in its policy")
    return _on_patient(ledger, cmd, lambda p: p.record_health_check_up(cmd.checked_on, rule.check_ups_per_year))


@handles(ClassifyChronicRisk)
def classify_chronic_risk(ledger: BenefitLedger, cmd: ClassifyChronicRisk) -> Outcome:
    return _on_patient(ledger, cmd, lambda p: p.classify_chronic_risk(cmd.risk, cmd.classified_on))
