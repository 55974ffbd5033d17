"""Year close (年度结算) responses: the closing figures kept, the figures now, their difference, restatements."""

from __future__ import annotations

from pydantic import BaseModel

from api.schemas.common import Delta, Money


class FundFiguresPublic(BaseModel):
    benefit: Delta
    """what the fund pays on the county-year's standing settlements, as they stand"""
    advanced: Delta
    """advanced by hospitals at the window, as settled"""
    deferred: Delta
    """owed to households and paid by runs (再救助 outside the window)"""


class CompensationFiguresPublic(BaseModel):
    owed: Delta
    paid: Delta
    outstanding: Delta


class BudgetFiguresPublic(BaseModel):
    budget: Delta
    committed: Delta
    paid: Delta
    remaining: Delta


class CountyYearFiguresPublic(BaseModel):
    """A county-year's figures (the closing ones, now, or their difference: then every field is signed)."""

    patient_years: int
    patients: int
    settlements: int
    reversed_settlements: int
    total: Delta
    compliant: Delta
    payer_total: Delta
    patient_share: Delta
    hospital_borne: Delta
    funds: dict[str, FundFiguresPublic]
    compensation: CompensationFiguresPublic
    reassist_owed_to_households: Delta
    budgets: dict[str, BudgetFiguresPublic]


class YearClosedPublic(BaseModel):
    county_code: str
    year: int
    closed_at: str
    closing_figures: CountyYearFiguresPublic


class RestatementPublic(BaseModel):
    patient_ref: str
    kind: str
    """recalculation, reversal or late_claim"""
    recorded_at: str
    settlement_id: str | None = None
    settlement_ids: list[str] | None = None
    reason: str | None = None


class LateClaimPublic(BaseModel):
    settlement_id: str
    patient_ref: str
    reason: str
    settled_at: str
    payer_total: Money
    patient_share: Money


class YearCloseReportPublic(BaseModel):
    """The close of a county-year: closing figures kept, figures now, now - closing, and what restated it."""

    county_code: str
    year: int
    closed_at: str
    reason: str
    closing_figures: CountyYearFiguresPublic
    figures_now: CountyYearFiguresPublic
    difference: CountyYearFiguresPublic
    restated: bool
    restatements: list[RestatementPublic]
    late_claims: list[LateClaimPublic]
