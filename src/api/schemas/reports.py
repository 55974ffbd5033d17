"""Report responses: the read models' rows as the projections return them, typed for the OpenAPI schema.

Values arrive already as JSON text (`api.responses.plain`): money "84606.00", ratios "0.8876", dates ISO,
None as null, so a response is byte for byte what the projection computed. A column a projection adds
later passes through (extra fields are kept) until it is named here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema

MoneyText = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["84606.00"]})]
DecimalText = Annotated[str, WithJsonSchema({"type": "string", "examples": ["0.8876"]})]


class Row(BaseModel):
    model_config = ConfigDict(extra="allow")


class PagePublic(Row):
    count: int
    """items in the whole list"""
    limit: int
    offset: int
    next_offset: int | None
    """where the next page starts; null on the last page"""


# ---- county dashboard --------------------------------------------------------------------------
class CountyDashboardPublic(Row):
    """A county's report figures and action-plan rates for a year, a month, or the year to a month."""

    county_code: str
    year: int
    month: int | None
    period: list[str]
    person_times: int
    inpatient_times: int
    in_county_times: int
    follow_ups: int
    total_cost: MoneyText
    compensation: MoneyText
    patient_share: MoneyText
    hospital_borne: MoneyText
    inprov_inpatient_cost: MoneyText
    inprov_inpatient_compensation: MoneyText
    compensation_by_payer: dict[str, MoneyText]
    actual_compensation_ratio: DecimalText | None
    in_county_visit_rate: DecimalText | None
    in_province_inpatient_ratio: DecimalText | None
    major_disease_patients: int
    major_disease_treated: int
    major_disease_treatment_rate: DecimalText | None
    chronic_patients: int
    chronic_contracted: int
    chronic_contract_rate: DecimalText | None
    # Hainan 慢病签约服务管理 (projections.health_rates): over the county's poor patients
    poor_patients: int
    health_card_patients: int
    health_card_rate: DecimalText | None
    check_up_patients: int
    check_up_rate: DecimalText | None
    poor_contracted: int
    poor_contract_rate: DecimalText | None
    high_risk_patients: int
    ordinary_chronic_patients: int
    follow_up_scheduled_patients: int | None
    """contracted patients with a risk class; null when the county's policy sets no follow-up schedule"""
    follow_up_on_schedule: int | None
    follow_up_schedule_rate: DecimalText | None


# ---- a patient-year's totals -------------------------------------------------------------------
class AnnualTotalsPublic(Row):
    """A patient-year's costs, what each payer paid, out-of-pocket and the "351" cap in force."""

    patient_ref: str
    year: int
    county_code: str
    benefit_year_id: str
    total_cost: MoneyText
    compliant_cost: MoneyText
    payer_total: MoneyText
    patient_compliant: MoneyText
    patient_noncompliant: MoneyText
    patient_share: MoneyText
    hospital_borne: MoneyText
    admissions: int
    person_times: int
    recalculations: int
    policy_version: str | None
    cap_mode: str | None
    cap_class: str | None
    cap_351: MoneyText | None
    cap_used: MoneyText | None
    cap_remaining: MoneyText | None


# ---- retroactive compensation ------------------------------------------------------------------
class RetroItemPublic(Row):
    settlement_id: str
    patient_ref: str
    year: int
    county_code: str | None
    admission_ref: str | None
    patient_share_original: MoneyText
    patient_share_current: MoneyText
    owed: MoneyText
    paid: MoneyText
    outstanding: MoneyText
    status: str
    """open (some owed is unpaid) or closed"""
    policy_version_before: str | None
    policy_version_current: str | None
    recalculations: int
    last_recalculated_at: str | None
    payments: int
    last_paid_on: str | None


class RetroItemsPublic(PagePublic):
    items: list[RetroItemPublic]


class RetroSummaryPublic(Row):
    """Retroactive compensation in aggregate: no patient refs."""

    county_code: str | None
    settlements: int
    owed: MoneyText
    paid: MoneyText
    outstanding: MoneyText
    settlements_outstanding: int
    patients_outstanding: int


# ---- hospital advances -------------------------------------------------------------------------
class HospitalFundPublic(Row):
    hospital_code: str
    fund: str
    advanced: MoneyText
    reimbursed: MoneyText
    deducted: MoneyText
    reversed: MoneyText
    balance: MoneyText
    """what the fund still owes the hospital: advanced - reimbursed - deducted + reversed"""


class HospitalPublic(Row):
    hospital_code: str
    name: str | None = None
    tier: str | None = None
    county_code: str | None = None
    settlements: int | None = None
    total_cost: MoneyText | None = None
    advanced: MoneyText | None = None
    patient_share: MoneyText | None = None
    hospital_borne: MoneyText | None = None
    funds: list[HospitalFundPublic]
    balance: MoneyText


class HospitalsPublic(PagePublic):
    hospitals: list[HospitalPublic]


# ---- audit trails ------------------------------------------------------------------------------
class AuditLayerPublic(Row):
    position: int
    settlement_id: str
    seq: int
    admission_ref: str | None
    policy_version: str | None
    payer: str
    amount: MoneyText
    eligible: bool | None
    base: DecimalText | None
    threshold: DecimalText | None
    ratio: DecimalText | None
    cap: DecimalText | None
    paid_before: MoneyText | None
    explanation: str | None


class AuditEventPublic(Row):
    """One event of the trail: who it is about, when it is effective and was recorded, its headline amount."""

    position: int
    originator_id: str
    originator_version: int
    topic: str
    event: str
    patient_ref: str | None
    year: int | None
    admission_ref: str | None
    settlement_id: str | None
    finding_ref: str | None
    hospital_code: str | None
    effective_on: str | None
    recorded_at: str | None
    policy_version: str | None
    amount: MoneyText | None
    summary: str | None
    detail: Any
    layers: list[AuditLayerPublic]


class PatientYearTrailPublic(PagePublic):
    patient_ref: str
    year: int
    events: list[AuditEventPublic]


class AdmissionTrailPublic(PagePublic):
    admission_ref: str
    events: list[AuditEventPublic]


# ---- patient-years pending recalculation (late facts) -----------------------------------------------
class PendingReasonPublic(Row):
    """A late fact: recorded after a settlement of the year, effective on or before its service date."""

    fact: str
    """poverty_status, chronic_certificate, chronic_revocation, major_disease, hospital or policy"""
    subject: str
    """what the fact is about: the patient, a hospital code, or region/version"""
    detail: str
    effective_on: str
    """the first service date the fact touches (ISO date)"""
    recorded_at: str
    """when the ledger recorded the fact (server time)"""
    position: int
    """the fact's position in the event log"""
    settlements: int
    """the year's settlements (recorded before the fact) it touches"""
    first_service_date: str


class PendingYearPublic(Row):
    patient_ref: str
    year: int
    county_code: str
    latest_fact: int
    """the log position of the latest pending fact: the pending run's command id ends with it"""
    reasons: list[PendingReasonPublic]


class PendingYearsPublic(PagePublic):
    years: list[PendingYearPublic]


class PendingRunYearPublic(Row):
    patient_ref: str
    year: int
    county_code: str
    changed: bool
    compensation_owed: MoneyText
    replayed: bool


class PendingRunPublic(Row):
    """Every pending patient-year re-settled with the facts as recorded now; compensation owed (追溯补偿)."""

    examined: int
    changed_count: int
    compensation_owed: MoneyText
    years: list[PendingRunYearPublic]
