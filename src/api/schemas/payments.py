"""Fund budgets and payment runs (批量发放): what the routes answer. Money is text with two places."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import DecimalText, Money


class FundBudgetPublic(BaseModel):
    """remaining = budget - committed (to runs awaiting the bank) - paid."""

    fund: str
    county_code: str
    year: int
    budget: Money
    committed: Money
    paid: Money
    remaining: Money
    open_runs: list[str]


class LineCountsPublic(BaseModel):
    sent: int
    paid: int
    failed: int


class PaymentRunPublic(BaseModel):
    """A run's total and what of it is still with the bank (`sent`), paid and failed."""

    run_id: str
    fund: str
    county_code: str
    year: int
    through: str
    run_on: str
    lines: int
    total: Money
    left_owed: Money
    sent: Money
    paid: Money
    failed: Money
    counts: LineCountsPublic


class PaymentRunWrittenPublic(PaymentRunPublic):
    budget: FundBudgetPublic


class DiseaseDeliveriesPublic(BaseModel):
    deliveries: int
    cost: Money


class DrugDeliveryPublic(FundBudgetPublic):
    """The delivery recorded, and the 送药上门 budget's figures after it."""

    delivery_ref: str
    deliveries: int
    patients: int
    cost: Money
    by_disease: dict[str, DiseaseDeliveriesPublic]


class DeliveryFiguresPublic(BaseModel):
    deliveries: int
    patients: int
    cost: Money
    by_disease: dict[str, DiseaseDeliveriesPublic]


class EnrolmentFiguresPublic(BaseModel):
    registered_poor: int
    enrolled: int
    premium_paid_by_state: int
    premium_payers: dict[str, int] = {}
    """enrolled poor by who paid the premium (county_finance 财政代缴, self, other)"""
    enrolment_rate: DecimalText | None
    """参保率: enrolled / registered poor at the year's end"""
    premium_subsidy_rate: DecimalText | None
    """参保补贴落实率: premium paid by county finance (代缴) / enrolled"""


class MoneyReportPublic(BaseModel):
    """The county's money after the window for a year."""

    county_code: str
    year: int
    funds: list[FundBudgetPublic]
    drug_deliveries: DeliveryFiguresPublic
    enrolment: EnrolmentFiguresPublic
