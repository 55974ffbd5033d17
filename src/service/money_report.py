"""The county's money after the window for a year: fund budgets (budget, committed, paid, remaining), 送药上门
deliveries (counts and cost), and the enrolment figures of the registered poor (参保率, 参保补贴落实率).

Aggregates only: no patient refs, no personal data (the dashboard role reads it)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from domain.errors import NotFoundError, StateConflictError
from domain.funds import BudgetFund
from domain.money import ZERO
from domain.vocabulary import PremiumPayer
from service.handlers.payments import fund_budget
from service.rosters import county_patients, poor_statuses

if TYPE_CHECKING:
    from service.ledger import BenefitLedger


def money_report(ledger: BenefitLedger, county_code: str, year: int) -> dict[str, Any]:
    from projections.county_dashboard import ratio

    funds = []
    deliveries: dict[str, Any] | None = None
    for fund in BudgetFund:
        try:
            budget = fund_budget(ledger, fund.value, county_code, year)
        except NotFoundError:
            continue
        funds.append(budget.figures())
        if fund is BudgetFund.DRUG_DELIVERY:
            deliveries = budget.delivery_figures()
    year_end = date(year, 12, 31)
    try:
        poor = poor_statuses(ledger, county_code, year_end)
    except StateConflictError:  # no policy for the county: nobody counts as poor
        poor = frozenset()
    registered_poor = enrolled = subsidised = 0
    by_payer = dict.fromkeys((p.value for p in PremiumPayer), 0)
    for patient in county_patients(ledger, county_code):
        if patient.status_on(year_end) not in poor:
            continue
        registered_poor += 1
        if patient.enrolled_in(year):
            enrolled += 1
            subsidised += patient.premium_payer_in(year) is PremiumPayer.COUNTY_FINANCE  # 财政代缴
            by_payer[str(patient.premium_payer_in(year).value)] += 1  # type: ignore[union-attr]
    return {
        "county_code": county_code,
        "year": year,
        "funds": funds,
        "drug_deliveries": deliveries or {"deliveries": 0, "patients": 0, "cost": ZERO, "by_disease": {}},
        "enrolment": {
            "registered_poor": registered_poor,
            "enrolled": enrolled,
            "premium_paid_by_state": subsidised,
            "premium_payers": by_payer,
            "enrolment_rate": ratio(enrolled, registered_poor),
            "premium_subsidy_rate": ratio(subsidised, enrolled),
        },
    }
