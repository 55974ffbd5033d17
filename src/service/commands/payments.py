"""Money after the window: fund budgets, payment runs to households (批量发放) and the bank's results."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.commands.base import Command
from service.commands.fields import (
    BudgetFundName,
    Day,
    Money,
    PaymentStatusName,
    Ref,
    RunFundName,
    Text,
    Year,
)
from service.roles import FundField, FundScope, Role

RESULT_LINES_MAX = 10_000  # outcomes per result command (a bigger bank file is sent in parts)


class RecordFundBudget(Command):
    """Record a fund's budget for a county-year (e.g. 再救助 2,700,000 a year); a change is a new event, and a
    budget below what is already committed and paid is refused."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.ADMIN})

    command: Literal["record_fund_budget"] = "record_fund_budget"
    fund: BudgetFundName
    county_code: Ref
    year: Year
    amount: Money
    recorded_on: Day
    reason: Text = ""


class CreatePaymentRun(Command):
    """Select what `fund` owes households of the county for the year's settlements served up to `through`,
    within the remaining budget, commit it and record the run (one payment-file line per household). The
    run id names the run: a second run with the same id is refused."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.PAYMENT_SERVICE})
    fund_scope: ClassVar[FundScope | None] = FundField("fund")
    batchable: ClassVar[bool] = False  # reads every patient-year of the county-year

    command: Literal["create_payment_run"] = "create_payment_run"
    run_id: Ref
    fund: RunFundName
    county_code: Ref
    year: Year
    run_on: Day
    through: Day | None = None
    """last service date included (default: the end of `year`)"""

    @model_validator(mode="after")
    def _dates(self) -> CreatePaymentRun:
        if self.through is not None and self.through.year != self.year:
            raise ValueError("through: must lie in the run's year")
        if self.through is not None and self.through > self.run_on:
            raise ValueError("through: cannot be after run_on")
        return self


class PaymentOutcome(BaseModel):
    """One row of the bank's result file."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    line_id: Ref
    status: PaymentStatusName
    amount: Money | None = None
    """the amount the bank paid (must equal the line's); optional"""
    bank_reference: Text = ""
    reason: Text = ""


class RecordPaymentResult(Command):
    """Record the bank's result of a run: each line paid or failed (failed items return to owed)."""

    roles: ClassVar[frozenset[Role]] = frozenset({Role.PAYMENT_SERVICE})
    fund_scope: ClassVar[FundScope | None] = FundField("fund")

    command: Literal["record_payment_result"] = "record_payment_result"
    run_id: Ref
    fund: RunFundName
    paid_on: Day
    outcomes: list[PaymentOutcome] = Field(min_length=1, max_length=RESULT_LINES_MAX)
