"""Handlers of fund budgets and payment runs (批量发放) to households, and the bank's results."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError

from domain import ids
from domain.aggregates.benefit_year import BenefitYear
from domain.aggregates.fund_budget import FundBudget
from domain.aggregates.payment_run import PaymentRun, total_of
from domain.errors import AlreadyExistsError, NotFoundError, StateConflictError, ValidationError
from domain.money import money_sum
from domain.payment_selection import owed_items, select_lines
from service.commands.payments import CreatePaymentRun, RecordFundBudget, RecordPaymentResult
from service.handlers import handles
from service.idempotency import Outcome
from service.rosters import households

if TYPE_CHECKING:
    from service.ledger import BenefitLedger

# A caller (the `ledger pay run` progress bar) may watch a run's selection: called once per patient-year read.
SELECTION_PROGRESS: ContextVar[Callable[[int], None] | None] = ContextVar("selection_progress", default=None)


def fund_budget(ledger: BenefitLedger, fund: str, county_code: str, year: int, *, create: bool = False) -> FundBudget:
    try:
        budget: FundBudget = ledger.repository.get(ids.fund_budget_id(fund, county_code, year))
    except AggregateNotFoundError:
        if create:
            return FundBudget(fund=fund, county_code=county_code, year=year)
        raise NotFoundError(f"no {fund} budget is recorded for {county_code}/{year}") from None
    return budget


def payment_run(ledger: BenefitLedger, run_id: str) -> PaymentRun:
    try:
        run: PaymentRun = ledger.repository.get(ids.payment_run_id(run_id))
    except AggregateNotFoundError:
        raise NotFoundError(f"no payment run {run_id}") from None
    return run


@handles(RecordFundBudget)
def record_fund_budget(ledger: BenefitLedger, cmd: RecordFundBudget) -> Outcome:
    budget = fund_budget(ledger, cmd.fund.value, cmd.county_code, cmd.year, create=True)
    budget.record_budget(cmd.amount, cmd.reason, cmd.recorded_on.isoformat())
    return Outcome([budget], budget.figures())


def check_payout(ledger: BenefitLedger, cmd: CreatePaymentRun) -> None:
    """再救助 is paid by runs only where the policy in force on `run_on` says so, and "after_year" only then."""
    if cmd.fund.value != "reassist":
        return
    _, policy = ledger.policy_in_force(cmd.county_code, cmd.run_on, datetime.now(UTC))
    rule = policy.reassist
    payout = "window" if rule is None else rule.payout
    if payout == "window":
        raise StateConflictError(f"the {cmd.county_code} policy in force on {cmd.run_on} pays 再救助 at the window")
    if payout == "after_year" and cmd.run_on.year <= cmd.year:
        raise StateConflictError(
            f"the policy pays 再救助 after the year: a run for {cmd.year} starts in {cmd.year + 1}"
        )


def county_years(ledger: BenefitLedger, county_code: str, year: int) -> list[tuple[str, int, list[dict[str, Any]]]]:
    """The county-year's patient-years with their settlement records (folded from the log)."""
    found = []
    progress = SELECTION_PROGRESS.get()
    for opened in ledger.benefit_year_openings():
        if opened.county_code == county_code and opened.year == year:
            history = ledger.get_benefit_year(opened.patient_ref, opened.year)
            found.append((opened.patient_ref, opened.year, history.settlements))
        if progress is not None:
            progress(1)
    return sorted(found, key=lambda entry: entry[0])


@handles(CreatePaymentRun)
def create_payment_run(ledger: BenefitLedger, cmd: CreatePaymentRun) -> Outcome:
    try:
        payment_run(ledger, cmd.run_id)
        raise AlreadyExistsError(f"payment run {cmd.run_id} exists already")
    except NotFoundError:
        pass
    fund = cmd.fund.value
    check_payout(ledger, cmd)
    budget = fund_budget(ledger, fund, cmd.county_code, cmd.year)
    through = (cmd.through or date(cmd.year, 12, 31)).isoformat()
    household_of = households(ledger, cmd.county_code, cmd.run_on)
    items = owed_items(
        fund,
        county_years(ledger, cmd.county_code, cmd.year),
        through,
        budget.paid_on,
        budget.pending_on,
        lambda patient_ref: household_of.get(patient_ref, patient_ref),
    )
    unnetted: list[Decimal] = []
    lines, left_owed = select_lines(cmd.run_id, items, budget.remaining, unnetted=unnetted)
    if not lines:
        raise StateConflictError(
            f"nothing to pay: {fund} owes nothing for {cmd.county_code}/{cmd.year} up to {through}"
            if left_owed == 0
            else f"the remaining {fund} budget {budget.remaining} covers no household (owed {left_owed})"
        )
    committed = {item["key"]: Decimal(item["amount"]) for line in lines for item in line["items"]}
    budget.commit_items(cmd.run_id, committed)
    run = PaymentRun(
        run_id=cmd.run_id,
        fund=fund,
        county_code=cmd.county_code,
        year=cmd.year,
        through=through,
        run_on=cmd.run_on.isoformat(),
        lines=lines,
        total=total_of(lines),
        left_owed=left_owed,
    )
    figures = {**run.figures(), "credit_not_netted": money_sum(unnetted), "budget": budget.figures()}
    return Outcome([budget, run], figures)


@handles(RecordPaymentResult)
def record_payment_result(ledger: BenefitLedger, cmd: RecordPaymentResult) -> Outcome:
    run = payment_run(ledger, cmd.run_id)
    if run.fund != cmd.fund.value:
        raise ValidationError(f"fund: run {cmd.run_id} pays from {run.fund}, not {cmd.fund.value}")
    outcomes = [o.model_dump(mode="json") for o in cmd.outcomes]
    for outcome in outcomes:
        outcome["amount"] = outcome["amount"] or ""
    paid, failed = run.record_result(cmd.command_id, outcomes)
    budget = fund_budget(ledger, run.fund, run.county_code, run.year)
    budget.settle_items(run.run_id, paid, failed)
    saved: list[Any] = [run, budget]
    if run.fund == "s5090":  # the compensation is paid: the patient-year's outstanding drops
        saved += _compensation_paid(ledger, run, set(paid), cmd.paid_on.isoformat())
    return Outcome(saved, {**run.figures(), "budget": budget.figures()})


def _compensation_paid(ledger: BenefitLedger, run: PaymentRun, paid: set[str], paid_on: str) -> list[BenefitYear]:
    accounts: dict[tuple[str, int], BenefitYear] = {}
    for line in run.lines:
        for item in line["items"]:
            if item["key"] not in paid:
                continue
            key = (item["patient_ref"], int(item["year"]))
            if key not in accounts:
                accounts[key] = ledger.benefit_year_account(*key)
            accounts[key].pay_retroactive_compensation(
                item["settlement_id"], Decimal(item["amount"]), paid_on, f"payment run {run.run_id} {line['line_id']}"
            )
    return list(accounts.values())
