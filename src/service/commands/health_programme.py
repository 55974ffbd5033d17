"""Hainan's 三个一批 patient commands: treatment plans (大病集中救治), charity fund grants (慈善医疗救助),
health cards, annual check-ups and the chronic risk class (慢病签约服务管理). docs/hainan.md.

The registry (`admin`) runs them all; a payment service bound to the charity fund (`charity`) may also
record the grants of its own fund.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from service.commands.fields import ChronicRiskName, Day, Label, Money, Ref, Text, TreatmentName, Year
from service.commands.patients import REGISTRY_ROLES, PatientCommand
from service.roles import FixedFund, FundScope, Role

CHARITY_FUND = "charity"


class RecordTreatmentPlan(PatientCommand):
    """Record the county expert group's treatment plan (诊疗方案) for one of the patient's major diseases:
    how the disease is treated (手术/化疗/放疗...). A later plan for the same disease replaces it from its date."""

    command: Literal["record_treatment_plan"] = "record_treatment_plan"
    disease: Ref
    """a disease of the region's 大病集中救治 list (e.g. esophageal_cancer)"""
    treatment: TreatmentName
    decided_on: Day
    expert_group: Label
    """the county expert group (县级专家组) that decided it"""


class RecordCharityGrant(PatientCommand):
    """Record a charity fund grant (慈善医疗救助) for a patient-year: the charity payer pays out of it."""

    roles: ClassVar[frozenset[Role]] = REGISTRY_ROLES | {Role.PAYMENT_SERVICE}
    fund_scope: ClassVar[FundScope | None] = FixedFund(CHARITY_FUND)

    command: Literal["record_charity_grant"] = "record_charity_grant"
    grant_ref: Ref
    year: Year
    amount: Money
    granted_on: Day
    donor: Text = ""


class IssueHealthCard(PatientCommand):
    """Record the health card (健康卡) issued to a poor person; one per person."""

    command: Literal["issue_health_card"] = "issue_health_card"
    card_no: Ref
    issued_on: Day


class RecordHealthCheckUp(PatientCommand):
    """Record the annual health check-up (年度健康体检); one a year."""

    command: Literal["record_health_check_up"] = "record_health_check_up"
    checked_on: Day


class ClassifyChronicRisk(PatientCommand):
    """Classify a contracted chronic patient as high-risk (高危) or ordinary (一般), from a date; the class sets
    how many follow-ups a year the policy's schedule asks for. Needs a family-doctor contract signed by then."""

    command: Literal["classify_chronic_risk"] = "classify_chronic_risk"
    risk: ChronicRiskName
    classified_on: Day
